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


STDIN = "<stdin>"  # how faults and results name standard input (`evaluate -`)


def evaluate_file(path: str, library, name: str | None = None, allow_unreviewed: bool = False) -> dict:
    """Load, validate and evaluate one fact file (`-`: standard input, JSON or YAML):
    the result, or a Fault naming the file."""
    if path == "-":
        from .yamlio import InputError, read_stream
        name = name or STDIN
        try:
            source = read_stream(sys.stdin.buffer, name)
        except InputError as e:
            raise Fault.of(EXIT_INPUT, name, [(e.path, e.reason)]) from None
        return api.evaluate_guarded(name, lambda: api.load(source, name), library, allow_unreviewed)
    name = name or path
    return api.evaluate_guarded(name, lambda: api.load(path, name), library, allow_unreviewed)


def cmd_evaluate(args):
    from .report import text_summary
    from .result import to_json
    library = _library(args)
    if args.files.count("-") > 1:
        raise Fault(EXIT_INPUT, ["evaluate: standard input (-) can be given once"])
    results = [evaluate_file(f, library, allow_unreviewed=args.allow_unreviewed) for f in args.files]
    if args.format == "text":
        out = "\n\n".join(text_summary(r) for r in results) + "\n"
    elif args.format == "csv":
        from .csvout import header, result_rows
        out = header() + "".join(result_rows(STDIN if f == "-" else f, r) for f, r in zip(args.files, results))
    else:
        out = to_json(results[0] if len(results) == 1 else results) + "\n"
    _write(out, args.output)


def cmd_explain(args):
    from .report import explain
    library = _library(args)
    result = evaluate_file(args.file, library, allow_unreviewed=args.allow_unreviewed)
    _write(explain(result, args.format), getattr(args, "output", None))


def cmd_schema(args):
    from .facts import schema
    if getattr(args, "format", "json") == "markdown":
        from .schemadoc import markdown
        _write(markdown(schema()), None)
        return
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


class _analyst_faults:
    """An analyst's command: a mistake in its arguments is exit 2 (`what: reason`, or
    `file: path: reason`), a fault of the rule or table files exit 3."""

    def __init__(self, what=None):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, kind, e, tb):
        from .library import RulesError
        if isinstance(e, InputError):
            raise Fault(EXIT_INPUT, [f"{self.what}: {e.reason}" if self.what else f"{e.file}: {e.path}: {e.reason}"])
        if isinstance(e, RulesError):
            raise Fault(EXIT_RULES, e.faults)
        return False


def cmd_rules_diff(args):
    from .ruletools import diff_years
    with _analyst_faults("rules diff"):
        print(diff_years(_library(args), args.year_a, args.year_b, args.format), end="")


def cmd_rules_new_year(args):
    from .ruletools import new_year
    with _analyst_faults():
        print(new_year(_library(args), args.year, args.from_year), end="")


# -- the analyst's review of a new year and golden cases (engine/review.py, engine/cases.py) ----
def cmd_rules_review(args):
    from .review import confirm
    with _analyst_faults():
        print(confirm(_library(args), args.file, args.key, args.confirm), end="")


def cmd_test_cases(args):
    from .cases import run_cli
    return run_cli(args, _library(args))


def _analyst_commands(sub, rs, rules_dir):
    """`rules review` and `test-cases`."""
    v = rs.add_parser("review", help="show, or confirm, the values of a new tax year awaiting review")
    v.add_argument("file", metavar="FILE", help="a table file, or a tax year folder (tables/years/2027)")
    v.add_argument("key", nargs="?", metavar="KEY", help="one value, as rules check names it (single[1].over); "
                   "default: every marked value of FILE")
    v.add_argument("--confirm", action="store_true", help="the values are checked and unchanged: remove their marks")
    rules_dir(v)
    v.set_defaults(func=cmd_rules_review)
    t = sub.add_parser("test-cases", help="run the golden cases (expected figures worked by hand) and show "
                       "which rules they exercise")
    t.add_argument("dir", nargs="?", metavar="DIR", help="a folder of case files (default: tests/golden of the "
                   "rules folder, or of the current folder)")
    t.add_argument("--format", choices=["text", "json"], default="text")
    rules_dir(t)
    t.set_defaults(func=cmd_test_cases)


def cmd_batch(args):
    from .batch import run_batch
    return run_batch(args, _library(args))


def cmd_whatif(args):
    from .whatif import run_whatif
    return run_whatif(args, _library(args))


def _write(text, output):
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8", errors="backslashreplace")
        except OSError as e:
            raise Fault(EXIT_INPUT, [f"{output}: cannot write: {e.strerror}"])
    else:
        sys.stdout.write(text)
        sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit


