"""From a normalised fact set to a result: lay the facts out as entities and
engine facts, run the year's compiled rules on durable-rules, assemble the
contract's result. The layout is structure only (which asset belongs to which
unit of sale); every figure is computed by a rule."""
from __future__ import annotations

import ast
import functools
import itertools
import pickle
import threading
from decimal import Decimal

from .actions import bind, sets_of, use_base_context
from .adapter import Ruleset, compile_pattern
from .library import Library, YearLaw
from .workbook import Entity, Workbook

_compiled: dict[tuple, "CompiledLaw"] = {}
_lock = threading.Lock()


class EvaluationError(Exception):
    """A rule failed while running: a fault of the rules, not of the input."""


class CompiledLaw:
    def __init__(self, law: YearLaw, ruleset: Ruleset, components: list[str], rules: list[dict],
                 baseline: Ruleset | None = None):
        self.law, self.ruleset, self.components, self.rules = law, ruleset, components, rules
        self.baseline = baseline  # the rules the tax without the dispositions needs (None: all of them)


_names = itertools.count(1)


def _compile(law: YearLaw) -> CompiledLaw:
    """Rules and ordering steps become durable-rules rules, in priority then file order."""
    rules = []
    for rule, rf in law.rules:
        rules.append(dict(rule, file=rf.path, version=rf.sha256))
    components = []
    for ordering, rf in law.ordering:
        names = [step["component"] for step in ordering["steps"]]
        left = ordering.get("left", "gain_left")
        rules.append({
            "id": f"{ordering['id']}.start", "citation": ordering["citation"], "priority": ordering["priority"] - 1,
            "file": rf.path, "version": rf.sha256, "when": {"fact": ordering["fact"]}, "action": "compute",
            "with": {"set": {left: ordering["gain"], **{n: "0" for n in names}}},
        })
        for i, step in enumerate(ordering["steps"]):
            components.append(step["component"])
            rules.append({
                "id": f"{ordering['id']}.{step['component']}", "citation": step["citation"],
                "priority": ordering["priority"] + i, "file": rf.path, "version": rf.sha256,
                "when": {"fact": ordering["fact"], "all": step.get("when", [])},
                "action": "take_gain_component",
                "with": {"component": step["component"], "limit": step["limit"], "line": step.get("line"),
                         "takes": step.get("takes", "gain_only"), "left": ordering.get("left", "gain_left")},
            })
    rules.sort(key=lambda r: r["priority"])  # stable: ties keep file order
    compiled = []
    for r in rules:
        declared = sets_of(r)
        if declared is not None:
            r["_sets"] = frozenset(declared)
        compiled.append({"id": r["id"], "priority": r["priority"],
                         "pattern": compile_pattern(r["when"]["fact"], r["when"].get("all", [])),
                         "action": _bound(r)})
    name = f"recapture_{law.year}_{law.version}_{next(_names)}"
    needed = baseline_rules(rules)
    baseline = None
    if needed is not None and len(needed) < len(rules):
        baseline = Ruleset(name + "_baseline",
                           fuse([(c, r) for c, r in zip(compiled, rules) if r["id"] in needed]))
    return CompiledLaw(law, Ruleset(name, fuse(list(zip(compiled, rules)))), components, rules, baseline)


_bound_actions: dict[bytes, object] = {}


