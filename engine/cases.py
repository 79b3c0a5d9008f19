"""Golden cases: fact sets with the figures a person worked out by hand (from the
IRS forms, publications and examples), checked against the engine, outside
pytest (`recapture test-cases`) and inside it (tests/test_golden.py), from the
same files.

A case file (tests/golden/*.yaml):

    case: quick-flip                    # its name
    example: quick-flip.yaml            # the facts: a file of examples/ ...
    facts: {...}                        # ... or the fact set itself (dates may be unquoted)
    tax_year: 2026                      # optional: evaluate with this tax year's law instead
    tolerance: 0.01                     # optional: how far a figure may be off (default 0: to the cent)
    note: Pub 544 example, p. 12        # optional: where the figures come from
    expect:                             # JSON path in the result -> the figure worked by hand
      tax.regular_tax: "15964.43"
      properties[0].holding_period: short
      tax.niit: {value: "0.00", tolerance: 0}     # a figure's own tolerance
    expect_warnings: [no gain or recapture at death]   # optional: text each warning list must contain
    expect_error: placed in service before 1987   # optional: the fact set must be refused with this text

with the arithmetic in comments above. No Python is needed to add one."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .errors import EXIT_INPUT, Fault, RecaptureError
from .yamlio import InputError, parse_yaml

CASE_KEYS = ("case", "example", "facts", "tax_year", "tolerance", "note", "expect", "expect_warnings",
             "expect_error")
DEFAULT_FOLDER = Path("tests") / "golden"


@dataclass
class Mismatch:
    path: str
    engine: object
    expected: object
    tolerance: Decimal
    line: int

    def text(self):
        tol = f" (tolerance {self.tolerance})" if self.tolerance else ""
        return f"{self.path}: engine {_show(self.engine)}, by hand {_show(self.expected)}{tol}"


@dataclass
class CaseResult:
    file: str
    name: str
    tax_year: int | None = None
    mismatches: list = field(default_factory=list)
    error: str | None = None           # the case could not be run as written
    result: dict | None = None
    fired: set = field(default_factory=set)

    @property
    def passed(self):
        return self.error is None and not self.mismatches


def _show(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def case_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.yaml") if p.is_file())


def default_folder(library) -> Path | None:
    """tests/golden of the rules folder in use (a source checkout, or a copy made with its
    tests), else of the current folder (an installed wheel ships no cases)."""
    for base in (library.root, Path.cwd()):
        if (base / DEFAULT_FOLDER).is_dir():
            return base / DEFAULT_FOLDER
    return None


def _number(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        try:
            return Decimal(v.replace(",", "").strip())
        except InvalidOperation:
            return None
    return None


def get_path(obj, path: str):
    """'properties[0].components.section_1231' -> the value (KeyError/IndexError if absent)."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        obj = obj[int(part[1:-1])] if part.startswith("[") else obj[part]
    return obj


def same(got, expected, tolerance: Decimal) -> bool:
    """A figure matches: numbers within the tolerance (money compared exactly otherwise), texts
    and true/false equal, lists and mappings item by item."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return set(map(str, got)) == set(map(str, expected)) and all(
            same(got[k], expected[next(e for e in expected if str(e) == str(k))], tolerance) for k in got)
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(same(g, e, tolerance) for g, e in zip(got, expected))
    g, e = _number(got), _number(expected)
    if g is not None and e is not None and not isinstance(got, str):
        return abs(g - e) <= tolerance
    if isinstance(got, bool) or isinstance(expected, bool) or got is None or expected is None:
        return got is expected or got == expected and type(got) is type(expected)
    return str(got) == str(expected)


def _example(path: Path, name, library) -> Path:
    rel = Path(str(name))
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"example {name!r}: give a file name of the examples folder")
    here = path.parent
    for folder in (here / "examples", here.parent / "examples", here.parent.parent / "examples",
                   library.root / "examples", Path.cwd() / "examples", here):
        if (folder / rel).is_file() and (folder / rel).resolve() != Path(path).resolve():
            return folder / rel
    raise ValueError(f"example {name!r}: no such file beside the case or in an examples/ folder")


def run_case(path: Path, library, shown: str | None = None) -> CaseResult:
    """Evaluate one case file and compare every expected figure."""
    from . import api
    shown = shown or str(path)
    out = CaseResult(shown, Path(path).stem)
    try:
        case, lines = parse_yaml(Path(path).read_text(encoding="utf-8"), shown)
    except InputError as e:
        out.error = f"{shown}: {e.reason}"
        return out
    except (OSError, UnicodeDecodeError) as e:
        out.error = f"{shown}: cannot read: {e}"
        return out
    if not isinstance(case, dict):
        out.error = f"{shown}:1: a case is a mapping with case, example or facts, and expect"
        return out
    out.name = str(case.get("case") or out.name)
    text_lines = Path(path).read_text(encoding="utf-8").splitlines()

    def line(*p):
        if len(p) == 1:     # a top-level key: its own line (the parser's is its value's)
            hit = next((i + 1 for i, l in enumerate(text_lines) if re.match(rf"{re.escape(str(p[0]))}\s*:", l)), None)
            if hit:
                return hit
        return lines.get(tuple(p), lines.get(p[:1], 1))
    unknown = [k for k in case if k not in CASE_KEYS]
    if unknown:
        out.error = (f"{shown}:{line(unknown[0])}: unknown key {unknown[0]!r}; a case has "
                     f"{', '.join(CASE_KEYS)}")
        return out
    if ("example" in case) == ("facts" in case):
        out.error = f"{shown}:1: a case has either example: (a file of examples/) or facts:, not both or neither"
        return out
    expect = case.get("expect") or {}
    if not isinstance(expect, dict) or not (expect or case.get("expect_error") or case.get("expect_warnings")):
        out.error = f"{shown}:{line('expect')}: expect: maps result paths to the figures worked by hand"
        return out
    base_tol = _number(case.get("tolerance", 0))
    if base_tol is None or base_tol < 0:
        out.error = f"{shown}:{line('tolerance')}: tolerance is a number, not negative"
        return out
    try:
        source = _example(Path(path), case["example"], library) if "example" in case else case["facts"]
        year = case.get("tax_year")
        facts = api.load(source, shown if "facts" in case else str(source), int(year) if year is not None else None)
        out.tax_year = facts["tax_year"]
        result = api.evaluate_facts(facts, shown, library)
    except ValueError as e:
        out.error = f"{shown}:{line('example')}: {e}"
        return out
    except RecaptureError as e:
        if case.get("expect_error"):
            text = " ".join(e.lines)
            if str(case["expect_error"]) not in text:
                out.mismatches.append(Mismatch("error", text, case["expect_error"], Decimal(0), line("expect_error")))
            return out
        out.error = "; ".join(e.lines)
        return out
    out.result = result
    out.fired = {t["rule"] for t in result.get("trace", [])}
    if case.get("expect_error"):
        out.mismatches.append(Mismatch("error", "no error", case["expect_error"], Decimal(0), line("expect_error")))
    for where, expected in expect.items():
        tol = base_tol
        if isinstance(expected, dict) and "value" in expected and set(expected) <= {"value", "tolerance", "note"}:
            tol = _number(expected.get("tolerance", base_tol)) or Decimal(0)
            expected = expected["value"]
        try:
            got = get_path(result, str(where))
        except (KeyError, IndexError, TypeError):
            out.mismatches.append(Mismatch(str(where), "(no such figure)", expected, tol, line("expect", where)))
            continue
        if not same(got, expected, tol):
            out.mismatches.append(Mismatch(str(where), got, expected, tol, line("expect", where)))
    for text in case.get("expect_warnings") or []:
        if not any(str(text) in w for w in result.get("warnings", [])):
            out.mismatches.append(Mismatch("warnings", result.get("warnings", []), text, Decimal(0),
                                           line("expect_warnings")))
    return out


def run_folder(folder: Path, library) -> list[CaseResult]:
    folder = Path(folder)
    results = []
    for p in case_files(folder):
        try:
            shown = str(p.relative_to(Path.cwd()))
        except ValueError:
            shown = str(p)
        results.append(run_case(p, library, shown))
    return results


def rules_of_year(library, year) -> list[tuple[str, str]]:
    """[(rule id, file)] in force in the tax year: each rule and each step of an ordering."""
    law = library.load_year(year)
    out = [(r["id"], rf.path) for r, rf in law.rules]
    for o, rf in law.ordering:
        out += [(f"{o['id']}.{s['component']}", rf.path) for s in o["steps"]]
    return out


def coverage(results, library) -> dict:
    """{tax year: [(rule id, file, cases that fired it)]}, for each tax year with cases."""
    out = {}
    for year in sorted({r.tax_year for r in results if r.tax_year is not None}):
        ran = [r for r in results if r.tax_year == year and r.result is not None]
        try:
            rules = rules_of_year(library, year)
        except Exception:  # noqa: BLE001 - a year without valid law: its cases report the fault
            continue
        out[year] = [(rid, f, sum(1 for r in ran if rid in r.fired)) for rid, f in rules]
    return out


def report(results, cov) -> str:
    lines = []
    for r in results:
        year = f", tax year {r.tax_year}" if r.tax_year else ""
        if r.error:
            lines.append(f"ERROR {r.name} ({r.file}{year}): {r.error}")
        elif r.mismatches:
            lines.append(f"FAIL  {r.name} ({r.file}{year})")
            lines += [f"      {r.file}:{m.line}: {m.text()}" for m in r.mismatches]
        else:
            lines.append(f"PASS  {r.name} ({r.file}{year})")
    passed = sum(r.passed for r in results)
    errors = sum(1 for r in results if r.error)
    lines.append(f"{len(results)} cases: {passed} passed, {len(results) - passed - errors} failed"
                 + (f", {errors} could not run" if errors else ""))
    if cov:
        years = list(cov)
        counts = {y: {rid: c for rid, _, c in rows} for y, rows in cov.items()}
        order, files = [], {}
        for rows in cov.values():
            for rid, f, _ in rows:
                if rid not in files:
                    order.append(rid)
                    files[rid] = f
        width = max(len(r) for r in order) if order else 4
        n = {y: sum(1 for r in results if r.tax_year == y and r.result is not None) for y in years}
        lines += ["", "rule coverage: how many cases fire each rule, by tax year (- : not in force that year)",
                  "  " + "rule".ljust(width) + "".join(f"  {y:>6}" for y in years) + "  file",
                  "  " + "(cases)".ljust(width) + "".join(f"  {n[y]:>6}" for y in years)]
        for rid in order:
            cells = "".join(f"  {counts[y][rid] if rid in counts[y] else '-':>6}" for y in years)
            lines.append(f"  {rid.ljust(width)}{cells}  {files[rid]}")
        for y in years:
            never = [rid for rid, _, c in cov[y] if c == 0]
            lines.append(f"tax year {y}: {len(never)} of {len(cov[y])} rules fired by no case"
                         + (": " + ", ".join(never) if never else ""))
    return "\n".join(lines) + "\n"


def as_json(results, cov) -> str:
    from .result import to_json
    doc = {
        "cases": [{"case": r.name, "file": r.file, "tax_year": r.tax_year,
                   "status": "error" if r.error else ("fail" if r.mismatches else "pass"), "error": r.error,
                   "mismatches": [{"path": m.path, "engine": m.engine, "expected": m.expected,
                                   "tolerance": m.tolerance, "line": m.line} for m in r.mismatches]}
                  for r in results],
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "coverage": {str(y): [{"rule": rid, "file": f, "cases": c} for rid, f, c in rows] for y, rows in cov.items()},
    }
    return to_json(doc) + "\n"


def run_cli(args, library) -> int:
    """`recapture test-cases [DIR]`: exit 0 when every case passes, 1 when one fails."""
    folder = Path(args.dir) if args.dir else default_folder(library)
    if folder is None:
        raise Fault(EXIT_INPUT, [f"test-cases: no {DEFAULT_FOLDER} folder in the rules folder ({library.root}) or "
                                 "here; give the folder of case files: recapture test-cases DIR"])
    if not folder.is_dir():
        raise Fault(EXIT_INPUT, [f"test-cases: {folder}: no such folder"])
    results = run_folder(folder, library)
    if not results:
        raise Fault(EXIT_INPUT, [f"test-cases: {folder}: no case files (*.yaml)"])
    cov = coverage(results, library)
    sys.stdout.write(as_json(results, cov) if args.format == "json" else report(results, cov))
    return 0 if all(r.passed for r in results) else 1
