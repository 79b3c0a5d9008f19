"""The law library: rule and table files under a rules folder, validated
against schemas/ (faults as `file:line: reason`), selected by tax year, hashed.
No law here: only how the files are laid out."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .formula import FormulaError, parse
from .yamlio import InputError, json_path, parse_yaml

from .paths import LAW_ROOT, SCHEMAS

ENV_RULES_DIR = "RECAPTURE_RULES_DIR"
NO_YEARS = "tables/years: no tax year folders (each tax year's tables go in tables/years/<year>/)"


def default_root() -> Path:
    return Path(os.environ.get(ENV_RULES_DIR) or LAW_ROOT)


_root_texts: dict = {}  # (rules_dir, $RECAPTURE_RULES_DIR) -> the folder's text


def root_text(rules_dir=None) -> str:
    """`str(Path(rules_dir))`, or `str(default_root())` without one, remembered per folder
    and $RECAPTURE_RULES_DIR (perf: asked for every input of a batch and every figure printed)."""
    memo = (rules_dir if rules_dir is None or isinstance(rules_dir, str) else os.fspath(rules_dir),
            None if rules_dir else os.environ.get(ENV_RULES_DIR))
    text = _root_texts.get(memo)
    if text is None:
        text = _root_texts[memo] = str(Path(rules_dir) if rules_dir else default_root())
    return text


class RulesError(Exception):
    """Faults in rule or table files: each `file:line: reason`."""

    def __init__(self, faults):
        super().__init__("\n".join(faults))
        self.faults = faults


@dataclass
class Table:
    name: str
    file: str
    values: object
    doc: dict


@dataclass
class RuleFile:
    path: str
    sha256: str
    data: dict
    lines: dict


@dataclass
class YearLaw:
    """Everything in force for one tax year."""
    year: int
    root: Path
    tables: dict = field(default_factory=dict)        # name -> Table
    rules: list = field(default_factory=list)          # [(rule dict, RuleFile)]
    ordering: list = field(default_factory=list)       # [(ordering dict, RuleFile)]
    files: dict = field(default_factory=dict)          # relative path -> "sha256:..."

    @property
    def version(self) -> str:
        cached = self.__dict__.get("_version")
        if cached is not None and cached[0] == len(self.files):
            return cached[1]
        h = hashlib.sha256(json.dumps(self.files, sort_keys=True).encode()).hexdigest()
        self.__dict__["_version"] = (len(self.files), h[:12])  # the files are complete once loaded
        return h[:12]

    def files_in_order(self) -> dict:
        """`files` by path, as every result shows them (sorted once the files are complete;
        the caller gets a mapping of its own)."""
        cached = self.__dict__.get("_in_order")
        if cached is None or len(cached) != len(self.files):
            cached = self.__dict__["_in_order"] = dict(sorted(self.files.items()))
        return dict(cached)


@lru_cache(maxsize=None)
def _schema(name):
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _schema_validator(name):
    import jsonschema  # only when a file may have faults to word (see fastschema)
    cls = jsonschema.Draft202012Validator
    return cls(_schema(name), format_checker=cls.FORMAT_CHECKER)


def _read(root: Path, path: Path) -> RuleFile:
    rel = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    try:
        data, lines = parse_yaml(raw.decode("utf-8"), rel)
    except UnicodeDecodeError:
        raise RulesError([f"{rel}:1: not UTF-8 text"]) from None
    except InputError as e:
        reason = e.reason
        line = "1"
        if reason.startswith("line "):
            line, _, reason = reason[5:].partition(": ")
        raise RulesError([f"{rel}:{line}: {reason}"]) from None
    return RuleFile(rel, "sha256:" + hashlib.sha256(raw).hexdigest(), data, lines)


_CHECK_READS: dict = {}


def _read_for_check(root: Path, path: Path) -> RuleFile:
    """`_read`, remembered by content for `check` (which never changes what it reads): checking
    a copy of the law with one file edited parses only that file again."""
    rel = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    key = (rel, hashlib.sha256(raw).hexdigest())
    if key not in _CHECK_READS:
        if len(_CHECK_READS) > 4096:
            _CHECK_READS.clear()
        _CHECK_READS[key] = _read(root, path)
    return _CHECK_READS[key]


def _line(rf: RuleFile, path) -> int:
    path = tuple(path)
    while path and path not in rf.lines:
        path = path[:-1]
    return rf.lines.get(path, 1)


def _as_written(message: str) -> str:
    """A schema message with numbers as the file writes them (200.00, not Decimal('200.00'))."""
    return re.sub(r"Decimal\('([^']*)'\)", r"\1", message)


def _schema_faults(rf: RuleFile, schema_name: str) -> list[str]:
    from .fastschema import is_valid
    if is_valid(_schema(schema_name), rf.data):
        return []
    faults = []
    v = _schema_validator(schema_name)
    for e in sorted(v.iter_errors(rf.data), key=lambda e: _line(rf, e.absolute_path)):
        reason = _as_written(e.message)
        if e.validator == "oneOf" and e.context:
            best = max(e.context, key=lambda c: len(c.absolute_path))
            reason = _as_written(f"{json_path(best.absolute_path)}: {best.message}" if best.absolute_path else best.message)
            faults.append(f"{rf.path}:{_line(rf, list(e.absolute_path) + list(best.absolute_path))}: {reason}")
            continue
        where = json_path(e.absolute_path)
        faults.append(f"{rf.path}:{_line(rf, e.absolute_path)}: {where}: {reason}")
    return faults


_LOADED: dict[tuple, "YearLaw"] = {}


def _overlap(a, b) -> bool:
    """Do two in_force spans share a tax year?"""
    a, b = a or {}, b or {}
    lo = max(a.get("from", 0), b.get("from", 0))
    his = [x for x in (a.get("to"), b.get("to")) if x is not None]
    return not his or lo <= min(his)


def in_force(doc: dict, year: int) -> bool:
    span = doc.get("in_force") or {}
    return span.get("from", 0) <= year and (span.get("to") is None or year <= span["to"])


class Library:
    """A rules folder: <root>/rules/**.yaml and <root>/tables/**.yaml."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_root()
        if not (self.root / "rules").is_dir() or not (self.root / "tables").is_dir():
            raise RulesError([f"{self.root}: no rules/ and tables/ folders here"])

    def years(self) -> list[int]:
        folder = self.__dict__.get("_years_folder")
        if folder is None:
            folder = self._years_folder = str(self.root / "tables" / "years")
        # perf: asked for every fact set (tax_year_fault); listed again only when the
        # folder changes (a year folder made or removed changes its mtime), one stat a
        # call; a listing taken within 2 s of the last change is not trusted (a coarse
        # clock could hide a second change made in the same tick)
        try:
            st = os.stat(folder)
        except OSError:
            return []
        if not stat.S_ISDIR(st.st_mode):
            return []
        stamp = (st.st_mtime_ns, st.st_ino, st.st_dev)
        cached = self.__dict__.get("_years_listed")
        if cached is not None and cached[0] == stamp:
            return list(cached[1])
        found = sorted(int(p.name) for p in Path(folder).iterdir() if p.name.isdigit() and p.is_dir())
        if time.time_ns() - st.st_mtime_ns > 2_000_000_000:
            self._years_listed = (stamp, tuple(found))
        return found

    def table_files(self, year: int | None = None) -> list[Path]:
        """Undated tables, and the year's tables (every year's when year is None)."""
        t = self.root / "tables"
        files = sorted(p for p in t.rglob("*.yaml") if "years" not in p.relative_to(t).parts)
        if year is None:
            files += sorted((t / "years").rglob("*.yaml"))
        else:
            files += sorted((t / "years" / str(year)).glob("*.yaml"))
        return files

    def rule_files(self) -> list[Path]:
        rules = self.root / "rules"
        return sorted(p for p in rules.rglob("*.yaml") if p.relative_to(rules).parts[0] != "strategies")  # what-if strategies are not law

    def digest(self) -> str:
        """One text for the content of the whole folder: every rule and table file (each
        year's), by its path under the folder and the sha256 of its bytes. Two folders
        with the same digest hold the same law, on any machine, wherever they are."""
        h = hashlib.sha256()
        for path in self.rule_files() + self.table_files(None):
            h.update(path.relative_to(self.root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
        return "sha256:" + h.hexdigest()

    # -- checking ---------------------------------------------------------
    def check(self) -> list[str]:
        """Every fault in every rule and table file, as `file:line: reason`."""
        faults = []
        tables, rules = [], []          # the files that read (rules: that pass their schema)
        from . import lint, review
        for path in self.table_files(None):
            f, rf = self._checked(path, self._check_table)
            faults += f
            tables += [rf] if rf else []
        rule_ids = {}
        for path in self.rule_files():
            f, rf = self._checked(path, lambda p, rf: self._check_rules(p, rule_ids, rf))
            faults += f
            rules += [rf] if rf and rf.__dict__.get("_schema_ok") else []
        years = self.years()
        if not years:
            faults.append(NO_YEARS)
        # checks across files (engine/lint.py), values awaiting review (engine/review.py),
        # and the what-if strategies (rules/strategies/*.yaml, engine/strategies.py)
        from .strategies import check as check_strategies
        valid = [rf for rf in tables if rf.__dict__.get("_schema_ok")]
        faults += lint.library_faults(self, rules, valid, tables)
        faults += review.check_faults(valid)
        faults += check_strategies(self.root)
        return list(dict.fromkeys(faults))

    def _checked(self, path, check):
        try:
            rf = _read_for_check(self.root, path)
        except RulesError as e:
            return e.faults, None
        if check == self._check_table:     # depends on the file alone: remembered with it
            if "_table_faults" not in rf.__dict__:
                rf.__dict__["_table_faults"] = check(path, rf)
            return list(rf.__dict__["_table_faults"]), rf
        return check(path, rf), rf

    def _check_table(self, path, rf: RuleFile | None = None) -> list[str]:
        if rf is None:
            try:
                rf = _read(self.root, path)
            except RulesError as e:
                return e.faults
        faults = _schema_faults(rf, "table.schema.json")
        rf.__dict__["_schema_ok"] = not faults   # for the checks across files (`check`)
        parts = Path(rf.path).parts
        if not faults and "years" in parts:
            year = parts[parts.index("years") + 1]
            if str(rf.data.get("tax_year")) != year:
                faults.append(f"{rf.path}:{_line(rf, ['tax_year'])}: tax_year {rf.data.get('tax_year')} is not the folder's year {year}")
            if Path(rf.path).stem != rf.data.get("table"):
                faults.append(f"{rf.path}:{_line(rf, ['table'])}: table {rf.data.get('table')!r} is not named after its file")
        if not faults:
            from .shapes import table_file_faults  # types, ranges, completeness (percentage tables too)
            faults += table_file_faults(rf)
        return faults

    def _check_rules(self, path, rule_ids, rf: RuleFile | None = None) -> list[str]:
        from .actions import ACTIONS, check_params
        if rf is None:
            try:
                rf = _read(self.root, path)
            except RulesError as e:
                return e.faults
        faults = _schema_faults(rf, "rules.schema.json")
        rf.__dict__["_schema_ok"] = not faults   # for the checks across files (`check`)
        if faults:
            return faults
        from .lint import rule_file_faults  # conditions, formula size, unknown keys, templates: before any parse
        faults = rule_file_faults(rf)
        if faults:
            return faults
        for i, rule in enumerate(rf.data.get("rules", [])):
            at = f"{rf.path}:{_line(rf, ['rules', i])}"
            # one id may have versions for different tax years (in_force spans that do not overlap)
            for other, span in rule_ids.get(rule["id"], []):
                if _overlap(span, rule.get("in_force")):
                    faults.append(f"{at}: rule id {rule['id']!r} is also in {other}, in force in the same tax years")
                    break
            rule_ids.setdefault(rule["id"], []).append((rf.path, rule.get("in_force")))
            if rule["action"] not in ACTIONS:
                faults.append(f"{rf.path}:{_line(rf, ['rules', i, 'action'])}: unknown action {rule['action']!r}; "
                              f"the library has: {', '.join(sorted(ACTIONS))}")
                continue
            for where, reason in check_params(rule["action"], rule.get("with") or {}):
                faults.append(f"{rf.path}:{_line(rf, ['rules', i, 'with'] + list(where))}: {reason}")
        ordering = rf.data.get("ordering")
        if ordering:
            for j, step in enumerate(ordering["steps"]):
                try:
                    parse(str(step["limit"]))
                except FormulaError as e:
                    faults.append(f"{rf.path}:{_line(rf, ['ordering', 'steps', j, 'limit'])}: {e}")
        return faults

    # -- loading a year ---------------------------------------------------
    def fingerprint(self) -> tuple:
        """Identity of the folder's files (path, size, mtime), taken once per Library:
        a Library is a snapshot; make a new one to see edits."""
        if getattr(self, "_fingerprint", None) is None:
            files = self.rule_files() + self.table_files(None)
            self._fingerprint = tuple((str(p), st.st_size, st.st_mtime_ns) for p in files for st in [p.stat()])
        return self._fingerprint

    def load_year(self, year: int) -> YearLaw:
        """The law of one tax year, read and validated once per process while the files are
        unchanged, and cached on disk between processes (see lawcache)."""
        years = self.__dict__.setdefault("_years", {})  # a Library is a snapshot: once per year
        law = years.get(year)
        if law is None:
            key = (str(self.root.resolve()), year, self.fingerprint())
            law = _LOADED.get(key)
            if law is None:
                law = _LOADED[key] = self._cached_year(year)
            years[year] = law
        return law

    def _cached_year(self, year: int) -> YearLaw:
        from . import lawcache
        if not lawcache.enabled() or year not in self.years():
            return self._load_year(year)
        files = self.rule_files() + self.table_files(year)
        schemas = [SCHEMAS / "rules.schema.json", SCHEMAS / "table.schema.json"]
        k = lawcache.key(self.root, year, files, schemas)
        law = lawcache.load(self.root, year, k)
        if law is None:
            law = self._load_year(year)
            if k is not None and lawcache.key(self.root, year, files, schemas) == k:  # unchanged while we read
                lawcache.store(self.root, year, k, law)
        return law

    def tax_year_fault(self, year) -> str | None:
        """Why a fact set cannot be evaluated for `year` (no tables for it), or None."""
        years = self.years()
        if not years or year in years:
            return None  # no year folders at all is a fault of the law (_load_year), not of the facts
        return f"no tables for tax year {year}; the years that exist are {', '.join(map(str, years))}"

    def _load_year(self, year: int) -> YearLaw:
        if not self.years():
            raise RulesError([NO_YEARS])
        fault = self.tax_year_fault(year)
        if fault:
            raise InputError("", "tax_year", fault)
        faults = []
        law = YearLaw(year, self.root)
        for path in self.table_files(year):
            try:
                rf = _read(self.root, path)  # each file read and parsed once
            except RulesError as e:
                faults += e.faults
                continue
            faults += self._check_table(path, rf)
            if faults:
                continue
            doc = rf.data
            if not in_force(doc, year):
                continue
            law.tables[doc["table"]] = Table(doc["table"], rf.path, table_values(doc), doc)
            law.files[rf.path] = rf.sha256
        ids = {}
        for path in self.rule_files():
            try:
                rf = _read(self.root, path)
            except RulesError as e:
                faults += e.faults
                continue
            faults += self._check_rules(path, ids, rf)
            if faults:
                continue
            used = False
            for rule in rf.data.get("rules", []):
                if in_force(rule, year):
                    law.rules.append((rule, rf))
                    used = True
            if rf.data.get("ordering") and in_force(rf.data["ordering"], year):
                law.ordering.append((rf.data["ordering"], rf))
                used = True
            if used:
                law.files[rf.path] = rf.sha256
        if not faults:
            from .shapes import law_faults  # between the year's tables (percentage columns and conventions)
            faults += law_faults(law)
        if faults:
            raise RulesError(faults)
        return law


def table_values(doc: dict):
    """What formulas see of a table file: its values, rows or periods, unwrapped."""
    return _unwrap(doc.get("values", doc.get("rows", doc.get("periods"))))


def _unwrap(values):
    """`{value: x, source: s}` leaves become x (the source stays in the file)."""
    if isinstance(values, dict):
        if set(values) <= {"value", "source"} and "value" in values:
            return values["value"]
        return {k: _unwrap(v) for k, v in values.items()}
    if isinstance(values, list):
        return [_unwrap(v) for v in values]
    return values
