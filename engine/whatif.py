"""`recapture whatif`: scenarios of one fact file, side by side, each over the tax
years its tax falls in.

A scenario is the fact file with some fields changed: every combination of the
`--vary` values (in the order of the flags, the first varying slowest), and, with
`--strategies`, each named strategy of rules/strategies/ applied to each property
the facts dispose of (strategies outermost). Each scenario is evaluated year by
year (engine/timeline.py): the tax year follows the disposition date, a later
year takes its taxpayer from `taxpayer_by_year` or reuses the fact file's, and
carryovers pass from year to year. Every scenario covers the same years (those
any scenario needs), so the total tax over the years compares like with like;
the difference from the first scenario is of that total.

A scenario that cannot be evaluated (a field path that does not exist, a value of
the wrong type, a date with no tables, a strategy that does not apply) is an error
row with its reason; the others still run."""
from __future__ import annotations

import copy
import itertools
import sys
from decimal import Decimal

from . import fieldpath, timeline
from .errors import EXIT_INPUT, EXIT_RULES, RecaptureError

DEFAULT_MAX_SCENARIOS = 1000
MAX_YEARS = 40          # years one comparison may span (an installment note of 40 years)
ZERO = Decimal(0)


# -- the varied fields -----------------------------------------------------------
def split_values(text: str) -> list[str]:
    """'1,2,[3, 4],"a,b"' -> ['1', '2', '[3, 4]', '"a,b"']: commas inside brackets or quotes stay."""
    out, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        cur += ch
    out.append(cur)
    if depth or quote:  # brackets or quotes that never close: the commas are the separators
        out = text.split(",")
    return [v.strip() for v in out]


class _Bad:
    """A --vary value that does not parse: its scenario is an error row."""

    def __init__(self, text, reason):
        self.text, self.reason = text, reason

    def __str__(self):
        return self.text


def _parse_value(text: str):
    from .yamlio import InputError, parse_yaml
    try:
        value, _ = parse_yaml(text, "--vary")
    except InputError as e:
        return _Bad(text, f"{text!r} is not a value YAML can read ({e.reason})")
    return value


def axes(vary, name: str = "") -> list[tuple[str, list]]:
    """--vary specs ("FIELD=V1,V2") or a {field: [values]} mapping -> [(field, [values])]."""
    from .api import _plain_input
    if not vary:
        return []
    if isinstance(vary, dict):
        out = []
        for f, vals in vary.items():
            vals = list(vals) if isinstance(vals, (list, tuple)) else [vals]
            out.append((str(f), [_plain_input(v) for v in vals]))
        return out
    if isinstance(vary, str):
        vary = [vary]
    out = []
    for spec in vary:
        field, sep, values = str(spec).partition("=")
        if not sep or not field.strip() or not values.strip():
            raise RecaptureError.of(EXIT_INPUT, name or "--vary", [("--vary", f"{spec}: write FIELD=V1,V2,...")])
        out.append((field.strip(), [_parse_value(v) for v in split_values(values)]))
    return out


# -- reading the fact file as written -------------------------------------------------
def _raw(facts_or_path, name):
    """The fact file as written (no defaults), for changing fields before validation."""
    from collections.abc import Mapping
    from pathlib import Path

    from .api import _is_text, _plain_input
    from .yamlio import InputError, load_document, parse_json, parse_yaml
    try:
        if isinstance(facts_or_path, Mapping):
            data = _plain_input(facts_or_path)
        elif isinstance(facts_or_path, (bytes, str)) and _is_text(facts_or_path):
            text = facts_or_path.decode("utf-8") if isinstance(facts_or_path, bytes) else facts_or_path
            data, _ = (parse_json if text.lstrip().startswith("{") else parse_yaml)(text, name)
        else:
            data, _ = load_document(Path(facts_or_path), name)
    except InputError as e:
        raise RecaptureError.of(EXIT_INPUT, name, [(e.path, e.reason)]) from None
    except UnicodeDecodeError as e:
        raise RecaptureError.of(EXIT_INPUT, name, [(None, f"not UTF-8 text: {e.reason}")]) from None
    if not isinstance(data, dict):
        raise RecaptureError.of(EXIT_INPUT, name, [(None, "a fact file is a mapping (JSON object) at the top level")])
    if not isinstance(data.get("tax_year"), int) or not isinstance(data.get("properties"), list) \
            or not isinstance(data.get("taxpayer"), dict):
        from .api import load
        load(data, name)  # the schema's own faults, exit 2
        raise RecaptureError.of(EXIT_INPUT, name, [(None, "tax_year, taxpayer and properties are required")])
    return data


