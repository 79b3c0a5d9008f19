"""The batch benchmark of issue 10. Prints figures; asserts nothing.

    python benchmarks/batch.py [--n 10000] [--workers 1,2] [--dask 1,2] [--repeat R] [--seed S] [--latency 2000] [--no-startup]

1. Generates N varied, seeded synthetic fact sets (benchmarks/factgen.py: all
   nine tax years, 1-3 properties, every asset class and disposition type) into
   one .jsonl file.
2. Runs the `recapture batch` command line on it, as a user would, once per
   worker count: fact sets/s (process start included), per worker, and the
   peak RSS (largest single process, and the whole process tree, sampled).
3. Per-file latency p50 / p99: each of the first `--latency` fact sets loaded,
   evaluated and written as JSON through the public API, timed one by one.
4. Start-up: `recapture evaluate` of one example, wall time, cold (an empty law
   cache) and warm (the cache just written), median of 5 runs each.
5. The floor on the same inputs: a separate process that only parses each line
   (json.loads) and validates it (jsonschema Draft202012Validator.is_valid with
   format checks), process start included; and the ratio engine / floor.

It depends only on the command line and the public API, never on how
`recapture batch` is built inside, so it measures whatever batch is installed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from factgen import DEFAULT_SEED, fact_sets, jsonl_line  # noqa: E402

EXAMPLE = ROOT / "examples" / "forum-rental-sale.yaml"

FLOOR = r"""
import json, sys, time
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[2], encoding="utf-8"))
v = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
ok = 0
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        ok += v.is_valid(json.loads(line))
print(ok)
"""

FLOOR_RS = r"""
import json, sys
import jsonschema_rs
schema = json.load(open(sys.argv[2], encoding="utf-8"))
v = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
ok = 0
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        ok += v.is_valid(json.loads(line))
print(ok)
"""


def _tree_rss(pid: int) -> tuple[int, int]:
    """(resident bytes of a process and all its descendants, the largest high-water mark
    of one of them: VmHWM) from Linux /proc; (0, 0) if unknown."""
    try:
        children = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(entry))
                except (OSError, ValueError, IndexError):
                    pass
        total, largest, todo = 0, 0, [pid]
        while todo:
            p = todo.pop()
            todo += children.get(p, [])
            try:
                with open(f"/proc/{p}/status", "rb") as fh:
                    status = fh.read()
                largest = max(largest, int(status.split(b"VmHWM:", 1)[1].split()[0]) * 1024)
                total += int(status.split(b"VmRSS:", 1)[1].split()[0]) * 1024
            except (OSError, ValueError, IndexError):
                pass
        return total, largest
    except OSError:
        return 0, 0


def run_measured(cmd, env=None, cwd=None, sample=True):
    """(wall seconds, peak RSS of the largest process in bytes, peak RSS of the tree in bytes, stdout, stderr,
    CPU seconds of the process and the children it waited for).

    The largest process's peak is the largest VmHWM sampled (every 0.25 s), not wait4's
    ru_maxrss: Linux carries the parent's high-water mark through fork and exec into
    the child's ru_maxrss, so that figure was never below this benchmark's own size
    (measured: a child of a parent holding 300 MB more reported 311 MB instead of 51 MB;
    after a Dask turn it reported the benchmark's 81-118 MB). ru_maxrss only when no
    sample was taken (a run under 0.25 s)."""
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
    peak_tree, peak_one = [0], [0]
    done = threading.Event()

    def poll():
        # every 0.25 s: a sample reads /proc/*/stat of every process, about 1 ms of CPU;
        # every 0.05 s it took 1% of this 2-core machine from the batch being measured
        while not done.wait(0.25):
            tree, one = _tree_rss(p.pid)
            peak_tree[0], peak_one[0] = max(peak_tree[0], tree), max(peak_one[0], one)

    t = threading.Thread(target=poll, daemon=True)
    if sample:
        t.start()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    p.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0), err.seek(0)
    stdout, stderr = out.read().decode(), err.read().decode()
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{stderr}")
    return wall, peak_one[0] or usage.ru_maxrss * 1024, peak_tree[0], stdout, stderr, usage.ru_utime + usage.ru_stime


def _mb(b):
    return f"{b / 1e6:.0f} MB"


def calibration() -> float:
    """Milliseconds a fixed pure-Python loop takes here, now: to compare runs made on
    a busier or quieter machine (the figures scale with it)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        d = {}
        for i in range(200_000):
            d[i % 1000] = d.get(i % 1000, 0) + i
        best = min(best, time.process_time() - t0)
    return best * 1000


def machine() -> str:
    model = platform.processor() or "?"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def latency(lines, n):
    """Per-file wall time of load + evaluate + JSON through the public API, in ms (after a warm-up)."""
    from recapture import api
    from recapture.errors import RecaptureError
    lib = api.library()
    by_year = {}
    for line in lines:
        by_year.setdefault(json.loads(line).get("tax_year"), line)
    for line in by_year.values():  # warm: each year's law loaded once before timing
        try:
            api.Result(api.evaluate_facts(api.load(line, "w"), "w", lib)).to_json()
        except RecaptureError:
            pass
    times = []
    for i, line in enumerate(lines[:n]):
        t0 = time.perf_counter()
        try:
            api.Result(api.evaluate_facts(api.load(line, f"l{i}"), f"l{i}", lib)).to_json()
        except RecaptureError:
            pass
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], statistics.fmean(times)


