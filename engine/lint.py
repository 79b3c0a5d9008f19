"""What `recapture rules check` finds beyond the JSON schemas: the mistakes a
tax analyst can make in a rule or table file, each as `file:line: reason`.

Two levels:
- per file (`rule_file_faults` here, `table_file_faults` in engine/shapes.py): cheap and structural,
  run by `rules check` and every time a tax year is loaded, so `evaluate`
  never runs a file that would crash the rule engine or read a broken table:
  conditions the adapter can compile, formulas of bounded size and depth,
  no unknown keys in a rule's `with:`, warning templates, citations, a
  table's declared shape (types, ranges, completeness), percentage tables;
- across files (`library_faults`): names a formula reads that nothing
  provides, overlapping rules, rules that can never match, rules and tables
  in force in no year, a year folder missing a provision another year has,
  a fixed amount that changed without a new citation, values awaiting review.

No law here: what a value must be is declared in the table files (`shape`)
and in schemas/rule-facts.schema.json (what a rule can see)."""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from . import messages as templates
from .shapes import (_column_faults, _schemas, _short, _unwrap, at, citation_fault, is_number, key_text, line_of,
                     matches, pattern_segments, value_fault, value_nodes, where)

# -- limits on formulas (the longest shipped formula is ~500 characters, depth 11, 84 nodes)
MAX_FORMULA_CHARS = 2000
MAX_FORMULA_DEPTH = 40
MAX_FORMULA_NODES = 500

FACT_TYPES = ("taxpayer", "asset", "unit", "unit_gain", "property", "activity", "return")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


# =====================================================================
# What a rule can see: schemas/rule-facts.schema.json
# =====================================================================
@dataclass(frozen=True)
class Domain:
    """The values a fact field can take: kind enum (values), date, string, integer, number, any."""
    kind: str
    values: frozenset = frozenset()

    def describe(self):
        if self.kind == "enum":
            return "one of " + ", ".join(sorted(map(_text, self.values)))
        return {"date": "a date (YYYY-MM-DD)", "string": "a text", "integer": "a whole number",
                "number": "a number"}.get(self.kind, "any value")


def _text(v):
    return "true" if v is True else "false" if v is False else "null" if v is None else str(v)


ANY = Domain("any")


def _resolve(ref, here):
    rule_facts, facts = _schemas()
    doc, _, pointer = ref.partition("#")
    node = facts if doc == "facts.schema.json" else (here if not doc else rule_facts)
    for part in [p for p in pointer.split("/") if p]:
        node = node[part]
    return node, (facts if doc == "facts.schema.json" else here)


def _domain(node, here) -> Domain:
    if "$ref" in node:
        return _domain(*_resolve(node["$ref"], here))
    if "const" in node:
        return Domain("enum", frozenset([node["const"]]))
    if "enum" in node:
        return Domain("enum", frozenset(v for v in node["enum"] if v is not None) | (
            frozenset([None]) if None in node["enum"] else frozenset()))
    for key in ("anyOf", "oneOf"):
        if key in node:
            parts = [_domain(n, here) for n in node[key]]
            if all(p.kind == "enum" for p in parts):
                return Domain("enum", frozenset().union(*(p.values for p in parts)))
            return ANY
    t = node.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"]
        t = t[0] if len(t) == 1 else None
    if t == "boolean":
        return Domain("enum", frozenset([True, False]))
    if t == "string":
        return Domain("date" if node.get("format") == "date" else "string")
    if t == "integer":
        return Domain("integer")
    if t == "number":
        return Domain("number")
    return ANY


@dataclass
class FactType:
    name: str
    kind: str                                      # the entity whose values its rules read and set
    fields: dict = field(default_factory=dict)     # field -> Domain
    required: set = field(default_factory=set)
    declared: set = field(default_factory=set)     # fields the layout is tested to produce


@dataclass
class Kind:
    name: str
    values: set = field(default_factory=set)       # what the layout provides
    links: dict = field(default_factory=dict)      # name -> (kind, is_list)


@lru_cache(maxsize=1)
def vocabulary():
    """(fact types, entity kinds, globals) as declared in schemas/rule-facts.schema.json."""
    rule_facts, facts = _schemas()
    defs = rule_facts["$defs"]
    types, kinds = {}, {}
    for name in FACT_TYPES:
        d = defs[name]
        ft = FactType(name, d.get("x-values-of", name))
        for f, node in d.get("properties", {}).items():
            ft.fields[f] = _domain(node, rule_facts)
            ft.declared.add(f)
        ft.required = set(d.get("required", []))
        # fields named in the fact file objects the layout copies (not tested to be on the fact)
        for pointer in defs.get(ft.kind, d).get("x-from-facts", []):
            obj, _ = _resolve(pointer, rule_facts)
            for f, node in obj.get("properties", {}).items():
                if f not in ft.fields and name != "unit_gain":
                    ft.fields[f] = _domain(node, facts)
        types[name] = ft
        if "x-values-of" in d:
            continue
        k = Kind(name)
        k.values |= set(d.get("x-values", []))
        for pointer in d.get("x-from-facts", []):
            obj, _ = _resolve(pointer, rule_facts)
            k.values |= set(obj.get("properties", {}))
        for link, target in d.get("x-links", {}).items():
            k.links[link] = (target.rstrip("[]"), target.endswith("[]"))
        kinds[name] = k
    globals_ = {}
    for g, target in rule_facts.get("x-globals", {}).items():
        if target.rstrip("[]") in kinds:
            globals_[g] = (target.rstrip("[]"), target.endswith("[]"))
        else:
            globals_[g] = (g, False)
    return types, kinds, globals_


