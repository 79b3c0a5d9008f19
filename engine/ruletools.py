"""Tools for the tax analyst: list the rules, diff two tax years, start a new year."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from decimal import Decimal

from .library import Library, RulesError, _read, in_force
from .shapes import is_number, key_text, matches, pattern_segments, value_nodes
from .yamlio import InputError


def list_rules(library: Library, year: int | None) -> str:
    rows = []
    for path in library.rule_files():
        rf = _read(library.root, path)
        items = [(r["id"], r["citation"], r.get("in_force")) for r in rf.data.get("rules", [])]
        o = rf.data.get("ordering")
        if o:
            items += [(f"{o['id']}.{s['component']}", s["citation"], o.get("in_force")) for s in o["steps"]]
        for rid, citation, span in items:
            if year is not None and not in_force({"in_force": span}, year):
                continue
            span = span or {}
            years = f"{span.get('from', 'any')}-{span.get('to') or ''}" if span else "all years"
            rows.append(f"{rid}\t{citation}\t{rf.path}\t{years}")
    return "\n".join(["id\tcitation\tfile\ttax years in force"] + rows) + "\n"


# -- diff ---------------------------------------------------------------------------
@dataclass
class ValueChange:
    key: str
    a: object
    b: object
    source_a: str | None = None      # the value's own source, when it has one
    source_b: str | None = None
    indexed: str | None = None       # the Code section indexing it, if declared
    change: Decimal | None = None    # percent, for indexed amounts


@dataclass
class TableDiff:
    name: str
    file_a: str | None
    file_b: str | None
    source_a: str | None
    source_b: str | None
    meta: list = field(default_factory=list)       # [(field, a, b)]: citation, source, title
    values: list = field(default_factory=list)     # [ValueChange]


@dataclass
class RuleDiff:
    id: str
    status: str                  # new, gone, changed
    file: str
    changes: list = field(default_factory=list)    # [(aspect, a, b)]


MISSING = "—"


def _leaves(doc):
    """{key: (value, own source)} of a table's values."""
    data = doc.get("values", doc.get("rows", doc.get("periods")))
    return {key_text(n.path): (n.value, n.source) for n in value_nodes(data) if n.leaf}


def _indexed(doc, key):
    shape = doc.get("shape") or {}
    nodes = {key_text(n.path): n for n in value_nodes(doc.get("values", {})) if n.leaf}
    n = nodes.get(key)
    if n is None:
        return None
    for pattern, decl in shape.items():
        if isinstance(decl, dict) and decl.get("indexed") and matches(pattern_segments(pattern), n):
            return decl["indexed"]
    return None


def _rule_items(law):
    """{id: (rule as compared, file)}: each rule, and each step of an ordering."""
    out = {}
    for rule, rf in law.rules:
        out[rule["id"]] = ({"condition": {"fact": rule["when"]["fact"], "all": rule["when"].get("all", [])},
                            "action": rule["action"], "formula": rule.get("with") or {},
                            "citation": rule["citation"], "priority": rule["priority"],
                            "overrides": rule.get("overrides")}, rf.path)
    for o, rf in law.ordering:
        for i, s in enumerate(o["steps"]):
            out[f"{o['id']}.{s['component']}"] = (
                {"condition": {"fact": o["fact"], "all": s.get("when", [])}, "action": "take_gain_component",
                 "formula": {"limit": s["limit"], "takes": s.get("takes", "gain_only")}, "citation": s["citation"],
                 "priority": o["priority"] + i, "overrides": None}, rf.path)
    return out