def startup(python, tmp):
    """Median wall time of `recapture evaluate EXAMPLE`, cold (empty cache folder) and warm (5 runs each)."""
    cold, warm = [], []
    # Python as a user runs it: it writes the modules' bytecode (.pyc) when it first
    # imports them. A machine that sets PYTHONDONTWRITEBYTECODE (this project's does)
    # would otherwise compile every module changed since its .pyc from source at each
    # start, which is not the engine's start-up (0.13 s warm with .pyc, 0.19 s without).
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run_measured([python, "-m", "recapture.cli", "evaluate", str(EXAMPLE), "--output", str(Path(tmp) / "one.json")],
                 env=dict(base, RECAPTURE_CACHE=str(Path(tmp) / "cache-bytecode")), sample=False)
    for i in range(5):
        env = dict(base, RECAPTURE_CACHE=str(Path(tmp) / f"cache-{i}"))
        cmd = [python, "-m", "recapture.cli", "evaluate", str(EXAMPLE), "--output", str(Path(tmp) / "one.json")]
        cold.append(run_measured(cmd, env=env, sample=False)[0])
        warm.append(run_measured(cmd, env=env, sample=False)[0])
    return statistics.median(cold), statistics.median(warm)


def dask_run(args, src, tmp, env, n_workers, warm):
    """`recapture batch --scheduler` against a LocalCluster of worker processes started here
    (its start-up not counted: a firm's cluster is already running, and has run a batch:
    one untimed batch of each tax year's fact set, a few times over, first imports the
    engine in every worker and loads each year's law there, as a local worker's first
    fact sets of each year do; what is timed is the client's whole run, its start included)."""
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      env={"RECAPTURE_CACHE": env["RECAPTURE_CACHE"]}) as cluster:
        out = tmp / "results-dask.jsonl"
        warm_many = tmp / "warm-dask.jsonl"
        warm_many.write_text(warm.read_text(encoding="utf-8") * (4 * n_workers), encoding="utf-8")
        run_measured([args.python, "-m", "recapture.cli", "batch", str(warm_many), "--output", str(out),
                      "--scheduler", cluster.scheduler_address], env=env, sample=False)
        cmd = [args.python, "-m", "recapture.cli", "batch", str(src), "--output", str(out),
               "--scheduler", cluster.scheduler_address]
        wall, peak, tree, _, stderr, cpu = run_measured(cmd, env=env)
        with open(out, "rb") as fh:
            n_out = sum(1 for _ in fh)
    rate = args.n / wall
    print(f"batch --scheduler (Dask LocalCluster, {n_workers} worker processes): {wall:.1f} s -> {rate:,.0f} fact sets/s "
          f"({rate / n_workers:,.0f} per worker); client peak RSS {_mb(peak)}; {n_out:,} lines")
    return rate


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="fact sets (default 10,000)")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--latency", type=int, default=2000, help="fact sets timed one by one in process")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up measurement")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--keep", metavar="DIR", help="keep the input and output files in DIR")
    ap.add_argument("--trace", default="full", choices=("full", "rules", "none"),
                    help="the batch's --trace level (default full, as a firm's batch runs by default; the "
                         "lines of `none` are a fifth as long: what writing the output costs shows in the difference)")
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="run each batch configuration R times, taking turns, and report medians")
    ap.add_argument("--dask", default="", metavar="W[,W]",
                    help="also run `recapture batch --scheduler` on a local Dask cluster of W worker processes "
                         "(a list: one cluster each; 1 compares a Dask worker with a local one, with a core "
                         "left for the scheduler and the client)")
    args = ap.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w]
    dask_workers = [int(w) for w in args.dask.split(",") if w]
    print(f"recapture batch benchmark — {dt.date.today().isoformat()} — {machine()}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"calibration: {calibration():.1f} ms for a fixed Python loop; load average {load:.2f}")
    build = subprocess.run([args.python, "-c", "import recapture; print(recapture.__version__, "
                            "recapture.native.summary())"], capture_output=True, text=True)
    print(f"engine: recapture {build.stdout.strip() or '(does not import: ' + build.stderr.strip()[-200:] + ')'}"
          f"{' (RECAPTURE_PURE_PYTHON is set)' if os.environ.get('RECAPTURE_PURE_PYTHON', '') not in ('', '0') else ''}")
    tmpobj = None if args.keep else tempfile.TemporaryDirectory()
    tmp = Path(args.keep or tmpobj.name)
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "facts.jsonl"
    t0 = time.perf_counter()
    lines = []
    by_year = {}  # the first fact set of each tax year: the law cache's warm-up below
    with open(src, "w", encoding="utf-8") as fh:
        for f in fact_sets(args.n, args.seed):
            line = jsonl_line(f)
            fh.write(line + "\n")
            if len(lines) < args.latency:
                lines.append(line)
            by_year.setdefault(f.get("tax_year"), line)
    print(f"inputs: {args.n:,} fact sets (seed {args.seed}), {src.stat().st_size / 1e6:.1f} MB, "
          f"generated in {time.perf_counter() - t0:.1f} s")

    env = dict(os.environ, RECAPTURE_CACHE=str(tmp / "batch-cache"))
    # the law cache warmed first (one fact set of each tax year): the runs below measure a
    # firm's steady state; what a cold cache costs is the start-up figure at the end.
    # (Until 2026-12-06 the years were taken from the `--latency` lines only, so with
    # `--latency 0` the warm-up was empty and the first timed run built the cache: its
    # worker peaked at 62 MiB instead of 54, and its rate paid the law's compilation.)
    warm = tmp / "one-per-year.jsonl"
    warm.write_text("".join(x + "\n" for x in by_year.values()), encoding="utf-8")
    run_measured([args.python, "-m", "recapture.cli", "batch", str(warm), "--output", str(tmp / "warm.jsonl")],
                 env=env, sample=False)
    # Each configuration runs `--repeat` times, the configurations taking turns, and the
    # rates are medians: on a machine whose speed drifts from minute to minute a ratio
    # of two runs made minutes apart measures the drift as much as the engine.
    runs = {}
    busy = {}  # cores kept busy (CPU seconds of the batch and its workers / wall seconds), run by run
    for r in range(args.repeat):
        for w in workers:
            out = tmp / f"results-{w}.jsonl"
            cmd = [args.python, "-m", "recapture.cli", "batch", str(src), "--output", str(out), "--workers", str(w),
                   "--trace", args.trace]
            wall, peak, tree, _, stderr, cpu = run_measured(cmd, env=env)
            with open(out, "rb") as fh:
                n_out = sum(1 for _ in fh)
            rate = args.n / wall
            runs.setdefault(w, []).append(rate)
            busy.setdefault(w, []).append(cpu / wall)
            label = f"--workers {w}" + ("" if args.trace == "full" else f" --trace {args.trace}")
            print(f"batch {label}: {wall:.1f} s -> {rate:,.0f} fact sets/s ({rate / w:,.0f} per worker), "
                  f"CPU {cpu:.1f} s ({args.n / cpu:,.0f} fact sets per CPU-second); "
                  f"peak RSS {_mb(peak)} (largest process), {_mb(tree)} (all processes); {n_out:,} lines; "
                  f"{stderr.strip().splitlines()[-1] if stderr.strip() else ''}")
        for w in dask_workers:
            runs.setdefault(("dask", w), []).append(dask_run(args, src, tmp, env, w, warm))
    rates = {k: statistics.median(v) for k, v in runs.items()}
    if args.repeat > 1:
        for k, v in runs.items():
            label = f"--workers {k}" if not isinstance(k, tuple) else f"--scheduler (Dask, {k[1]} workers)"
            print(f"median of {len(v)}, batch {label}: {rates[k]:,.0f} fact sets/s "
                  f"(runs: {', '.join(f'{x:,.0f}' for x in v)})")
    if 1 in rates and len(rates) > 1:
        for w in workers:
            if w != 1:
                print(f"{w} workers / 1: {rates[w] / rates[1]:.2f}x")
                # The ratio of the cores each run kept busy, turn by turn: what the ratio
                # of rates is when a fact set costs the same CPU in both runs. On a machine
                # whose speed drifts, the CPU a fact set costs drifts with it; this ratio
                # held within +-0.02 across the turns of one run where the ratio of rates
                # moved by 0.3 (it still differed from one run to another: 1.74-1.85x).
                pairs = [b / a for a, b in zip(busy[1], busy[w])]
                print(f"{w} workers / 1 in cores kept busy (CPU / wall): {statistics.median(pairs):.2f}x "
                      f"(turns: {', '.join(f'{x:.2f}' for x in pairs)}; 1 worker {statistics.median(busy[1]):.2f} "
                      f"cores, {w} workers {statistics.median(busy[w]):.2f})")
        for w in dask_workers:
            print(f"dask, per worker of {w} / 1 local worker: {rates[('dask', w)] / w / rates[1]:.2f}x")

    schema = ROOT / "schemas" / "facts.schema.json"
    floor_wall, *_ = run_measured([args.python, "-c", FLOOR, str(src), str(schema)], sample=False)
    floor_rate = args.n / floor_wall
    print(f"floor (json.loads + jsonschema is_valid with formats, process start included): {floor_wall:.1f} s -> "
          f"{floor_rate:,.0f} fact sets/s ({floor_wall / args.n * 1000:.2f} ms each)")
    if 1 in rates:
        print(f"engine / floor: {floor_rate / rates[1]:.1f}x (batch --workers 1 time per fact set / floor time)")
    try:
        rs_wall, *_ = run_measured([args.python, "-c", FLOOR_RS, str(src), str(schema)], sample=False)
        print(f"  (the same floor with jsonschema-rs: {args.n / rs_wall:,.0f} fact sets/s; engine / that: "
              f"{(args.n / rs_wall) / rates[1]:.1f}x)" if 1 in rates else "")
    except SystemExit:
        print("  (jsonschema-rs not installed: no fast floor)")

    if args.latency:
        p50, p99, mean = latency(lines, args.latency)
        print(f"per-file latency in process (load + evaluate + JSON, {min(args.latency, len(lines)):,} files): "
              f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {mean:.2f} ms")
    if not args.no_startup:
        cold, warm = startup(args.python, tmp)
        print(f"start-up, `recapture evaluate {EXAMPLE.relative_to(ROOT)}` wall: cold {cold:.3f} s, warm {warm:.3f} s "
              f"(median of 5; cold = empty law cache)")
    if tmpobj:
        tmpobj.cleanup()


if __name__ == "__main__":
    main()
