"""The only module that knows durable-rules (2.0.28).

It handles every pitfall measured in shared/notes/durable-rules.md:
- `delete_state()` crashes when no action ran: an `_init` system rule fires
  once in every session, so an action always runs (notes §3);
- at most 1024 live sessions: a run's session is emptied (every fact it
  asserted retracted) and kept for the next run of the same ruleset, at most
  one per ruleset, or deleted in `finally` (§3);
- exceptions inside actions are swallowed by the engine: each action is
  wrapped and its error recorded for the caller (§6);
- polling threads run actions off the main thread: there is no Host at all
  (a stock `Host()` starts them): a ruleset is registered with the C
  extension itself (`create_ruleset`, what the stock `Ruleset` calls, with
  the same definition), and only the lean loop below runs actions (§3, §7);
- the session state is a fact: every pattern tests `type` (§3);
- fact identity is a 32-bit FNV-1a hash of the `id` (§2, §11): the engine never
  sees an id made from user text; each fact of a session gets a counter id
  whose hash is checked to differ from every other in the session (and from the
  session state's), and actions see the fact's own id again;
- `MessageNotHandledException` for a fact no rule matches: `_sink` makes every
  typed fact handled (§3);
- money crosses into the engine as integer cents only (§5);
- the stock wrapper deletes `run` from the dict it is given (§1): it is not
  used; the C extension gets the definition as text, actions stay here;
- a sid is a counter, never text from a file (§3);
- speed (§8, §11): a session is driven by a lean loop over the C extension itself
  (`assert_facts`, `start_action_for_state`, `complete_and_start_action`), the
  same calls the wrapper makes, in the same order, so the engine still decides
  which rule fires next, every time; the loop only skips the wrapper's Python
  glue (a Closure, Content wrappers, two clock reads and a JSON round trip of
  the state per firing) and sends the state back only when an action changed
  it (only `_init` does).
"""
from __future__ import annotations

import itertools
import json
import threading

import durable_rules_engine as _dre

try:  # faster JSON to and from the engine; the standard library gives the same values
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by the no-orjson CI line
    _orjson = None

SYSTEM_RULE_PRIORITY = 0
_OK, _NOT_HANDLED, _OBSERVED = 0, 1, 2


class ActionFailed(Exception):
    pass


class MessageObserved(Exception):
    """durable-rules refused a fact as one it has seen (its MessageObservedException)."""


class MessageNotHandled(Exception):
    """durable-rules had no rule for a fact (its MessageNotHandledException)."""


_sid = itertools.count(1)
_lock = threading.Lock()


