"""Each durable-rules pitfall in shared/notes/durable-rules.md, handled in
engine/adapter.py, exercised here."""
import threading

import pytest

from recapture.adapter import Ruleset, compile_pattern


class Ctx:
    def __init__(self):
        self.errors, self.seen, self.threads = [], [], set()


def _ruleset(name, action=None, pattern=None, priority=10):
    def record(ctx, fact, c):
        ctx.seen.append(fact["id"])
        ctx.threads.add(threading.get_ident())
    rules = [{"id": "r", "priority": priority, "pattern": pattern or compile_pattern("asset", [{"kind": "a"}]),
              "action": action or record}]
    return Ruleset(name, rules)


def test_session_where_no_rule_fires_is_deleted_without_crashing():
    """notes §3: delete_state() segfaults if no action ran; `_init` always runs one."""
    rs = _ruleset("no_action")
    for i in range(50):
        ctx = Ctx()
        rs.run([{"type": "asset", "id": f"x{i}", "kind": "other"}], ctx)
        assert ctx.seen == [] and ctx.errors == []


def test_more_than_1024_sessions_in_one_ruleset():
    """notes §3: at most 1024 live sessions; every session is deleted after its run."""
    rs = _ruleset("many_sessions")
    for i in range(1100):
        ctx = Ctx()
        rs.run([{"type": "asset", "id": "a", "kind": "a"}], ctx)
        assert ctx.seen == ["a"]


def test_exception_in_an_action_reaches_the_caller():
    """notes §6: the engine swallows action exceptions; the adapter records them."""
    def boom(ctx, fact, c):
        raise ValueError("bad figure")
    rs = _ruleset("boom", action=boom)
    ctx = Ctx()
    rs.run([{"type": "asset", "id": "a", "kind": "a"}], ctx)
    assert ctx.errors == ["rule r: ValueError: bad figure"]


def test_actions_run_on_the_callers_thread_only():
    """notes §3/§7: a plain Host's polling threads run actions off the main thread."""
    rs = _ruleset("threads")
    ctx = Ctx()
    for i in range(200):
        rs.run([{"type": "asset", "id": f"a{i}", "kind": "a"}], ctx)
    assert ctx.threads == {threading.get_ident()}
    assert not any(t.name.startswith("Thread-") and t.is_alive() and "durable" in repr(t) for t in threading.enumerate())


def test_every_pattern_tests_the_fact_type():
    """notes §3: a pattern without a type test matches the session state and loops."""
    assert compile_pattern("unit", [])["m"]["$and"][0] == {"type": "unit"}
    assert compile_pattern("unit", [{"gain": {"gt": 0}}])["m"]["$and"][1] == {"$gt": {"gain": 0}}


def test_duplicate_fact_is_reported_not_lost():
    """notes §2: identical facts raise MessageObservedException; the adapter reports it."""
    rs = _ruleset("dupes")
    ctx = Ctx()
    rs.run([{"type": "asset", "id": "a", "kind": "a"}, {"type": "asset", "id": "a", "kind": "a"}], ctx)
    assert any("MessageObservedException" in e for e in ctx.errors)
    ctx2 = Ctx()
    rs.run([{"type": "asset", "id": "b", "kind": "a"}], ctx2)  # the ruleset still works afterwards
    assert ctx2.seen == ["b"]


def test_unknown_fact_type_does_not_raise():
    """notes §3: `_sink` makes every typed fact handled."""
    rs = _ruleset("sink")
    ctx = Ctx()
    rs.run([{"type": "nobody_matches", "id": "z"}], ctx)
    assert ctx.errors == []


def test_priority_orders_firing_and_chained_facts_follow_it():
    """notes §2: lowest `pri` first; an asserted fact's rules fire in their own priority."""
    from recapture.adapter import assert_derived
    order = []
    def first(ctx, fact, c):
        order.append("first")
        assert_derived(c, {"type": "derived", "id": "d1"})
    rules = [
        {"id": "late", "priority": 50, "pattern": compile_pattern("asset", []), "action": lambda ctx, f, c: order.append("late")},
        {"id": "first", "priority": 10, "pattern": compile_pattern("asset", []), "action": first},
        {"id": "chained", "priority": 20, "pattern": compile_pattern("derived", []),
         "action": lambda ctx, f, c: order.append("chained")},
    ]
    rs = Ruleset("order", rules)
    rs.run([{"type": "asset", "id": "a"}], Ctx())
    assert order == ["first", "chained", "late"]


def test_two_tax_years_side_by_side_in_one_process():
    from recapture.evaluate import compiled_law
    from recapture.library import Library
    lib = Library()
    a, b = compiled_law(lib, 2024), compiled_law(lib, 2025)
    assert a.ruleset.name != b.ruleset.name and "2024" in a.ruleset.name and "2025" in b.ruleset.name
    assert compiled_law(lib, 2024) is a  # built once per process
