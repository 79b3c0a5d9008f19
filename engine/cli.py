"""The `recapture` command (names fixed by shared/spec/contract.md)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import api
from .errors import EXIT_INPUT, EXIT_OK, EXIT_RULES, Fault
from .yamlio import InputError


def _library(args):
    return api.library(getattr(args, "rules_dir", None))


def evaluate_file(path: str, library, name: str | None = None) -> dict:
    """Load, validate and evaluate one fact file: the result, or a Fault naming the file."""
    name = name or path
    return api.evaluate_facts(api.load(path, name), name, library)


def cmd_evaluate(args):
    from .report import text_summary
    from .result import to_json
    library = _library(args)
    results = [evaluate_file(f, library) for f in args.files]
    if args.format == "text":
        out = "\n\n".join(text_summary(r) for r in results) + "\n"
    else:
        out = to_json(results[0] if len(results) == 1 else results) + "\n"
    _write(out, args.output)


def cmd_explain(args):
    from .report import explain
    library = _library(args)
    result = evaluate_file(args.file, library)
    _write(explain(result, args.format), getattr(args, "output", None))


def cmd_schema(args):
    from .facts import schema
    _write(json.dumps(schema(), indent=2, ensure_ascii=False) + "\n", None)


def cmd_rules_check(args):
    from .library import Library, RulesError
    try:
        library = Library(Path(args.rules_dir) if args.rules_dir else None)
    except RulesError as e:
        raise Fault(EXIT_RULES, e.faults)
    faults = library.check()
    if faults:
        raise Fault(EXIT_RULES, faults)
    n_rules = len(library.rule_files())
    n_tables = len(library.table_files(None))
    print(f"ok: {n_rules} rule files and {n_tables} table files valid; tax years {', '.join(map(str, library.years()))}")


def cmd_rules_list(args):
    from .ruletools import list_rules
    print(list_rules(_library(args), args.year), end="")


def cmd_rules_diff(args):
    from .ruletools import diff_years
    try:
        print(diff_years(_library(args), args.year_a, args.year_b), end="")
    except InputError as e:
        raise Fault(EXIT_INPUT, [f"rules diff: {e.reason}"])
    except RulesError as e:
        raise Fault(EXIT_RULES, e.faults)


def cmd_rules_new_year(args):
    from .ruletools import new_year
    try:
        print(new_year(_library(args), args.year, args.from_year), end="")
    except InputError as e:
        raise Fault(EXIT_INPUT, [f"{e.file}: {e.path}: {e.reason}"])


def cmd_batch(args):
    from .batch import run_batch
    return run_batch(args, _library(args))


def cmd_whatif(args):
    from .whatif import run_whatif
    run_whatif(args, _library(args))


def _write(text, output):
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise Fault(EXIT_INPUT, [f"{output}: cannot write: {e.strerror}"])
    else:
        sys.stdout.write(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="recapture", description="US federal tax on selling depreciated property, "
                                "from versioned tax tables, with the rule of law behind every figure.")
    sub = p.add_subparsers(dest="command", required=True)

    def rules_dir(sp):
        sp.add_argument("--rules-dir", metavar="DIR", help="a copy of rules/ + tables/ to use (env RECAPTURE_RULES_DIR)")

    def no_cache(sp):  # perf: the on-disk law cache (engine/lawcache.py)
        sp.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cached law (env RECAPTURE_NO_CACHE=1; RECAPTURE_CACHE moves it)")

    e = sub.add_parser("evaluate", help="evaluate fact files (JSON or YAML)")
    e.add_argument("files", nargs="+", metavar="FILE")
    rules_dir(e)
    no_cache(e)
    e.add_argument("--format", choices=["json", "text"], default="json")
    e.add_argument("--output", metavar="PATH")
    e.set_defaults(func=cmd_evaluate)

    x = sub.add_parser("explain", help="the audit report of one fact file")
    x.add_argument("file", metavar="FILE")
    rules_dir(x)
    no_cache(x)
    x.add_argument("--format", choices=["text", "markdown", "html"], default="text")
    x.add_argument("--output", metavar="PATH")
    x.set_defaults(func=cmd_explain)

    b = sub.add_parser("batch", help="evaluate many fact sets: one result line per input, in input order")
    b.add_argument("inputs", nargs="+", metavar="INPUT", help="a folder, a glob, or a .jsonl file of fact sets")
    b.add_argument("--output", required=True, metavar="RESULTS.jsonl")
    b.add_argument("--errors", metavar="ERRORS.jsonl")
    b.add_argument("--workers", type=int, default=1, metavar="N")
    b.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    rules_dir(b)
    no_cache(b)
    b.set_defaults(func=cmd_batch)

    w = sub.add_parser("whatif", help="evaluate every combination of varied fields and compare")
    w.add_argument("file", metavar="FILE")
    w.add_argument("--vary", action="append", required=True, metavar="FIELD=V1,V2,...")
    rules_dir(w)
    no_cache(w)
    w.add_argument("--format", choices=["text", "json"], default="text")
    w.set_defaults(func=cmd_whatif)

    s = sub.add_parser("schema", help="print the facts JSON Schema")
    s.set_defaults(func=cmd_schema)

    r = sub.add_parser("rules", help="check, list, diff and start rule and table files")
    rs = r.add_subparsers(dest="rules_command", required=True)
    c = rs.add_parser("check", help="validate every rule and table file")
    rules_dir(c)
    c.set_defaults(func=cmd_rules_check)
    ls = rs.add_parser("list", help="each rule: id, citation, file, tax years in force")
    ls.add_argument("--year", type=int)
    rules_dir(ls)
    no_cache(ls)
    ls.set_defaults(func=cmd_rules_list)
    d = rs.add_parser("diff", help="every rule and table value that differs between two tax years")
    d.add_argument("year_a", type=int, metavar="YEAR_A")
    d.add_argument("year_b", type=int, metavar="YEAR_B")
    rules_dir(d)
    no_cache(d)
    d.set_defaults(func=cmd_rules_diff)
    n = rs.add_parser("new-year", help="start a new tax year's files from an existing year's")
    n.add_argument("year", type=int, metavar="YEAR")
    n.add_argument("--from", dest="from_year", type=int, required=True, metavar="YEAR")
    rules_dir(n)
    n.set_defaults(func=cmd_rules_new_year)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "no_cache", False):  # perf: for this process and the workers it starts
        import os
        os.environ["RECAPTURE_NO_CACHE"] = "1"
    try:
        code = args.func(args)
        return code or EXIT_OK
    except Fault as f:
        for line in f.lines:
            print(line, file=sys.stderr)
        return f.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