def _bound(rule):
    """bind(rule), made once per process for each rule's content (its `_sets` aside,
    which follows from it). perf: the tax years' laws hold the same rules (the rule
    files are not per year; an action reads the year's tables when it fires), so each
    year's ruleset runs the same action objects, which then stay in the processor's
    caches from one fact set to the next whatever their years (1.06x side by side on
    generated fact sets of mixed years). The content is told by its pickle, which
    keeps every type apart (a text is never taken for a number); two rules of equal
    content whose pickles differ (another key order) are only bound twice."""
    try:
        key = pickle.dumps({k: v for k, v in rule.items() if k != "_sets"}, pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - what cannot be pickled is bound on its own
        return bind(rule)
    fn = _bound_actions.get(key)
    if fn is None:
        fn = bind(rule)
        if len(_bound_actions) < 65536:
            _bound_actions[key] = fn
    return fn


def _fusable(rule) -> bool:
    """An action that asserts no fact and refuses nothing: the engine's next choice
    cannot depend on whether it has run yet."""
    return rule["action"] != "refuse" and not (rule["action"] == "compute" and (rule.get("with") or {}).get("emit"))


def fuse(pairs: list[tuple[dict, dict]]) -> list[dict]:
    """Consecutive rules (in firing order) with the very same pattern, none asserting
    facts, become one engine rule whose `then` runs the others (see adapter.Ruleset)."""
    out = []
    for compiled, rule in pairs:
        last = out[-1] if out else None
        if last is not None and last["_fusable"] and _fusable(rule) and compiled["pattern"] == last["pattern"]:
            last.setdefault("then", []).append((compiled["id"], compiled["action"]))
            continue
        out.append(dict(compiled, _fusable=_fusable(rule)))
    for c in out:
        del c["_fusable"]
    return out


# -- the rules the tax without the dispositions needs ------------------------------
# The return "without the dispositions" is the same fact set with every
# disposition set to none; the main return reads only `without_dispositions.<x>`
# of it (today: total_tax). Running only the rules that can fire there and that
# the values read reach (through the names formulas read and actions set) gives
# the same values with fewer firings. Which facts exist there, and the fields
# they all share, follow from `layout` (checked on every baseline run:
# BASELINE_FACTS); a rule whose pattern contradicts them cannot fire there.
BASELINE_FACTS = {
    "taxpayer": {}, "activity": {"disposition_type": "none"}, "return": {"disposes": False},
    "asset": {"disposition_type": "none", "disposed": False},
    "property": {"disposition_type": "none", "disposed": False},
}  # no unit facts: units exist only for a disposition


# What a name before a dot stands for in a formula (EntityScope.name and `layout`'s
# links): the kind of entity whose value the attribute then reads.
LINK_KINDS = {"property": "property", "assets": "asset", "units": "unit", "the_return": "return",
              "passive_activity": "activity",
              "taxpayer": "taxpayer", "activities": "activity", "properties": "property",
              "without_dispositions": "baseline", "table": "table"}
ANY = "*"


def _strings(node, out):
    if isinstance(node, str):
        out.add(node)
    elif isinstance(node, dict):
        for v in node.values():
            _strings(v, out)
    elif isinstance(node, list):
        for v in node:
            _strings(v, out)
    return out


@functools.lru_cache(maxsize=8192)
def _text_names(text: str):
    """(names, (base, attribute) pairs, text constants) of a formula; None if it does not parse."""
    from .formula import FormulaError, nodes_of
    try:
        nodes = nodes_of(text)
    except (FormulaError, RecursionError, ValueError):
        return None
    names, attrs, consts = set(), [], set()
    for n in nodes:
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.Attribute):
            attrs.append((n.value.id if isinstance(n.value, ast.Name) else None, n.attr))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            consts.add(n.value)
    return frozenset(names), tuple(attrs), frozenset(consts)


def _reads(rule, own: set, value_names: set) -> set:
    """Every (entity kind, value name) a rule may read. Each text in its `with:` may
    be a name of its own entity's; in each text that parses as a formula, a name is
    one of its own entity's, `x.name` one of the kind `x` links to (any kind when
    that is not certain), and a text constant may name a value of any kind."""
    out = set()
    for text in _strings(rule.get("with") or {}, set()):
        out |= {(k, text) for k in own}
        parsed = _text_names(text)
        if parsed is None:
            continue
        names, attrs, consts = parsed
        out |= {(k, n) for k in own for n in names}
        for base, attr in attrs:
            if base in LINK_KINDS and base not in value_names:
                out.add((LINK_KINDS[base], attr))
            else:
                out.add((ANY, attr))
        out |= {(ANY, c) for c in consts}
    return out


def _contradicts(value, test) -> bool:
    """True when a condition can never hold for a field known to be `value`."""
    same = lambda v: type(v) is type(value)  # noqa: E731 - only same-type tests are certain
    if not isinstance(test, dict):
        return same(test) and test != value
    for op, arg in test.items():
        if op == "eq" and same(arg) and arg != value:
            return True
        if op == "neq" and same(arg) and arg == value:
            return True
        if op == "in" and isinstance(arg, list) and arg and all(same(a) for a in arg) and value not in arg:
            return True
        if op == "exists" and arg is False:
            return True
    return False


def _can_fire(rule, types) -> bool:
    when = rule.get("when") or {}
    fact = when.get("fact")
    if fact not in types:
        return False
    known = BASELINE_FACTS.get(fact, {})
    for cond in when.get("all", []):
        for field, test in cond.items():
            if field in known and _contradicts(known[field], test):
                return False
    return True


def _emits(rule):
    emit = (rule.get("with") or {}).get("emit") if rule.get("action") == "compute" else None
    return emit.get("type") if isinstance(emit, dict) else None


