"""Without orjson and jsonschema-rs (a platform without their wheels) the engine
gives the same bytes: every fast path has a pure-Python fallback."""
import sys
from pathlib import Path

from recapture import adapter, api, fastschema, result
from recapture.errors import RecaptureError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from factgen import fact_set, jsonl_line  # noqa: E402


def _outputs(n=40):
    out = []
    for i in range(n):
        try:
            r = api.evaluate(jsonl_line(fact_set(i)), name=f"g{i}")
            out.append((result.to_json(dict(r)), result.to_json_line(dict(r))))
        except RecaptureError as e:
            out.append(tuple(e.lines))
    return out


def test_the_same_bytes_without_the_fast_libraries(monkeypatch):
    fast = _outputs()
    monkeypatch.setattr(adapter, "_orjson", None)
    monkeypatch.setattr(result, "_orjson", None)
    monkeypatch.setattr(fastschema, "_rs", None)
    assert _outputs() == fast
