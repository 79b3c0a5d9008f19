"""The return without the dispositions runs only the rules its total needs
(evaluate.baseline_rules): the same total as running every rule, fewer firings,
the same faults when something is refused or fails."""
import ast
import importlib
import sys
from pathlib import Path

import pytest

from recapture import actions, api, tax
from recapture.errors import RecaptureError
from recapture.library import Library

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from factgen import fact_set, jsonl_line  # noqa: E402

# the module (the package's `evaluate` attribute is the API function until the module loads)
ev = importlib.import_module("recapture.evaluate")


def test_every_literal_name_an_action_sets_is_declared():
    # sets_of() must cover every f.set("name", ...) an action makes (the analysis relies on it)
    # the source itself: the module may run as its compiled twin (engine/native.py)
    tree = ast.parse((Path(__file__).resolve().parent.parent / "engine" / "actions.py").read_text(encoding="utf-8"))
    for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in actions.ACTIONS]:
        def name(arg):  # "name", or prefix + "name" (the depreciation action's `prefix:`)
            if isinstance(arg, ast.Constant):
                return arg.value
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add) and isinstance(arg.right, ast.Constant):
                return arg.right.value
            return None
        literal = {name(c.args[0]) for c in ast.walk(fn) if isinstance(c, ast.Call)
                   and isinstance(c.func, ast.Attribute) and c.func.attr == "set" and c.args} - {None}
        if fn.name == "depreciate_from_percentage_table":
            assert literal == set(actions.DEPRECIATION_SETS), fn.name
        elif fn.name == "spread_over_payments":
            assert literal <= {"gain_this_year", "gain_after_this_year"}
        else:
            assert not literal, (fn.name, literal)


def test_an_undeclared_set_fails_loudly():
    rule = {"id": "r", "action": "compute", "citation": "c", "file": "f", "version": "v", "_sets": frozenset({"a"})}
    from recapture.workbook import Entity, Workbook

    class Law:
        tables = {}
    book = Workbook(Law(), 2025)
    e = book.add(Entity("x", "return", {}))

    class Ctx:
        pass
    ctx = Ctx()
    ctx.book = book
    f = actions.Firing(ctx, rule, e)
    f.set("a", 1)
    with pytest.raises(actions.FormulaError, match="does not declare"):
        f.set("b", 1)


@pytest.mark.parametrize("year", [2018, 2022, 2025])
def test_the_baseline_keeps_refusals_and_what_the_total_reads(year):
    compiled = ev.compiled_law(Library(), year)
    needed = ev.baseline_rules(compiled.rules)
    assert needed and len(needed) < len(compiled.rules)
    by_id = {r["id"]: r for r in compiled.rules}
    assert "tax.total" in needed and all(by_id[r]["when"]["fact"] != "unit" for r in needed)
    assert {r["id"] for r in compiled.rules if r["action"] == "refuse" and ev._can_fire(r, ev.BASELINE_FACTS)} <= needed
    # a depreciation rule sets asset values the tax without dispositions never reads
    assert not any(r.startswith("depreciation.") and by_id[r]["action"] != "refuse" for r in needed)


def _baseline_values(facts, reduced):
    lib = api.library()
    return ev.run(ev.without_dispositions(facts), lib, reduced=reduced).get("return").values


def test_the_reduced_baseline_gives_the_full_baselines_total():
    compared = 0
    for i in range(400):
        try:
            facts = api.load(jsonl_line(fact_set(i)), f"g{i}")
        except RecaptureError:
            continue
        if not any(p["disposition"]["type"] != "none" for p in facts["properties"]):
            continue
        try:
            full = _baseline_values(facts, False)
        except (ev.Unsupported, ev.EvaluationError):
            with pytest.raises((ev.Unsupported, ev.EvaluationError)):
                _baseline_values(facts, True)
            continue
        reduced = _baseline_values(facts, True)
        assert reduced["total_tax"] == full["total_tax"], i
        assert set(reduced) <= set(full)
        assert all(reduced[k] == full[k] for k in reduced), i
        compared += 1
    assert compared > 250


def test_facts_laid_out_otherwise_run_every_rule():
    assert ev._laid_out_as_assumed([{"type": "asset", "disposition_type": "none", "disposed": False}])
    assert not ev._laid_out_as_assumed([{"type": "asset", "disposition_type": "sale", "disposed": True}])
    assert not ev._laid_out_as_assumed([{"type": "unit"}])
    assert not ev._laid_out_as_assumed([{"type": "asset", "disposition_type": "none", "disposed": 0}])


def test_a_refusal_is_the_full_baselines_word_for_word(monkeypatch):
    facts = {"schema_version": 1, "tax_year": 2025, "taxpayer": {"entity": "individual", "filing_status": "single"},
             "properties": [{"id": "old", "asset_class": "residential_rental", "acquired": "1985-01-01",
                             "cost": 100000, "disposition": {"type": "sale", "date": "2025-03-01",
                                                             "sale_price": 200000}}]}
    with pytest.raises(RecaptureError) as fast:
        api.evaluate(facts)
    full_runs = []
    real_run = tax.run

    def only_full(f, lib, baseline=None, reduced=False):
        full_runs.append(reduced)
        return real_run(f, lib, baseline=baseline)
    monkeypatch.setattr(tax, "run", only_full)
    with pytest.raises(RecaptureError) as slow:
        api.evaluate(facts)
    assert fast.value.lines == slow.value.lines and "ACRS" in fast.value.lines[0]


def test_the_analysis_reads_names_by_kind():
    rule = {"id": "r", "action": "compute", "when": {"fact": "activity"},
            "with": {"set": {"x": "property.adjusted_basis + assets.allowed + own + sum_matching(units, 'f', 'k', 1)"}}}
    reads = ev._reads(rule, {"activity"}, set())
    assert ("property", "adjusted_basis") in reads and ("asset", "allowed") in reads
    assert ("activity", "own") in reads and (ev.ANY, "f") in reads
    assert ("activity", "allowed") not in reads


def test_an_evaluation_changes_no_fact_set():
    import copy
    for i in range(120):
        try:
            facts = api.load(jsonl_line(fact_set(i)), f"g{i}")
        except RecaptureError:
            continue
        before = copy.deepcopy(facts)
        try:
            tax.evaluate_return(facts, api.library())
        except (ev.Unsupported, ev.EvaluationError):
            pass
        assert facts == before, i