def _roots(rules) -> set | None:
    """The values of the baseline the main return reads (`without_dispositions.x`)."""
    from .formula import FormulaError, nodes_of
    roots = set()
    for r in rules:
        for text in _strings(r.get("with") or {}, set()):
            if "without_dispositions" not in text:
                continue
            try:
                nodes = nodes_of(text)
            except (FormulaError, RecursionError, ValueError):
                return None
            attrs = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}
            for n in nodes:
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "without_dispositions":
                    roots.add(("return", n.attr))
                elif isinstance(n, ast.Name) and n.id == "without_dispositions" and id(n) not in attrs:
                    return None  # the whole entity is read: keep every rule
                elif isinstance(n, ast.Constant) and n.value == "without_dispositions":
                    return None
    return roots


def baseline_rules(rules: list[dict]) -> set | None:
    """Ids of the rules the return without the dispositions needs; None to run them all."""
    roots = _roots(rules)
    if roots is None:
        return None
    # the fact types that exist there: those laid out, and what rules that can fire emit;
    # each type's entity kind: its own for laid-out facts, the emitter's for derived ones
    kinds = {t: {t} for t in BASELINE_FACTS}
    while True:
        more = False
        for r in rules:
            t = _emits(r)
            if t and _can_fire(r, kinds):
                own = kinds[r["when"]["fact"]]
                if not own <= kinds.setdefault(t, set()):
                    kinds[t] |= own
                    more = True
        if not more:
            break
    possible = [r for r in rules if _can_fire(r, kinds)]
    value_names = {n for r in rules for n in (sets_of(r) or ())}
    needed, wanted, fact_types = set(), set(roots), set()
    changed = True
    while changed:
        changed = False
        for r in possible:
            if r["id"] in needed:
                continue
            own = kinds[r["when"]["fact"]]
            sets = sets_of(r)
            emits = _emits(r)
            hit = sets is None or r.get("action") == "refuse" or (emits is not None and emits in fact_types) or any(
                (k, n) in wanted or (ANY, n) in wanted for k in own for n in sets)
            if hit:
                needed.add(r["id"])
                wanted |= _reads(r, own, value_names)
                fact_types.add(r["when"]["fact"])
                changed = True
    return needed


def compiled_law(library: Library, year: int) -> CompiledLaw:
    """Built once per process for each year and content. Not per folder: two folders
    holding the same law (a fresh copy of the shipped rules) share one ruleset,
    as durable-rules refuses to register a ruleset name twice."""
    law = library.load_year(year)
    key = (year, law.version)
    with _lock:
        if key not in _compiled:
            _compiled[key] = _compile(law)
        return _compiled[key]


class Context:
    # _decimal40: actions._context40; decimal_is_40: whether a compute firing left it current
    __slots__ = ("book", "errors", "refusals", "_decimal40", "decimal_is_40")

    def __init__(self, book):
        self.book, self.errors, self.refusals = book, [], []
        self.decimal_is_40 = False


class Unsupported(Exception):
    """The facts ask for something outside the encoded law: [(json path, reason)]."""

    def __init__(self, faults):
        super().__init__("; ".join(f"{p}: {r}" for p, r in faults))
        self.faults = faults


# -- layout --------------------------------------------------------------
def _scaled(value, share):
    return None if value is None else Decimal(value) * share


def _class_row(classes, a):
    """The asset's row of the asset classes table, as section 1245 property when the facts say so."""
    r = classes[a.values["asset_class"]]
    return {**r, **r.get("as_section_1245_property", {})} if a.values["section_1245_property"] else r


def _recapture_of(classes, a):
    return _class_row(classes, a)["recapture"]


def _joins(classes, main, i):
    """Whether improvement `i` is sold in the main asset's unit."""
    return (_recapture_of(classes, i) == _recapture_of(classes, main)
            or (_class_row(classes, i)["real_property"] and _class_row(classes, main)["real_property"]))