def fnv1a_32(text: str) -> int:
    """The engine's fact identity (`fnv1Hash32` in state.c): FNV-1a over the id's
    bytes, each byte taken as a signed char as the C code does."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ (b if b < 128 else (b - 256) & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
    return h


# Engine ids: short counter texts whose hashes differ pairwise, found once per process.
_ENGINE_IDS: list[str] = []
_ENGINE_HASH_LIST: list[int] = []
_ENGINE_HASHES: dict[int, int] = {}
_next_candidate = itertools.count(1)


def _engine_id(i: int) -> str:
    while len(_ENGINE_IDS) <= i:
        candidate = f"f{next(_next_candidate)}"
        h = fnv1a_32(candidate)
        if h not in _ENGINE_HASHES:
            _ENGINE_HASHES[h] = len(_ENGINE_IDS)
            _ENGINE_IDS.append(candidate)
            _ENGINE_HASH_LIST.append(h)
    return _ENGINE_IDS[i]


def _dumps(obj) -> str:
    if _orjson is not None:
        try:
            return _orjson.dumps(obj).decode("utf-8")
        except TypeError:  # e.g. an integer beyond 64 bits: the standard library takes it
            pass
    return json.dumps(obj, ensure_ascii=False)


def _loads(text: str):
    if _orjson is not None:
        try:
            return _orjson.loads(text)
        except _orjson.JSONDecodeError:
            pass
    return json.loads(text)


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


class Session:
    """One run of a ruleset over one fact set: the engine ids it handed out, and the
    `closure` actions receive (they only ever assert derived facts through it)."""

    __slots__ = ("ruleset", "sid", "ids", "hashes", "seen", "next", "texts")

    def __init__(self, ruleset, sid):
        self.ruleset, self.sid = ruleset, sid
        self.ids: dict[str, str] = {}      # engine id -> the fact's own id
        self.seen: set = set()             # the facts' own ids (or contents) asserted so far
        self.hashes = {fnv1a_32(f"sid-{sid}")}  # the session state is a fact too
        self.next = 0
        self.texts: dict[str, dict] = {}   # the JSON text each fact was sent as -> the fact (see _fact_of)

    def engine_fact(self, fact: dict) -> dict | None:
        """The fact as the engine gets it (counter id, sid), or None when the same
        fact (same id, or the same content without one) was asserted before."""
        own = fact.get("id")
        key = own if own is not None else json.dumps(fact, sort_keys=True, default=str)
        if key in self.seen:
            return None
        self.seen.add(key)
        while True:  # the next counter id whose hash no other fact of this session has
            eid = _engine_id(self.next)
            h = _ENGINE_HASH_LIST[self.next]
            self.next += 1
            if h not in self.hashes:
                break
        self.hashes.add(h)
        self.ids[eid] = own
        out = dict(fact)
        out["id"], out["sid"] = eid, self.sid
        return out

    def assert_fact(self, fact: dict):
        """Forward chaining from inside an action (see `assert_derived`)."""
        out = self.engine_fact(fact)
        if out is None:
            raise MessageObserved(fact)
        text = _dumps(out)
        self.texts[text] = out
        code, _ = _dre.assert_fact(self.ruleset.handle, text)
        if code == _NOT_HANDLED:
            raise MessageNotHandled(out)
        if code == _OBSERVED:  # cannot happen: ids are unique by construction; never lose a fact silently
            raise ActionFailed(f"the rule engine refused derived fact {fact.get('id')!r} as already observed")


# The rulesets registered with durable-rules, by the text of their definition: [handle,
# the emptied session kept for the next run (none or one sid)]. See Ruleset.__init__.
_registered: dict[str, list] = {}


class Ruleset:
    """A compiled ruleset: one per (rules folder, tax year, content hash)."""

    reuse = True  # keep the emptied session for the next run (False: a new session every run, as before)

    def __init__(self, name: str, rules: list[dict], share: bool = True):
        """rules: [{id, pattern, priority, action: callable(ctx, fact, closure)}] in firing order.

        A rule may also carry `then`: [(id, action), ...], rules fused into it: they
        came right after it in firing order, with the very same pattern, and
        neither they nor it assert facts. The engine then fires one rule where it
        fired several: each time, the first action runs at once; the others run,
        in their order and each over the facts in the order the engine gave them,
        as soon as the engine turns to another rule, which is exactly the order
        in which the engine fired the separate rules (notes §2: lowest priority
        first, ties in declaration order, all matches of one rule before the next).

        Rulesets whose definitions are the same text share one registration with
        durable-rules (`share`; False: one of its own): the tax years' laws differ in
        their tables and formulas, which stay here with the actions, while their rules'
        patterns, priorities and order are the same from year to year. The engine
        decides each firing from the definition and the facts alone, so a shared
        registration fires exactly what a ruleset's own would; runs take turns on it
        (the lock), each in a session of its own, and the emptied session kept for the
        next run (see `_empty`) is kept once for all of them. perf: durable-rules builds
        its network and frame pools for each registration, and a kept session holds
        about 1 MB; one registration for the nine years instead of nine took 27 MB less
        per worker and made fact sets of mixed years 1.078x faster side by side (the
        pools of one registration stay in the processor's caches: before, the same
        instructions ran about a fifth faster on inputs sorted by year than mixed).
        """
        self.name = name
        definition = {
            "_init": {"all": [{"m": {"$and": [{"$s": 1}, {"$nex": {"_init": 1}}]}}], "pri": SYSTEM_RULE_PRIORITY},
            "_sink": {"all": [{"a": {"$ex": {"type": 1}}}, {"b": {"type": "__never__"}}]},
        }
        self.actions, self.then = {}, {}
        for r in rules:
            definition[r["id"]] = {"all": [r["pattern"]], "pri": r["priority"]}
            self.actions[r["id"]] = r["action"]
            if r.get("then"):
                self.then[r["id"]] = list(r["then"])
        # what the stock Ruleset sends (its definition less each rule's `run`, which it keeps
        # for its own dispatcher: the loop below runs the actions)
        text = json.dumps(definition, ensure_ascii=False)
        with _lock:
            registered = _registered.get(text) if share else None
            if registered is None:
                registered = [_dre.create_ruleset(name, text), []]
                if share:
                    _registered[text] = registered
        self.handle = registered[0]
        self._idle: list[str] = registered[1]  # a session whose facts were all retracted: ready for the next run

    def run(self, facts: list[dict], ctx) -> None:
        """Assert the facts in a session, run every rule, then empty the session for
        the next run (or delete it)."""
        handle = self.handle
        with _lock:
            idle = self._idle
            sid = idle.pop() if idle and self.reuse else str(next(_sid))
            session = Session(self, sid)
            reusable = False
            try:
                batch = []
                duplicate = False
                texts = session.texts
                for f in facts:
                    out = session.engine_fact(f)
                    if out is None:
                        duplicate = True
                    else:
                        text = _dumps(out)  # each fact's own text: the array holds them as they are
                        texts[text] = out
                        batch.append(text)
                code, state = _dre.assert_facts(handle, "[" + ",".join(batch) + "]")
                if code in (_NOT_HANDLED, _OBSERVED) or duplicate:
                    # as the stock wrapper: the batch is refused before any action runs;
                    # updating the state runs the pending actions, `_init` included
                    state = _dre.update_state(handle, json.dumps({"sid": sid, "$s": 1}))
                    kind = "MessageNotHandledException" if code == _NOT_HANDLED else "MessageObservedException"
                    ctx.errors.append(f"input rejected by the rule engine: {kind}")
                self._fire(handle, state, session, ctx)
                reusable = self.reuse and not (code in (_NOT_HANDLED, _OBSERVED) or duplicate)
            finally:
                if not (reusable and self._empty(handle, session)):
                    _dre.delete_state(handle, sid)
                    session = None
            if session is not None:
                idle.append(sid)

    def _empty(self, handle, session) -> bool:
        """Retract every fact this run asserted (given and derived), so that the session
        is as a new one would be for the next run: the state (with `_init` done) and
        nothing else, no action pending (the run fired until none was left). perf:
        making a session makes durable-rules allocate and link its frame pools for
        every rule (createStateNode) and free them again (deleteStateNode): about
        235 us of C a fact set, against about 150 us for asserting into the kept
        session and retracting (measured over generated fact sets). The engine still
        matches and orders every firing of the next run from its facts alone: the
        order of firings comes from the pending frames' lists (insertion order), never
        from pool slots, every frame is initialised when made, and every frame that
        holds a fact goes with it when it is retracted (state.c, events.c
        handleDeleteMessage); the state fact keeps `_init` done, and `_init` reads and
        sets nothing else. benchmarks/session_reuse.py compares it with new sessions
        on every golden case and thousands of generated and hostile fact sets. A run
        that stopped early, was refused, or whose facts cannot all be retracted
        deletes its session instead."""
        if self._idle:  # one run at a time (the lock): one empty session is enough
            return False
        try:
            code, _ = _dre.retract_facts(handle, _dumps([{"id": eid, "sid": session.sid} for eid in session.ids]))
        except Exception:  # noqa: BLE001 - then the session is deleted, as before
            return False
        return code == _OK

    def _fire(self, handle, state_offset, session, ctx):
        result = _dre.start_action_for_state(handle, state_offset)
        if not result:
            return
        # typed (perf): the compiled twin finds in the text and reads the dicts without method calls
        message_text: str
        actions: dict
        ids: dict
        then: dict
        texts: dict
        fact: dict
        state_text, message_text = result
        actions, ids, then, texts = self.actions, session.ids, self.then, session.texts
        pending_rule, pending = None, []  # a fused rule's facts, for the actions fused into it
        try:
            while True:
                # the message is {"<rule id>":{"m":<the fact's text as it was sent>}}: the fact is
                # found by that text, not parsed again (perf); anything else is parsed
                rule_id = None
                k = message_text.find('":{"m":', 2)
                if k > 0 and message_text.startswith('{"') and message_text.endswith("}}"):
                    sent = texts.get(message_text[k + 7:-2])
                    if sent is not None and message_text[2:k] in actions:
                        rule_id, matched = message_text[2:k], {"m": dict(sent)}
                if rule_id is None:
                    (rule_id, matched), = _loads(message_text).items()
                if pending and rule_id != pending_rule:
                    _run_fused(then[pending_rule], pending, ctx, session)
                    pending = []
                if rule_id == "_init":
                    state = _loads(state_text)
                    state["_init"] = 1
                    _dre.update_state(handle, json.dumps(state, ensure_ascii=False))
                elif rule_id != "_sink":
                    fact = matched["m"]
                    own = ids.get(fact.get("id"))
                    if own is None:
                        fact.pop("id", None)
                    else:
                        fact["id"] = own
                    if rule_id in then:
                        pending_rule = rule_id
                        pending.append(dict(fact))
                    try:
                        actions[rule_id](ctx, fact, session)
                    except BaseException as e:  # the engine would swallow it; keep it for the caller
                        ctx.errors.append(f"rule {rule_id}: {type(e).__name__}: {e}")
                message_text = _dre.complete_and_start_action(handle, state_offset)
                if not message_text:
                    return
        finally:
            if pending:
                _run_fused(then[pending_rule], pending, ctx, session)


def _run_fused(parts, facts, ctx, session):
    for rule_id, action in parts:
        for fact in facts:
            try:
                action(ctx, dict(fact), session)
            except BaseException as e:
                ctx.errors.append(f"rule {rule_id}: {type(e).__name__}: {e}")


def assert_derived(closure, fact: dict):
    """Forward chaining: a fact asserted by an action, for later rules to match."""
    try:
        closure.assert_fact(fact)
    except MessageObserved:
        pass  # the same conclusion reached twice: harmless