# =====================================================================
# Formulas
# =====================================================================
def formula_fault(text) -> str | None:
    """Why a formula cannot be used (too long, too deep, does not parse), or None.
    Never recurses on the formula's own structure."""
    from .formula import FormulaError, parse
    text = str(text)
    if len(text) > MAX_FORMULA_CHARS:
        return (f"formula of {len(text):,} characters; at most {MAX_FORMULA_CHARS:,} "
                "(split it into named steps, one per form line)")
    try:
        tree = ast.parse(" ".join(text.split()), mode="eval")
    except SyntaxError as e:
        return f"formula {_short(text)!r} does not parse: {e.msg}"
    except (RecursionError, MemoryError, ValueError):
        return f"formula {_short(text)!r} is nested too deeply"
    depth, nodes, stack = 0, 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        nodes += 1
        depth = max(depth, d)
        if depth > MAX_FORMULA_DEPTH or nodes > MAX_FORMULA_NODES:
            return (f"formula {_short(text)!r} is too large: more than {MAX_FORMULA_NODES} terms or nested more "
                    f"than {MAX_FORMULA_DEPTH} deep (split it into named steps)")
        stack.extend((c, d + 1) for c in ast.iter_child_nodes(node))
    try:
        parse(text)
    except FormulaError as e:
        return str(e)
    except (RecursionError, MemoryError):
        return f"formula {_short(text)!r} is nested too deeply"
    return None


# =====================================================================
# Conditions (`when`): what engine/adapter.py compiles
# =====================================================================
def supported_operators() -> set[str]:
    """The operators engine/adapter.py compiles (its comparison table, and `in`, `exists`)."""
    try:
        from . import adapter
    except ImportError:  # no rule engine installed: `rules check` still runs (engine/rule_engine.py)
        adapter = None
    ops = getattr(adapter, "_OPS", None) or {"eq", "neq", "lt", "lte", "gt", "gte"}
    return set(ops) | {"in", "exists"}


_ORDERED = ("lt", "lte", "gt", "gte")


def _scalar(v) -> bool:
    return v is None or isinstance(v, (str, bool, int, Decimal))


def condition_faults(rf, path, conditions, fact_type, against_facts=True) -> list[str]:
    """Faults of a list of conditions [{field: value | {op: value}}] on facts of fact_type.
    against_facts=False: only what the adapter cannot compile (the check made when a year is
    loaded); True adds the fields the facts have and the values they take
    (schemas/rule-facts.schema.json), for `rules check`."""
    types, _, _ = vocabulary()
    ft = types.get(fact_type) if against_facts else None
    faults = []
    if not isinstance(conditions, list):
        return [f"{at(rf, path)}: {where(path)}: conditions are a list of {{field: test}}"]
    ops = supported_operators()
    for i, cond in enumerate(conditions):
        if not isinstance(cond, dict) or not cond:
            faults.append(f"{at(rf, path + [i])}: {where(path + [i])}: a condition is {{field: value}} or "
                          f"{{field: {{operator: value}}}}")
            continue
        for fname, test in cond.items():
            p = path + [i, fname]
            fname_s = str(fname)
            if not _FIELD_NAME.match(fname_s):
                faults.append(f"{at(rf, p)}: condition on {_short(fname_s)!r}: a field name is lower-case letters, "
                              f"digits and _ (operators go inside: {{field: {{lt: 5}}}}; they are "
                              f"{', '.join(sorted(ops))})")
                continue
            if ft is not None and fname_s not in ft.fields:
                faults.append(f"{at(rf, p)}: {fact_type} facts have no field {fname_s!r}; they have "
                              f"{', '.join(sorted(ft.declared))}")
                continue
            domain = ft.fields.get(fname_s, ANY) if ft else ANY
            tests = test.items() if isinstance(test, dict) else [("eq", test)]
            if isinstance(test, dict) and not test:
                faults.append(f"{at(rf, p)}: condition on {fname_s}: no operator")
            for op, value in tests:
                q = p + [op] if isinstance(test, dict) else p
                reason = _test_fault(op, value, domain, ops)
                if reason:
                    faults.append(f"{at(rf, q)}: condition on {fname_s}: {reason}")
    return faults


def _test_fault(op, value, domain, ops):
    if op not in ops:
        return f"unknown operator {_short(op)!r}; the operators are {', '.join(sorted(ops))}"
    if op == "exists":
        return None if isinstance(value, bool) else "exists takes true or false"
    if op == "in":
        if not isinstance(value, list) or not all(_scalar(v) and v is not None for v in value):
            return "in takes a list of values"
        bad = [v for v in value if _type_fault(v, domain)]
        return _type_fault(bad[0], domain) if bad else None
    if not _scalar(value):
        return f"{op} takes one value (a text, number, date or true/false), not {type(value).__name__}"
    if op in _ORDERED:
        if value is None or isinstance(value, bool):
            return f"{op} compares with a number or a date, not {_text(value)}"
        if domain.kind == "enum" and not all(isinstance(v, type(value)) for v in domain.values):
            return f"{op} on a field that is {domain.describe()}"
    if value is None:
        return None
    return _type_fault(value, domain)