# The helpers above are not nested in `layout`: in the compiled twin a function's
# closure is one object holding all its variables, so nested functions calling each
# other made a reference cycle through it, and the cycle held the whole workbook (every
# entity, value and trace entry of the fact set) until the cyclic garbage collector ran,
# instead of freeing it when the result was written (tests/test_garbage.py; 1.033x side
# by side).
def layout(facts: dict, law: YearLaw):
    """Entities and engine facts for one fact set. Structure only."""
    book = Workbook(law, facts["tax_year"])
    tp = facts["taxpayer"]
    engine_facts = []
    book.add(Entity("taxpayer", "taxpayer", dict(tp)))
    engine_facts.append({"type": "taxpayer", "id": "taxpayer", "entity": tp["entity"],
                         "filing_status": tp.get("filing_status") or "none",
                         "real_estate_professional": tp["real_estate_professional"]})
    classes = law.tables["asset_classes"].values
    for index, p in enumerate(facts["properties"]):
        share = p["ownership_share"]
        d = p["disposition"]
        disposed = d["type"] != "none"
        pid = p["id"]
        common = {"acquired": p["acquired"], "disposition_type": d["type"], "disposition_date": d.get("date")}
        assets = []

        def asset(aid, cls, cost, src, placed, path):
            values = dict(common, json_path=path, asset_class=cls, cost=cost, placed_in_service=placed,
                          acquired=src.get("acquired", placed),
                          recovery_system=src.get("recovery_system", "gds"),
                          ads_recovery_years=src.get("ads_recovery_years"),
                          convention=src.get("convention"),
                          depreciation_claimed=_scaled(src.get("depreciation_claimed"), share),
                          bonus_depreciation=_scaled(src.get("bonus_depreciation", 0), share),
                          section_179=_scaled(src.get("section_179", 0), share),
                          additional_depreciation=_scaled(src.get("additional_depreciation", 0), share),
                          section_1245_property=src.get("section_1245_property", False),
                          debt_discharge_basis_reduction=_scaled(src.get("debt_discharge_basis_reduction", 0), share))
            e = book.add(Entity(f"asset:{aid}", "asset", values, {"property": f"property:{pid}"}))
            fact = {"type": "asset", "id": e.id, "name": aid, "property": pid, "asset_class": cls,
                    "recovery_system": values["recovery_system"], "placed_in_service": placed,
                    "disposition_type": d["type"], "disposed": disposed,
                    "section_1245_property": values["section_1245_property"]}
            if values["convention"]:
                fact["convention"] = values["convention"]
            if values["ads_recovery_years"]:
                fact["ads_recovery_years"] = values["ads_recovery_years"]
            engine_facts.append(fact)
            assets.append(e)
            return e

        main_cost = p["cost"] - (p["land_value"] if p["asset_class"] != "land" else 0)
        main = asset(pid, p["asset_class"], main_cost * share, p, p["placed_in_service"], f"properties[{index}]")
        land = None
        if p["asset_class"] != "land" and p["land_value"] > 0:
            land = asset(f"{pid}/land", "land", p["land_value"] * share, {}, p["placed_in_service"],
                         f"properties[{index}].land_value")
        improvements = [asset(f"{pid}/{imp['id']}", imp["asset_class"], imp["cost"] * share, imp, imp["placed_in_service"],
                              f"properties[{index}].improvements[{j}]")
                        for j, imp in enumerate(p["improvements"])]
        exchange = {k: (_scaled(v, share) if k not in ("identified_date", "received_date", "return_extended") else v)
                    for k, v in (d.get("exchange") or {}).items()}
        payments = [{"year": Decimal(pay["year"]), "principal": pay["principal"] * share}
                    for pay in (d.get("installment") or {}).get("payments", [])]
        prop = book.add(Entity(f"property:{pid}", "property", dict(
            common, json_path=f"properties[{index}]", ownership_share=share,
            placed_in_service=p["placed_in_service"], sale_price=_scaled(d.get("sale_price", 0), share),
            selling_expenses=_scaled(d.get("selling_expenses", 0), share), related_party=d["related_party"],
            exchange=exchange, payments=payments, fmv_at_death=_scaled(d.get("fmv_at_death"), share),
            home_use=p.get("home_use", [])),
            {"assets": [a.id for a in assets], "units": [],
             "passive_activity": [f"activity:{pid}"] if "activity" in p else []}))
        engine_facts.append({"type": "property", "id": prop.id, "name": pid, "disposition_type": d["type"], "disposed": disposed})

        # units of sale (domain §2): allocated parts each on their own; otherwise the
        # real property is one unit and each §1245 improvement is its own, unpriced.
        alloc = d.get("allocation")
        units = []
        if alloc:
            building = [main] + [i for i in improvements if _joins(classes, main, i) and i.id.split("/")[-1] not in alloc]
            if land:
                units.append(("land", [land], alloc.get("land", Decimal(0))))
            units.append(("building", building, alloc.get("building", Decimal(0))))
            for i in improvements:
                if i not in building:
                    units.append((i.id.split("/")[-1], [i], alloc.get(i.id.split("/")[-1], Decimal(0))))
        else:
            whole = [main] + ([land] if land else []) + [i for i in improvements if _joins(classes, main, i)]
            units.append(("whole", whole, d.get("sale_price", Decimal(0))))
            for i in improvements:
                if i not in whole:
                    units.append((i.id.split("/")[-1], [i], Decimal(0)))
        if not disposed:
            units = []
        for part, members, price in units:
            uid = "unit:" + (pid if part == "whole" else f"{pid}/{part}")
            rc = {_recapture_of(classes, a) for a in members}
            rclass = "section_1245" if "section_1245" in rc else ("section_1250" if "section_1250" in rc else "none")
            book.add(Entity(uid, "unit", dict(common, part=part, allocated_price=Decimal(price) * share,
                                              units_of_the_sale=Decimal(len(units)),
                                              recapture_class=rclass, unallocated=not alloc,
                                              has_land=bool(land and land in members),
                                              has_building=main in members and main.values["asset_class"] != "land"),
                            {"property": prop.id, "assets": [a.id for a in members], "the_return": "return"}))
            prop.links["units"].append(uid)
            engine_facts.append({"type": "unit", "id": uid, "property": pid, "part": part, "recapture_class": rclass,
                                 "disposition_type": d["type"], "entity": tp["entity"], "allocated": bool(alloc)})
    rep = tp.get("real_estate_professional", False)
    for a in facts.get("activities", []):
        book.add(Entity(f"activity:{a['id']}", "activity",
                        dict(a, of_property=None, disposition_type="none", related_party=False),
                        {"the_return": "return"}))
        engine_facts.append({"type": "activity", "id": f"activity:{a['id']}", "kind": a["kind"], "of_property": False,
                             "active_participation": a["active_participation"], "disposition_type": "none",
                             "related_party": False, "real_estate_professional": rep})
    for p in facts["properties"]:
        if "activity" in p:
            a = p["activity"]
            book.add(Entity(f"activity:{p['id']}", "activity",
                            dict(a, id=p["id"], kind="rental_real_estate", of_property=p["id"],
                                 disposition_type=p["disposition"]["type"],
                                 related_party=p["disposition"]["related_party"]),
                            {"property": f"property:{p['id']}", "the_return": "return"}))
            engine_facts.append({"type": "activity", "id": f"activity:{p['id']}", "kind": "rental_real_estate",
                                 "of_property": True, "active_participation": a["active_participation"],
                                 "real_estate_professional": rep,
                                 "disposition_type": p["disposition"]["type"],
                                 "related_party": p["disposition"]["related_party"]})
    engine_facts.append({"type": "return", "id": "return", "entity": tp["entity"],
                         "filing_status": tp.get("filing_status") or "none",
                         "disposes": any(p["disposition"]["type"] != "none" for p in facts["properties"])})
    book.add(Entity("return", "return", {}))
    return book, engine_facts


