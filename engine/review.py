"""Review of a new tax year's values.

`recapture rules new-year 2027 --from 2026` copies the 2026 tables; every value
a table's shape declares `indexed` (adjusted for inflation each year under the
Code section it names) is then only a guess for 2027. Each such value (and the
table's `source`, which names last year's Revenue Procedure) is marked in a
`review:` block at the end of its table file, beside the value it was copied
with:

    review:
      copied_from: 2026
      pending:
        single: 16100
        source: Rev. Proc. 2025-32 §4.14(1)

A mark is pending while the value is still the copied one. Editing the value
(to the new Revenue Procedure's figure) clears it, and so does
`recapture rules review FILE KEY --confirm` (the analyst checked it and it is
unchanged), which removes the mark. `rules check` reports each pending value;
`evaluate` refuses a tax year with pending values unless told to go on
(`--allow-unreviewed`), and then every result carries a warning naming them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .shapes import at, is_number, key_text, matches, parse_key, pattern_segments, value_nodes

BLOCK_HEAD = "# Review: values copied by `recapture rules new-year`"


@dataclass
class Pending:
    file: str          # the table file, relative to the rules folder
    table: str
    key: str           # 'single[1].over' or 'source'
    copied: object
    line: int
    why: str           # the Code section that indexes it


def _current(doc, key):
    if key == "source":
        return doc.get("source")
    node = doc.get("values")
    for part in parse_key(key):
        if isinstance(node, dict):
            hit = [k for k in node if str(k) == str(part)]
            if not hit:
                return _MISSING
            node = node[hit[0]]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return _MISSING
    if isinstance(node, dict) and "value" in node and set(node) <= {"value", "source"}:
        node = node["value"]
    return node


_MISSING = object()


def _same(a, b):
    if is_number(a) and is_number(b):
        return a == b
    return a == b and type(a) is type(b)


def indexed_citation(doc, key) -> str:
    for pattern, decl in (doc.get("shape") or {}).items():
        if isinstance(decl, dict) and "indexed" in decl:
            segs = pattern_segments(pattern)
            for n in value_nodes(doc.get("values", {})):
                if key_text(n.path) == key and matches(segs, n):
                    return decl["indexed"]
    return ""


def pending_of(rf) -> list[Pending]:
    """The values of one table file still awaiting review (a RuleFile: .path, .data, .lines)."""
    doc = rf.data or {}
    review = doc.get("review") if isinstance(doc, dict) else None
    if not isinstance(review, dict) or not isinstance(review.get("pending"), dict):
        return []
    out = []
    for key, copied in review["pending"].items():
        key = str(key)
        now = _current(doc, key)
        if now is _MISSING or not _same(now, copied):
            continue      # edited since it was copied: reviewed
        path = ["source"] if key == "source" else ["values", *parse_key(key)]
        line = int(at(rf, path).rsplit(":", 1)[1])
        why = "the source of last year's figures" if key == "source" else indexed_citation(doc, key)
        out.append(Pending(rf.path, doc.get("table", Path(rf.path).stem), key, copied, line, why))
    return out


def check_faults(table_files) -> list[str]:
    """One `file:line: reason` for each pending value of the table files (for `rules check`)."""
    faults = []
    for rf in table_files:
        copied_from = ((rf.data or {}).get("review") or {}).get("copied_from", "the year before")
        year = rf.data.get("tax_year", "this year")
        for p in pending_of(rf):
            if p.key == "source":
                what = (f"names where {copied_from}'s figures come from; edit it to the source of {year}'s "
                        f"(the Revenue Procedure for {year})")
            else:
                what = f"indexed for inflation ({p.why}); edit it to the figure for {year}"
            faults.append(f"{p.file}:{p.line}: {p.table}.{p.key}: review pending: {_short(p.copied)} was copied from "
                          f"{copied_from} and {'is ' if p.key != 'source' else ''}{what}, or confirm it with "
                          f"`recapture rules review {p.file} {p.key} --confirm`")
    return faults


def _short(v, n=80):
    t = str(v)
    return t if len(t) <= n else t[: n - 1] + "…"


# -- the tax year of an evaluation ------------------------------------------------
_cache: dict = {}


def unreviewed(library, year: int) -> list[Pending]:
    """The values awaiting review in the tables `library` uses for tax year `year`."""
    law = library.load_year(year)
    key = (str(library.root), year, law.version)
    if key not in _cache:
        out = []
        for name, t in sorted(law.tables.items()):
            review = t.doc.get("review") if isinstance(t.doc, dict) else None
            if not review:
                continue

            class _RF:   # pending_of reads only path, data, lines
                path, data, lines = t.file, t.doc, {}
            out += pending_of(_RF)
        _cache[key] = out
    return _cache[key]


def describe(pending: list[Pending], year: int) -> str:
    by_file = {}
    for p in pending:
        by_file.setdefault(p.file, []).append(p.key)
    parts = [f"{f} ({', '.join(keys)})" for f, keys in sorted(by_file.items())]
    return (f"tax year {year} uses {len(pending)} value{'s' if len(pending) != 1 else ''} copied from another year "
            f"and not yet reviewed: " + "; ".join(parts))


class Unreviewed(Exception):
    """A tax year with values awaiting review, evaluated without --allow-unreviewed."""

    def __init__(self, pending, year):
        self.pending, self.year = pending, year
        super().__init__(describe(pending, year))

    @property
    def lines(self):
        n = len(self.pending)
        head = (f"tax year {self.year} has {n} value{'s' if n != 1 else ''} copied by `rules new-year` and not yet "
                "reviewed: edit each to this year's figure, or confirm it with `recapture rules review FILE KEY "
                "--confirm` (`recapture rules check` lists them); or evaluate with --allow-unreviewed")
        return [head] + [f"{f}: awaiting review: {', '.join(k)}" for f, k in _group(self.pending)]


def _group(pending):
    by_file = {}
    for p in pending:
        by_file.setdefault(p.file, []).append(p.key)
    return sorted(by_file.items())


def evaluate_reviewed(facts: dict, library, allow_unreviewed: bool = False) -> dict:
    """`tax.evaluate_return`, refusing a tax year with values awaiting review unless
    allow_unreviewed; then the result's warnings name them."""
    from .tax import evaluate_return
    year = facts["tax_year"]
    pending = unreviewed(library, year)
    if pending and not allow_unreviewed:
        raise Unreviewed(pending, year)
    result = evaluate_return(facts, library)
    if pending:
        result["warnings"] = list(result.get("warnings", [])) + [describe(pending, year)]
    return result


