"""`batch --scheduler` sends the inputs to Dask in tasks of several inputs each
(engine/batch.py `_dask`, `run_items`): the same lines in the same order as the
local batch, an input that cannot be read keeps its place, and a task the
cluster loses is sent again one input per task, so only the input that was lost
becomes an error line."""
import importlib
import json
import sys
import types

import pytest

from conftest import EXAMPLES

batch = importlib.import_module("recapture.batch")


class _Future:
    def __init__(self, fn, args, lose):
        self.fn, self.args, self.lose, self.cancelled = fn, args, lose, False

    def result(self, timeout=None):
        names = [item[0] for item in self.args[0]]
        if any(self.lose in n for n in names):
            raise OSError(f"lost {len(names)}")
        return self.fn(*self.args)

    def cancel(self):
        self.cancelled = True


class _Client:
    """In process, as Dask would run the tasks; loses every task holding the input `lose`."""
    lose = "\0"
    tasks = []
    identity = None  # what worker w2 answers (None: the same as this machine)
    rules_dirs = set()  # the rules folder each task was sent with

    def __init__(self, address, timeout=None):
        pass

    def nthreads(self):
        return {"w1": 1, "w2": 1}

    def run(self, fn, *args):
        # what each worker answers when the batch asks what it evaluates with
        if isinstance(_Client.identity, Exception):
            raise _Client.identity
        return {"tcp://w1": fn(*args), "tcp://w2": _Client.identity or fn(*args)}

    def submit(self, fn, *args, pure=True):
        _Client.tasks.append(len(args[0]))
        _Client.rules_dirs.add(args[1].rules_dir)
        return _Future(fn, args, _Client.lose)

    def close(self):
        pass


@pytest.fixture
def fake_dask(monkeypatch):
    mod = types.ModuleType("dask.distributed")
    mod.Client = _Client
    monkeypatch.setitem(sys.modules, "dask", types.ModuleType("dask"))
    monkeypatch.setitem(sys.modules, "dask.distributed", mod)
    _Client.tasks = []
    _Client.rules_dirs = set()
    yield _Client
    _Client.lose = "\0"
    _Client.identity = None


def _inputs(tmp_path, n=20, missing=11):
    good = (EXAMPLES / "quick-flip.yaml").read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        p = tmp_path / f"in{i:02d}.yaml"
        p.write_text(good, encoding="utf-8")
        paths.append(str(p))
    if missing is not None:
        paths[missing] = str(tmp_path / "missing.yaml")  # cannot be read: a fault known before any task
    return paths


def _lines(paths, **kw):
    job = batch.Job()
    return [(s, item[0], outcome) for s, item, outcome in
            (e for e in batch.outcomes(batch.iter_inputs(paths), job, **kw) if e is not None)]


def test_tasks_of_several_inputs_give_the_local_lines_in_order(fake_dask, tmp_path):
    paths = _inputs(tmp_path)
    local = _lines(paths, workers=0)
    remote = _lines(paths, scheduler="tcp://fake:1")
    assert remote == local
    assert [s for s, _, _ in remote] == list(range(20))
    assert remote[11][2][0] == "error" and b"missing.yaml" in remote[11][2][1]
    assert max(fake_dask.tasks) == batch.DASK_FIRST_CHUNK and sum(fake_dask.tasks) == 19


def test_after_the_first_window_the_tasks_are_larger(fake_dask, tmp_path):
    # the fake cluster has 2 threads: a window of max(4, 3 x 2) = 6 tasks of 8 first,
    # then 6 tasks of 16: inputs 0-47 in six tasks, then 48-63, 64-79, 80-95, 96-99
    paths = _inputs(tmp_path, n=100, missing=None)
    remote = _lines(paths, scheduler="tcp://fake:1")
    assert [s for s, _, _ in remote] == list(range(100))
    assert fake_dask.tasks == [8] * 6 + [16, 16, 16, 4]


def test_the_task_size_doubles_with_each_window_up_to_the_largest(fake_dask, monkeypatch):
    # windows of 6 tasks (2 threads): 6 x 8 = 48, 6 x 16 = 96, 6 x 32 = 192, 6 x 64 = 384
    # inputs (720 in all), then tasks of DASK_CHUNK = 128: 128 + 128 + 24 = 1,000
    monkeypatch.setattr(batch, "run_items", lambda items, job: [("ok", item[0].encode()) for item in items])
    items = [(f"l{i}", "line", b"{}") for i in range(1000)]
    out = [e for e in batch._dask(iter(items), batch.Job(), "tcp://fake:1") if e is not None]
    assert [(s, outcome[1]) for s, _, outcome in out] == [(i, f"l{i}".encode()) for i in range(1000)]
    assert batch.DASK_CHUNK == 128
    assert fake_dask.tasks == [8] * 6 + [16] * 6 + [32] * 6 + [64] * 6 + [128, 128, 24]


