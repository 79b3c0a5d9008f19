"""The long fuzz run of issue 8, before each release: N mutated fact sets
(tests/fuzzer.py, default 20,000) through `recapture batch --workers 2`, then
the same checks as tests/test_fuzz.py, and a count of the reasons.

    python benchmarks/fuzz.py [N] [--seed S] [--workers W]

Prints the time, the number evaluated and failed, the most common reasons,
and every fault of the rules or the engine (there should be none); exits 1
when a check fails."""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fuzzer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out, errors = Path(tmp, "fuzz.jsonl"), Path(tmp, "r.jsonl"), Path(tmp, "e.jsonl")
        t = time.perf_counter()
        fuzzer.write(src, a.n, a.seed)
        made = time.perf_counter() - t
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "recapture.cli", "batch", str(src), "--output", str(out),
                            "--errors", str(errors), "--workers", str(a.workers), "--trace", "none"],
                           capture_output=True, text=True, cwd=ROOT)
        took = time.perf_counter() - t
        problems = []
        if p.returncode != 0:
            problems.append(f"exit {p.returncode}")
        if "Traceback" in p.stderr:
            problems.append("a traceback on stderr")
        reasons, engine, n = collections.Counter(), [], 0
        with open(out, encoding="utf-8") as fh:
            for i, line in enumerate(fh, 1):
                n += 1
                obj = json.loads(line)
                if obj.get("input") != f"{src}:{i}":
                    problems.append(f"line {i} is for {obj.get('input')!r}")
                    break
                err = obj.get("error")
                if err is None:
                    continue
                if not err.get("path") or not err.get("reason") or "\n" in err["reason"] or len(err["reason"]) > 300:
                    problems.append(f"line {i}: error without a path and a one-line reason: {err}")
                reasons[err["reason"][:60]] += 1
                if "internal error" in err["reason"] or "rules failed" in err["reason"] or "worker died" in err["reason"]:
                    engine.append((i, err["reason"]))
        if n != a.n:
            problems.append(f"{n} lines for {a.n} inputs")
    failed = sum(reasons.values())
    print(f"fuzz: {a.n:,} inputs (seed {a.seed}) made in {made:.1f} s; batch --workers {a.workers} took {took:.1f} s "
          f"({a.n / took:,.0f}/s); {a.n - failed:,} evaluated, {failed:,} errors")
    for reason, count in reasons.most_common(15):
        print(f"  {count:6,}  {reason}")
    for i, reason in engine:
        print(f"  ENGINE line {i}: {reason}")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
