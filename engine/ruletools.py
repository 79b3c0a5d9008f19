"""Tools for the tax analyst: list the rules, diff two tax years, start a new year."""
from __future__ import annotations

import shutil

from .library import Library, RulesError, _read, in_force
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


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def diff_years(library: Library, a: int, b: int) -> str:
    """Every table value and every rule that differs between tax years a and b."""
    law_a, law_b = library.load_year(a), library.load_year(b)
    lines = [f"tax year {a} -> {b}"]
    for name in sorted(set(law_a.tables) | set(law_b.tables)):
        ta, tb = law_a.tables.get(name), law_b.tables.get(name)
        va = _flatten(ta.values) if ta else {}
        vb = _flatten(tb.values) if tb else {}
        for key in sorted(set(va) | set(vb), key=str):
            if va.get(key) != vb.get(key):
                lines.append(f"table {name}.{key}: {va.get(key, '—')} -> {vb.get(key, '—')}"
                             f"   ({tb.doc.get('source', '') if tb else 'removed'})")
    ids_a = {r["id"]: (r, rf.path) for r, rf in law_a.rules}
    ids_b = {r["id"]: (r, rf.path) for r, rf in law_b.rules}
    for rid in sorted(set(ids_a) | set(ids_b)):
        if rid not in ids_a:
            lines.append(f"rule {rid}: in force in {b} only ({ids_b[rid][1]})")
        elif rid not in ids_b:
            lines.append(f"rule {rid}: in force in {a} only ({ids_a[rid][1]})")
        elif ids_a[rid][0] != ids_b[rid][0]:
            lines.append(f"rule {rid}: differs")
    if len(lines) == 1:
        lines.append("no differences")
    return "\n".join(lines) + "\n"


def new_year(library: Library, year: int, from_year: int) -> str:
    """Copy tables/years/<from>/ to tables/years/<year>/, each file marked for the analyst to update."""
    src = library.root / "tables" / "years" / str(from_year)
    dst = library.root / "tables" / "years" / str(year)
    if not src.is_dir():
        raise InputError("rules new-year", "--from", f"no tables for tax year {from_year}")
    if dst.exists():
        raise InputError("rules new-year", "YEAR", f"tables for tax year {year} already exist at {dst}")
    dst.mkdir(parents=True)
    written = []
    for f in sorted(src.glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        text = text.replace(f"tax_year: {from_year}", f"tax_year: {year}", 1)
        header = (f"# Started from tax year {from_year} by `recapture rules new-year {year} --from {from_year}`.\n"
                  f"# Update every inflation-adjusted value and `source` to the Revenue Procedure for {year}.\n")
        (dst / f.name).write_text(header + text, encoding="utf-8")
        written.append(f.name)
    faults = library.check()
    note = "" if not faults else "\nrules check reports:\n" + "\n".join(faults)
    return (f"started tax year {year} from {from_year}: {len(written)} files in {dst}\n"
            f"rules in force `to: {from_year}` need extending if they continue{note}\n")