def _type_fault(value, domain):
    if isinstance(value, Decimal) and value != value.to_integral():
        if domain.kind in ("number", "any"):
            return None
        return f"{value} is not {domain.describe()}"
    if domain.kind == "date":
        if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
            return f"{_short(value)!r} is not a date (write YYYY-MM-DD in quotes)"
    elif domain.kind == "integer":
        if not is_number(value):
            return f"{_short(value)!r} is not a whole number"
    elif domain.kind == "string":
        if not isinstance(value, str):
            return f"{_text(value)} is not a text"
    elif domain.kind == "enum":
        kinds = {type(v) for v in domain.values if v is not None}
        if kinds == {bool} and not isinstance(value, bool):
            return f"{_short(value)!r} is not true or false"
        if kinds == {str} and not isinstance(value, str):
            return f"{_text(value)} is not {domain.describe()}"
    return None


# -- can a set of conditions ever match? ------------------------------------
class _Field:
    """The constraints of one rule on one field, to decide whether any value meets them all."""

    def __init__(self, domain, required):
        self.domain, self.required = domain, required
        self.allowed = None          # set of values, or None for any
        self.excluded = set()
        self.lo = self.hi = None     # (value, inclusive)
        self.exists = None
        self.other = []              # tests on mismatched types: never true

    def add(self, op, value):
        v = float(value) if isinstance(value, Decimal) else value  # float ok: compares a condition's constants, no money
        if op == "exists":
            self.exists = value if self.exists is None else (self.exists if self.exists == value else "never")
        elif op == "eq":
            self._allow({v})
        elif op == "in":
            self._allow({float(x) if isinstance(x, Decimal) else x for x in value})  # float ok: as above
        elif op == "neq":
            self.excluded.add(v)
        elif op in ("gt", "gte"):
            b = (v, op == "gte")
            if self.lo is None or _bound_gt(b, self.lo):
                self.lo = b
        elif op in ("lt", "lte"):
            b = (v, op == "lte")
            if self.hi is None or _bound_lt(b, self.hi):
                self.hi = b

    def _allow(self, values):
        self.allowed = set(values) if self.allowed is None else self.allowed & set(values)

    def ok(self, v) -> bool:
        try:
            if self.allowed is not None and v not in self.allowed:
                return False
            if v in self.excluded:
                return False
            if self.lo is not None and not (v > self.lo[0] or (self.lo[1] and v == self.lo[0])):
                return False
            if self.hi is not None and not (v < self.hi[0] or (self.hi[1] and v == self.hi[0])):
                return False
        except TypeError:
            return False
        return True

    def satisfiable(self) -> bool:
        if self.exists == "never":
            return False
        if self.exists is False:
            constrained = self.allowed is not None or self.lo or self.hi or self.excluded
            return not self.required and not constrained
        if self.domain.kind == "enum":
            return any(self.ok(v) for v in self.domain.values)
        if self.allowed is not None:
            return any(self.ok(v) for v in self.allowed)
        if self.lo is None or self.hi is None:
            return True
        try:
            (lo, lo_in), (hi, hi_in) = self.lo, self.hi
            if self.domain.kind == "integer" and all(isinstance(x, (int, float)) for x in (lo, hi)):
                first = math.ceil(lo) if lo_in else math.floor(lo) + 1
                last = math.floor(hi) if hi_in else math.ceil(hi) - 1
                if last - first + 1 > len(self.excluded):
                    return True
                return any(v not in self.excluded for v in range(first, last + 1))
            if lo < hi:
                return True
            return lo == hi and lo_in and hi_in and lo not in self.excluded
        except TypeError:
            return False


def _bound_gt(a, b):
    try:
        return a[0] > b[0] or (a[0] == b[0] and not a[1] and b[1])
    except TypeError:
        return False


def _bound_lt(a, b):
    try:
        return a[0] < b[0] or (a[0] == b[0] and not a[1] and b[1])
    except TypeError:
        return False


def constraints(conditions, fact_type):
    """{field: _Field} of a list of conditions (valid ones only), or None if a field is unknown."""
    types, _, _ = vocabulary()
    ft = types[fact_type]
    out = {}
    for cond in conditions or []:
        if not isinstance(cond, dict):
            continue
        for fname, test in cond.items():
            fname = str(fname)
            if fname not in ft.fields:
                continue
            f = out.setdefault(fname, _Field(ft.fields[fname], fname in ft.required))
            for op, value in (test.items() if isinstance(test, dict) else [("eq", test)]):
                f.add(op, value)
    return out


def never_matches(conditions, fact_type) -> str | None:
    """Why no fact of fact_type can meet all the conditions, or None. (For two rules
    at once, pass both lists of conditions together.)"""
    for fname, f in constraints(conditions, fact_type).items():
        if not f.satisfiable():
            if f.domain.kind == "enum" and f.allowed is not None and not (f.allowed & f.domain.values):
                vals = sorted(map(_text, f.allowed))
                return (f"{fname} is never {', '.join(repr(v) for v in vals) or 'in an empty list'} "
                        f"({fact_type} facts' {fname} is {f.domain.describe()})")
            if f.domain.kind == "enum" and f.exists is not False:
                return f"no {fname} meets every test ({fname} is {f.domain.describe()})"
            if f.exists is False and f.required:
                return f"every {fact_type} fact has a {fname}"
            return f"no {fname} meets every test"
    return None


