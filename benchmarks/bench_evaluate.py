"""Throughput of recapture on the shared examples. Prints its figures; no pass/fail.
(The benchmark of issue 10, on varied generated fact sets, is benchmarks/batch.py.)

    python benchmarks/bench_evaluate.py [N]

- startup: loading and validating one tax year's rules and tables, and compiling them
- per return: one fact set evaluated twice (with and without its dispositions)
- batch: `recapture batch` over N fact sets with 1 and 2 worker processes
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ROOT / "examples"
SUPPORTED = ["duplex-held-16-years", "equipment-sale", "forum-rental-sale", "llc-share-with-improvements",
             "quick-flip", "small-rental-2020"]


def main(n=2000):
    t0 = time.perf_counter()
    from recapture.evaluate import compiled_law
    from recapture.facts import load_facts
    from recapture.library import Library
    from recapture.tax import evaluate_return
    lib = Library()
    compiled_law(lib, 2025)
    print(f"startup (import + load, validate, compile tax year 2025): {time.perf_counter() - t0:.2f} s")
    facts = [load_facts(EXAMPLES / f"{name}.yaml") for name in SUPPORTED]
    for f in facts:
        evaluate_return(f, lib)  # load each year once
    t0 = time.perf_counter()
    count = 0
    while count < n:
        for f in facts:
            evaluate_return(f, lib)
            count += 1
    dt = time.perf_counter() - t0
    print(f"in-process: {count} returns in {dt:.2f} s -> {count / dt:,.0f} returns/s ({dt / count * 1000:.2f} ms each)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with open(src, "w") as fh:
            for i in range(n):
                text = (EXAMPLES / f"{SUPPORTED[i % len(SUPPORTED)]}.yaml").read_text()
                import yaml
                data = yaml.safe_load(text)
                fh.write(json.dumps(data, default=str) + "\n")
        for workers in (1, 2):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "recapture.cli", "batch", str(src), "--output", str(Path(tmp) / "r.jsonl"),
                            "--workers", str(workers)], check=True, cwd=ROOT, capture_output=True)
            dt = time.perf_counter() - t0
            print(f"batch --workers {workers}: {n} fact sets in {dt:.2f} s -> {n / dt:,.0f} fact sets/s (process start included)")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
