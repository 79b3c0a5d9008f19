"""Issue 8's fuzz test: 2,000 mutated fact sets (tests/fuzzer.py, seeded) through
`batch` and 200 through the API. Whatever a line holds, the batch exits 0 and
writes one line per input, in order, with no traceback, and every error line
has a JSON path and a one-line reason; the API returns a Result or raises
RecaptureError, nothing else. The long run (20,000+) is benchmarks/fuzz.py."""
import json

import recapture
from recapture.errors import REASON_CHARS, RecaptureError

import fuzzer
from conftest import run_cli


def _check_error(err):
    assert isinstance(err["path"], str) and err["path"], err
    assert isinstance(err["reason"], str) and err["reason"], err
    assert "\n" not in err["reason"] and len(err["reason"]) <= REASON_CHARS, err
    assert "internal error" not in err["reason"], err  # a fault of the engine, not of the input


def test_2000_fuzzed_inputs_through_batch(tmp_path):
    src, out, errors = tmp_path / "fuzz.jsonl", tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    n = fuzzer.write(src, 2000, seed=8)
    code, _, err = run_cli("batch", src, "--output", out, "--errors", errors, "--workers", "2", "--trace", "none")
    assert code == 0, err
    assert "Traceback" not in err
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == n
    failed = 0
    for i, line in enumerate(lines, 1):
        obj = json.loads(line)
        assert obj["input"] == f"{src}:{i}"
        if "error" in obj:
            failed += 1
            _check_error(obj["error"])
        else:
            assert obj["tax"]["total_tax"] is not None
    assert len(errors.read_text(encoding="utf-8").splitlines()) == failed
    assert f"{n} inputs, {n - failed} evaluated, {failed} errors" in err
    assert 300 < n - failed < n - 300  # the fuzzer makes both kinds


def test_200_fuzzed_inputs_through_the_api():
    lines = fuzzer.lines(200, seed=77)
    results = errors = 0
    for raw in lines:
        try:
            r = recapture.evaluate(raw)
        except RecaptureError as e:
            errors += 1
            assert e.code == 2, e.lines
            for path, reason in e.faults:
                _check_error({"path": path, "reason": reason})
        else:
            results += 1
            assert r["tax"]["total_tax"] is not None
    got = list(recapture.batch(lines[:50], workers=1))
    assert len(got) == 50 and all(isinstance(r, (recapture.Result, RecaptureError)) for _, r in got)
    assert results > 20 and errors > 20
