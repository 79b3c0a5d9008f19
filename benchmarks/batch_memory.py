"""Memory of `recapture batch` as the input grows (issue 10 item 3, issue 8):
the inputs are streamed, so a 100,000-line .jsonl must hold memory within 10%
of a 10,000-line one.

    python benchmarks/batch_memory.py [N ...] [--workers W] [--trace full|rules|none]

For each N (default 10,000 and 100,000) it writes N fact sets (the examples in
turn, each with its own case_id and income), runs the batch, samples the RSS of
the batch process and of each worker every 0.1 s, and prints the peaks, the
rate, and the ratio of the largest N to the smallest."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def write_inputs(path: Path, n: int) -> None:
    sys.path.insert(0, str(ROOT))
    from recapture.result import _plain
    from recapture.yamlio import load_document
    docs = [json.loads(json.dumps(_plain(load_document(p)[0]))) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            d = docs[i % len(docs)]
            d["case_id"] = f"case-{i}"
            d["taxpayer"]["ordinary_income"] = 30000 + (i * 37) % 500000
            fh.write(json.dumps(d, separators=(",", ":")) + "\n")


def run(n: int, workers: int, trace: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        write_inputs(src, n)
        t = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "recapture.cli", "batch", str(src), "--output", str(out),
                              "--workers", str(workers), "--trace", trace], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        me = psutil.Process(p.pid)
        parent = worker = 0
        while p.poll() is None:
            try:
                parent = max(parent, me.memory_info().rss)
                for c in me.children(recursive=True):
                    try:
                        worker = max(worker, c.memory_info().rss)
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            time.sleep(0.1)
        took = time.perf_counter() - t
        err = p.stderr.read().strip()
        lines = sum(1 for _ in open(out, "rb"))
    return {"n": n, "seconds": took, "rate": n / took, "parent_mb": parent / 2 ** 20, "worker_mb": worker / 2 ** 20,
            "lines": lines, "summary": err.splitlines()[-1] if err else ""}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="*", type=int, default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--trace", default="full", choices=["full", "rules", "none"])
    a = ap.parse_args()
    rows = []
    for n in a.n:
        r = run(n, a.workers, a.trace)
        rows.append(r)
        print(f"N={r['n']:>7,}: {r['seconds']:7.1f} s ({r['rate']:5.0f}/s)  peak RSS batch {r['parent_mb']:6.1f} MB, "
              f"largest worker {r['worker_mb']:6.1f} MB  ({r['lines']:,} lines; {r['summary']})", flush=True)
    if len(rows) > 1:
        lo, hi = rows[0], rows[-1]
        print(f"N={hi['n']:,} vs N={lo['n']:,}: batch process {hi['parent_mb'] / lo['parent_mb']:.3f}x, "
              f"largest worker {hi['worker_mb'] / lo['worker_mb']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