# -- writing marks -----------------------------------------------------------------
def pending_keys(doc) -> dict:
    """{key: value} of every value a table's shape declares indexed (zero stays zero under any
    adjustment and is left out), plus the table's source."""
    out = {}
    shape = doc.get("shape") or {}
    nodes = value_nodes(doc.get("values", {}))
    for pattern, decl in shape.items():
        if not (isinstance(decl, dict) and decl.get("indexed")):
            continue
        segs = pattern_segments(pattern)
        for n in nodes:
            if n.leaf and matches(segs, n) and not (is_number(n.value) and n.value == 0):
                out[key_text(n.path)] = n.value
    if out and doc.get("source"):
        out["source"] = doc["source"]
    return out


def _yaml_scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if is_number(v):
        return str(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def _yaml_key(k) -> str:
    return k if re.fullmatch(r"[a-z_][a-z0-9_]*", k) else _yaml_scalar(k)


def block_text(copied_from, marks: dict, file_rel: str) -> str:
    lines = [BLOCK_HEAD + f" from tax year {copied_from}, each indexed for",
             "# inflation. Check each against this year's Revenue Procedure: edit the value above (its mark then no",
             "# longer applies) or, if unchanged, confirm it with",
             f"# `recapture rules review {file_rel} KEY --confirm`.",
             "review:",
             f"  copied_from: {copied_from}",
             "  pending:"]
    for k, v in marks.items():
        lines.append(f"    {_yaml_key(k)}: {_yaml_scalar(v)}")
    return "\n".join(lines) + "\n"


def _strip_block(text: str) -> str:
    """The file's text without its review block (and the comment above it)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if re.match(r"review:\s*(#.*)?$", l)), None)
    if start is None:
        return text
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    head = start
    i = start
    while i > 0 and lines[i - 1].startswith("#"):
        i -= 1
        if lines[i].startswith(BLOCK_HEAD):
            head = i
            break
    out = lines[:head] + lines[end:]
    while out and not out[-1].strip():
        out.pop()
    return "".join(out)


def write_marks(path: Path, copied_from, marks: dict, file_rel: str):
    text = _strip_block(path.read_text(encoding="utf-8"))
    if not text.endswith("\n"):
        text += "\n"
    if marks:
        text += "\n" + block_text(copied_from, marks, file_rel)
    path.write_text(text, encoding="utf-8")


def confirm(library, target: str, key: str | None = None, do_confirm: bool = False) -> str:
    """`rules review FILE [KEY] [--confirm]`: show the marks of a table file (or of every file of a
    year folder); with do_confirm, remove them (only KEY's, when given)."""
    from .library import _read
    from .yamlio import InputError
    files = _targets(library, target)
    out = []
    matched = 0
    root = library.root.resolve()
    for path in files:
        rf = _read(root, path)
        doc = rf.data if isinstance(rf.data, dict) else {}
        review = doc.get("review") if isinstance(doc.get("review"), dict) else {}
        pending = review.get("pending") if isinstance(review.get("pending"), dict) else {}
        marks = {str(k): v for k, v in pending.items()}
        if not marks:
            continue
        pend = {p.key: p for p in pending_of(rf)}
        chosen = [k for k in marks if key is None or k == key]
        matched += len(chosen)
        for k in chosen:
            now = _current(doc, k)
            state = "pending" if k in pend else "edited (mark no longer applies)"
            line = pend[k].line if k in pend else ""
            where = f"{rf.path}:{line}" if line else rf.path
            verb = "confirmed" if do_confirm else state
            out.append(f"{where}: {doc.get('table')}.{k}: copied {_short(marks[k])}, now "
                       f"{_short(now) if now is not _MISSING else '(gone)'}: {verb}")
        if do_confirm and chosen:
            left = {k: v for k, v in marks.items() if k not in chosen}
            write_marks(path, review.get("copied_from", ""), left, rf.path)
    if key is not None and not matched:
        raise InputError("rules review", "KEY", f"no review mark {key!r} in {target}")
    if not out:
        return f"{target}: no values await review\n"
    if not do_confirm:
        out.append("confirm with --confirm (after checking each against this year's Revenue Procedure)")
    return "\n".join(out) + "\n"


def _targets(library, target: str) -> list[Path]:
    from .yamlio import InputError
    p = Path(target)
    candidates = [p] if p.is_absolute() else [Path.cwd() / p, library.root / p]
    tables = (library.root / "tables").resolve()
    for c in candidates:
        if not (c.is_dir() or c.is_file()):
            continue
        c = c.resolve()
        if c != tables and tables not in c.parents:
            raise InputError("rules review", "FILE", f"{target} is not in the tables of {library.root}")
        return sorted(c.glob("*.yaml")) if c.is_dir() else [c]
    raise InputError("rules review", "FILE", f"no table file or year folder {target}")


def mark_year(library, year: int, from_year: int) -> int:
    """After a copy: mark every indexed value of tables/years/<year>/ as pending. Returns how many."""
    from .library import _read
    n = 0
    for path in sorted((library.root / "tables" / "years" / str(year)).glob("*.yaml")):
        rf = _read(library.root, path)
        marks = pending_keys(rf.data or {})
        if marks:
            write_marks(path, from_year, marks, rf.path)
            n += len(marks)
    return n