def _years_text(years) -> str:
    years = sorted(set(years))
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def _merge_notes(notes) -> list[str]:
    """[(year, text)] -> ['2026–2029: text', ...], same texts merged across years, in first-seen order."""
    order, years = [], {}
    for year, text in notes:
        if text not in years:
            order.append(text)
            years[text] = []
        if year is not None:
            years[text].append(year)
    return [f"{_years_text(years[t])}: {t}" if years[t] else t for t in order]


def _fault_text(e: RecaptureError) -> str:
    return "; ".join(r if p in (None, "$") else f"{p}: {r}" for p, r in e.faults)


# -- one year's figures ---------------------------------------------------------------
def year_summary(result: dict, law_year: int) -> dict:
    """What a comparison needs of one year's result."""
    t = result.get("tax") or {}
    comps: dict[str, Decimal] = {}
    recognized = ZERO
    for p in result["properties"]:
        for c, v in (p.get("components") or {}).items():
            comps[c] = comps.get(c, ZERO) + (v or ZERO)
        recognized += p.get("recognized_gain") or ZERO
    return {
        "year": int(result["tax_year"]),
        "law_year": law_year,
        "disposed": [p["id"] for p in result["properties"] if p["disposition_type"] != "none"],
        "total_tax": t.get("total_tax"),
        "regular_tax": t.get("regular_tax"),
        "niit": t.get("niit"),
        "total_tax_without_dispositions": t.get("total_tax_without_dispositions"),
        "tax_due_to_dispositions": t.get("tax_due_to_dispositions") or ZERO,
        "recognized_gain": recognized,
        "components": comps,
        "passive_losses_freed": sum(((a.get("freed_by_disposition") or ZERO)
                                     for a in (result.get("passive") or {}).get("activities") or []), ZERO),
        "deferred_gain": {p["id"]: p.get("deferred_gain") or ZERO for p in result["properties"]
                          if p["disposition_type"] != "none"},
    }


def _totals(years: list[dict]) -> dict:
    out = {k: sum((y[k] or ZERO for y in years), ZERO) for k in
           ("total_tax", "regular_tax", "niit", "tax_due_to_dispositions", "recognized_gain", "passive_losses_freed")}
    comps: dict[str, Decimal] = {}
    deferred: dict[str, Decimal] = {}
    for y in years:
        for c, v in y["components"].items():
            comps[c] = comps.get(c, ZERO) + v
        deferred.update(y["deferred_gain"])  # the last year each property was in
    out["components"] = comps
    out["deferred_gain"] = sum(deferred.values(), ZERO)
    return out


# -- the scenarios ------------------------------------------------------------------
class _Evaluator:
    """Evaluates year fact sets once each (equal facts, one evaluation)."""

    def __init__(self, library, keep_results: bool, allow_unreviewed: bool = False):
        self.library = library
        self.allow_unreviewed = allow_unreviewed
        self.later = timeline.LaterYears(library)
        self.years = set(library.years())
        self.keep = keep_results
        self.cache: dict[str, tuple] = {}

    def run(self, facts: dict, name: str):
        from .api import Result, evaluate_guarded
        from .facts import parse_facts
        key = timeline.canonical(facts)
        if key not in self.cache:
            result = evaluate_guarded(name, lambda: parse_facts(copy.deepcopy(facts), name), self.later,
                                      self.allow_unreviewed)
            law_year = min(int(facts["tax_year"]), self.later.last)
            summary = year_summary(result, law_year)
            carry = timeline.carry_out(result, facts)
            self.cache[key] = (summary, carry, list(result.get("warnings") or []),
                               Result(result) if self.keep else None)
        return self.cache[key]


