"""`recapture batch`: many fact sets, one output line per input, in input order,
and nothing lost.

- Inputs are streamed: a folder's files, a glob's matches and a `.jsonl` file's
  lines are read as they are needed, never held as a list (memory stays flat
  however long the input); a `.jsonl` is read as bytes and decoded line by line,
  so a bad byte spoils only its own line.
- Anything that is not a regular file (a FIFO, a device, a socket, a folder), a
  dangling symbolic link, and a link that leads out of the folder or glob it was
  found in becomes an error line that says so; such files are never opened.
- The work runs in a small pool of worker processes (`--workers N`, default 1),
  each loading each tax year's law once. The queue is bounded: the batch reads
  ahead only a few inputs per worker. A worker that dies (a signal, out of
  memory) marks the input it was evaluating as an error line
  (`worker died: SIGKILL`), a new worker takes its place and the batch goes on;
  an input that takes longer than `limits.seconds` stops its worker the same way.
  A worker sends its outcomes back a few at a time and writes which input it is on
  to memory it shares with the batch: the input it died on (or ran out of time on)
  is the error line, and what it had done but not yet sent is evaluated again.
- Results and errors are one ordered stream: every input has exactly one line in
  the output (a result or an error line), and the errors file holds the error
  lines of that stream. The errors file is written before the output, so it is
  never behind it; `--resume` cuts both back to the last complete input and
  continues from there, giving the same bytes as a run that was never stopped.
- `--scheduler ADDRESS` sends the inputs to a running Dask cluster instead (the
  same bounded, ordered stream, in tasks of `DASK_FIRST_CHUNK` inputs for the first
  few, doubling with each window up to `DASK_CHUNK`; each Dask worker process keeps
  its loaded law).

The Python API (`recapture.batch`) uses the same inputs, workers and order."""
from __future__ import annotations

import collections
import glob
import json
import math
import os
import pickle
import select
import signal
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EXIT_INPUT, EXIT_RULES, RecaptureError, one_line, safe_text
from .limits import Limits, current as current_limits

SUFFIXES = (".json", ".yaml", ".yml")
TRACE_LEVELS = ("full", "rules", "none")
# Tests only: make a worker misbehave on the input of that name: "kill:<input>"
# (SIGKILL itself), "hang:<input>" (sleep past the time limit), "exit:<input>"
# (end without a word) or "raise:<input>" (an exception inside the engine).
HOOK_ENV = "RECAPTURE_TEST_WORKER_HOOK"


# -- inputs ----------------------------------------------------------------
# An item is (name, kind, payload): kind "file" (payload: a path), "line" (the
# bytes of one .jsonl line), "data" (a dict), "text" (a YAML/JSON text) or
# "fault" (payload: the reason the input cannot be read at all).
def iter_inputs(specs, limits: Limits | None = None, texts: bool = False):
    """The items of the inputs, in order, one at a time: a folder's *.json/*.yaml
    files sorted by name, a glob's matches sorted, each non-blank line of a
    .jsonl file, or a file; with `texts` (the API) also dicts, bytes and texts."""
    limits = limits or current_limits()
    for i, spec in enumerate(specs, 1):
        if isinstance(spec, dict):
            yield safe_text(spec.get("case_id") or f"<facts {i}>"), "data", spec
        elif texts and (isinstance(spec, (bytes, bytearray)) or (isinstance(spec, str) and _is_text(spec))):
            yield f"<text {i}>", "text", spec
        else:
            yield from _path_inputs(os.fspath(spec), limits)


def _is_text(s: str) -> bool:
    from .api import _is_text as is_text
    return is_text(s)


def _path_inputs(spec: str, limits: Limits):
    name = safe_text(spec)
    if os.path.isdir(spec):
        yield from _folder(spec, limits)
    elif glob.has_magic(spec):
        matches = sorted(glob.glob(spec))
        if not matches:
            yield name, "fault", "no file matches"
        base = _glob_base(spec)
        for m in matches:
            yield from _one(m, base, limits)
    else:
        yield from _one(spec, None, limits)


def _glob_base(pattern: str) -> str:
    """The folder a glob searches: its path up to the first part with a wildcard."""
    parts = Path(pattern).parts
    fixed = []
    for p in parts:
        if glob.has_magic(p):
            break
        fixed.append(p)
    return str(Path(*fixed)) if fixed else "."


def _folder(folder: str, limits: Limits):
    try:
        with os.scandir(folder) as it:
            names = sorted(e.name for e in it if e.name.endswith(SUFFIXES))
    except OSError as e:
        yield safe_text(folder), "fault", f"cannot read the folder: {e.strerror}"
        return
    for n in names:
        yield from _one(os.path.join(folder, n), folder, limits)


