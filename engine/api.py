"""The Python API: the one door below the command line.

    import recapture
    result = recapture.evaluate("examples/duplex-held-16-years.yaml")
    result["tax"]["tax_due_to_dispositions"]      # Decimal('324447.87')
    print(result.explain())

`evaluate` accepts a path, a YAML or JSON text, or a dict (dates as
`datetime.date` or ISO text; money as int, float, str or Decimal; a float is
taken through its shortest repr, so 0.1 stays 0.1). Every mistake in the input
raises `RecaptureError`, whose `faults` are (JSON path, reason) pairs. The
command line (`cli`), `batch` and `whatif` all come through here."""
from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from .errors import EXIT_INPUT, EXIT_RULES, RecaptureError

_libraries: dict[str, object] = {}
_lock = threading.Lock()


def library(rules_dir=None):
    """The law library of a rules folder (the shipped law by default), one per folder per process."""
    from .library import Library, RulesError, root_text
    root = root_text(rules_dir)
    with _lock:
        if root not in _libraries:
            from .rule_engine import require
            require()  # a missing or broken durable-rules build: one sentence, not a traceback
            try:
                _libraries[root] = Library(Path(root))
            except RulesError as e:
                raise RecaptureError(EXIT_RULES, e.faults) from None
            except OSError as e:
                raise RecaptureError(EXIT_RULES, [f"{root}: cannot read the rules folder: {e.strerror}"]) from None
        return _libraries[root]