def test_a_lost_task_is_sent_again_one_input_per_task(fake_dask, tmp_path):
    paths = _inputs(tmp_path)
    local = _lines(paths, workers=0)
    fake_dask.lose = "in05.yaml"
    remote = _lines(paths, scheduler="tcp://fake:1")
    assert [n for _, n, _ in remote] == [n for _, n, _ in local]
    for (s, name, outcome), (_, _, mine) in zip(remote, local):
        if name.endswith("in05.yaml"):
            assert outcome[0] == "error"
            error = json.loads(outcome[1])["error"]
            assert error["reason"].startswith("worker died or timed out on the cluster: OSError: lost 1")
        else:
            assert outcome == mine


# -- the cluster must evaluate with this batch's engine and law ---------------------
@pytest.mark.parametrize("identity, says", [
    (("recapture", "0.1.0", "sha256:x"), "worker tcp://w2 runs recapture 0.1.0, this machine "),
    (None, "worker tcp://w2 has other law (the digest of its rules folder is sha256:0"),
    (("fault", "/home/a/rules: no rules/ and tables/ folders here"),
     "worker tcp://w2 cannot load the rules folder: /home/a/rules: no rules/ and tables/ folders here"),
    (ModuleNotFoundError("No module named 'recapture'"),
     "the cluster's workers cannot run recapture (ModuleNotFoundError: No module named 'recapture'); "
     "install recapture "),
])
def test_a_cluster_with_another_engine_or_law_is_refused_before_any_task(fake_dask, identity, says):
    from recapture.errors import EXIT_INPUT, RecaptureError
    mine = batch.law_identity()
    if identity is None:  # the same recapture, a rules folder with other content
        identity = (mine[0], mine[1], "sha256:" + "0" * 64)
    fake_dask.identity = identity
    items = [(f"l{i}", "line", b"{}") for i in range(5)]
    with pytest.raises(RecaptureError) as e:
        list(batch._dask(iter(items), batch.Job(), "tcp://fake:1"))
    assert e.value.code == EXIT_INPUT
    (line,) = e.value.lines
    assert line.startswith("--scheduler tcp://fake:1: ") and says in line
    assert fake_dask.tasks == []  # nothing was sent


def test_the_law_identity_is_the_folder_content_wherever_it_is(tmp_path):
    import shutil
    from recapture.library import default_root
    here = batch.law_identity()
    assert here[0] == "recapture" and here[2].startswith("sha256:")
    copy = tmp_path / "law"
    shutil.copytree(default_root() / "rules", copy / "rules")
    shutil.copytree(default_root() / "tables", copy / "tables")
    assert batch.law_identity(str(copy)) == here  # another place, the same files: the same law
    rate = next((copy / "tables").rglob("*.yaml"))
    rate.write_text(rate.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert batch.law_identity(str(copy))[2] != here[2]
    assert batch.law_identity(str(tmp_path / "none"))[0] == "fault"


def test_the_shipped_law_is_sent_as_none_and_a_chosen_folder_as_itself(fake_dask, tmp_path, monkeypatch):
    # each worker loads its own copy of the shipped law (its install may be elsewhere:
    # the identity check above makes sure it is the same law); a chosen folder is sent
    from recapture.cli import main
    from recapture.library import ENV_RULES_DIR, default_root
    monkeypatch.delenv(ENV_RULES_DIR, raising=False)
    paths = _inputs(tmp_path, n=3, missing=None)
    out = tmp_path / "out.jsonl"
    assert main(["batch", *paths, "--output", str(out), "--scheduler", "tcp://fake:1"]) == 0
    assert fake_dask.rules_dirs == {None}
    fake_dask.rules_dirs = set()
    assert main(["batch", *paths, "--output", str(out), "--scheduler", "tcp://fake:1",
                 "--rules-dir", str(default_root())]) == 0
    assert fake_dask.rules_dirs == {str(default_root())}
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_a_task_sends_its_lines_packed_and_they_come_back_the_same(tmp_path):
    # one bytes object for Dask to send as it is (a list of tuples of 64 KB lines it
    # pickles, in the worker's event loop); the API's outcomes (objects) go as they are
    paths = _inputs(tmp_path, n=4, missing=2)
    items = list(batch.iter_inputs(paths))
    job = batch.Job()
    outcomes = [batch.run_item(item, job) for item in items]
    assert [o[0] for o in outcomes] == ["ok", "ok", "error", "ok"]
    packed = batch.run_items(items, job)
    kind, parts, lines = packed
    assert kind == "packed" and type(lines) is bytes
    assert lines == b"".join(o[1] for o in outcomes) and len(parts) == 4
    assert batch._unpacked(packed) == outcomes
    assert batch._unpacked(("packed", parts, bytearray(lines))) == outcomes  # bytes again, whatever Dask gives
    assert batch._unpacked([]) == [] and batch._unpacked(outcomes) == outcomes
    api = batch.Job(format="object")
    assert batch.run_items(items, api) == [batch.run_item(item, api) for item in items]
