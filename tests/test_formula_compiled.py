"""Compiled formulas (closures built once per text) give exactly what the
reference interpreter gives: the same value, the same reads in the same order,
the same error with the same words."""
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from recapture.formula import FormulaError, Scope, compile_formula, evaluate, interpret

ROOT = Path(__file__).resolve().parent.parent


class Recording(Scope):
    def __init__(self, values):
        self.values, self.reads = values, []

    def name(self, name):
        self.reads.append(name)
        if name not in self.values:
            raise FormulaError(f"no value {name!r} (yet)")
        return self.values[name]


VALUES = {
    "a": Decimal("10.5"), "b": Decimal(3), "zero": Decimal(0), "n": 7, "f": 0.1, "t": True, "s": "2024-03-31",
    "d": {"x": Decimal(1), "2024": Decimal(5), 7: "seven"}, "xs": [Decimal(1), Decimal(2), None, Decimal(4)],
    "brackets": [{"over": 0, "rate": Decimal("0.1")}, {"over": 100, "rate": Decimal("0.2")}], "none": None,
    "periods": [{"from": "2020-01-01", "to": "2021-06-30"}], "nan": Decimal("NaN"),
}

FORMULAS = [
    "a + b * 2 - -a / b", "a / zero", "zero / a", "+a", "-n", "not t", "n", "f", "f * 3", "1.5 + 2", "'text'",
    "true and false", "a > b and b > 0", "a < b or b > 0 or missing", "false or missing", "true and missing",
    "a > b > 0", "1 < 2 < 2", "a if a > b else missing", "missing if a < b else b", "[a, b, n]", "(a, 1)",
    "d.x", "d.nope", "d['2024']", "d[2024]", "d[7]", "d[b]", "xs[1]", "xs[9]", "xs[a]", "s[0]", "a[1]",
    "min(a, b)", "max(xs[0], xs[1])", "sum(xs)", "sum(a, b, none)", "min([])", "abs(-a)", "count(xs)",
    "round_cents(a / b)", "tax_on(150, brackets)", "bracket_start(brackets, 1)", "year(s)", "month(s)",
    "quarter(s)", "add_years('2024-02-29', 1)", "add_days(s, 1)", "days_between('2024-01-01', s)",
    "days_within(periods, '2021-01-01', '2022-01-01')", "year('not a date')", "text(a)", "any([false, t])",
    "all([t, zero])", "s > '2024-01-01'", "a in xs", "b not in xs", "missing", "a.b", "open('x')",
    "__import__('os')", "lambda: 1", "a % b", "d._x", "a ** 2", "1 +", "[x for x in xs]", "{'k': 1}",
    # min/max of two and sum of one list have their own closures: the builtins' results and errors
    "max(a, none)", "min(none, a)", "max(s, a)", "min(b, b)", "max(n, f)", "min(f, n)", "max(t, b)",
    "min(a, nan)", "max(nan, a)", "sum(a)", "sum([a, none, n, f])", "sum(xs[0])", "sum(s)", "sum([s])",
    # nesting: at most formula.MAX_DEPTH levels (the compiled twin has no recursion check),
    # and deeper than Python's own parser can read
    " * ".join(["a"] * 40), " * ".join(["a"] * 150), "-" * 120 + "a", " * ".join(["a"] * 20000),
]


def _outcome(fn, text):
    scope = Recording(dict(VALUES))
    try:
        value = fn(text, scope)
        return "value", type(value).__name__, repr(value), scope.reads
    except Exception as e:  # noqa: BLE001 - the same exception, whatever it is
        return "error", type(e).__name__, str(e), scope.reads


@pytest.mark.parametrize("text", FORMULAS, ids=lambda t: t if len(t) < 60 else f"{t[:20]}...({len(t)} chars)")
def test_compiled_formula_does_what_the_interpreter_does(text):
    assert _outcome(evaluate, text) == _outcome(interpret, text)


def test_every_formula_of_the_law_compiles_and_is_cached():
    texts = set()
    for path in (ROOT / "rules").rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))

        def walk(node):
            if isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
            elif isinstance(node, str):
                texts.add(node)
        for rule in doc.get("rules", []):
            walk(rule.get("with") or {})
    assert texts
    for text in texts:
        assert callable(compile_formula(text))
        assert compile_formula(text) is compile_formula(text)
    # the checked tree's nodes are what ast.walk gives, in its order (the checks and the
    # baseline's analysis read them; formula._walk is the faster walk they use)
    import ast
    from recapture.formula import FormulaError as Refused, nodes_of, parse
    walked = 0
    for text in texts:
        try:
            tree = parse(text)
        except Refused:
            continue  # a message or a name, not a formula
        assert nodes_of(text) == tuple(ast.walk(tree))
        walked += 1
    assert walked > 100