def _label_fn(library):
    from .labels import label
    return lambda field: label(field, library.root)


def _strategy_tables(library, data):
    """The tables strategy formulas read: those of the fact file's tax year (or the last year with tables)."""
    years = library.years()
    year = data["tax_year"] if data["tax_year"] in years else years[-1]
    return {name: t.values for name, t in library.load_year(year).tables.items()}


def _specs(base, vary_axes, strategies, name):
    """(label, changes, strategy, property index) for every scenario, in order."""
    strategy_items = [(None, None)]
    if strategies is not None:
        disposed = [i for i, p in enumerate(base.get("properties") or [])
                    if isinstance(p, dict) and (p.get("disposition") or {}).get("type", "none") != "none"]
        if not disposed:
            raise RecaptureError.of(EXIT_INPUT, name, [("properties", "no property is disposed of, so there is "
                                                        "no disposition to compare strategies for")])
        strategy_items = [(s, i) for i in disposed for s in strategies]
    combos = itertools.product(*[[(f, v) for v in vals] for f, vals in vary_axes]) if vary_axes else [()]
    combos = list(combos)
    for s, i in strategy_items:
        for combo in combos:
            yield s, i, combo


def count_scenarios(vary_axes, n_strategy_items: int) -> int:
    n = max(n_strategy_items, 1)
    for _, vals in vary_axes:
        n *= len(vals)
    return n


class _Context:
    def __init__(self, base, tables, schema, table_years, label, apply, describe, money_keys, not_applicable,
                 strategy_error):
        self.base, self.tables, self.schema, self.table_years, self.label = base, tables, schema, table_years, label
        self.apply, self.describe, self.money_keys = apply, describe, money_keys
        self.NotApplicable, self.StrategyError = not_applicable, strategy_error


class _boundary:
    """One scenario's fault boundary: a fault of the rules (exit 3) spoils every row and is
    raised; anything else unexpected is that row's error, named as a fault of the engine."""

    def __init__(self, row):
        self.row = row

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or not isinstance(exc, Exception):
            return False
        if isinstance(exc, RecaptureError):
            if exc.code != EXIT_INPUT:
                return False
            self.row["error"] = _fault_text(exc)
        else:
            text = f"{type(exc).__name__}: {exc}"
            self.row["error"] = f"the engine failed on this scenario (a bug): {text[:300]}"
            self.row["engine_fault"] = True
        self.row.pop("_data", None)
        self.row.pop("_span", None)
        return True


def _prepare(row, strategy, index, combo, ctx):
    """The scenario's facts (row["_data"]) and years (row["_span"]), or row["error"]."""
    data = copy.deepcopy(ctx.base)
    vary_label = row["vary"]
    try:
        for f, v in combo:
            if isinstance(v, _Bad):
                raise fieldpath.PathError(f, v.reason)
            fieldpath.assign(data, f, copy.deepcopy(v), ctx.schema)
        if strategy is not None:
            data = ctx.apply(strategy, data, index, ctx.tables)
            words = ctx.describe(strategy, data, index, ctx.tables, ctx.money_keys)
            row["name"] = words + (f" [{vary_label}]" if vary_label else "")
        if not row["name"]:
            row["name"] = "as given"
    except fieldpath.PathError as e:
        row["error"] = f"{e.path}: {e.reason}"
        return
    except ctx.NotApplicable as e:
        row["name"] = f"{row['property']}: {strategy.title}" + (f" [{vary_label}]" if vary_label else "")
        row["error"] = f"does not apply: {e}"
        return
    except ctx.StrategyError as e:
        row["name"] = f"{row['property']}: {strategy.title}" + (f" [{vary_label}]" if vary_label else "")
        row["error"] = str(e)
        return
    year = data.get("tax_year")
    if not isinstance(year, int) or isinstance(year, bool):
        row["error"] = f"tax_year: {year!r} is not a year"
        return
    try:
        first, last = timeline.span(data)
    except (TypeError, ValueError, KeyError, AttributeError):
        first, last = year, year  # dates that are not dates: the schema says why when it is evaluated
    missing = sorted(y for y in timeline.disposition_years(data) | {year} if y not in ctx.table_years)
    if missing:
        row["error"] = (f"no tables for tax year {_years_text(missing)}; the years that exist are "
                        f"{_years_text(ctx.table_years)}")
        return
    if last - first + 1 > MAX_YEARS:
        row["error"] = f"the scenario spans {last - first + 1} tax years ({first}–{last}); at most {MAX_YEARS}"
        return
    row["_data"], row["_span"] = data, (first, last)