def _flat(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def diff_data(library: Library, a: int, b: int):
    """(table diffs, rule diffs) between tax years a and b."""
    law_a, law_b = library.load_year(a), library.load_year(b)
    tables = []
    for name in sorted(set(law_a.tables) | set(law_b.tables)):
        ta, tb = law_a.tables.get(name), law_b.tables.get(name)
        da, db = (ta.doc if ta else {}), (tb.doc if tb else {})
        td = TableDiff(name, ta.file if ta else None, tb.file if tb else None, da.get("source"), db.get("source"))
        if ta and tb:
            for f in ("citation", "source", "title"):
                if da.get(f) != db.get(f):
                    td.meta.append((f, da.get(f), db.get(f)))
        la, lb = _leaves(da) if ta else {}, _leaves(db) if tb else {}
        for key in list(lb) + [k for k in la if k not in lb]:   # in the order of the file
            (va, sa), (vb, sb) = la.get(key, (MISSING, None)), lb.get(key, (MISSING, None))
            if _equal(va, vb) and sa == sb:
                continue
            vc = ValueChange(key, va, vb, sa, sb, _indexed(db, key) or _indexed(da, key))
            if vc.indexed and is_number(va) and is_number(vb) and va != 0:
                vc.change = ((Decimal(vb) - Decimal(va)) / Decimal(va) * 100).quantize(Decimal("0.01"))
            td.values.append(vc)
        if td.meta or td.values or not (ta and tb):
            tables.append(td)
    rules = []
    ra, rb = _rule_items(law_a), _rule_items(law_b)
    for rid in sorted(set(ra) | set(rb)):
        if rid not in ra:
            rules.append(RuleDiff(rid, "new", rb[rid][1]))
        elif rid not in rb:
            rules.append(RuleDiff(rid, "gone", ra[rid][1]))
        elif ra[rid][0] != rb[rid][0]:
            rd = RuleDiff(rid, "changed", rb[rid][1])
            x, y = ra[rid][0], rb[rid][0]
            for aspect in ("condition", "formula", "citation", "priority", "action", "overrides"):
                if x[aspect] == y[aspect]:
                    continue
                if aspect == "formula":
                    fx, fy = _flat(x[aspect]), _flat(y[aspect])
                    for k in sorted(set(fx) | set(fy)):
                        if fx.get(k) != fy.get(k):
                            rd.changes.append((f"formula {k}", fx.get(k, MISSING), fy.get(k, MISSING)))
                else:
                    rd.changes.append((aspect, x[aspect], y[aspect]))
            rules.append(rd)
    return tables, rules


def _equal(a, b):
    if is_number(a) and is_number(b):
        return Decimal(a) == Decimal(b)
    return a == b and type(a) is type(b)


def _pct(c):
    return f"{'+' if c > 0 else ''}{c}%"


def _fmt(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def diff_years(library: Library, a: int, b: int, format: str = "text") -> str:
    """Every table value and every rule that differs between tax years a and b, with both
    values, both sources and, for amounts indexed for inflation, the change in percent."""
    tables, rules = diff_data(library, a, b)
    if format == "markdown":
        return _markdown(a, b, tables, rules)
    lines = [f"tax year {a} -> {b}"]
    for td in tables:
        if td.file_a is None or td.file_b is None:
            only = b if td.file_a is None else a
            lines.append(f"table {td.name}: in {only} only ({td.file_b or td.file_a}; "
                         f"source: {td.source_b or td.source_a})")
            continue
        lines.append("")
        lines.append(f"table {td.name} ({td.file_a} -> {td.file_b})")
        lines.append(f"  source {a}: {td.source_a}")
        lines.append(f"  source {b}: {td.source_b}")
        for f, x, y in td.meta:
            if f != "source":
                lines.append(f"  {f}: {x} -> {y}")
        for v in td.values:
            extra = []
            if v.change is not None:
                extra.append(f"{_pct(v.change)}, indexed by {v.indexed}")
            elif v.indexed:
                extra.append(f"indexed by {v.indexed}")
            text = f"  table {td.name}.{v.key}: {_fmt(v.a)} -> {_fmt(v.b)}"
            if extra:
                text += f" ({'; '.join(extra)})"
            if v.source_a or v.source_b:
                text += f"   [source {a}: {v.source_a or td.source_a}; source {b}: {v.source_b or td.source_b}]"
            lines.append(text)
    if rules:
        lines.append("")
    for rd in rules:
        if rd.status == "new":
            lines.append(f"rule {rd.id}: in force in {b} only ({rd.file})")
        elif rd.status == "gone":
            lines.append(f"rule {rd.id}: in force in {a} only ({rd.file})")
        else:
            lines.append(f"rule {rd.id}: changed ({rd.file})")
            for aspect, x, y in rd.changes:
                lines.append(f"  {aspect}: {_fmt(x)} -> {_fmt(y)}")
    if len(lines) == 1:
        lines.append("no differences")
    return "\n".join(lines) + "\n"


def _cell(v):
    return _fmt(v).replace("|", "\\|").replace("\n", " ")


def _markdown(a, b, tables, rules):
    out = [f"# Tax year {a} → {b}", ""]
    if not tables and not rules:
        return "\n".join(out + ["No differences.", ""])
    if tables:
        out += ["## Tables", ""]
    for td in tables:
        out.append(f"### {td.name}")
        out.append("")
        if td.file_a is None or td.file_b is None:
            only = b if td.file_a is None else a
            out += [f"In {only} only: `{td.file_b or td.file_a}` (source: {_cell(td.source_b or td.source_a)})", ""]
            continue
        out.append(f"- {a}: `{td.file_a}`, source: {_cell(td.source_a)}")
        out.append(f"- {b}: `{td.file_b}`, source: {_cell(td.source_b)}")
        for f, x, y in td.meta:
            if f != "source":
                out.append(f"- {f}: {_cell(x)} → {_cell(y)}")
        out.append("")
        if td.values:
            out += [f"| value | {a} | {b} | change | source {a} | source {b} |", "|---|---:|---:|---:|---|---|"]
            for v in td.values:
                change = _pct(v.change) if v.change is not None else ""
                out.append(f"| `{v.key}` | {_cell(v.a)} | {_cell(v.b)} | {change} | "
                           f"{_cell(v.source_a or td.source_a)} | {_cell(v.source_b or td.source_b)} |")
            out.append("")
    if rules:
        out += ["## Rules", ""]
        for rd in rules:
            if rd.status != "changed":
                out.append(f"- `{rd.id}`: in force in {b if rd.status == 'new' else a} only (`{rd.file}`)")
                continue
            out.append(f"- `{rd.id}` changed (`{rd.file}`):")
            for aspect, x, y in rd.changes:
                out.append(f"  - {aspect}: `{_cell(x)}` → `{_cell(y)}`")
        out.append("")
    return "\n".join(out)


# -- a new tax year -------------------------------------------------------------------
def new_year(library: Library, year: int, from_year: int) -> str:
    """Copy tables/years/<from>/ to tables/years/<year>/, each file marked for the analyst to
    update, and every value indexed for inflation marked `review: pending`."""
    from .review import mark_year
    src = library.root / "tables" / "years" / str(from_year)
    dst = library.root / "tables" / "years" / str(year)
    if not src.is_dir():
        raise InputError("rules new-year", "--from", f"no tables for tax year {from_year}")
    if dst.exists():
        raise InputError("rules new-year", "YEAR", f"tables for tax year {year} already exist at {dst}")
    dst.mkdir(parents=True)
    written = []
    try:
        for f in sorted(src.glob("*.yaml")):
            text = f.read_text(encoding="utf-8")
            text = text.replace(f"tax_year: {from_year}", f"tax_year: {year}", 1)
            header = (f"# Started from tax year {from_year} by `recapture rules new-year {year} --from {from_year}`.\n"
                      f"# Update every inflation-adjusted value and `source` to the Revenue Procedure for {year}.\n")
            (dst / f.name).write_text(header + text, encoding="utf-8")
            written.append(f.name)
        marked = mark_year(library, year, from_year)
    except (RulesError, OSError):
        shutil.rmtree(dst, ignore_errors=True)
        raise
    faults = Library(library.root).check()
    other = [f for f in faults if ": review pending: " not in f]
    note = "" if not other else "\nrules check also reports:\n" + "\n".join(other)
    return (f"started tax year {year} from {from_year}: {len(written)} files in {dst}\n"
            f"{marked} values are marked `review: pending` (those the tables declare indexed for inflation, and "
            f"the sources of their tables): edit each to the figure for {year}, or confirm it unchanged with "
            f"`recapture rules review FILE KEY --confirm`; `recapture rules check` lists them, and `evaluate` "
            f"refuses tax year {year} until they are reviewed (or given --allow-unreviewed)\n"
            f"rules in force `to: {from_year}` need extending if they continue{note}\n")