# =====================================================================
# A rule's `with:` (engine/actions.py)
# =====================================================================
# key -> formula | name | text | table | tables | buckets | set | warn | emit | enum:<a>|<b>
ACTION_PARAMS = {
    "compute": {"set": "set", "warn": "warn", "emit": "emit"},
    "depreciate_from_percentage_table": {
        "table": "table", "tables": "tables", "convention": "formula", "conventions": "table", "basis": "formula",
        "placed_in_service": "formula", "disposed_on": "formula", "through_year": "formula",
        "table_named": "formula", "prefix": "name", "no_deduction_when": "formula"},
    "take_gain_component": {"component": "name", "limit": "formula", "takes": "enum:gain_only|gain_or_loss",
                            "left": "name", "line": "text"},
    "spread_over_payments": {"payments": "formula", "ratio": "formula", "buckets": "buckets",
                             "this_year": "formula", "schedule": "name"},
    "refuse": {"field": "path", "message": "text", "when": "formula"},
}


def action_sets(action, params) -> list[str]:
    """The names an action sets on the entity its rule fired on (engine/actions.py `sets_of`)."""
    from .actions import sets_of
    return sorted(sets_of({"action": action, "with": params or {}}) or [])


def rule_formulas(action, params):
    """[(path within with, formula text)] of a rule's parameters."""
    out = []
    spec = ACTION_PARAMS.get(action, {})
    if not isinstance(params, dict):
        return out
    for key, kind in spec.items():
        if key not in params:
            continue
        v = params[key]
        if kind == "formula":
            out.append(((key,), v))
        elif kind == "set" and isinstance(v, dict):
            for name, s in v.items():
                if isinstance(s, dict):
                    if "value" in s:
                        out.append(((key, name, "value"), s["value"]))
                else:
                    out.append(((key, name), s))
        elif kind == "warn" and isinstance(v, list):
            for i, w in enumerate(v):
                if isinstance(w, dict) and "when" in w:
                    out.append(((key, i, "when"), w["when"]))
        elif kind == "emit" and isinstance(v, dict) and isinstance(v.get("fields"), dict):
            for name, s in v["fields"].items():
                out.append(((key, "fields", name), s))
        elif kind == "buckets" and isinstance(v, list):
            for i, b in enumerate(v):
                if isinstance(b, dict) and "capacity" in b:
                    out.append(((key, i, "capacity"), b["capacity"]))
    return out


def _unknown(rf, path, mapping, allowed, what):
    faults = []
    for k, v in mapping.items():
        if k not in allowed:
            hint = ""
            if v is None:
                hint = ("; a comma inside an unquoted value in { } starts a new key: put the value in quotes, "
                        "as in line: \"Form 4797 line 32 (to line 6, or line 10)\"")
            faults.append(f"{at(rf, path + [k])}: {where(path)}: unknown key {_short(k)!r}; {what} takes "
                          f"{', '.join(allowed)}{hint}")
    return faults