def _evaluate(row, years_range, ev, tag, label, keep_results):
    """Evaluate a prepared scenario year by year; fills its figures, or its error."""
    data = row.pop("_data")
    row.pop("_span")
    multi = len(years_range) > 1
    notes, warnings, years, results = [], [], [], {}
    carry = None
    for year in years_range:
        facts_y, year_notes = timeline.year_facts(data, year, carry, label)
        notes += year_notes
        try:
            summary, carry, warns, result = ev.run(facts_y, tag)
        except RecaptureError as e:
            if e.code != EXIT_INPUT:
                raise  # faulty rules spoil every row
            row["error"] = (f"{year}: " if multi else "") + _fault_text(e)
            return
        years.append(summary)
        warnings += [(year if multi else None, w) for w in warns]
        if result is not None:
            results[year] = result
    estimated = [y["year"] for y in years if y["law_year"] != y["year"]]
    if estimated:
        notes.append((None, f"{_years_text(estimated)}: no tables for {'these years' if len(estimated) > 1 else 'this year'} "
                            f"yet, so estimated with the {ev.later.last} rules and tables"))
    main = next((y["year"] for y in years if y["disposed"]), years_range[0])
    row.update(tax_year=main, years=years, totals=_totals(years), notes=_merge_notes(notes),
               warnings=_merge_notes(warnings))
    if keep_results:
        row["result"], row["results"] = results.get(main), results