def run(facts: dict, library: Library, baseline: Workbook | None = None, reduced: bool = False) -> Workbook:
    """Evaluate one fact set. `baseline` is the same return without its
    dispositions; its figures enter as the `without_dispositions` entity.
    `reduced`: this is that baseline, and only the rules its total needs run."""
    compiled = compiled_law(library, facts["tax_year"])
    book, engine_facts = layout(facts, compiled.law)
    ret = book.get("return")
    ret.values["has_baseline"] = baseline is not None
    if baseline is not None:
        book.add(Entity("without_dispositions", "baseline", dict(baseline.get("return").values)))
        ret.links["without_dispositions"] = "without_dispositions"
    ctx = Context(book)
    ruleset = compiled.ruleset
    if reduced and compiled.baseline is not None and _laid_out_as_assumed(engine_facts):
        ruleset = compiled.baseline
    try:
        ruleset.run(engine_facts, ctx)
    finally:
        use_base_context(ctx)
    if ctx.refusals:
        raise Unsupported(ctx.refusals)
    if ctx.errors:
        raise EvaluationError("; ".join(ctx.errors))
    book.components = compiled.components
    return book


def _laid_out_as_assumed(engine_facts) -> bool:
    """The baseline's facts are what `baseline_rules` assumed (BASELINE_FACTS)."""
    for f in engine_facts:
        known = BASELINE_FACTS.get(f.get("type"))
        if known is None:
            return False
        for field, value in known.items():
            v = f.get(field)
            if type(v) is not type(value) or v != value:
                return False
    return True


def evaluate(facts: dict, library: Library | None = None) -> dict:
    """The contract's result for one normalised fact set."""
    library = library or Library()
    book = run(facts, library)
    from .result import assemble
    return assemble(facts, book)


def without_dispositions(facts: dict) -> dict:
    """The same fact set with no property disposed of (for the tax without them).
    A new top level and new property and disposition mappings; the rest is shared
    with `facts` (nothing in an evaluation changes a fact set)."""
    other = dict(facts)
    other["properties"] = [dict(p, disposition=dict(p["disposition"], type="none")) for p in facts["properties"]]
    return other