def _name_ok(v):
    return isinstance(v, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", v) is not None


def _known_params(action):
    """The keys an action's `with:` takes: as declared here, and any engine/actions.py requires or
    reads as a formula (so a parameter added there is known here)."""
    from . import actions
    keys = list(ACTION_PARAMS.get(action, {}))
    for extra in (getattr(actions, "_REQUIRED", {}).get(action, []), getattr(actions, "_FORMULAS", {}).get(action, [])):
        keys += [k for k in extra if k not in keys]
    return keys


def with_faults(rf, path, action, params, strict=True) -> list[str]:
    """Unknown keys, badly shaped values, oversized formulas and unsafe templates in a rule's `with:`.
    strict=False (when a year is loaded): unknown top-level keys only for compute."""
    spec = ACTION_PARAMS.get(action)
    if spec is None or params is None:
        return []
    if not isinstance(params, dict):
        return [f"{at(rf, path)}: {where(path)}: with: takes a mapping"]
    faults = _unknown(rf, path, params, _known_params(action), f"action {action}") \
        if strict or action == "compute" else []
    for key, kind in spec.items():
        if key not in params:
            continue
        v, p = params[key], path + [key]
        if kind == "formula":
            if isinstance(v, bool) or not isinstance(v, (str, int, Decimal)):
                faults.append(f"{at(rf, p)}: {where(p)}: a formula is a text (write true, false or null in quotes)")
        elif kind in ("name", "table"):
            if not _name_ok(v):
                faults.append(f"{at(rf, p)}: {where(p)}: {_short(v)!r} is not a name (lower-case letters, digits, _)")
        elif kind == "path":  # a fact field below the entity's JSON path, as disposition.type
            if not (isinstance(v, str) and all(_name_ok(part) for part in v.split("."))):
                faults.append(f"{at(rf, p)}: {where(p)}: {_short(v)!r} is not a field path (names joined by dots)")
        elif kind == "text":
            if not isinstance(v, str):
                faults.append(f"{at(rf, p)}: {where(p)}: a text is expected")
        elif kind.startswith("enum:"):
            choices = kind[5:].split("|")
            if v not in choices:
                faults.append(f"{at(rf, p)}: {where(p)}: {_short(v)!r} is not one of {', '.join(choices)}")
        elif kind == "tables":
            if not isinstance(v, dict) or not all(_name_ok(t) for t in v.values()):
                faults.append(f"{at(rf, p)}: {where(p)}: tables: maps each convention to a table name")
        elif kind == "buckets":
            if not isinstance(v, list) or not v:
                faults.append(f"{at(rf, p)}: {where(p)}: buckets: is a list of {{name, capacity}}")
                continue
            for i, b in enumerate(v):
                if not isinstance(b, dict) or not _name_ok(b.get("name")):
                    faults.append(f"{at(rf, p + [i])}: {where(p + [i])}: a bucket is {{name, capacity}}")
                    continue
                faults += _unknown(rf, p + [i], b, ["name", "capacity"], "a bucket")
        elif kind == "set":
            if not isinstance(v, dict):
                faults.append(f"{at(rf, p)}: {where(p)}: set: maps each name to a formula or {{value, line}}")
                continue
            for name, s in v.items():
                q = p + [name]
                if not _name_ok(name):
                    faults.append(f"{at(rf, q)}: {where(q)}: {_short(name)!r} is not a name (lower-case letters, "
                                  "digits, _)")
                if isinstance(s, dict):
                    faults += _unknown(rf, q, s, ["value", "line"], "a set entry")
                    if "value" not in s:
                        faults.append(f"{at(rf, q)}: {where(q)}: a set entry {{value, line}} needs its value")
                    if "line" in s and not isinstance(s["line"], str):
                        faults.append(f"{at(rf, q + ['line'])}: {where(q + ['line'])}: a form line is a text")
                elif isinstance(s, list) or s is None:
                    faults.append(f"{at(rf, q)}: {where(q)}: a set entry is a formula or {{value, line}}")
        elif kind == "warn":
            if not isinstance(v, list):
                faults.append(f"{at(rf, p)}: {where(p)}: warn: is a list of {{when, message}}")
                continue
            for i, w in enumerate(v):
                q = p + [i]
                if not isinstance(w, dict):
                    faults.append(f"{at(rf, q)}: {where(q)}: a warning is {{when, message}}")
                    continue
                faults += _unknown(rf, q, w, ["when", "message"], "a warning")
                for k in ("when", "message"):
                    if k not in w:
                        faults.append(f"{at(rf, q)}: {where(q)}: a warning needs its {k}")
                if "message" in w:
                    try:
                        templates.parse(w["message"])
                    except templates.TemplateError as e:
                        faults.append(f"{at(rf, q + ['message'])}: {where(q + ['message'])}: {e}")
        elif kind == "emit":
            if not isinstance(v, dict):
                faults.append(f"{at(rf, p)}: {where(p)}: emit: is {{type, fields}}")
                continue
            faults += _unknown(rf, p, v, ["type", "fields"], "emit")
            if v.get("type") not in FACT_TYPES:
                faults.append(f"{at(rf, p + ['type'])}: {where(p + ['type'])}: emit type is one of "
                              f"{', '.join(FACT_TYPES)}")
            fields = v.get("fields") or {}
            if not isinstance(fields, dict) or not all(_name_ok(k) for k in fields):
                faults.append(f"{at(rf, p + ['fields'])}: {where(p + ['fields'])}: fields: maps field names to formulas")
    for wp, formula in rule_formulas(action, params):
        reason = formula_fault(formula)
        if reason:
            faults.append(f"{at(rf, list(path) + list(wp))}: {reason}")
    return faults


# =====================================================================
# Per file
# =====================================================================
def rule_file_faults(rf, against_facts=False) -> list[str]:
    """Structural faults of one rule file (its schema already holds): what would crash the rule
    engine or be silently misread. against_facts: also the fields and values of the facts the
    conditions test, and unknown keys of every action's `with:` (for `rules check`)."""
    faults = []
    data = rf.data or {}
    for i, rule in enumerate(data.get("rules") or []):
        base = ["rules", i]
        reason = citation_fault(rule.get("citation"))
        if reason:
            faults.append(f"{at(rf, base + ['citation'])}: rule {rule.get('id')}: {reason}")
        when = rule.get("when") or {}
        faults += condition_faults(rf, base + ["when", "all"], when.get("all", []), when.get("fact"), against_facts)
        faults += with_faults(rf, base + ["with"], rule.get("action"), rule.get("with"), against_facts)
    o = data.get("ordering")
    if o:
        for key, p in (("citation", ["ordering", "citation"]),):
            reason = citation_fault(o.get(key))
            if reason:
                faults.append(f"{at(rf, p)}: ordering {o.get('id')}: {reason}")
        for key in ("gain",):
            reason = formula_fault(o.get(key, ""))
            if reason:
                faults.append(f"{at(rf, ['ordering', key])}: ordering.{key}: {reason}")
        for key in ("left",):
            if key in o and not _name_ok(o[key]):
                faults.append(f"{at(rf, ['ordering', key])}: ordering.{key}: {_short(o[key])!r} is not a name")
        for j, step in enumerate(o.get("steps") or []):
            p = ["ordering", "steps", j]
            reason = citation_fault(step.get("citation"))
            if reason:
                faults.append(f"{at(rf, p + ['citation'])}: step {step.get('component')}: {reason}")
            faults += condition_faults(rf, p + ["when"], step.get("when", []), o.get("fact"), against_facts)
            reason = formula_fault(step.get("limit", ""))
            if reason:
                faults.append(f"{at(rf, p + ['limit'])}: {where(p + ['limit'])}: {reason}")
    return faults


# =====================================================================
# Across files
# =====================================================================
@dataclass
class _Rule:
    """A rule or an ordering step, as `library_faults` sees it."""
    id: str
    rf: object
    path: list
    fact: str
    priority: int
    conditions: list
    sets: list
    formulas: list           # [(path, text)]
    action: str
    params: dict
    in_force: dict | None
    overrides: str | None = None
    messages: list = field(default_factory=list)   # [(path, template)]


def _rules_of(rule_files):
    out = []
    for rf in rule_files:
        data = rf.data or {}
        for i, r in enumerate(data.get("rules") or []):
            base = ["rules", i]
            w = r.get("with") or {}
            formulas = [(base + ["with"] + list(p), f) for p, f in rule_formulas(r.get("action"), w)]
            msgs = [(base + ["with", "warn", j, "message"], x.get("message"))
                    for j, x in enumerate(w.get("warn") or []) if isinstance(x, dict) and "message" in x] \
                if r.get("action") == "compute" else []
            out.append(_Rule(r["id"], rf, base, r["when"]["fact"], r["priority"], r["when"].get("all", []),
                             action_sets(r.get("action"), w), formulas, r.get("action"), w, r.get("in_force"),
                             r.get("overrides"), msgs))
        o = data.get("ordering")
        if o:
            names = [s["component"] for s in o["steps"]]
            left = o.get("left", "gain_left")
            out.append(_Rule(f"{o['id']}.start", rf, ["ordering"], o["fact"], o["priority"] - 1, [],
                             [left] + names, [(["ordering", "gain"], o["gain"])], "compute", {}, o.get("in_force")))
            for j, s in enumerate(o["steps"]):
                out.append(_Rule(f"{o['id']}.{s['component']}", rf, ["ordering", "steps", j], o["fact"],
                                 o["priority"] + j, s.get("when", []), [s["component"], left],
                                 [(["ordering", "steps", j, "limit"], str(s["limit"]))], "take_gain_component", {},
                                 o.get("in_force")))
    return out


def _years_in_force(span, years):
    span = span or {}
    return [y for y in years if span.get("from", 0) <= y and (span.get("to") is None or y <= span["to"])]


class _Tables:
    """The tables of each tax year: {year: {name: values}}, from the files that read without fault."""

    def __init__(self, table_files, years):
        self.by_year = {y: {} for y in years}
        self.year_files = {}            # (year, name) -> rf
        for rf in table_files:
            d = rf.data or {}
            if not isinstance(d, dict) or not isinstance(d.get("table"), str):
                continue
            values = d.get("values", d.get("rows", d.get("periods")))
            values = _unwrap(values)
            if "tax_year" in d:
                y = d["tax_year"]
                if isinstance(y, int) and not isinstance(y, bool) and y in self.by_year:
                    self.by_year[y][d["table"]] = values
                    self.year_files[(y, d["table"])] = rf
            else:
                span = d.get("in_force")
                ok = span is None or (isinstance(span, dict) and all(
                    isinstance(span.get(k), int) or span.get(k) is None for k in ("from", "to")))
                for y in _years_in_force(span if ok else None, years):
                    self.by_year[y][d["table"]] = values


def library_faults(library, rule_files, table_files, named_tables=None) -> list[str]:
    """Faults across files. rule_files and table_files: the files that read and passed
    their schema (RuleFile objects); named_tables: every table file that reads (whose
    name and values count as present, so one bad value does not hide a whole table)."""
    years = library.years()
    faults = []
    for rf in rule_files:
        faults += rule_file_faults(rf, against_facts=True)
    rules = _rules_of(rule_files)
    tables = _Tables(named_tables if named_tables is not None else table_files, years)
    valid_tables = _Tables(table_files, years)
    faults += _in_force_faults(rules, table_files, years)
    faults += _name_faults(rules, tables, years)
    faults += _overlap_faults(rules, years)
    faults += _dead_rule_faults(rules)
    faults += _year_folder_faults(library, tables, years)
    faults += _across_years_faults(valid_tables, years)
    undated = [(rf.path, rf.data, _unwrap(rf.data.get("values", {})), line_of(rf, ["columns"])) for rf in table_files
               if isinstance(rf.data, dict) and "tax_year" not in rf.data]
    faults += _column_faults(undated)
    return faults


def _in_force_faults(rules, table_files, years):
    faults = []
    seen = set()
    for r in rules:
        if r.in_force and not _years_in_force(r.in_force, years):
            key = (r.rf.path, tuple(r.path[:2]))
            if key in seen:
                continue
            seen.add(key)
            span = r.in_force
            faults.append(f"{at(r.rf, r.path + ['in_force'])}: {r.id}: in force {span.get('from')}-{span.get('to') or ''}"
                          f", a span with no tax year's tables (the years are {_span(years)})")
    for rf in table_files:
        d = rf.data or {}
        if "in_force" in d and not _years_in_force(d["in_force"], years):
            faults.append(f"{at(rf, ['in_force'])}: table {d.get('table')}: in force in no tax year that has "
                          f"tables (the years are {_span(years)})")
    return faults


def _span(years):
    return f"{years[0]}-{years[-1]}" if years else "none"


def _provided(rules):
    """{kind: {name: [rule ids]}}: the values rules set on each kind of entity."""
    types, _, _ = vocabulary()
    out = {}
    for r in rules:
        kind = types[r.fact].kind
        for n in r.sets:
            out.setdefault(kind, {}).setdefault(n, []).append(r.id)
    return out


def _name_faults(rules, tables, years):
    from .formula import FUNCTIONS
    types, kinds, globals_ = vocabulary()
    provided = _provided(rules)
    faults = []

    def has(kind, name):
        return name in kinds[kind].values or name in provided.get(kind, {})

    for r in rules:
        kind = types[r.fact].kind
        in_force = _years_in_force(r.in_force, years)
        for path, text in r.formulas:
            if formula_fault(text):
                continue      # reported per file
            tree = ast.parse(" ".join(str(text).split()), mode="eval")
            for reason in _formula_name_faults(tree, kind, has, kinds, globals_, tables, in_force, FUNCTIONS):
                faults.append(f"{at(r.rf, path)}: rule {r.id}: {reason}")
        for path, text in r.messages:
            try:
                used = templates.names(text)
            except templates.TemplateError:
                continue      # reported per file
            for n in sorted(used - {"id"}):
                if not has(kind, n):
                    faults.append(f"{at(r.rf, path)}: rule {r.id}: the message prints {{{n}}}, which no rule, table "
                                  f"or fact provides on a {kind}")
        # tables named in parameters
        names = []
        if r.action == "depreciate_from_percentage_table":
            if isinstance(r.params.get("table"), str):
                names.append((["table"], r.params["table"]))
            for conv, t in (r.params.get("tables") or {}).items() if isinstance(r.params.get("tables"), dict) else []:
                names.append((["tables", conv], t))
            if isinstance(r.params.get("conventions"), str):
                names.append((["conventions"], r.params["conventions"]))
        for p, t in names:
            missing = [y for y in in_force if t not in tables.by_year.get(y, {})]
            if missing:
                faults.append(f"{at(r.rf, r.path + ['with'] + p)}: rule {r.id}: no table {t!r} in tax year"
                              f"{'s' if len(missing) > 1 else ''} {_span(missing) if len(missing) > 1 else missing[0]}")
    return faults


def _formula_name_faults(tree, kind, has, kinds, globals_, tables, years, functions):
    """Reasons a formula names something nothing provides."""
    out = []

    def resolve(node):
        """('kind', k, is_list) | ('table_root',) | ('table', {year: values}) | ('value',) | None (reported)."""
        if isinstance(node, ast.Name):
            n = node.id
            if n in ("true", "false", "null") or n in functions:
                return ("value",)
            if has(kind, n):
                return ("value",)
            if n in kinds[kind].links:
                k, is_list = kinds[kind].links[n]
                return ("kind", k, is_list)
            if n in globals_:
                g = globals_[n]
                if n == "table":
                    return ("table_root",)
                if g[0] in kinds:
                    return ("kind", g[0], g[1])
                return ("value",)
            out.append(f"the formula names {n!r}, which no rule, table or fact provides on a {kind}")
            return None
        if isinstance(node, ast.Attribute):
            base = resolve(node.value)
            if base is None:
                return None
            a = node.attr
            if base[0] == "kind":
                k = base[1]
                if not has(k, a):
                    out.append(f"the formula reads {ast.unparse(node)!r}: no rule, table or fact provides {a!r} on "
                               f"a {k}")
                    return None
                return ("value",)
            if base[0] == "table_root":
                per_year = {y: tables.by_year.get(y, {}).get(a) for y in years}
                missing = [y for y, v in per_year.items() if v is None]
                if missing:
                    yrs = _span(missing) if len(missing) > 1 else str(missing[0])
                    out.append(f"the formula reads table {a!r}, which tax year{'s' if len(missing) > 1 else ''} "
                               f"{yrs} {'have' if len(missing) > 1 else 'has'} no table of")
                    return None
                return ("table", per_year, a)
            if base[0] == "table":
                per_year = {}
                missing = []
                for y, v in base[1].items():
                    if isinstance(v, dict) and a in v:
                        per_year[y] = v[a]
                    elif isinstance(v, dict) and a not in v:
                        missing.append(y)
                    else:
                        return ("value",)
                if missing:
                    yrs = _span(missing) if len(missing) > 1 else str(missing[0])
                    out.append(f"the formula reads {ast.unparse(node)!r}: table {base[2]} has no {a!r} in "
                               f"tax year{'s' if len(missing) > 1 else ''} {yrs}")
                    return None
                return ("table", per_year, f"{base[2]}.{a}")
            return ("value",)
        if isinstance(node, ast.Subscript):
            base = resolve(node.value)
            walk(node.slice)
            if base and base[0] == "table" and isinstance(node.slice, ast.Constant):
                key = node.slice.value
                per_year = {}
                for y, v in base[1].items():
                    if isinstance(v, dict):
                        hit = [k for k in v if str(k) == str(key)]
                        if not hit:
                            out.append(f"the formula reads {ast.unparse(node)!r}: table {base[2]} has no "
                                       f"{key!r} in tax year {y}")
                            return None
                        per_year[y] = v[hit[0]]
                    else:
                        return ("value",)
                return ("table", per_year, f"{base[2]}[{key}]")
            return ("value",)
        if isinstance(node, ast.Call):
            for a in node.args:
                walk(a)
            # sum_matching(entities, 'field', 'key', value): the field names are values of the entities
            if node.func.id == "sum_matching" and len(node.args) >= 3:
                ents = resolve_quiet(node.args[0])
                if ents and ents[0] == "kind":
                    for arg in node.args[1:3]:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not has(ents[1], arg.value):
                            out.append(f"sum_matching reads {arg.value!r} of each {ents[1]}, which no rule, table or "
                                       f"fact provides")
            return ("value",)
        walk(node)
        return ("value",)

    def resolve_quiet(node):
        n = len(out)
        r = resolve(node)
        del out[n:]
        return r

    def walk(node):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            resolve(node)
            return
        for c in ast.iter_child_nodes(node):
            walk(c)

    walk(tree.body)
    return out


def _overlap_faults(rules, years):
    """Two rules that set the same value of the same fact, both able to match it, with no order
    between them (the same priority, neither `overrides` the other)."""
    types, _, _ = vocabulary()
    faults = []
    by_kind = {}
    for r in rules:
        by_kind.setdefault((types[r.fact].kind, r.priority), []).append(r)
    for (kind, prio), group in by_kind.items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                common = sorted(set(a.sets) & set(b.sets))
                if not common or a.overrides == b.id or b.overrides == a.id:
                    continue
                if not set(_years_in_force(a.in_force, years)) & set(_years_in_force(b.in_force, years)):
                    continue
                if a.fact == b.fact and never_matches(list(a.conditions) + list(b.conditions), a.fact):
                    continue
                faults.append(f"{at(b.rf, b.path)}: rule {b.id} and rule {a.id} ({at(a.rf, a.path)}) both set "
                              f"{', '.join(common)} on the same {kind} facts, with no order between them (both "
                              f"priority {prio}): make their conditions exclusive, give them different priorities, "
                              f"or say `overrides: {a.id}`")
    return faults


def _dead_rule_faults(rules):
    faults = []
    for r in rules:
        reason = never_matches(r.conditions, r.fact)
        if reason:
            faults.append(f"{at(r.rf, r.path + (['when'] if r.path[0] == 'rules' else []))}: rule {r.id} can never "
                          f"match: {reason}")
    return faults


def _year_folder_faults(library, tables, years):
    """Each tax year folder has every table another year folder has."""
    faults = []
    names = {}
    for (y, name), rf in tables.year_files.items():
        names.setdefault(name, {})[y] = rf
    for name, have in sorted(names.items()):
        for y in years:
            if y not in have:
                other = have[max(have)]
                faults.append(f"tables/years/{y}/{name}.yaml: missing: tax year {y} has no {name} table, which "
                              f"{_span(sorted(have)) if len(have) > 1 else min(have)} "
                              f"{'have' if len(have) > 1 else 'has'} ({other.path}; {other.data.get('citation')})")
    return faults


def _leaf_decls(rf):
    """{leaf path: (value, declaration)} of a year table with a shape."""
    shape = (rf.data or {}).get("shape") or {}
    out = {}
    nodes = value_nodes(rf.data.get("values", {}))
    for pattern, decl in shape.items():
        segs = pattern_segments(pattern)
        decl = decl if isinstance(decl, dict) else {}
        for n in nodes:
            if n.leaf and matches(segs, n) and not value_fault(n.value, decl):
                out[n.path] = (n, decl)   # values of the wrong type are reported per file, not compared
    return out


def _across_years_faults(tables, years):
    """A fixed amount is the same in every year unless its `fixed` citation changes; an indexed
    amount never goes down unless its `indexed` citation changes (the cost-of-living adjustment
    of §1(f)(3) is "the percentage (if any)" by which prices rose)."""
    faults = []
    names = sorted({n for (_, n) in tables.year_files})
    for name in names:
        seq = [(y, tables.year_files[(y, name)]) for y in years if (y, name) in tables.year_files]
        decls = [(y, rf, _leaf_decls(rf)) for y, rf in seq]
        paths = set().union(*(set(d) for _, _, d in decls)) if decls else set()
        for path in sorted(paths, key=key_text):
            series = [(y, rf, d[path]) for y, rf, d in decls if path in d]
            for i in range(1, len(series)):
                y0, rf0, (n0, d0) = series[i - 1]
                y1, rf1, (n1, d1) = series[i]
                if "fixed" in d1 and "fixed" in d0 and d0["fixed"] == d1["fixed"] and n0.value != n1.value:
                    # blame the year that differs from its neighbours: a one-year slip, or the start of a step
                    if i + 1 < len(series) and series[i + 1][2][0].value == n0.value:
                        bad, good = (y1, rf1, n1), (y0, n0)
                    elif i == 1 and len(series) > 2 and series[2][2][0].value == n1.value:
                        bad, good = (y0, rf0, n0), (y1, n1)
                    elif i >= 2 and series[i - 2][2][0].value == n1.value:
                        continue   # the year before was the slip, reported there
                    else:
                        bad, good = (y1, rf1, n1), (y0, n0)
                    by, brf, bn = bad
                    faults.append(f"{at(brf, bn.raw)}: {name}.{key_text(path)}: {bn.value} in {by}, but "
                                  f"{good[1].value} in {good[0]}; the amount is fixed by {d1['fixed']}: if a law "
                                  f"changed it, name that law in the shape's fixed: citation")
                if "indexed" in d1 and "indexed" in d0 and d0["indexed"] == d1["indexed"] \
                        and is_number(n0.value) and is_number(n1.value) and n1.value < n0.value:
                    faults.append(f"{at(rf1, n1.raw)}: {name}.{key_text(path)}: {n1.value} in {y1} is below "
                                  f"{n0.value} in {y0}; an amount indexed for inflation ({d1['indexed']}) never "
                                  "goes down: if a law lowered it, name that law in the shape's indexed: citation")
    # dedupe (a slip can be seen from both sides)
    return list(dict.fromkeys(faults))