@pytest.mark.parametrize("text, says", [
    ("x.__class__", "names may not start with '_'"),
    ("open('f')", "only these functions may be called"),
    ("[y for y in x]", "ListComp is not allowed"),
    ("lambda: 1", "Lambda is not allowed"),
    ("x[1:2]", "Slice is not allowed"),
    ("b'1'", "constant b'1' is not allowed"),
])
def test_what_a_formula_may_not_hold_is_refused_by_name(text, says):
    from recapture.formula import parse
    with pytest.raises(FormulaError) as e:
        parse(text)
    assert says in str(e.value)


def test_a_bad_formula_fails_when_evaluated_not_when_compiled():
    fn = compile_formula("a ** 2")
    with pytest.raises(FormulaError, match="Pow is not allowed"):
        fn(Recording({}))


def _entity_outcome(fn, text, extra):
    from recapture.workbook import Entity, EntityScope, Workbook

    class Law:
        tables = {}
    book = Workbook(Law(), 2025)
    book.add(Entity("taxpayer", "taxpayer", {"filing_status": "single", "income": Decimal(7)}))
    e = book.add(Entity("unit:u", "unit", {"a": Decimal("10.5"), "b": 3, "s": "x", "xs": [Decimal(1)], "d": {"k": 1},
                                          "none": None, "flag": True, "f": 0.25},
                          {"property": "property:p", "units": ["unit:u", "unit:v"], "none_linked": []}))
    book.add(Entity("unit:v", "unit", {"a": Decimal("0.25"), "b": None, "xs": [Decimal(2)]}))
    book.add(Entity("property:p", "property", {"gain": Decimal(5)}))
    scope = EntityScope(book, e, extra)
    try:
        value = fn(text, scope)
        return "value", repr(value), list(scope.reads.items())
    except Exception as ex:  # noqa: BLE001
        return "error", type(ex).__name__, str(ex), list(scope.reads.items())


@pytest.mark.parametrize("extra", [None, {"a": Decimal(1), "extra_only": Decimal(2)}])
@pytest.mark.parametrize("text", ["a + b + a - b * 2", "a + s", "xs", "d.k", "none", "flag and a > b", "f + a",
                                  "property.gain + a", "taxpayer.income - a", "missing + a", "extra_only",
                                  "min(a, b) + max(b, a)", "sum(xs)", "count(xs)", "min(xs, 1)", "round_cents(a / b)",
                                  "a - b - b + a", "tax_year", "units", "property.nothing", "a.b", "b.x",
                                  "xs.y", "d.nope", "table.x", "taxpayer.income + taxpayer.income", "none.x",
                                  "s.upper", "extra_only.x", "sum(units.a)", "units.a", "units.b", "sum(units.b)",
                                  "units.s", "units.xs", "sum(units.xs)", "none_linked.a", "sum(none_linked.a)",
                                  "units.a[1] + a"])
def test_compiled_reads_of_an_entity_are_the_interpreters(text, extra):
    assert _entity_outcome(evaluate, text, extra) == _entity_outcome(interpret, text, extra)


def test_tax_on_adds_each_bracket_up_to_the_amount():
    # 10% to 100, 20% to 250, 30% above: at 300, 100 x 0.1 + 150 x 0.2 + 50 x 0.3 = 10 + 30 + 15 = 55
    from recapture.formula import _tax_on
    brackets = [{"over": 0, "rate": Decimal("0.1")}, {"over": 100, "rate": Decimal("0.2")},
                {"over": Decimal(250), "rate": Decimal("0.3")}]
    assert _tax_on(300, brackets) == Decimal(55)
    assert _tax_on(250, brackets) == Decimal(40)       # 10 + 150 x 0.2
    assert _tax_on(Decimal("100.01"), brackets) == Decimal("10.002")
    assert _tax_on(0, brackets) == 0 and _tax_on(-5, brackets) == 0
    assert _tax_on(7, []) == 0
    assert _tax_on(7, [{"over": 5, "rate": Decimal("0.5")}]) == Decimal(1)