def limit_option(sp):
    """--limit NAME=VALUE (robust): the input limits of engine/limits.py, docs/limits.md."""
    from .limits import NAMES
    sp.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                    help=f"raise or lower an input limit ({', '.join(NAMES)}); see docs/limits.md. "
                         f"Example: --limit properties=5000")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="recapture", description="US federal tax on selling depreciated property, "
                                "from versioned tax tables, with the rule of law behind every figure.")
    from . import __version__
    p.add_argument("--version", action="version", version=f"recapture {__version__}",
                   help="print the version of recapture and exit")
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
    e.add_argument("--format", choices=["json", "text", "csv"], default="json")
    e.add_argument("--output", metavar="PATH")
    e.add_argument("--allow-unreviewed", action="store_true",
                   help="evaluate a tax year whose values `rules new-year` copied and no one has reviewed yet")
    e.set_defaults(func=cmd_evaluate)
    limit_option(e)  # robust: `-` reads standard input; --format csv; --limit

    x = sub.add_parser("explain", help="the audit report of one fact file")
    x.add_argument("file", metavar="FILE")
    rules_dir(x)
    no_cache(x)
    x.add_argument("--format", choices=["text", "markdown", "html"], default="text")
    x.add_argument("--output", metavar="PATH")
    x.add_argument("--allow-unreviewed", action="store_true",
                   help="explain with a tax year whose copied values no one has reviewed yet")
    x.set_defaults(func=cmd_explain)
    limit_option(x)

    b = sub.add_parser("batch", help="evaluate many fact sets: one result line per input, in input order")
    b.add_argument("inputs", nargs="+", metavar="INPUT", help="a folder, a glob, or a .jsonl file of fact sets")
    b.add_argument("--output", required=True, metavar="RESULTS.jsonl")
    b.add_argument("--errors", metavar="ERRORS.jsonl")
    b.add_argument("--workers", type=int, default=1, metavar="N")
    b.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    rules_dir(b)
    no_cache(b)
    b.set_defaults(func=cmd_batch)
    # -- batch: output size, exit code, restart (robust) --
    b.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                   help="jsonl: one JSON object per input (default); csv: a row per property and per return")
    b.add_argument("--trace", choices=["full", "rules", "none"], default="full",
                   help="full: every firing with what it read and set (default); rules: each rule that fired, "
                        "with citation and file; none: an empty trace")
    b.add_argument("--strict", action="store_true",
                   help="exit 1 when any input failed (without it: 0 when the batch ran; 3 when it met a fault "
                        "of the rules or of the engine)")
    b.add_argument("--resume", action="store_true",
                   help="continue an interrupted batch: keep the output's complete lines, evaluate the rest")
    b.add_argument("--allow-unreviewed", action="store_true",
                   help="evaluate a tax year whose values `rules new-year` copied and no one has reviewed yet")
    limit_option(b)

    w = sub.add_parser("whatif", help="compare scenarios (varied fields, named strategies) over the years their tax falls in")
    w.add_argument("file", metavar="FILE")
    w.add_argument("--vary", action="append", metavar="FIELD=V1,V2,...",
                   help="a fact field by dotted path (properties.duplex.disposition.date) and its values; repeatable")
    w.add_argument("--strategies", nargs="?", const="all", metavar="NAME,...",
                   help="compare the strategies of rules/strategies/ (all, or those named) for each disposed property")
    rules_dir(w)
    no_cache(w)
    w.add_argument("--format", choices=["text", "json", "csv", "markdown", "html"], default="text")
    w.add_argument("--output", metavar="PATH")
    w.add_argument("--max-scenarios", type=int, default=1000, metavar="N",
                   help="refuse more scenarios than this (default 1000)")
    w.add_argument("--full", action="store_true", help="json: each scenario's full result per year, with the trace")
    w.add_argument("--allow-unreviewed", action="store_true",
                   help="evaluate tax years whose values `rules new-year` copied and no one has reviewed yet")
    w.set_defaults(func=cmd_whatif)

    s = sub.add_parser("schema", help="print the facts JSON Schema")
    s.add_argument("--format", choices=["json", "markdown"], default="json",
                   help="json (the schema itself) or markdown (the field reference, docs/facts.md)")
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
    d.add_argument("--format", choices=["text", "markdown"], default="text")
    rules_dir(d)
    no_cache(d)
    d.set_defaults(func=cmd_rules_diff)
    n = rs.add_parser("new-year", help="start a new tax year's files from an existing year's")
    n.add_argument("year", type=int, metavar="YEAR")
    n.add_argument("--from", dest="from_year", type=int, required=True, metavar="YEAR")
    rules_dir(n)
    n.set_defaults(func=cmd_rules_new_year)
    _analyst_commands(sub, rs, rules_dir)
    return p


def main(argv=None) -> int:
    _streams()
    args = parser().parse_args(argv)
    if getattr(args, "no_cache", False):  # perf: for this process and the workers it starts
        import os
        os.environ["RECAPTURE_NO_CACHE"] = "1"
    try:
        _apply_limits(args)
        code = args.func(args)
        return code or EXIT_OK
    except Fault as f:
        _say(f.lines)
        return f.code
    except KeyboardInterrupt:
        _say(["interrupted"])
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    except OSError as e:  # the standard output could not be written (a full disk, /dev/full)
        _quiet_stdout()
        _say([f"{e.filename or '<stdout>'}: {e.strerror or e}"])
        return EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - the last boundary: never a traceback
        import os
        import traceback
        if os.environ.get("RECAPTURE_TRACEBACK"):
            traceback.print_exc()
        _say(api.internal_error("recapture", e).lines)
        return EXIT_RULES


# -- the fault boundary of the command (robust) --
def _streams():
    """Standard streams that cannot fail on what they print: UTF-8 (results are
    UTF-8 JSON), and anything not encodable written as a backslash escape."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _say(lines):
    try:
        for line in lines:
            print(line, file=sys.stderr)
        sys.stderr.flush()
    except OSError:
        pass


def _quiet_stdout():
    """After a failed write, point stdout at /dev/null so the interpreter's own flush at exit stays quiet."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _apply_limits(args):
    from . import limits
    specs = getattr(args, "limit", None)
    if specs:
        try:
            limits.configure(limits.parse(specs, limits.current()))
        except limits.LimitError as e:
            raise Fault(EXIT_INPUT, [f"--limit {e}"]) from None


if __name__ == "__main__":
    sys.exit(main())
