"""`recapture batch`: many fact sets, one result line each, in input order.
A bad input becomes an error line and the batch goes on."""
from __future__ import annotations

import glob
import sys
from pathlib import Path

from .result import to_json, to_json_line


def collect_inputs(inputs: list[str]) -> list[tuple[str, str, str]]:
    """(name, kind, payload) in order: a folder's *.json/*.yaml files sorted by name,
    a glob's matches sorted, each line of a .jsonl file, or a file."""
    items = []
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix in (".json", ".yaml", ".yml") and f.is_file())
            items += [(str(f), "file", str(f)) for f in files]
        elif spec.endswith(".jsonl") and p.is_file():
            with open(p, encoding="utf-8") as fh:
                for i, line in enumerate(fh, 1):
                    if line.strip():
                        items.append((f"{spec}:{i}", "json", line))
        elif any(ch in spec for ch in "*?["):
            matches = sorted(glob.glob(spec))
            items += [(m, "file", m) for m in matches] or [(spec, "missing", spec)]
        else:
            items.append((spec, "file", spec))
    return items


def evaluate_item(item, rules_dir=None):
    """One input to (its result, None) or (None, its RecaptureError)."""
    from . import api
    from .errors import EXIT_INPUT, RecaptureError
    from .facts import load_facts, load_facts_text
    name, kind, payload = item
    try:
        library = api.library(rules_dir)
        if kind == "missing":
            raise RecaptureError.of(EXIT_INPUT, name, [(None, "no file matches")])
        if kind == "json":
            load = lambda: load_facts_text(payload, name)  # noqa: E731
        elif kind == "data":
            load = lambda: api.load(payload, name)  # noqa: E731
        else:
            load = lambda: load_facts(payload, name)  # noqa: E731
        return api.evaluate_guarded(name, load, library), None
    except RecaptureError as e:
        return None, e


def evaluate_one(item, rules_dir=None) -> tuple[str, dict | None]:
    """One input to (its JSON line, its error or None): a result, or an error with path and reason."""
    result, fault = evaluate_item(item, rules_dir)
    name = item[0]
    if fault is None:
        line, error = {"input": name, **result}, None
    else:
        (path, reason), *_ = fault.faults
        error = {"path": path, "reason": reason, "all": [{"path": p, "reason": r} for p, r in fault.faults]}
        line = {"input": name, "error": error}
    return to_json_line(line), error


def iter_results(inputs, rules_dir=None, workers=1, scheduler=None):
    """The API's batch: (name, Result) or (name, RecaptureError) for each input, in input order.
    Inputs are paths, folders, globs and .jsonl files (as on the command line), or dicts."""
    from .api import Result
    items = []
    for i, spec in enumerate(inputs, 1):
        if isinstance(spec, dict):
            items.append((str(spec.get("case_id") or f"<facts {i}>"), "data", spec))
        else:
            items += collect_inputs([str(spec)])
    for item in items:
        result, fault = evaluate_item(item, rules_dir)
        yield item[0], (Result(result) if fault is None else fault)


def _progress(iterable, total):
    if sys.stderr.isatty():
        from tqdm import tqdm
        return tqdm(iterable, total=total, unit="file", file=sys.stderr)
    return iterable


def run_batch(args, library) -> int:
    from .errors import EXIT_INPUT, Fault
    items = collect_inputs(args.inputs)
    rules_dir = str(library.root)
    workers = max(1, args.workers or 1)
    pool = None
    if args.scheduler:
        lines = _dask_lines(items, rules_dir, args.scheduler)
    elif workers == 1:
        lines = (evaluate_one(item, rules_dir) for item in items)
    else:
        import multiprocessing as mp
        from functools import partial
        pool = mp.get_context("spawn").Pool(workers)
        lines = pool.imap(partial(evaluate_one, rules_dir=rules_dir), items, chunksize=8)  # imap keeps input order
    ok = errors = 0
    try:
        out = open(args.output, "w", encoding="utf-8")
        err = open(args.errors, "w", encoding="utf-8") if args.errors else None
    except OSError as e:
        raise Fault(EXIT_INPUT, [f"{e.filename}: cannot write: {e.strerror}"])
    try:
        for (name, _, _), (line, error) in zip(items, _progress(lines, len(items))):
            out.write(line + "\n")
            if error is None:
                ok += 1
                continue
            errors += 1
            if err:
                err.write(to_json({"input": name, "error": error}, indent=None) + "\n")
    finally:
        out.close()
        if err:
            err.close()
        if pool is not None:
            pool.close()
            pool.join()
    print(f"batch: {len(items)} inputs, {ok} evaluated, {errors} errors -> {args.output}", file=sys.stderr)
    return 0


def _dask_lines(items, rules_dir, address):
    from .errors import EXIT_INPUT, Fault
    try:
        from dask.distributed import Client
    except ImportError:
        raise Fault(EXIT_INPUT, ["--scheduler needs Dask: pip install 'recapture[dask]'"])
    try:
        client = Client(address, timeout=10)
    except Exception as e:  # noqa: BLE001 - any failure to reach the cluster is the user's to fix
        raise Fault(EXIT_INPUT, [f"--scheduler {address}: cannot reach the Dask scheduler: {e}"])
    futures = client.map(evaluate_one, items, rules_dir=rules_dir, pure=False)
    for f in futures:  # in input order
        yield f.result()
    client.close()
