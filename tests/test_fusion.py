"""Rules fused into one engine rule (same pattern, next in firing order, no fact
asserted) fire in exactly the order the engine fired them apart."""
import importlib
import sys
from pathlib import Path

from recapture import api
from recapture.adapter import Ruleset, compile_pattern
from recapture.errors import RecaptureError
from recapture.library import Library

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from factgen import fact_set, jsonl_line  # noqa: E402

# the module (the package's `evaluate` attribute is the API function until the module loads)
ev = importlib.import_module("recapture.evaluate")


class Ctx:
    def __init__(self):
        self.errors, self.order = [], []


def _log(tag):
    def action(ctx, fact, c):
        ctx.order.append((tag, fact["id"]))
    return action


def _rules(fused):
    asset = compile_pattern("asset", [])
    rules = [
        {"id": "a", "priority": 10, "pattern": asset, "action": _log("a")},
        {"id": "b", "priority": 11, "pattern": asset, "action": _log("b")},
        {"id": "c", "priority": 11, "pattern": asset, "action": _log("c")},
        {"id": "d", "priority": 12, "pattern": compile_pattern("unit", []), "action": _log("d")},
        {"id": "e", "priority": 13, "pattern": asset, "action": _log("e")},
    ]
    if fused:
        rules[0]["then"] = [("b", rules[1]["action"]), ("c", rules[2]["action"])]
        del rules[1:3]
    return rules


FACTS = [{"type": "asset", "id": f"asset:{i}"} for i in range(3)] + [{"type": "unit", "id": "unit:0"}]


def test_fused_rules_fire_in_the_order_of_the_separate_ones():
    apart, together = Ctx(), Ctx()
    Ruleset("fusion_apart", _rules(False)).run(FACTS, apart)
    Ruleset("fusion_together", _rules(True)).run(FACTS, together)
    assert together.order == apart.order
    assert [t for t, _ in apart.order] == ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] + ["e"] * 3


def test_an_error_in_a_fused_action_is_reported_in_its_place():
    def boom(ctx, fact, c):
        raise ValueError(fact["id"])
    rules = _rules(True)
    rules[0]["then"][0] = ("b", boom)
    ctx = Ctx()
    Ruleset("fusion_boom", rules).run(FACTS, ctx)
    assert ctx.errors == [f"rule b: ValueError: asset:{i}" for i in (2, 1, 0)] or \
        ctx.errors == [f"rule b: ValueError: asset:{i}" for i in (0, 1, 2)]
    assert [t for t, _ in ctx.order].count("c") == 3


def test_rules_that_assert_facts_or_refuse_are_never_fused():
    p = compile_pattern("asset", [])
    mk = lambda rid, action="compute", **w: ({"id": rid, "priority": 1, "pattern": p, "action": None},  # noqa: E731
                                            {"id": rid, "action": action, "with": w})
    out = ev.fuse([mk("a"), mk("b", emit={"type": "x"}), mk("c"), mk("d", "refuse"), mk("e"), mk("f")])
    assert [(c["id"], [t for t, _ in c.get("then", [])]) for c in out] == \
        [("a", []), ("b", []), ("c", []), ("d", []), ("e", ["f"])]


def test_the_laws_fused_rules_give_the_same_trace():
    lib = Library()
    assert any(c.get("then") for c in ev.fuse([({"id": r["id"], "priority": r["priority"], "action": None,
                                                 "pattern": compile_pattern(r["when"]["fact"], r["when"].get("all", []))}, r)
                                               for r in ev.compiled_law(lib, 2025).rules]))
    real = ev.fuse
    results = []
    for fused in (True, False):
        ev._compiled.clear()
        ev.fuse = real if fused else (lambda pairs: [c for c, _ in pairs])
        try:
            out = []
            for i in range(60):
                try:
                    out.append(api.evaluate(jsonl_line(fact_set(i)))["trace"])
                except RecaptureError as e:
                    out.append(e.lines)
            results.append(out)
        finally:
            ev.fuse = real
            ev._compiled.clear()
    assert results[0] == results[1]
