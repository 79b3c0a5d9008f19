"""A ruleset keeps the session of its last run, emptied (every fact it asserted
retracted), for the next run (engine/adapter.py: making a durable-rules session
clears ~1 MB of frame pools). The next run must fire exactly what a new session
would: the same rules, in the same order, on the same facts."""
import json

import durable_rules_engine as dre

from recapture.adapter import Ruleset, compile_pattern


class Ctx:
    def __init__(self):
        self.errors, self.seen = [], []


def _record(tag):
    def run(ctx, fact, closure):
        ctx.seen.append((tag, fact["id"]))
    return run


def _chain(ctx, fact, closure):
    ctx.seen.append(("derive", fact["id"]))
    closure.assert_fact({"type": "derived", "id": f"d:{fact['id']}", "of": fact["id"]})


def _rules():
    return [
        {"id": "first", "priority": 10, "pattern": compile_pattern("asset", [{"kind": "a"}]), "action": _record("first")},
        {"id": "derive", "priority": 20, "pattern": compile_pattern("asset", []), "action": _chain},
        {"id": "later", "priority": 30, "pattern": compile_pattern("derived", []), "action": _record("later")},
        {"id": "other", "priority": 30, "pattern": compile_pattern("asset", [{"kind": "b"}]), "action": _record("other")},
    ]


def _facts(i):
    return [{"type": "asset", "id": f"x{i}", "kind": "a"}, {"type": "asset", "id": f"y{i}", "kind": "b"},
            {"type": "asset", "id": f"z{i}", "kind": "a"}]


def test_a_kept_session_fires_what_a_new_one_fires():
    kept = Ruleset("reuse_kept", _rules(), share=False)
    for i in range(30):
        fresh = Ruleset(f"reuse_fresh_{i}", _rules(), share=False)  # its first run: a new session
        a, b = Ctx(), Ctx()
        kept.run(_facts(i % 3), a)
        fresh.run(_facts(i % 3), b)
        assert a.seen == b.seen and a.errors == b.errors == []
    assert kept._idle  # and it was kept, not made again each time


def test_the_kept_session_holds_no_fact_and_no_pending_action():
    rs = Ruleset("reuse_empty", _rules(), share=False)
    rs.run(_facts(1), Ctx())
    (sid,) = rs._idle
    assert json.loads(dre.get_facts(rs.handle, sid)) == []
    assert dre.start_action(rs.handle) is None  # nothing left to fire


def test_a_refused_batch_does_not_leave_its_session_for_the_next_run():
    rs = Ruleset("reuse_refused", _rules(), share=False)
    ctx = Ctx()
    rs.run([{"type": "asset", "id": "a", "kind": "a"}, {"type": "asset", "id": "a", "kind": "a"}], ctx)
    assert ctx.errors == ["input rejected by the rule engine: MessageObservedException"]
    assert rs._idle == []
    again = Ctx()
    rs.run(_facts(2), again)
    assert ("first", "x2") in again.seen and again.errors == []


def test_a_run_stopped_halfway_deletes_its_session():
    rs = Ruleset("reuse_interrupted", _rules(), share=False)
    fire = rs._fire

    def stopped(handle, state, session, ctx):  # an action is pending when the run stops
        dre.start_action_for_state(handle, state)
        raise KeyboardInterrupt

    rs._fire = stopped
    try:
        rs.run(_facts(3), Ctx())
    except KeyboardInterrupt:
        pass
    assert rs._idle == []
    rs._fire = fire
    a, b = Ctx(), Ctx()
    rs.run(_facts(3), a)
    Ruleset("reuse_interrupted_fresh", _rules(), share=False).run(_facts(3), b)
    assert a.seen == b.seen and a.errors == []


def test_the_law_in_kept_sessions_gives_what_new_sessions_give():
    # the small form of benchmarks/session_reuse.py (there: 2,000 generated and 500 hostile
    # fact sets, three orders): every golden case, 60 generated and 40 hostile fact sets,
    # the full text with trace, new sessions first, then kept ones in other orders, with
    # refused batches and runs stopped halfway in between
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    p = subprocess.run([sys.executable, str(root / "benchmarks" / "session_reuse.py"), "--n", "60", "--fuzz", "40"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "results differing from a new session's: 0" in p.stdout
    kept = int(p.stdout.split("of them in a kept session ")[1].split(";")[0])
    assert kept > 300  # the kept sessions were really used


def _tagged_rules(tag, priority_of_later=30):
    rules = _rules()
    for r in rules:
        if r["action"] is not _chain:
            r["action"] = _record(f"{tag}:{r['id']}")
    rules[2]["priority"] = priority_of_later
    return rules


def test_rulesets_of_the_same_definition_share_one_registration_and_run_their_own_actions():
    # the nine tax years' laws: the same rules, patterns and order, other tables and formulas
    a, b = Ruleset("share_a", _tagged_rules("a")), Ruleset("share_b", _tagged_rules("b"))
    own = Ruleset("share_own", _tagged_rules("a"), share=False)
    other = Ruleset("share_other", _tagged_rules("a", priority_of_later=31))
    assert a.handle == b.handle and a._idle is b._idle
    assert own.handle != a.handle and other.handle != a.handle
    for i in range(12):
        seen = {}
        for name, rs in (("a", a), ("b", b), ("own", own), ("a", a)):
            ctx = Ctx()
            rs.run(_facts(i % 4), ctx)
            assert ctx.errors == []
            seen.setdefault(name, []).append(ctx.seen)
        assert seen["a"][0] == seen["a"][1] == seen["own"][0]  # the same firings, in the same order
        assert [(t.replace("b:", "a:"), f) for t, f in seen["b"][0]] == seen["a"][0]  # b's own actions
        assert any(t.startswith("b:") for t, _ in seen["b"][0])
    assert len(a._idle) == 1  # one emptied session kept for both


def test_the_tax_years_share_their_registrations():
    from recapture import api
    from recapture.evaluate import compiled_law
    lib = api.library()
    years = sorted(lib.years())[:3]
    laws = [compiled_law(lib, y) for y in years]
    assert len({law.ruleset.handle for law in laws}) == 1
    assert len({law.baseline.handle for law in laws if law.baseline is not None}) <= 1


def test_the_tax_years_run_the_same_action_objects_and_each_rule_of_its_own_content_its_own():
    from recapture import api
    from recapture.evaluate import _bound, compiled_law
    lib = api.library()
    first, second = (compiled_law(lib, y) for y in sorted(lib.years())[:2])
    assert first.ruleset.actions.keys() == second.ruleset.actions.keys()
    assert all(first.ruleset.actions[k] is second.ruleset.actions[k] for k in first.ruleset.actions)
    rule = next(r for r in first.rules if r["action"] == "compute")
    assert _bound(dict(rule)) is _bound(dict(rule))
    assert _bound(dict(rule, citation=rule["citation"] + " (edited)")) is not _bound(dict(rule))
