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
    """--limit NAME=VALUE: the input limits of engine/limits.py, docs/limits.md."""
    from .limits import NAMES
    sp.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                    help=f"raise or lower an input limit ({', '.join(NAMES)}; docs/limits.md), "
                         f"e.g. --limit properties=5000; repeatable")


# Examples shown by `recapture COMMAND --help`, one block per command.
EXAMPLES = {
    "evaluate": """examples:
  recapture evaluate examples/duplex-held-16-years.yaml --format text
  recapture evaluate examples/*.yaml --output results.json      (a JSON array, in order)
  recapture evaluate examples/equipment-sale.yaml --format csv
  cat facts.json | recapture evaluate -                           (standard input, JSON or YAML)""",
    "explain": """examples:
  recapture explain examples/forum-rental-sale.yaml | less
  recapture explain examples/installment-sale.yaml --format html --output report.html
  recapture explain examples/quick-flip.yaml --format markdown""",
    "batch": """examples:
  recapture batch clients/ --output results.jsonl --errors errors.jsonl --workers 2
  recapture batch 'clients/*.yaml' facts.jsonl --output results.csv --format csv
  recapture batch facts.jsonl --output results.jsonl --trace none --strict
  recapture batch facts.jsonl --output results.jsonl --resume          (after an interruption)
  recapture batch facts.jsonl --output results.jsonl --scheduler tcp://10.0.0.5:8786""",
    "whatif": """examples:
  recapture whatif examples/duplex-held-16-years.yaml \\
      --vary properties.duplex.disposition.date=2025-12-15,2026-01-15
  recapture whatif examples/forum-rental-sale.yaml --vary 'properties[0].disposition.sale_price=600000,675000'
  recapture whatif examples/exchange-with-boot.yaml --strategies --format html --output plans.html
  recapture whatif examples/exchange-with-boot.yaml --strategies like_kind_exchange,hold_until_death""",
    "schema": """examples:
  recapture schema > facts.schema.json
  recapture schema --format markdown > docs/facts.md""",
    "test-cases": """examples:
  recapture test-cases                        (tests/golden of the rules folder or of this folder)
  recapture test-cases my-cases/ --rules-dir ~/law-fork
  recapture test-cases --format json""",
    "rules check": """examples:
  recapture rules check
  recapture rules check --rules-dir ~/law-fork""",
    "rules list": """examples:
  recapture rules list --year 2025
  recapture rules list | grep section_1250""",
    "rules diff": """examples:
  recapture rules diff 2024 2025
  recapture rules diff 2026 2027 --format markdown --rules-dir ~/law-fork > changes.md""",
    "rules new-year": """examples:
  recapture rules new-year 2027 --from 2026 --rules-dir ~/law-fork
  (then edit tables/years/2027/, run `rules check`, and confirm what stays with `rules review`)""",
    "rules review": """examples:
  recapture rules review tables/years/2027                          (what awaits review)
  recapture rules review tables/years/2027/niit.yaml --confirm
  recapture rules review tables/years/2027/standard_deduction.yaml single --confirm""",
}


