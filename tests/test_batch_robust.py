"""batch never loses an input or hangs (issue 8), streams its inputs, and has the
output options of issue 7: a dead or stuck worker, --resume after an
interruption, --format csv, --trace levels, --strict; the API's batch."""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

import recapture
from recapture.csvout import COLUMNS
from recapture.errors import RecaptureError
from conftest import EXAMPLES, ROOT


def batch(*args, env=None, timeout=180):
    p = subprocess.run([sys.executable, "-m", "recapture.cli", "batch", *map(str, args)], capture_output=True,
                       text=True, cwd=ROOT, timeout=timeout, env=dict(os.environ, **(env or {})))
    return p.returncode, p.stderr


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A .jsonl of 60 fact sets (the 2025 examples with varied income; every 7th one invalid)."""
    from recapture.result import _plain
    from recapture.yamlio import load_document
    folder = tmp_path_factory.mktemp("batch")
    docs = [d for d in (load_document(p)[0] for p in sorted(EXAMPLES.glob("*.yaml"))) if d["tax_year"] == 2025]
    lines = []
    for i in range(60):
        d = json.loads(json.dumps(_plain(docs[i % len(docs)])))
        d["case_id"] = f"case-{i}"
        d["taxpayer"]["ordinary_income"] = 40000 + 1000 * i
        if i % 7 == 3:
            d["tax_year"] = 1999
        lines.append(json.dumps(d))
    src = folder / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    return src


@pytest.fixture(scope="module")
def uninterrupted(inputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole")
    out, errors = folder / "r.jsonl", folder / "e.jsonl"
    code, err = batch(inputs, "--output", out, "--errors", errors, "--workers", "2")
    assert code == 0, err
    return out.read_bytes(), errors.read_bytes()


def test_a_killed_worker_is_its_inputs_error_line_and_the_batch_goes_on(inputs, uninterrupted, tmp_path):
    out, errors = tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    victim = f"{inputs}:10"
    code, err = batch(inputs, "--output", out, "--errors", errors, "--workers", "2",
                      env={"RECAPTURE_TEST_WORKER_HOOK": f"kill:{victim}"})
    assert code == 0, err
    lines = out.read_bytes().splitlines(keepends=True)
    whole = uninterrupted[0].splitlines(keepends=True)
    assert len(lines) == 60  # every input accounted for, in order
    assert [json.loads(l)["input"] for l in lines] == [f"{inputs}:{i}" for i in range(1, 61)]
    assert json.loads(lines[9])["error"]["reason"] == "worker died: SIGKILL"
    assert lines[:9] + lines[10:] == whole[:9] + whole[10:]  # the others as if nothing happened
    assert "60 inputs, 50 evaluated, 10 errors" in err


def test_an_input_beyond_the_time_limit_stops_its_worker_and_the_batch_goes_on(tmp_path):
    out = tmp_path / "r.jsonl"
    files = [EXAMPLES / n for n in ("quick-flip.yaml", "equipment-sale.yaml", "installment-sale.yaml")]
    code, err = batch(*files, "--output", out, "--workers", "1", "--limit", "seconds=2",
                      env={"RECAPTURE_TEST_WORKER_HOOK": f"hang:{files[1]}"})
    assert code == 0, err
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(lines) == 3 and "tax" in lines[0] and "tax" in lines[2]
    assert lines[1]["error"]["reason"] == "stopped after 2 seconds (limit seconds): the input took too long"


@pytest.mark.parametrize("victim", [1, 3, 60])
def test_a_worker_killed_with_outcomes_unsent_loses_none_of_them(victim, inputs, uninterrupted, tmp_path):
    """A worker sends its outcomes back a few at a time (GROUP): when it dies, those it
    had done but not yet sent are evaluated again elsewhere, and only the input it was
    on (which it writes to memory shared with the batch) is the error line. One worker,
    so that the inputs before the victim are in its hands when it dies."""
    out = tmp_path / "r.jsonl"
    code, err = batch(inputs, "--output", out, "--workers", "1",
                      env={"RECAPTURE_TEST_WORKER_HOOK": f"kill:{inputs}:{victim}"})
    assert code == 0, err
    lines = out.read_bytes().splitlines(keepends=True)
    whole = uninterrupted[0].splitlines(keepends=True)
    assert json.loads(lines[victim - 1])["error"]["reason"] == "worker died: SIGKILL"
    assert lines[:victim - 1] + lines[victim:] == whole[:victim - 1] + whole[victim:]


def test_large_inputs_and_large_results_in_flight_together_do_not_stall(tmp_path):
    """Inputs over SMALL_INPUT go only to a worker with nothing in flight: a worker blocked
    sending 3 results of megabytes each and the batch blocked sending it a large input
    would otherwise wait for each other for ever. The same bytes as one worker."""
    from recapture.result import _plain
    from recapture.yamlio import load_document
    import importlib
    pool_module = importlib.import_module("recapture.batch")
    d = json.loads(json.dumps(_plain(load_document(EXAMPLES / "equipment-sale.yaml")[0])))
    small = json.dumps(d)
    big = dict(d, properties=[dict(d["properties"][0], id=f"p{i}") for i in range(90)])
    big = json.dumps(big).replace(", ", "," + " " * 4000)  # more than a pipe holds (Linux: 208 KB)
    assert len(big) > 400_000 > pool_module.SMALL_INPUT > len(small) * 4
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([big, small, small, big, big, small, big, small, big]) + "\n")
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"r{workers}.jsonl"
        code, err = batch(src, "--output", out, "--workers", workers, timeout=120)
        assert code == 0 and "9 inputs, 9 evaluated, 0 errors" in err, err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 5 * 10**6


def test_resume_after_a_cut_gives_the_same_bytes(inputs, uninterrupted, tmp_path):
    whole, whole_errors = uninterrupted
    out, errors = tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    # as a kill -9 leaves them: the output cut inside line 25, the errors file one line behind
    cut = sum(len(l) for l in whole.splitlines(keepends=True)[:24]) + 100
    out.write_bytes(whole[:cut])
    errors.write_bytes(b"".join(whole_errors.splitlines(keepends=True)[:2]))
    code, err = batch(inputs, "--output", out, "--errors", errors, "--workers", "2", "--resume")
    assert code == 0, err
    assert out.read_bytes() == whole and errors.read_bytes() == whole_errors
    assert "60 inputs, 51 evaluated, 9 errors" in err


def test_resume_after_kill_9_gives_the_same_bytes(inputs, uninterrupted, tmp_path):
    whole, whole_errors = uninterrupted
    out, errors = tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    p = subprocess.Popen([sys.executable, "-m", "recapture.cli", "batch", str(inputs), "--output", str(out),
                          "--errors", str(errors), "--workers", "2"], cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 200_000):
        time.sleep(0.05)
    psutil = pytest.importorskip("psutil")
    workers = psutil.Process(p.pid).children()
    p.send_signal(signal.SIGKILL)
    p.wait()
    gone, alive = psutil.wait_procs(workers, timeout=30)  # orphans see their pipe close and stop
    assert not alive
    code, err = batch(inputs, "--output", out, "--errors", errors, "--workers", "2", "--resume")
    assert code == 0, err
    assert out.read_bytes() == whole and errors.read_bytes() == whole_errors


def test_resume_refuses_other_inputs(inputs, uninterrupted, tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_bytes(b"".join(uninterrupted[0].splitlines(keepends=True)[:3]))
    code, err = batch(EXAMPLES / "quick-flip.yaml", EXAMPLES / "equipment-sale.yaml", EXAMPLES / "installment-sale.yaml",
                      "--output", out, "--resume")
    assert code == 2 and "not the same inputs" in err and "Traceback" not in err


def test_csv_has_the_documented_columns_a_row_per_property_and_per_return(tmp_path):
    out = tmp_path / "r.csv"
    code, err = batch(EXAMPLES, "--output", out, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == COLUMNS
    results = {}
    for f in sorted(EXAMPLES.glob("*.yaml")):
        results[str(f)] = recapture.evaluate(f)
    expected = []
    for name, r in results.items():
        expected += [(name, "property", p["id"]) for p in r["properties"]] + [(name, "return", "")]
    assert [(r["input"], r["row"], r["property_id"]) for r in rows] == expected
    duplex = next(r for r in rows if r["case_id"] == "duplex-held-16-years" and r["row"] == "return")
    assert duplex["tax_due_to_dispositions"] == "324447.87"  # tests/golden: the duplex held 16 years
    for row in rows:
        if row["row"] == "property":
            r = results[row["input"]]
            p = next(p for p in r["properties"] if p["id"] == row["property_id"])
            assert Decimal(row["recognized_gain"] or "0") == (p["recognized_gain"] or 0)
            parts = [Decimal(row[c] or "0") for c in COLUMNS[COLUMNS.index("section_1245_ordinary"):
                                                              COLUMNS.index("short_term_ordinary") + 1]]
            assert sum(parts) == Decimal(row["recognized_gain"] or "0")  # the components add up


def test_evaluate_csv_is_the_same_rows(cli, tmp_path):
    code, out, err = cli("evaluate", EXAMPLES / "quick-flip.yaml", EXAMPLES / "equipment-sale.yaml", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["case_id"], r["row"]) for r in rows] == [
        ("quick-flip", "property"), ("quick-flip", "return"), ("equipment-sale", "property"),
        ("equipment-sale", "return")]
    assert rows[1]["tax_due_to_dispositions"] == "9115.43"  # tests/golden/quick-flip.yaml


def test_csv_error_rows_and_resume(inputs, tmp_path):
    out = tmp_path / "r.csv"
    code, err = batch(inputs, "--output", out, "--format", "csv")
    assert code == 0, err
    whole = out.read_bytes()
    rows = list(csv.DictReader(io.StringIO(whole.decode())))
    errors = [r for r in rows if r["row"] == "error"]
    assert len(errors) == 9 and all(e["error_path"] and e["error_reason"] for e in errors)
    lines = whole.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:40]) + lines[40][:10])  # cut inside a row, maybe between an input's rows
    code, err = batch(inputs, "--output", out, "--format", "csv", "--resume")
    assert code == 0, err
    assert out.read_bytes() == whole


@pytest.mark.parametrize("level", ["full", "rules", "none"])
def test_trace_levels(level, tmp_path):
    out = tmp_path / "r.jsonl"
    code, err = batch(EXAMPLES / "quick-flip.yaml", "--output", out, "--trace", level)
    assert code == 0, err
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    full = recapture.evaluate(EXAMPLES / "quick-flip.yaml")
    trace = lines[0]["trace"]
    if level == "full":
        assert len(trace) == len(full["trace"]) and {"read", "set"} <= set(trace[0])
    elif level == "rules":
        assert [s["rule"] for s in trace] == [s["rule"] for s in full["trace"]]
        assert set(trace[0]) == {"rule", "citation", "file", "version", "entity"}
    else:
        assert trace == []
    assert lines[0]["tax"]["tax_due_to_dispositions"] == 9115.43  # the figures never change


def test_strict_exit_codes(tmp_path):
    out = tmp_path / "r.jsonl"
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\n")
    assert batch(EXAMPLES / "quick-flip.yaml", "--output", out, "--strict")[0] == 0
    assert batch(EXAMPLES / "quick-flip.yaml", bad, "--output", out, "--strict")[0] == 1
    assert batch(EXAMPLES / "quick-flip.yaml", bad, "--output", out)[0] == 0  # the contract: 0 when the batch ran


@pytest.mark.parametrize("workers", [1, 2])
def test_api_batch_in_order_nothing_lost(workers, inputs, tmp_path):
    bad = {"schema_version": 1, "tax_year": 2025}
    specs = [EXAMPLES / "quick-flip.yaml", bad, str(inputs), (EXAMPLES / "equipment-sale.yaml").read_text()]
    got = list(recapture.batch(specs, workers=workers))
    assert len(got) == 1 + 1 + 60 + 1
    assert got[0][0] == str(EXAMPLES / "quick-flip.yaml")
    assert got[0][1]["tax"]["tax_due_to_dispositions"] == Decimal("9115.43")
    assert isinstance(got[1][1], RecaptureError) and got[1][1].faults[0][0] == "$"
    assert [n for n, _ in got[2:62]] == [f"{inputs}:{i}" for i in range(1, 61)]
    assert [isinstance(r, RecaptureError) for _, r in got[2:62]] == [i % 7 == 3 for i in range(60)]
    assert got[62][0] == "<text 4>" and got[62][1]["case_id"] == "equipment-sale"


def test_batch_memory_does_not_hold_the_inputs(inputs):
    """The input stream is consumed as the work goes: a generator, never a list."""
    from recapture.batch import iter_inputs
    items = iter_inputs([str(inputs)])
    assert next(items)[0] == f"{inputs}:1" and not isinstance(items, list)


def test_an_output_that_is_an_input_or_not_a_batch_output_is_left_alone(inputs, tmp_path):
    before = inputs.read_bytes()
    code, err = batch(inputs, "--output", inputs)
    assert code == 2 and "is also an input" in err and inputs.read_bytes() == before
    other = tmp_path / "notes.jsonl"
    other.write_text("my notes\n")
    code, err = batch(EXAMPLES / "quick-flip.yaml", "--output", other, "--resume")
    assert code == 2 and "is not a jsonl output of recapture batch" in err and other.read_text() == "my notes\n"


def test_a_large_input_waiting_for_an_idle_worker_is_pickled_once(tmp_path, monkeypatch):
    """An input over SMALL_INPUT waits (at the head of the queue) for a worker with
    nothing in flight; it keeps its pickle while it waits, and every input is pickled
    once in a batch where no worker dies."""
    import collections
    import importlib
    from recapture.result import _plain
    from recapture.yamlio import load_document
    pool_module = importlib.import_module("recapture.batch")
    d = json.loads(json.dumps(_plain(load_document(EXAMPLES / "equipment-sale.yaml")[0])))
    small = json.dumps(d)
    big = json.dumps(d).replace(", ", "," + " " * 2000)
    assert len(big) > pool_module.SMALL_INPUT > len(small)
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([small, small, small, big, small, big, big, small, small, big]) + "\n")
    pickled = collections.Counter()
    real = pool_module._pickled

    def counting(obj):
        pickled[obj[0]] += 1
        return real(obj)

    monkeypatch.setattr(pool_module, "_pickled", counting)
    job = pool_module.Job(trace="none")
    got = [e for e in pool_module.outcomes(pool_module.iter_inputs([str(src)]), job, 2) if e is not None]
    assert [s for s, _, _ in got] == list(range(10)) and all(o[0] == "ok" for _, _, o in got)
    assert pickled == {s: 1 for s in range(10)}