# -- input ---------------------------------------------------------------------
def _plain_input(value):
    """A dict from Python (yaml.safe_load, a notebook) made like one read from a file:
    dates as ISO text, floats through their shortest repr (0.1 stays 0.1)."""
    if isinstance(value, Mapping):
        return {(k.isoformat() if isinstance(k, dt.date) else k): _plain_input(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_input(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def load(facts_or_path, name: str | None = None, tax_year: int | None = None, limits=None) -> dict:
    """The normalised fact set (defaults filled, money exact) of a path, a YAML/JSON
    text (str or bytes) or a dict, with `tax_year` in place of the file's when given;
    raises RecaptureError naming `name` and the JSON paths. Nothing an input holds
    escapes as another exception: a fault of the engine itself is a RecaptureError
    with code 3 that says so."""
    from .facts import parse_facts
    from .limits import current
    from .yamlio import InputError, decode, load_document, parse_document
    name = name or input_name(facts_or_path)
    with _boundary(name):
        limits = limits or current()
        if isinstance(facts_or_path, Mapping):
            data = _plain_input(facts_or_path)
        elif isinstance(facts_or_path, (bytes, bytearray)):
            data, _ = parse_document(decode(bytes(facts_or_path), name), name, limits)
        elif isinstance(facts_or_path, str) and _is_text(facts_or_path):
            data, _ = parse_document(facts_or_path, name, limits)
        elif isinstance(facts_or_path, (str, Path)):
            data, _ = load_document(Path(facts_or_path), name, limits)
        else:
            raise InputError(name, None, f"cannot read facts from a {type(facts_or_path).__name__}; "
                                         "give a path, a YAML or JSON text, or a dict")
        if tax_year is not None and isinstance(data, dict):
            try:
                data = dict(data, tax_year=int(tax_year))
            except (TypeError, ValueError):
                raise InputError(name, "tax_year", f"{str(tax_year)[:40]!r} is not a tax year") from None
        return parse_facts(data, name, limits)


class _boundary:
    """Every exception an input can cause, as a RecaptureError naming the input:
    faults of the input exit 2; anything else is a fault of the engine (exit 3),
    said to be one, in one line. Used around loading and around evaluating."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, kind, e, tb):
        if e is None or isinstance(e, RecaptureError) or not isinstance(e, Exception):
            return False  # done, already a fault, or KeyboardInterrupt / SystemExit
        raise _as_fault(self.name, e) from None


def _as_fault(name, e) -> RecaptureError:
    from .evaluate import EvaluationError, Unsupported
    from .facts import FactErrors
    from .library import RulesError
    from .yamlio import InputError
    if isinstance(e, FactErrors):
        return RecaptureError.of(EXIT_INPUT, name, [(x.path, x.reason) for x in e.errors])
    if isinstance(e, InputError):
        return RecaptureError.of(EXIT_INPUT, name, [(e.path, e.reason)])
    if isinstance(e, Unsupported):
        return RecaptureError.of(EXIT_INPUT, name, e.faults)
    if isinstance(e, RulesError):
        return RecaptureError(EXIT_RULES, e.faults, name=name)
    if isinstance(e, EvaluationError):
        return RecaptureError.of(EXIT_RULES, name, [(None, f"the rules failed: {e}")])
    if isinstance(e, UnicodeDecodeError):
        return RecaptureError.of(EXIT_INPUT, name, [(None, f"not UTF-8 text: {e.reason}")])
    if isinstance(e, RecursionError):
        return RecaptureError.of(EXIT_INPUT, name, [(None, "nested too deeply, or a structure that contains itself")])
    if isinstance(e, MemoryError):
        return RecaptureError.of(EXIT_INPUT, name, [(None, "ran out of memory: the input is too large for this "
                                                           "machine (see the limits in docs/limits.md)")])
    return internal_error(name, e)


def internal_error(name, e) -> RecaptureError:
    """A fault of the engine, not of the input (exit 3): its type and message, said to be a bug."""
    import os
    import traceback
    where = ""
    frames = traceback.extract_tb(e.__traceback__)
    if frames:
        f = frames[-1]
        where = f" at {os.path.basename(f.filename)}:{f.lineno}"
    return RecaptureError.of(EXIT_RULES, name, [(None, f"internal error{where}: {type(e).__name__}: {e} "
                                                       f"(a bug in recapture, not in the input: please report it)")])


def _is_text(s) -> bool:
    """A str or bytes that holds a document rather than naming a file."""
    if isinstance(s, bytes):
        return True
    return "\n" in s or s.lstrip().startswith(("{", "[")) or ": " in s


def input_name(facts_or_path) -> str:
    """How faults and results name an input: its path, or <text>, or <facts>."""
    from .errors import safe_text
    if isinstance(facts_or_path, Path) or (isinstance(facts_or_path, str) and not _is_text(facts_or_path)):
        return safe_text(facts_or_path)
    if isinstance(facts_or_path, Mapping):
        return safe_text(facts_or_path.get("case_id") or "<facts>")
    return "<text>"


def evaluate_facts(facts: dict, name: str, lib, allow_unreviewed: bool = False) -> dict:
    """Evaluate a normalised fact set; every user or rules fault becomes a RecaptureError
    (exit 2 or 3) naming `name` and the JSON path. The plain result dict. A tax year whose
    values await review (engine/review.py) is refused unless allow_unreviewed."""
    from .facts import input_warnings
    from .review import Unreviewed, evaluate_reviewed
    with _boundary(name):
        try:
            result = evaluate_reviewed(facts, lib, allow_unreviewed)
        except Unreviewed as e:
            raise RecaptureError.of(EXIT_RULES, name, [("tax_year", line) for line in e.lines]) from None
        _check_result(result, name)
        warnings = input_warnings(facts)
        if warnings:
            result["warnings"] = warnings + list(result.get("warnings") or [])
        return result


def _check_result(result, name):
    """Figures no fact set may lead to: a property's basis below zero (the facts
    reduce it by more than it ever was: depreciation and a section 1017 reduction
    together beyond the cost; IRC §1016(a), §1017(b)(2))."""
    from decimal import Decimal
    faults = []
    for i, p in enumerate(result.get("properties") or []):
        basis = p.get("adjusted_basis")
        if basis is not None and basis < Decimal(0):
            faults.append((f"properties[{i}]", f"the adjusted basis would be {basis}: the depreciation and basis "
                                               f"reductions in the facts add up to more than the cost, and basis is "
                                               f"never reduced below zero (IRC §1016(a); §1017(b)(2))"))
    if faults:
        raise RecaptureError.of(EXIT_INPUT, name, faults)


def evaluate_guarded(name: str, load_facts, lib, allow_unreviewed: bool = False) -> dict:
    """Evaluate what `load_facts()` returns (a normalised fact set), as `evaluate_facts`."""
    from .facts import TAX_YEAR_CHECK
    token = TAX_YEAR_CHECK.set(lib.tax_year_fault)  # a year without tables is said first (tax_year)
    try:
        with _boundary(name):
            facts = load_facts()
    finally:
        TAX_YEAR_CHECK.reset(token)
    return evaluate_facts(facts, name, lib, allow_unreviewed)


class Result(dict):
    """One fact set's result: the contract's fields as a dict (money as exact
    Decimal cents), with `to_json()`, `explain()` and `summary()`."""

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON the command line writes (money as exact JSON numbers)."""
        from .result import to_json
        return to_json(dict(self), indent=indent)

    def explain(self, format: str = "text") -> str:
        """The audit report: every rule that fired, its citation, file and version, reads and sets."""
        from .report import explain
        return explain(self, format)

    def summary(self) -> str:
        """The text summary `recapture evaluate --format text` prints."""
        from .report import text_summary
        return text_summary(self)

    def _repr_html_(self) -> str:
        from .report import html_summary
        return html_summary(self)


def evaluate(facts_or_path, tax_year: int | None = None, rules_dir=None, *, name: str | None = None,
             allow_unreviewed: bool = False, limits=None) -> Result:
    """Evaluate one fact set (a path, a YAML/JSON text, or a dict) with the law of
    its tax year (or `tax_year`, when given), from the shipped rules or `rules_dir`.
    A tax year started by `rules new-year` whose values are not yet reviewed is refused
    unless allow_unreviewed (then the result's warnings name those values).
    `limits` (a `recapture.limits.Limits`) in place of the process's limits."""
    lib = library(rules_dir)
    name = name or input_name(facts_or_path)
    return Result(evaluate_guarded(name, lambda: load(facts_or_path, name, tax_year, limits), lib, allow_unreviewed))


def batch(inputs, rules_dir=None, workers: int = 1, scheduler: str | None = None, *, limits=None):
    """Evaluate many fact sets (paths, folders, globs, .jsonl files, texts or dicts),
    in input order. Yields (name, Result) for each evaluated input and
    (name, RecaptureError) for each one that failed; one bad input never stops the others.
    workers=1 evaluates in this process; workers=N uses N worker processes (a worker
    that dies or passes `limits.seconds` on an input makes that input's error, and is
    replaced); `scheduler` a running Dask cluster. The inputs are read as they are needed."""
    from .batch import iter_results
    yield from iter_results(inputs, rules_dir=rules_dir, workers=workers, scheduler=scheduler, limits=limits)


def whatif(facts_or_path, vary=(), rules_dir=None, **options):
    """Scenarios of one fact set, each evaluated over the tax years its tax falls in
    (engine/whatif.py). `vary`: {field path: [values]} or ["FIELD=V1,V2", ...], a
    field by dotted path, a property by index or id (`properties.duplex.disposition.date`);
    every combination, the first field varying slowest. Options: `strategies="all"` (or
    "sale,hold_until_death") applies the strategies of rules/strategies/ to each disposed
    property; `max_scenarios` (1,000; None for no limit); `keep_results` (True).

    Returns a list, one dict per scenario, in order: "name" (in words), "vary" (the
    "FIELD=VALUE, ..." text), "strategy", "property", "error" (None, or why this scenario
    could not be evaluated: the others still are), "tax_year" (of its first disposition),
    "years" [{year, total_tax, tax_due_to_dispositions, niit, components, ...}], "totals"
    (the same added over the years, and the gain still deferred), "notes" (what was
    assumed or carried between years), "warnings", and with keep_results "result" (the
    Result of tax_year) and "results" {year: Result}. Raises RecaptureError for a
    mistake that spoils every scenario (an unreadable file, too many scenarios)."""
    from .whatif import scenarios
    if isinstance(facts_or_path, (str, bytes)) and _is_text(facts_or_path):
        options.setdefault("name", input_name(facts_or_path))
        facts_or_path = _document(facts_or_path, options["name"])
    return scenarios(facts_or_path, vary, library(rules_dir), **options)


def _document(text, name):
    """The data of a YAML or JSON text (numbers exact, dates as text); RecaptureError if it is not one."""
    from .yamlio import InputError, parse_json, parse_yaml
    try:
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        data, _ = (parse_json if text.lstrip().startswith("{") else parse_yaml)(text, name)
    except InputError as e:
        raise RecaptureError.of(EXIT_INPUT, name, [(e.path, e.reason)]) from None
    except UnicodeDecodeError as e:
        raise RecaptureError.of(EXIT_INPUT, name, [(None, f"not UTF-8 text: {e.reason}")]) from None
    return data