def parser() -> argparse.ArgumentParser:
    from . import __version__
    p = argparse.ArgumentParser(
        prog="recapture", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="US federal tax on selling depreciated property, from versioned tax tables, "
                    "with the rule of law behind every figure.",
        epilog="exit codes: 0 success; 2 invalid input (one line per fault: file: json.path: reason);\n"
               "3 invalid rules or tables (file:line: reason), or a fault of the engine; 1 the rule engine\n"
               "is not installed. `recapture COMMAND --help` shows each command's options and examples.")
    p.add_argument("--version", action="version", version=f"recapture {__version__}",
                   help="print the version of recapture and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent, name, help, key=None):
        return parent.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".",
                                 epilog=EXAMPLES[key or name], formatter_class=argparse.RawDescriptionHelpFormatter)

    def rules_dir(sp):
        sp.add_argument("--rules-dir", metavar="DIR",
                        help="use the rules/ and tables/ of DIR instead of the shipped law (an analyst's copy); "
                             "also the environment variable RECAPTURE_RULES_DIR")

    def no_cache(sp):
        sp.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cached, validated law (engine/lawcache.py; also "
                             "RECAPTURE_NO_CACHE=1; RECAPTURE_CACHE moves the cache folder)")

    def unreviewed(sp):
        sp.add_argument("--allow-unreviewed", action="store_true",
                        help="evaluate a tax year whose values `rules new-year` copied and no one has reviewed "
                             "yet (each result then warns which values they are)")

    def output(sp, what):
        sp.add_argument("--output", metavar="PATH", help=f"write {what} to PATH instead of standard output")

    e = command(sub, "evaluate", "evaluate fact files (JSON or YAML): every figure, the trace, the tax due")
    e.add_argument("files", nargs="+", metavar="FILE",
                   help="fact files (.json, .yaml); `-` reads one from standard input (named <stdin>)")
    e.add_argument("--format", choices=["json", "text", "csv"], default="json",
                   help="json: the result with every field and the trace (default; a JSON array for several "
                        "files); text: a summary a person reads; csv: a row per property and per return "
                        "(columns: docs/batch.md)")
    output(e, "the results")
    rules_dir(e)
    no_cache(e)
    unreviewed(e)
    limit_option(e)
    e.set_defaults(func=cmd_evaluate)

    x = command(sub, "explain", "the audit report of one fact file: every rule that fired, its citation, "
                                "file and version, what it read and set, and the form lines it filled")
    x.add_argument("file", metavar="FILE", help="a fact file (.json, .yaml), or `-` for standard input")
    x.add_argument("--format", choices=["text", "markdown", "html"], default="text",
                   help="text (default), markdown, or html: one self-contained page with the headline, "
                        "charts, each form's lines and the trace")
    output(x, "the report")
    rules_dir(x)
    no_cache(x)
    unreviewed(x)
    limit_option(x)
    x.set_defaults(func=cmd_explain)

    b = command(sub, "batch", "evaluate many fact sets: one output line per input, in input order; "
                              "a bad input becomes an error line and the batch goes on")
    b.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="a folder (its .json/.yaml files by name), a glob, a .jsonl file (one fact set a line), "
                        "or a fact file")
    b.add_argument("--output", required=True, metavar="RESULTS",
                   help="where the lines go: a result or an error line for every input, in input order")
    b.add_argument("--errors", metavar="ERRORS.jsonl",
                   help="also write the error lines alone here ({input, error: {path, reason, all}})")
    b.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                   help="jsonl: one JSON object per input (default); csv: a row per property and per return")
    b.add_argument("--trace", choices=["full", "rules", "none"], default="full",
                   help="full: every firing with what it read and set (default); rules: each rule that fired, "
                        "with citation and file; none: no trace (the smallest lines)")
    b.add_argument("--workers", type=int, default=1, metavar="N",
                   help="evaluate in N worker processes (default 1); a worker that dies or passes the time "
                        "limit makes its input an error line and is replaced")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="send the work to a running Dask scheduler (tcp://host:port) instead of local processes "
                        "(pip install 'recapture[dask]')")
    b.add_argument("--strict", action="store_true",
                   help="exit 1 when any input failed (without it: 0 when the batch ran, 3 when it met a fault "
                        "of the rules or of the engine)")
    b.add_argument("--resume", action="store_true",
                   help="continue an interrupted batch: keep the output's complete lines, evaluate the rest "
                        "(the same bytes as a run never stopped)")
    rules_dir(b)
    no_cache(b)
    unreviewed(b)
    limit_option(b)
    b.set_defaults(func=cmd_batch)

    w = command(sub, "whatif", "compare scenarios — varied fields or named strategies — by the total tax "
                               "over the years it falls in")
    w.add_argument("file", metavar="FILE", help="the fact file the scenarios start from")
    w.add_argument("--vary", action="append", metavar="FIELD=V1,V2,...",
                   help="a fact field by dotted path, with a property or activity by id or index "
                        "(properties.duplex.disposition.date, properties[0].cost, taxpayer.ordinary_income), "
                        "and its values; repeatable: every combination is a scenario")
    w.add_argument("--strategies", nargs="?", const="all", metavar="NAME,...",
                   help="for each disposed property: sale as given, in January of the next year, like-kind "
                        "exchange, installment sale, hold until death (rules/strategies/; all, or those named)")
    w.add_argument("--format", choices=["text", "json", "csv", "markdown", "html"], default="text",
                   help="text (fits 120 columns; default), json, csv, markdown, or html (a page with charts)")
    output(w, "the comparison")
    w.add_argument("--max-scenarios", type=int, default=1000, metavar="N",
                   help="refuse more scenarios than N (default 1000)")
    w.add_argument("--full", action="store_true",
                   help="json: each scenario's full result for each year, trace included")
    rules_dir(w)
    no_cache(w)
    unreviewed(w)
    limit_option(w)
    w.set_defaults(func=cmd_whatif)

    s = command(sub, "schema", "print the facts JSON Schema, or the field reference generated from it")
    s.add_argument("--format", choices=["json", "markdown"], default="json",
                   help="json: the schema itself (default); markdown: the field reference (docs/facts.md)")
    s.set_defaults(func=cmd_schema)

    t = command(sub, "test-cases", "run the golden cases (figures worked by hand) and show which rules "
                                   "they exercise")
    t.add_argument("dir", nargs="?", metavar="DIR",
                   help="a folder of case files (default: tests/golden of the rules folder, or of this folder)")
    t.add_argument("--format", choices=["text", "json"], default="text",
                   help="text: pass/fail per case with the differing figures, then rule coverage (default); json")
    rules_dir(t)
    t.set_defaults(func=cmd_test_cases)

    r = sub.add_parser("rules", help="the analyst's tools: check, list, diff, start a new year, review it",
                       description="The analyst's tools for the rule and table files.")
    rs = r.add_subparsers(dest="rules_command", required=True, metavar="TOOL")
    c = command(rs, "check", "validate every rule and table file (file:line: reason for each fault; exit 3)",
                "rules check")
    rules_dir(c)
    c.set_defaults(func=cmd_rules_check)
    ls = command(rs, "list", "each rule: id, citation, file, tax years in force", "rules list")
    ls.add_argument("--year", type=int, metavar="YEAR", help="only the rules in force in tax year YEAR")
    rules_dir(ls)
    no_cache(ls)
    ls.set_defaults(func=cmd_rules_list)
    d = command(rs, "diff", "every table value and rule that differs between two tax years, with both "
                            "sources", "rules diff")
    d.add_argument("year_a", type=int, metavar="YEAR_A", help="the earlier tax year")
    d.add_argument("year_b", type=int, metavar="YEAR_B", help="the later tax year")
    d.add_argument("--format", choices=["text", "markdown"], default="text", help="text (default) or markdown")
    rules_dir(d)
    no_cache(d)
    d.set_defaults(func=cmd_rules_diff)
    n = command(rs, "new-year", "start a tax year's tables from another year's; values indexed for inflation "
                                "are marked for review", "rules new-year")
    n.add_argument("year", type=int, metavar="YEAR", help="the tax year to start")
    n.add_argument("--from", dest="from_year", type=int, required=True, metavar="YEAR",
                   help="the tax year whose tables are copied")
    rules_dir(n)
    n.set_defaults(func=cmd_rules_new_year)
    v = command(rs, "review", "show, or confirm, the values of a new tax year awaiting review", "rules review")
    v.add_argument("file", metavar="FILE", help="a table file, or a tax year folder (tables/years/2027)")
    v.add_argument("key", nargs="?", metavar="KEY",
                   help="one value, as rules check names it (single[1].over); default: every marked value of FILE")
    v.add_argument("--confirm", action="store_true", help="the values are checked and unchanged: remove their marks")
    rules_dir(v)
    v.set_defaults(func=cmd_rules_review)
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