def scenarios(facts_or_path, vary=(), library=None, name=None, *, strategies=None,
              max_scenarios: int | None = DEFAULT_MAX_SCENARIOS, keep_results: bool = True,
              allow_unreviewed: bool = False) -> list[dict]:
    """Every scenario, evaluated over the same years. Each is a dict:

    - `name`: the scenario in words; `vary`: the varied fields as "FIELD=VALUE, ..." text;
      `strategy` (name) and `property` (id) when it comes from --strategies;
    - `error`: None, or why the scenario could not be evaluated (then no figures);
    - `tax_year`: the year of its first disposition (the year `result` is of);
    - `years`: one summary per tax year (`total_tax`, `tax_due_to_dispositions`, `niit`,
      `components`, `recognized_gain`, `passive_losses_freed`, `law_year` ...);
    - `totals`: the same figures added over the years, and `deferred_gain` still deferred after them;
    - `notes`: what was assumed or carried between years; `warnings`: the rules' warnings;
    - `result`: the Result of `tax_year` and `results` {year: Result} when `keep_results`
      (the command line keeps only the summaries unless --full)."""
    from .api import input_name
    from .api import library as default_library
    from .strategies import NotApplicable, StrategyError
    from .strategies import apply as apply_strategy
    from .strategies import describe as describe_strategy
    from .facts import MONEY_KEYS, schema
    library = library or default_library()
    name = name or input_name(facts_or_path)
    base = _raw(facts_or_path, name)
    vary_axes = axes(vary, name)
    chosen = None
    if strategies is not None:
        from .library import RulesError
        from .strategies import load as load_strategies
        from .strategies import select
        try:
            chosen = select(load_strategies(library.root), strategies)
        except RulesError as e:
            raise RecaptureError(EXIT_RULES, e.faults) from None
        except StrategyError as e:
            raise RecaptureError.of(EXIT_INPUT, name, [("--strategies", str(e))]) from None
    n_disposed = sum(1 for p in base["properties"] if isinstance(p, dict)
                     and (p.get("disposition") or {}).get("type", "none") != "none")
    total = count_scenarios(vary_axes, len(chosen) * n_disposed if chosen is not None else 0)
    if max_scenarios is not None and total > max_scenarios:
        raise RecaptureError.of(EXIT_INPUT, name, [("--vary", f"{total:,} scenarios is more than the limit of "
                                                    f"{max_scenarios:,}; give --max-scenarios {total} to run them all")])
    label = _label_fn(library)
    tables = _strategy_tables(library, base) if chosen is not None else {}
    facts_schema = schema()
    table_years = set(library.years())

    ctx = _Context(base, tables, facts_schema, table_years, label, apply_strategy, describe_strategy,
                   MONEY_KEYS, NotApplicable, StrategyError)
    # 1. each scenario's facts, or its error
    rows = []
    for strategy, index, combo in _specs(base, vary_axes, chosen, name):
        vary_label = ", ".join(f"{f}={v}" for f, v in combo)
        row = {"name": vary_label, "vary": vary_label, "case_id": str(base.get("case_id") or ""),
               "strategy": strategy.name if strategy else None,
               "strategy_title": strategy.title if strategy else None,
               "property": base["properties"][index].get("id") if strategy else None,
               "error": None, "tax_year": None, "years": [], "totals": None, "notes": [], "warnings": []}
        rows.append(row)
        with _boundary(row):
            _prepare(row, strategy, index, combo, ctx)

    # 2. every scenario over the same years
    ok = [r for r in rows if "_data" in r]
    if ok:
        first = min(r["_span"][0] for r in ok)
        last = min(max(r["_span"][1] for r in ok), first + MAX_YEARS - 1)
        ev = _Evaluator(library, keep_results, allow_unreviewed)
        for row in ok:
            with _boundary(row):
                _evaluate(row, range(first, last + 1), ev, f"{name} [{row['name']}]", label, keep_results)
    for row in rows:
        row.pop("_data", None)
        row.pop("_span", None)
        if keep_results:
            row.setdefault("result", None)
            row.setdefault("results", {})
    return rows


def run_whatif(args, library):
    """The command: scenarios, then the comparison in the format asked; exit 2 when none ran."""
    from .compare import comparison, render
    strategies = getattr(args, "strategies", None)
    vary = args.vary or []
    if not vary and strategies is None:
        raise RecaptureError(EXIT_INPUT, [f"{args.file}: whatif: give --vary FIELD=V1,V2,... or --strategies"])
    full = bool(getattr(args, "full", False))
    rows = scenarios(args.file, vary, library, args.file, strategies=strategies,
                     max_scenarios=getattr(args, "max_scenarios", DEFAULT_MAX_SCENARIOS), keep_results=full,
                     allow_unreviewed=getattr(args, "allow_unreviewed", False))
    table = comparison(rows, library, args.file)
    text = render(table, args.format, full=full)
    _write(text, getattr(args, "output", None))
    if not any(r["error"] is None for r in rows):
        for r in rows:
            print(f"{args.file}: {r['name'] or 'scenario'}: {r['error']}", file=sys.stderr)
        return EXIT_RULES if any(r.get("engine_fault") for r in rows) else EXIT_INPUT
    return 0


def _write(text: str, output):
    if output:
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(text)
        except OSError as e:
            raise RecaptureError(EXIT_INPUT, [f"{output}: cannot write: {e.strerror}"]) from None
    else:
        sys.stdout.write(text)
