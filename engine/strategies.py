"""Named what-if strategies: ways to dispose of a property, each a small YAML
file of changes to the fact file under rules/strategies/ (see the README there).
They are planning choices, not law: the law stays in the rule files, and a
strategy only rewrites the facts the law is then applied to. Formulas are the
rule files' whitelisted language (engine/formula.py); nothing here runs code
from a file."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import fieldpath
from .formula import FormulaError, Scope, evaluate, parse, round_cents

STRATEGY_FOLDER = ("rules", "strategies")
SCHEMA = "strategy.schema.json"


class NotApplicable(Exception):
    """The strategy does not apply to this property (the reason is the strategy file's)."""


class StrategyError(Exception):
    """The strategy could not be applied to these facts (a formula or a path failed)."""


@dataclass
class Strategy:
    name: str
    order: int
    title: str
    describe: str
    citation: str
    file: str
    applies: list = field(default_factory=list)
    let: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)


def folder(root) -> Path:
    return Path(root).joinpath(*STRATEGY_FOLDER)


def strategy_files(root) -> list[Path]:
    f = folder(root)
    return sorted(f.glob("*.yaml")) if f.is_dir() else []


def _formulas(doc):
    """(json path, formula text) of every formula a strategy file holds."""
    for i, a in enumerate(doc.get("applies") or []):
        yield ["applies", i, "when"], a["when"]
    for k, v in (doc.get("let") or {}).items():
        yield ["let", k], v
    for i, c in enumerate(doc.get("changes") or []):
        if "when" in c:
            yield ["changes", i, "when"], c["when"]
        if "set" in c and isinstance(c["to"], str):
            yield ["changes", i, "to"], c["to"]
        if "equal_payments" in c:
            yield ["changes", i, "equal_payments", "total"], c["equal_payments"]["total"]
            yield ["changes", i, "equal_payments", "first_year"], c["equal_payments"]["first_year"]
    for m in _PLACEHOLDER.finditer(doc.get("describe") or ""):
        yield ["describe"], m.group(1)


def _paths(doc):
    for i, c in enumerate(doc.get("changes") or []):
        if "set" in c:
            yield ["changes", i, "set"], c["set"]
        if "remove" in c:
            for p in c["remove"] if isinstance(c["remove"], list) else [c["remove"]]:
                yield ["changes", i, "remove"], p


def check(root) -> list[str]:
    """Every fault in the strategy files, as `file:line: reason` (for `recapture rules check`)."""
    from .library import RulesError, _line, _read, _schema_faults
    faults, names = [], {}
    for path in strategy_files(root):
        try:
            rf = _read(Path(root), path)
        except RulesError as e:
            faults += e.faults
            continue
        found = _schema_faults(rf, SCHEMA)
        if found:
            faults += found
            continue
        doc = rf.data
        if doc["strategy"] in names:
            faults.append(f"{rf.path}:{_line(rf, ['strategy'])}: strategy {doc['strategy']!r} is also in "
                          f"{names[doc['strategy']]}")
        names[doc["strategy"]] = rf.path
        for where, text in _formulas(doc):
            try:
                parse(str(text))
            except FormulaError as e:
                faults.append(f"{rf.path}:{_line(rf, where)}: {e}")
        for where, text in _paths(doc):
            try:
                parts = fieldpath.parse(text)
                if parts.count("*") > 1:
                    raise fieldpath.PathError(text, "at most one [*] in a path")
            except fieldpath.PathError as e:
                faults.append(f"{rf.path}:{_line(rf, where)}: {e}")
    return faults


def load(root) -> list[Strategy]:
    """The strategies of a rules folder, in their `order`; faults raise RulesError."""
    from .library import RulesError, _read
    faults = check(root)
    if faults:
        raise RulesError(faults)
    out = []
    for path in strategy_files(root):
        rf = _read(Path(root), path)
        d = rf.data
        out.append(Strategy(d["strategy"], d.get("order", 1000), d["title"], d["describe"], d["citation"], rf.path,
                            d.get("applies") or [], d.get("let") or {}, d.get("changes") or []))
    return sorted(out, key=lambda s: (s.order, s.name))


def select(strategies: list[Strategy], names) -> list[Strategy]:
    """The strategies named (comma-separated or a list), in the order given; all when `names` is empty."""
    if not names or names == "all":
        return list(strategies)
    wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    by_name = {s.name: s for s in strategies}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise StrategyError(f"no strategy named {', '.join(unknown)}; the strategies are "
                            f"{', '.join(s.name for s in strategies)}")
    return [by_name[n] for n in wanted]