def _inside(path: str, folder: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _one(path: str, base: str | None, limits: Limits):
    """A file found in `base` (a folder or a glob's folder; None when named on its
    own): a file item, the lines of a .jsonl, or a fault saying why it is not read."""
    from .yamlio import file_kind
    name = safe_text(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        yield name, "fault", "no such file"
        return
    except OSError as e:
        yield name, "fault", f"cannot read: {e.strerror}"
        return
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError:
            yield name, "fault", "a dangling symbolic link (its target does not exist; not followed)"
            return
        if base is not None and not _inside(path, base):
            yield name, "fault", "a symbolic link that leads out of the input folder (not followed)"
            return
    kind = file_kind(st.st_mode)
    if kind:
        yield name, "fault", f"is {kind}, not a regular file (not read)"
    elif path.endswith(".jsonl"):
        yield from _jsonl(path, limits)
    else:
        yield name, "file", path


def _jsonl(path: str, limits: Limits):
    """Each non-blank line of a .jsonl file, as bytes, read as needed; a line longer
    than `limits.file_bytes` is a fault (and is skipped, not held)."""
    name = safe_text(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        yield name, "fault", f"cannot read: {e.strerror}"
        return
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            yield name, "fault", "not a regular file (not read)"
            return
        os.set_blocking(fd, True)
        most = limits.file_bytes
        lineno = 0
        while True:
            try:
                raw = fh.readline(most + 1)
            except OSError as e:
                yield f"{name}:{lineno + 1}", "fault", f"cannot read: {e.strerror}"
                return
            if not raw:
                return
            lineno += 1
            if len(raw) > most and not raw.endswith(b"\n"):
                while True:  # skip the rest of the line without holding it
                    rest = fh.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield f"{name}:{lineno}", "fault", (f"a line of more than {most:,} bytes "
                                                    f"(limit file_bytes)")
                continue
            if raw.strip():
                yield f"{name}:{lineno}", "line", raw.rstrip(b"\r\n")


# -- evaluating one item (in a worker, or here) ---------------------------------
@dataclass(frozen=True)
class Job:
    """What every worker needs to evaluate an item (picklable)."""
    rules_dir: str | None = None
    limits: Limits = field(default_factory=current_limits)
    trace: str = "full"
    format: str = "jsonl"   # jsonl | csv | object (the API: the Result itself)
    allow_unreviewed: bool = False  # a tax year from `rules new-year` not yet reviewed (engine/review.py)


def evaluate_item(item, rules_dir=None, limits: Limits | None = None, raise_on=None, allow_unreviewed=False):
    """One input to (its result, None) or (None, its RecaptureError)."""
    from . import api
    from .facts import load_facts, load_facts_bytes
    name, kind, payload = item
    limits = limits or current_limits()
    try:
        if kind == "fault":
            raise RecaptureError.of(EXIT_INPUT, name, [(None, payload)])
        library = api.library(rules_dir)
        if kind == "file":
            load = lambda: load_facts(payload, name, limits, regular_only=True)  # noqa: E731
        elif kind == "line":
            load = lambda: load_facts_bytes(payload, name, True, limits)  # noqa: E731
        else:
            load = lambda: api.load(payload, name, limits=limits)  # noqa: E731
        if raise_on is not None and name == raise_on:
            load = _raising  # noqa: F811 - the test hook
        return api.evaluate_guarded(name, load, library, allow_unreviewed), None
    except RecaptureError as e:
        return None, e
    except Exception as e:  # noqa: BLE001 - nothing may escape one input
        return None, api.internal_error(name, e)


def _raising():
    raise ZeroDivisionError("raised by the test hook")


def trim_trace(result: dict, level: str) -> dict:
    """The trace at `level`: full (as evaluated), rules (each firing's rule, citation,
    file, version and entity, without what it read and set) or none (empty)."""
    if level == "full" or "trace" not in result:
        return result
    if level == "none":
        return dict(result, trace=[])
    keep = ("rule", "citation", "file", "version", "entity")
    return dict(result, trace=[{k: s[k] for k in keep if k in s} for s in result["trace"]])


def _error_dict(fault: RecaptureError) -> dict:
    (path, reason), *_ = fault.faults or [("$", "failed")]
    return {"path": path, "reason": reason, "all": [{"path": p, "reason": r} for p, r in fault.faults]}


def json_line(obj) -> str:
    """One compact output line (money as exact JSON numbers: engine/result.py)."""
    from .result import to_json_line
    return to_json_line(obj)


def _line_bytes(obj) -> bytes:
    """json_line(obj) + "\n" as the bytes the output file gets (see _Out.write)."""
    from .result import to_json_line_bytes
    return to_json_line_bytes(obj)


def error_record(name: str, error: dict) -> str:
    """The errors file's line for an error."""
    from .result import to_json
    return to_json({"input": name, "error": error}, indent=None)


def run_item(item, job: Job, raise_on=None):
    """One item to its outcome: ("ok", bytes) or ("error", bytes, error dict, code) for the
    output formats (the line(s) as the output file gets them: encoded here, in the
    worker, so that the batch only writes them); ("ok", result) or ("fault", code,
    lines, faults) for the API."""
    name = item[0]
    result, fault = evaluate_item(item, job.rules_dir, job.limits, raise_on, job.allow_unreviewed)
    if job.format == "object":
        if fault is None:
            return ("ok", result)
        return ("fault", fault.code, fault.lines, fault.faults)
    try:
        if fault is None:
            result = trim_trace(result, job.trace)
            if job.format == "csv":
                from .csvout import result_rows
                return ("ok", _encoded(result_rows(name, result)))
            return ("ok", _line_bytes({"input": name, **result}))
    except Exception as e:  # noqa: BLE001 - a result that cannot be written is the engine's fault
        from .api import internal_error
        fault = internal_error(name, e)
    return _error_outcome(name, _error_dict(fault), fault.code, job)


def _error_outcome(name, error, code, job: Job):
    if job.format == "csv":
        from .csvout import error_row
        text = _encoded(error_row(name, error["path"], error["reason"]))
    else:
        text = _line_bytes({"input": name, "error": error})
    return ("error", text, error, code)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "backslashreplace")


def _died(name, reason, code, job):
    error = {"path": "$", "reason": reason, "all": [{"path": "$", "reason": reason}]}
    if job.format == "object":
        return ("fault", code, [f"{name}: {reason}"], [("$", reason)])
    return _error_outcome(name, error, code, job)


# -- the pool of workers -------------------------------------------------------
def _signal_name(exitcode) -> str:
    if exitcode is None or exitcode >= 0:
        return f"exit status {exitcode}"
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


def _worker_main(conn, job: Job, batch_ends=(), progress=None):
    """A worker: evaluate each (seq, item) it is sent, in order, and send back a list of
    (seq, outcome); stop when the batch closes its end (or dies) or sends None.

    Before it begins an input it writes when (`time.monotonic()`) and which (seq) into
    `progress`, memory shared with the batch, which so knows the input a worker that
    died or ran out of time was on without a word from it. The outcomes go back
    together: when `GROUP` are done, or when nothing more is waiting in the pipe (the
    worker never waits for work with an outcome unsent). perf: each message wakes the
    batch process, which then takes a core from a worker (10,102 involuntary switches
    per 10,000 inputs with 2 workers and one message per outcome: README, Performance)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the batch, which stops the workers
    for end in batch_ends:
        try:
            end.close()
        except OSError:
            pass
    from . import limits as limits_module
    limits_module.configure(job.limits)
    hook = os.environ.get(HOOK_ENV, "")
    action, _, target = hook.partition(":")
    done = []
    readable = _poll_object(conn)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            if done and (len(done) >= GROUP or not _can_read(conn, readable)):
                conn.send(done)
                done = []
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        seq, item = msg
        if progress is not None:
            progress[0] = time.monotonic()  # written before the seq: a reader that sees this seq sees its time
            progress[1] = seq
        if hook and item[0] == target:
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif action == "hang":
                time.sleep(3600)
            elif action == "exit":
                os._exit(70)
        done.append((seq, run_item(item, job, raise_on=target if action == "raise" else None)))


_POLL_EVENTS = (select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR) if hasattr(select, "poll") else 0


def _poll_object(conn=None):
    """A `select.poll` object (watching `conn` for data or its end when given); None
    where there is no poll (Windows: multiprocessing's own waiting is used there)."""
    if not hasattr(select, "poll"):
        return None
    poller = select.poll()
    if conn is not None:
        try:
            poller.register(conn.fileno(), _POLL_EVENTS)
        except (OSError, ValueError):
            return None
    return poller


def _can_read(conn, poller) -> bool:
    """Whether a message (or the end of the pipe) can be read from `conn` now: `conn.poll()`,
    through `poller` (`_poll_object(conn)`) where there is one (perf: `conn.poll()` makes
    and registers a selector at every call)."""
    return conn.poll() if poller is None else bool(poller.poll(0))


class _Worker:
    def __init__(self, mp, job, others=()):
        self.conn, child = mp.Pipe(duplex=True)
        self.progress = mp.RawArray("d", (0.0, -1.0))  # when and which seq the worker last began: see _worker_main
        # A forked worker holds a copy of every pipe end the batch has open; it closes the
        # batch's ends (its own and the other workers'), or the batch's death would never
        # reach it as the end of its pipe.
        theirs = [self.conn] + [w.conn for w in others] if mp.get_start_method() == "fork" else []
        self.proc = mp.Process(target=_worker_main, args=(child, job, theirs, self.progress), daemon=True,
                               name="recapture-worker")
        self.proc.start()
        child.close()
        self.inflight = collections.deque()  # (seq, item) in the order sent, which is the order evaluated
        self.sent = None  # when it was last sent an input with nothing in flight, or its outcomes were read
        self.ready = False
        self._readable = _poll_object(self.conn)

    def has_data(self) -> bool:
        return _can_read(self.conn, self._readable)

    def takes(self, size: int) -> bool:
        """Whether an input of `size` pickled bytes may be sent now: a large one only to a
        worker with nothing in flight. A worker with outcomes to send may be blocked
        sending them; the batch sending it more than its pipe holds would then wait for
        it in turn, for ever. Small inputs, `depth` at most, fit in the pipe."""
        return size <= SMALL_INPUT or not self.inflight

    def send(self, seq, item, data):
        self.conn.send_bytes(data)  # raises if the worker is gone: then it never had the item
        if not self.inflight:
            self.sent = time.monotonic()
        self.inflight.append((seq, item))

    def current(self):
        """(seq, item, when it began) of the input the worker is evaluating; None if it has
        nothing in flight. The seq in `progress` is read before its time, which the worker
        writes first; a seq not (yet) among those in flight means the worker is about to
        begin the oldest, at the latest when the batch last saw it with nothing in flight
        or collected its outcomes."""
        if not self.inflight:
            return None
        seq = int(self.progress[1])
        began = self.progress[0]
        for s, item in self.inflight:
            if s == seq:
                return s, item, began
        s, item = self.inflight[0]
        return s, item, self.sent

    def take(self, seq):
        """The item `seq` out of those in flight."""
        for i, (s, item) in enumerate(self.inflight):
            if s == seq:
                del self.inflight[i]
                return item
        raise KeyError(seq)

    def stop(self, kill=False):
        try:
            if kill:
                self.proc.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(0.5 if not kill else 5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def _start_method(fork: bool) -> str:
    """`fork` when asked for (the command: one thread, nothing but imports to copy) and safe
    (POSIX, this process has no other thread), with the engine's modules imported first so
    that every worker, and every worker that replaces one, starts at once; `spawn` otherwise
    (the API, called from a program that may have threads)."""
    import multiprocessing
    import threading
    if fork and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        from . import api, facts, tax  # noqa: F401 - imported once, shared by every worker
        return "fork"
    return "spawn"


DEPTH = 6          # inputs in flight per worker: waiting in its pipe, evaluated, or done and not yet sent back
GROUP = 3          # outcomes a worker sends back together at most (fewer when its pipe is empty)
SMALL_INPUT = 16 * 1024  # pickled bytes: a larger input goes only to a worker with nothing in flight


def _pickled(obj) -> bytes:
    """`obj` (a (seq, item): texts, bytes, dicts, lists, numbers) as `Connection.send` would
    send it. perf: plain `pickle`, which `recv` reads; `ForkingPickler.dumps`, which `send`
    uses, copies its table of reducers (for sockets, connections: never in an item) at
    every call."""
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


class Pool:
    """`workers` processes evaluating items; outcomes come back in input order.
    Each worker has at most `depth` items in flight (waiting in its pipe, being
    evaluated, or done and held for its next group), and the batch reads at most
    `window` items ahead of the oldest one not yet written, so memory stays
    bounded whatever the input."""

    def __init__(self, job: Job, workers: int, depth: int = DEPTH, window: int | None = None, fork: bool = False):
        import multiprocessing
        self.job, self.n, self.depth = job, max(1, workers), depth
        self.window = window or max(16, 3 * depth * self.n)
        self.mp = multiprocessing.get_context(_start_method(fork))
        self.workers: list[_Worker] = []
        self.deaths_in_a_row = 0
        self._poller = _poll_object()
        self._polled: dict[int, object] = {}

    def __enter__(self):
        for _ in range(self.n):
            self.workers.append(_Worker(self.mp, self.job, self.workers))
        return self

    def __exit__(self, *exc):
        for w in self.workers:
            w.stop(kill=exc[0] is not None)
        self.workers = []
        return False

    def outcomes(self, items):
        """(seq, item, outcome) for each item in order; None whenever the pool is about
        to wait for a worker (a moment to flush what was written)."""
        items = iter(items)
        ready: dict[int, tuple] = {}
        retry = collections.deque()  # (seq, item, its pickle or None) to hand out before new items, in order
        next_seq = next_out = 0
        exhausted = False
        limit = self.job.limits.seconds
        while True:
            # hand out work: retried items first, then new ones, within the window
            for w in self.workers:
                while w.ready and len(w.inflight) < self.depth:
                    data = None
                    if retry:
                        seq, item, data = retry.popleft()
                    elif not exhausted and next_seq - next_out < self.window:
                        try:
                            item = next(items)
                        except StopIteration:
                            exhausted = True
                            break
                        seq, next_seq = next_seq, next_seq + 1
                        if item[1] == "fault":  # nothing to evaluate: its error line is known
                            ready[seq] = (item, run_item(item, self.job))
                            continue
                    else:
                        break
                    if data is None:
                        data = _pickled((seq, item))
                    if not w.takes(len(data)):
                        # first for the next worker that has nothing in flight; pickled once, however long it waits
                        retry.appendleft((seq, item, data))
                        break
                    try:
                        w.send(seq, item, data)
                    except (OSError, ValueError):
                        retry.appendleft((seq, item, data))
                        break  # dead: found below
            while next_out in ready:
                item, outcome = ready.pop(next_out)
                yield next_out, item, outcome
                next_out += 1
            busy = [w for w in self.workers if w.inflight or not w.ready]
            if exhausted and not retry and not any(w.inflight for w in self.workers) and not ready:
                return
            yield None
            timeout = None
            now = time.monotonic()
            for w in self.workers:
                current = w.current()
                if current is not None:
                    left = current[2] + limit - now
                    timeout = left if timeout is None else min(timeout, left)
            waits = [w.conn for w in busy] + [w.proc.sentinel for w in busy]
            done = self._wait(waits, timeout) if waits else ()
            for w in list(self.workers):
                if w.conn in done or w.proc.sentinel in done:
                    self._collect(w, ready, retry, w.proc.sentinel in done)
            now = time.monotonic()
            for w in list(self.workers):
                current = w.current()
                if current is not None and now - current[2] > limit:
                    seq, item, _ = current
                    w.take(seq)
                    ready[seq] = (item, _died(item[0], f"stopped after {limit:g} seconds (limit seconds): "
                                                       f"the input took too long", EXIT_INPUT, self.job))
                    self._replace(w, retry, died=False)

    def _wait(self, waits, timeout):
        """What of `waits` (connections, process sentinels) is ready, waiting at most
        `timeout` seconds (None: until one is). The same as multiprocessing.connection.wait,
        with one poll object kept for the whole batch (perf: `wait` makes a selector
        and registers every descriptor each time, 30% of the batch's own CPU with 2
        workers); `wait` itself where there is no poll (Windows)."""
        if self._poller is None:
            from multiprocessing.connection import wait
            return wait(waits, timeout=max(0.0, timeout) if timeout is not None else None)
        by_fd = {}
        for obj in waits:
            by_fd[obj if isinstance(obj, int) else obj.fileno()] = obj
        registered = self._polled
        if by_fd.keys() != registered.keys():
            for fd in registered.keys() - by_fd.keys():
                self._poller.unregister(fd)
            for fd in by_fd.keys() - registered.keys():
                self._poller.register(fd, _POLL_EVENTS)
        self._polled = by_fd
        ms = None if timeout is None else max(0, math.ceil(timeout * 1000))
        while True:
            try:
                return {by_fd[fd] for fd, _ in self._poller.poll(ms)}
            except InterruptedError:  # pragma: no cover - retried by Python itself since 3.5
                continue

    def _collect(self, w: _Worker, ready, retry, ended: bool):
        """Read what worker `w` sent; if it died, account for what it held. Whether it is
        alive is asked (a `waitpid`) only when its process ended (`ended`: its sentinel
        was ready) or its pipe did."""
        while True:
            try:
                if not w.has_data():
                    break
                msg = w.conn.recv()
            except (EOFError, OSError):
                ended = True
                break
            if type(msg) is tuple:  # ("ready", pid)
                w.ready = True
                w.sent = time.monotonic()
                continue
            for seq, outcome in msg:
                ready[seq] = (w.take(seq), outcome)  # KeyError cannot happen: a worker answers what it was sent
            self.deaths_in_a_row = 0
            w.sent = time.monotonic()
        if ended and not w.proc.is_alive():
            w.proc.join(1)
            code = w.proc.exitcode
            current = w.current()
            if current is not None:
                # the input it was on is the error; those before it in flight were done, but their
                # outcomes died with it unsent: they go back to the queue with the rest (`_replace`)
                seq, item, _ = current
                w.take(seq)
                sig = _signal_name(code)
                engine = code is not None and code < 0 and -code in (signal.SIGSEGV, signal.SIGFPE, signal.SIGBUS,
                                                                    signal.SIGABRT, signal.SIGILL)
                reason = (f"worker died: {sig} (a crash of the engine while evaluating this input: a bug)"
                          if engine else f"worker died: {sig}")
                ready[seq] = (item, _died(item[0], reason, EXIT_RULES if engine else EXIT_INPUT, self.job))
            self._replace(w, retry, died=True)

    def _replace(self, w: _Worker, retry, died: bool):
        """A new worker in place of `w` (stopped); what `w` had not begun goes back to the queue, in order."""
        retry.extendleft((seq, item, None) for seq, item in reversed(w.inflight))
        w.inflight.clear()
        w.stop(kill=True)
        self.deaths_in_a_row += died
        if self.deaths_in_a_row > 3 * self.n + 3:
            raise RecaptureError(EXIT_RULES, [f"batch: the worker processes keep dying "
                                              f"(last: {_signal_name(w.proc.exitcode)}); stopped"])
        others = [x for x in self.workers if x is not w]
        self.workers[self.workers.index(w)] = _Worker(self.mp, self.job, others)


def _in_process(items, job: Job):
    for seq, item in enumerate(items):
        yield seq, item, run_item(item, job)


def run_items(items, job: Job):
    """A Dask task: several items, their outcomes in order (one task per item cost the
    scheduler and the client more than the evaluation), packed (`_packed`)."""
    return _packed([run_item(item, job) for item in items])


def _packed(outcomes):
    """Outcomes whose lines are bytes as ("packed", [(kind, length, the rest)...], the
    lines joined), for `_unpacked` to split again; others (the API's objects) as they
    are. perf: Dask sends one bytes object as it is, where it pickles a list of tuples
    holding 64 KB lines (measured 2026-12-01: 8.3 ms of the worker's event loop for a
    task of 128 lines, 0.07 ms packed, joining them 0.5 ms in the task)."""
    if not outcomes or any(type(o[1]) is not bytes for o in outcomes):
        return outcomes
    return ("packed", [(o[0], len(o[1]), o[2:]) for o in outcomes], b"".join(o[1] for o in outcomes))


def _unpacked(result) -> list:
    """The list of outcomes `_packed` made `result` from."""
    if not result or result[0] != "packed":  # a list of outcomes starts with a tuple
        return result
    _, parts, lines = result
    lines = lines if type(lines) is bytes else bytes(lines)
    out, at = [], 0
    for kind, length, rest in parts:
        out.append((kind, lines[at:at + length], *rest))
        at += length
    return out


def law_identity(rules_dir=None) -> tuple:
    """What a process would evaluate with: ("recapture", its version, the digest of its
    rules folder), or ("fault", why it cannot load that folder). Run on every Dask
    worker before a batch is sent there, and compared with the batch's own."""
    from . import __version__, api
    try:
        return ("recapture", __version__, api.library(rules_dir).digest())
    except RecaptureError as e:
        return ("fault", one_line("; ".join(e.lines), 300))
    except OSError as e:
        from .library import root_text
        return ("fault", one_line(f"{root_text(rules_dir)}: cannot read the rules folder: {e}", 300))


def _check_cluster(client, job: Job, address: str):
    """Refuse a cluster whose workers would not evaluate with the law and the engine
    this batch has: a worker with another recapture or another rules folder (a
    `--rules-dir` it does not have, an older copy of it, its own
    $RECAPTURE_RULES_DIR) would give results of another law, and a worker that
    cannot run recapture at all would turn every input into an error line."""
    mine = law_identity(job.rules_dir)
    if mine[0] != "recapture":
        raise RecaptureError(EXIT_RULES, [mine[1]])
    try:
        theirs = client.run(law_identity, job.rules_dir)
    except Exception as e:  # noqa: BLE001 - a worker without recapture, or another failure on the cluster
        raise RecaptureError(EXIT_INPUT, [f"--scheduler {address}: the cluster's workers cannot run recapture "
                                          f"({type(e).__name__}: {one_line(e, 200)}); install recapture "
                                          f"{mine[1]} on every worker"]) from None
    for worker, ident in sorted(theirs.items()):
        if tuple(ident) == mine:
            continue
        if ident[0] != "recapture":
            what = f"cannot load the rules folder: {ident[1]}"
        elif ident[1] != mine[1]:
            what = f"runs recapture {ident[1]}, this machine {mine[1]}"
        else:
            what = f"has other law (the digest of its rules folder is {ident[2]}, here {mine[2]})"
        raise RecaptureError(EXIT_INPUT, [f"--scheduler {address}: worker {worker} {what}; every worker must "
                                          f"run the same recapture with the same rules folder as this batch "
                                          f"(--rules-dir: a folder every worker has)"])


DASK_FIRST_CHUNK = 8  # inputs per Dask task while the cluster's threads get their first tasks
DASK_CHUNK = 128      # inputs per Dask task at most: the size doubles with each window up to it


def _dask(items, job: Job, address: str, chunk: int = DASK_CHUNK, first_chunk: int = DASK_FIRST_CHUNK):
    """The same ordered stream from a Dask cluster: the inputs go in tasks, a few
    tasks per thread in flight (one window). The tasks of the first window hold
    `first_chunk` inputs each, so that a short batch still spreads over every
    thread; each later window's tasks hold twice as many as the last, up to
    `chunk`: a task holds many inputs only once the batch has given every thread
    many already. perf: every task costs the scheduler, the client and the worker's
    event loop some time, during which the worker thread waited (4-7 ms a task
    before the results were packed, see `_packed`); measured 2026-12-01 on a
    1-worker cluster, its worker computed 92% of its time with tasks of 32, 93-95%
    with the ramp to 128, and 98.5-99% with the results packed too. A task the
    cluster loses (a worker that died) or that takes longer than `limits.seconds`
    for each of its inputs is sent again one input per task, and an input whose
    own task is lost or too slow is an error line, as it would be alone."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise RecaptureError(EXIT_INPUT, ["--scheduler needs Dask: pip install 'recapture[dask]'"]) from None
    try:
        client = Client(address, timeout=10)
    except Exception as e:  # noqa: BLE001 - any failure to reach the cluster is the user's to fix
        raise RecaptureError(EXIT_INPUT, [f"--scheduler {address}: cannot reach the Dask scheduler: "
                                          f"{one_line(e, 200)}"]) from None

    def lost(item, e):
        return _died(item[0], f"worker died or timed out on the cluster: {type(e).__name__}: "
                              f"{one_line(e, 150)}", EXIT_INPUT, job)

    try:
        _check_cluster(client, job, address)
        threads = sum(client.nthreads().values()) or 1
        window = max(4, 3 * threads)  # tasks in flight
        pending = collections.deque()  # (seq, item, None) evaluated here, or ([(seq, item)...], future)
        items = iter(items)
        seq = 0
        tasks = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                group, fault = [], None
                size = min(chunk, first_chunk << min(tasks // window, 16))
                while len(group) < size:
                    try:
                        item = next(items)
                    except StopIteration:
                        exhausted = True
                        break
                    if item[1] == "fault":  # nothing to evaluate: its error line is known
                        fault = (seq, item, None)
                        seq += 1
                        break
                    group.append((seq, item))
                    seq += 1
                if group:
                    pending.append((group, client.submit(run_items, [i for _, i in group], job, pure=False)))
                    tasks += 1
                if fault is not None:
                    pending.append(fault)
            if not pending:
                return
            entry = pending.popleft()
            if len(entry) == 3:
                s, item, _ = entry
                yield s, item, run_item(item, job)
                continue
            group, future = entry
            try:
                results = _unpacked(future.result(timeout=job.limits.seconds * len(group)))
            except Exception as e:  # noqa: BLE001 - a lost task, a timeout: each input again, alone
                future.cancel()
                if len(group) == 1:
                    (s, item), = group
                    yield s, item, lost(item, e)
                    continue
                alone = [(s, item, client.submit(run_items, [item], job, pure=False)) for s, item in group]
                for s, item, f in alone:
                    try:
                        (outcome,) = _unpacked(f.result(timeout=job.limits.seconds))
                    except Exception as e2:  # noqa: BLE001
                        f.cancel()
                        outcome = lost(item, e2)
                    yield s, item, outcome
                continue
            for (s, item), outcome in zip(group, results):
                yield s, item, outcome
    finally:
        client.close()


def outcomes(items, job: Job, workers: int = 1, scheduler: str | None = None, fork: bool = False):
    """The ordered stream of (seq, item, outcome) (and None when it is about to wait)."""
    if scheduler:
        yield from _dask(items, job, scheduler)
    elif workers <= 0:
        yield from _in_process(items, job)
    else:
        with Pool(job, workers, fork=fork) as pool:
            yield from pool.outcomes(items)


# -- the Python API ------------------------------------------------------------
def iter_results(inputs, rules_dir=None, workers=1, scheduler=None, limits: Limits | None = None):
    """The API's batch: (name, Result) or (name, RecaptureError) for each input, in input order.
    Inputs are paths, folders, globs and .jsonl files (as on the command line), texts or dicts.
    With workers=1 (and no scheduler) the inputs are evaluated in this process."""
    from .api import Result
    limits = limits or current_limits()
    job = Job(rules_dir=str(rules_dir) if rules_dir else None, limits=limits, format="object")
    stream = outcomes(iter_inputs(inputs, limits, texts=True), job, 0 if workers == 1 and not scheduler else workers, scheduler)
    for entry in stream:
        if entry is None:
            continue
        _, (name, _, _), outcome = entry
        if outcome[0] == "ok":
            yield name, Result(outcome[1])
        else:
            _, code, lines, faults = outcome
            yield name, RecaptureError(code, lines, faults, name)


# -- the command ---------------------------------------------------------------
DROP_BEHIND = 8 << 20  # bytes of output written between two requests that the kernel drop what it holds of it
DROP_KEEP = 1 << 20    # bytes at the end of the output never asked for: the next line goes into its last page


class _Out:
    """An output file written in whole lines: the bytes are kept here and handed to
    the file only by `flush`, so the errors file (flushed first) is never behind.

    Drop-behind: every `DROP_BEHIND` bytes, the kernel is asked (`posix_fadvise`
    DONTNEED) to write back what it holds of the file, but for the last `DROP_KEEP`
    bytes, and to drop it from its page cache. Each request drops what the one before
    began writing back, so the file keeps 8-16 MB in the cache however long it grows,
    and new lines go into pages just freed. perf: a batch's output is 57 KB a line
    with the full trace, 5.7 GB for 100,000 inputs. Measured 2026-12-06 on the 2-core
    VM of README Performance, appending to pages the cache took fresh cost 52-160 us
    of CPU a line (the VM gives free memory back to its host, which faults it in
    again), and 21-26 us with drop-behind; with two workers the batch process takes
    that CPU from them. The data and what a reader sees are the same. Where there is
    no posix_fadvise, or the output is not a regular file, nothing is asked."""

    def __init__(self, path, append):
        self.path = str(path)
        try:
            self.fh = open(path, "ab" if append else "wb", buffering=0)
        except OSError as e:
            raise RecaptureError(EXIT_INPUT, [f"{self.path}: cannot write: {e.strerror}"]) from None
        self.buf = bytearray()
        self.offset = 0              # where the next byte goes
        self.behind = None           # (where the next request starts, where the last one ended, the offset then); None: none
        if hasattr(os, "posix_fadvise"):
            try:
                if stat.S_ISREG(os.fstat(self.fh.fileno()).st_mode):
                    self.offset = os.lseek(self.fh.fileno(), 0, os.SEEK_END)
                    self.behind = (self.offset, self.offset, self.offset)
            except OSError:
                pass

    def write(self, text):
        """Text (encoded as UTF-8, a lone surrogate as its backslash escape) or bytes
        already encoded so (the workers' lines)."""
        self.buf += text if isinstance(text, bytes) else _encoded(text)

    def flush(self):
        written = 0
        try:
            with memoryview(self.buf) as view:
                while written < len(view):
                    written += self.fh.write(view[written:]) or 0
        except OSError as e:
            raise RecaptureError(EXIT_INPUT, [f"{self.path}: cannot write: {e.strerror} "
                                              f"(batch --resume continues from the last complete line)"]) from None
        finally:
            del self.buf[:written]
            if self.behind is not None:
                self._drop_behind(written)

    def _drop_behind(self, written):
        self.offset += written
        start, last_end, last = self.behind
        if self.offset - last < DROP_BEHIND:
            return
        end = self.offset - DROP_KEEP
        try:
            os.posix_fadvise(self.fh.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)
        except OSError:
            self.behind = None
            return
        # every byte is in two requests: the first begins its write-back, the second drops it
        self.behind = (last_end, end, self.offset)

    def close(self):
        try:
            self.fh.close()
        except OSError:
            pass


def run_batch(args, library=None) -> int:
    limits = current_limits()
    fmt = getattr(args, "format", None) or "jsonl"
    from .library import ENV_RULES_DIR
    # The shipped law goes to the workers as None: each loads its own copy (a Dask
    # worker's install may be somewhere else; _check_cluster makes sure it is the same law).
    chosen = getattr(args, "rules_dir", None) or os.environ.get(ENV_RULES_DIR)
    job = Job(rules_dir=(str(library.root) if library is not None else chosen) if chosen else None,
              limits=limits, trace=getattr(args, "trace", None) or "full", format=fmt,
              allow_unreviewed=getattr(args, "allow_unreviewed", False))
    _check_not_an_input(args)
    items = iter_inputs(args.inputs, limits)
    done = done_errors = 0
    if getattr(args, "resume", False):
        done, done_errors, last = resume(args.output, args.errors, fmt)
        items = _skip(items, done, last, args.output)
    out = _Out(args.output, append=done > 0)
    err = _Out(args.errors, append=done > 0) if args.errors else None
    if fmt == "csv" and done == 0:
        from .csvout import header
        out.write(header())
    counts = collections.Counter(ok=done - done_errors, error=done_errors)
    bar = _progress(done)
    last_flush = time.monotonic()
    workers = getattr(args, "workers", 1)
    try:
        for entry in outcomes(items, job, 1 if workers is None else workers, args.scheduler, fork=True):
            now = time.monotonic()
            if entry is None:
                if now - last_flush > 0.2 or len(out.buf) > (1 << 20):
                    _flush(err, out)
                    last_flush = now
                continue
            _, (name, _, _), outcome = entry
            if outcome[0] == "ok":
                counts["ok"] += 1
                out.write(outcome[1])
            else:
                _, text, error, code = outcome
                counts["error"] += 1
                if code == EXIT_RULES:
                    counts["engine"] += 1
                if err:
                    err.write(error_record(name, error) + "\n")
                out.write(text)
            if bar is not None:
                bar.update(1)
            if len(out.buf) > (1 << 20) or now - last_flush > 1.0:
                _flush(err, out)
                last_flush = now
        _flush(err, out)
    except KeyboardInterrupt:
        _flush(err, out)
        raise RecaptureError(130, [f"batch: interrupted after {counts['ok'] + counts['error']} inputs; "
                                   f"`--resume` continues from there"]) from None
    finally:
        out.close()
        if err:
            err.close()
        if bar is not None:
            bar.close()
    total = counts["ok"] + counts["error"]
    engine = f" ({counts['engine']} of them faults of the rules or the engine)" if counts["engine"] else ""
    print(f"batch: {total} inputs, {counts['ok']} evaluated, {counts['error']} errors{engine} -> {args.output}",
          file=sys.stderr)
    if counts["engine"]:
        return EXIT_RULES
    if getattr(args, "strict", False) and counts["error"]:
        return 1
    return 0


def _check_not_an_input(args):
    """Refuse an output or errors file that is one of the inputs (it would be emptied before it is read)."""
    for target in filter(None, (args.output, args.errors)):
        for spec in args.inputs:
            try:
                same = os.path.isfile(spec) and os.path.exists(target) and os.path.samefile(spec, target)
            except OSError:
                same = False
            if same:
                raise RecaptureError(EXIT_INPUT, [f"{target}: is also an input; writing it would destroy it"])


def _flush(err, out):
    if err:
        err.flush()
    out.flush()


def _progress(initial):
    if sys.stderr.isatty():
        try:
            from tqdm import tqdm
        except ImportError:
            return None
        return tqdm(total=None, initial=initial, unit="input", file=sys.stderr)
    return None


# -- resuming ------------------------------------------------------------------
def _complete_lines(path):
    """(offset, line bytes) of each complete line of a file, streamed."""
    offset = 0
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                return
            yield offset, line
            offset += len(line)


def _is_error_line(line: str) -> bool:
    if not line.startswith('{"input":'):
        return False
    try:
        _, end = json.JSONDecoder().raw_decode(line, 9)
    except ValueError:
        return False
    return line.startswith(',"error":', end)


def _input_of(line: str, fmt: str) -> str | None:
    if fmt == "csv":
        from .csvout import input_of
        return input_of(line)
    try:
        value, _ = json.JSONDecoder().raw_decode(line, 9)
        return value
    except ValueError:
        return None


def resume(output, errors, fmt):
    """Cut the output back to its last complete input and the errors file to the
    error lines of what remains; (inputs done, of them errors, the last one's name)."""
    if not os.path.exists(output):
        return 0, 0, None
    done = done_errors = 0
    end = 0
    last = None
    error_offsets = []
    _check_kind(output, fmt)
    try:
        for offset, raw in _complete_lines(output):
            line = raw.decode("utf-8", "replace")
            if fmt == "csv":
                from .csvout import row_kind
                kind = row_kind(line)
                if kind is None:
                    if offset == 0:  # the header
                        end = offset + len(raw)
                        continue
                    break
                if kind in ("return", "error"):
                    done += 1
                    done_errors += kind == "error"
                    end, last = offset + len(raw), line
            else:
                if not line.startswith('{"input":'):
                    break
                done += 1
                if _is_error_line(line):
                    done_errors += 1
                    error_offsets.append(offset)
                end, last = offset + len(raw), line
        os.truncate(output, end)
    except OSError as e:
        raise RecaptureError(EXIT_INPUT, [f"{output}: cannot resume: {e.strerror}"]) from None
    if errors:
        _resume_errors(errors, done_errors, output, fmt)
    return done, done_errors, (_input_of(last, fmt) if last else None)


def _check_kind(output, fmt):
    """An output to resume begins as batch writes it in `fmt` (or is empty): never cut another file."""
    with open(output, "rb") as fh:
        head = fh.read(64)
    if not head:
        return
    if fmt == "csv":
        from .csvout import header
        ok = header().encode().startswith(head)
    else:
        start = b'{"input":'
        ok = head.startswith(start) or start.startswith(head)
    if not ok:
        raise RecaptureError(EXIT_INPUT, [f"batch --resume: {output} is not a {fmt} output of recapture batch; "
                                          f"left as it is"])


def _resume_errors(errors, wanted, output, fmt):
    have, end = 0, 0
    if os.path.exists(errors):
        for offset, raw in _complete_lines(errors):
            if have == wanted:
                break
            have, end = have + 1, offset + len(raw)
    if have == wanted:
        os.truncate(errors, end) if os.path.exists(errors) else open(errors, "wb").close()
        return
    if fmt == "csv":
        raise RecaptureError(EXIT_INPUT, [f"{errors}: cannot resume: it has {have} error lines where {output} has "
                                          f"{wanted}; give the errors file of the interrupted run"])
    with open(errors, "wb") as fh:  # rebuilt from the output's error lines
        for _, raw in _complete_lines(output):
            line = raw.decode("utf-8")
            if _is_error_line(line):
                obj = json.loads(line)
                fh.write((error_record(obj["input"], obj["error"]) + "\n").encode("utf-8", "backslashreplace"))
                wanted -= 1
                if not wanted:
                    break


def _skip(items, n, last_name, output):
    """The items after the first n, checking that input n is the one the output ends with."""
    if n == 0:
        yield from items
        return
    seen = 0
    for item in items:
        seen += 1
        if seen > n:
            yield item
        elif seen == n and last_name is not None and item[0] != last_name:
            raise RecaptureError(EXIT_INPUT, [f"batch --resume: the last line of {output} is for "
                                              f"{one_line(last_name, 100)!r} but input {n} is "
                                              f"{one_line(item[0], 100)!r}: not the same inputs"])
    if seen < n:
        raise RecaptureError(EXIT_INPUT, [f"batch --resume: {output} already holds {n} inputs, more than the "
                                          f"{seen} given: not the same inputs"])