# -- applying -------------------------------------------------------------------
class _Scope(Scope):
    """A strategy formula's view: the property before the changes (its fields by
    name), `changed` (the property as changed so far), `taxpayer`, `tax_year`,
    `table`, the `let` names, and `item` inside a [*] change."""

    def __init__(self, original: dict, changed: dict, facts: dict, tables: dict, names: dict):
        self.original, self.changed, self.facts, self.tables, self.names = original, changed, facts, tables, names

    def name(self, name):
        if name in self.names:
            return self.names[name]
        if name == "changed":
            return self.changed
        if name == "taxpayer":
            return self.facts.get("taxpayer") or {}
        if name == "tax_year":
            return self.facts.get("tax_year")
        if name == "table":
            return self.tables
        if name in self.original:
            return self.original[name]
        raise FormulaError(f"the property has no field {name!r}")

    def attribute(self, obj, attr):
        if isinstance(obj, dict) and attr not in obj:
            raise FormulaError(f"no {attr!r} in the facts here (fields: {', '.join(map(str, obj)) or 'none'})")
        return super().attribute(obj, attr)


def _plain(v):
    """A formula's value as a fact file holds it: whole numbers as int, money as Decimal."""
    if isinstance(v, Decimal) and v.is_finite() and v == v.to_integral_value():
        return int(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _eval(text, scope, what):
    if not isinstance(text, str):
        return text
    try:
        return evaluate(text, scope)
    except FormulaError as e:
        raise StrategyError(f"{what}: {e}") from None
    except (ArithmeticError, TypeError, ValueError) as e:
        raise StrategyError(f"{what}: {text!r} failed: {e}") from None


def _set(prop: dict, path: str, formula, scope: _Scope, what: str):
    parts = fieldpath.parse(path)
    if "*" not in parts:
        value = _plain(_eval(formula, scope, what))
        fieldpath.assign(prop, path, value)
        return
    star = parts.index("*")
    head, tail = fieldpath.text(parts[:star]), fieldpath.text(parts[star + 1:])
    try:
        items = fieldpath.get(prop, head)
    except fieldpath.PathError:
        return  # nothing to change
    if not isinstance(items, list):
        raise StrategyError(f"{what}: {head} is not a list")
    for item in items:
        scope.names["item"] = item
        value = _plain(_eval(formula, scope, what))
        if tail:
            fieldpath.assign(item, tail, value)
    scope.names.pop("item", None)


def _equal_payments(prop: dict, spec: dict, scope: _Scope, what: str):
    total = Decimal(_eval(spec["total"], scope, what))
    first = int(_eval(spec["first_year"], scope, what))
    n = int(spec["count"])
    each = round_cents(total / n)
    payments = [{"year": first + i, "principal": _plain(each)} for i in range(n - 1)]
    payments.append({"year": first + n - 1, "principal": _plain(total - each * (n - 1))})
    fieldpath.assign(prop, "disposition.installment", {"payments": payments})


def apply(strategy: Strategy, facts: dict, index: int, tables: dict) -> dict:
    """A copy of `facts` with the strategy applied to properties[index]. Raises
    NotApplicable (the file's reason) or StrategyError."""
    props = facts.get("properties")
    if not isinstance(props, list) or index >= len(props) or not isinstance(props[index], dict) \
            or not isinstance(props[index].get("disposition"), dict):
        raise StrategyError(f"properties[{index}] is no longer a property with a disposition to apply it to")
    out = copy.deepcopy(facts)
    original = facts["properties"][index]
    prop = out["properties"][index]
    scope = _Scope(original, prop, facts, tables, {})
    for cond in strategy.applies:
        if not _eval(cond["when"], scope, f"{strategy.file}: applies"):
            raise NotApplicable(cond["reason"].strip())
    for name, formula in strategy.let.items():
        scope.names[name] = _eval(formula, scope, f"{strategy.file}: let {name}")
    for i, change in enumerate(strategy.changes):
        what = f"{strategy.file}: changes[{i}]"
        if "when" in change and not _eval(change["when"], scope, what):
            continue
        try:
            if "set" in change:
                _set(prop, change["set"], change["to"], scope, what)
            elif "remove" in change:
                for path in change["remove"] if isinstance(change["remove"], list) else [change["remove"]]:
                    fieldpath.remove(prop, path)
            elif "equal_payments" in change:
                _equal_payments(prop, change["equal_payments"], scope, what)
        except fieldpath.PathError as e:
            raise StrategyError(f"{what}: {e}") from None
    return out


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def describe(strategy: Strategy, facts: dict, index: int, tables: dict, money_keys=()) -> str:
    """The words naming one scenario: the file's `describe`, each {formula} read on the changed property."""
    prop = facts["properties"][index]
    scope = _Scope(prop, prop, facts, tables, {})

    def one(m):
        text = m.group(1)
        try:
            v = evaluate(text, scope)
        except (FormulaError, ArithmeticError, TypeError, ValueError):
            return "?"
        last = re.findall(r"[a-z_]+", text)
        if isinstance(v, (Decimal, int)) and not isinstance(v, bool) and last and last[-1] in money_keys:
            return f"{Decimal(v):,.2f}"
        return str(_plain(v))
    return f"{prop.get('id', index)}: " + _PLACEHOLDER.sub(one, strategy.describe)
