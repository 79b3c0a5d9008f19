"""Tables: what each value is (a table's `shape:`), and the checks of one table file
that `rules check` makes and every load of a tax year makes again: types and
ranges, every filing status / month / quarter present, brackets ascending from 0,
percentage tables complete and summing to 100, dated periods that do not overlap,
citations and sources that are not placeholders. No law here: what a value is
comes from the table file itself."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .paths import SCHEMAS

PLACEHOLDER_CITATIONS = re.compile(r"^\s*(todo|tbd|fixme|xxx+|\?+|n/?a|none|citation|source)\b", re.I)


def line_of(rf, path) -> int:
    path = tuple(path)
    while path and path not in rf.lines:
        path = path[:-1]
    return rf.lines.get(path, 1)


def at(rf, path) -> str:
    return f"{rf.path}:{line_of(rf, path)}"


def where(path) -> str:
    from .yamlio import json_path
    return json_path(path)


def _short(v, n=60):
    t = str(v)
    return t if len(t) <= n else t[: n - 1] + "…"


def is_number(v) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


@lru_cache(maxsize=1)
def _schemas():
    rule_facts = json.loads((SCHEMAS / "rule-facts.schema.json").read_text(encoding="utf-8"))
    facts = json.loads((SCHEMAS / "facts.schema.json").read_text(encoding="utf-8"))
    return rule_facts, facts


def citation_fault(text) -> str | None:
    if not isinstance(text, str) or len(text.strip()) < 3:
        return "no citation"
    if PLACEHOLDER_CITATIONS.match(text):
        return f"{_short(text)!r} is a placeholder, not a citation of the Code, a regulation, a form or a publication"
    return None


# =====================================================================
# Tables: the declared shape of their values
# =====================================================================
# A shape maps value paths to what the value is. A path is names joined by dots,
# with <dimension> for "each member of the dimension, all of them" (filing_status,
# asset_class, month, quarter), * for "any key" and [] for "each item of a list":
#   shape:
#     rate: {type: rate, fixed: "IRC §1411(a)(1)"}
#     threshold.<filing_status>: {type: usd, fixed: "IRC §1411(b)"}
#     <filing_status>: {type: brackets}
#     <filing_status>[].over: {type: usd, indexed: "IRC §1(j)(3)"}
VALUE_TYPES = {
    "usd": "an amount in dollars (a number, not negative)",
    "rate": "a rate (a decimal fraction from 0 to 1)",
    "percent": "a percentage (a number from 0 to 100)",
    "count": "a count (a whole number, not negative)",
    "years": "a number of years (a whole number, not negative)",
    "number": "a number",
    "text": "a text",
    "date": "a date (YYYY-MM-DD)",
    "bool": "true or false",
    "brackets": "a bracket list ([{over, rate}, ...], `over` ascending from 0)",
}
UNIT_TYPES = {"usd": "usd", "rate": "rate", "percent": "percent", "years": "years", "count": "count"}
KEYED_DIMENSIONS = ("filing_status", "asset_class")


@lru_cache(maxsize=1)
def dimensions() -> dict[str, list[str]]:
    """The members of each dimension a table can be broken down by."""
    _, facts = _schemas()
    fs = facts["properties"]["taxpayer"]["properties"]["filing_status"]["enum"]
    ac = facts["properties"]["properties"]["items"]["properties"]["asset_class"]["enum"]
    return {"filing_status": list(fs), "asset_class": list(ac),
            "month": [str(m) for m in range(1, 13)], "quarter": [str(q) for q in range(1, 5)]}


@dataclass
class Node:
    path: tuple          # keys and list indexes, of the unwrapped values
    raw: tuple           # the same path in the file (a wrapped leaf's `value` included)
    index: tuple         # True where the step is a list index
    value: object
    source: str | None = None

    @property
    def leaf(self):
        return not isinstance(self.value, (dict, list))


def _wrapped(v):
    return isinstance(v, dict) and "value" in v and set(v) <= {"value", "source"}


def value_nodes(values, raw=("values",)):
    """Every node of a table's values, wrapped leaves `{value, source}` unwrapped."""
    out = []

    def walk(v, path, rawp, index):
        if _wrapped(v):
            out.append(Node(path, rawp + ("value",), index, v["value"], v.get("source")))
            return
        out.append(Node(path, rawp, index, v))
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, path + (k,), rawp + (k,), index + (False,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, path + (i,), rawp + (i,), index + (True,))

    walk(values, (), tuple(raw), ())
    return out


def key_text(path) -> str:
    """('single', 1, 'over') -> 'single[1].over' (how a value is named in messages and review marks)."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) and not isinstance(p, bool) else (("." if out else "") + str(p))
    return out


def parse_key(text: str) -> tuple:
    """'single[1].over' -> ('single', 1, 'over')"""
    out = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text):
        out.append(int(index) if index else name)
    return tuple(out)


def pattern_segments(pattern: str) -> list[str]:
    segs = []
    for part in str(pattern).split("."):
        name = part
        suffix = 0
        while name.endswith("[]"):
            name, suffix = name[:-2], suffix + 1
        if name:
            segs.append(name)
        segs += ["[]"] * suffix
    return segs


def _seg_matches(seg, key, is_index):
    if seg == "[]":
        return is_index
    if is_index:
        return False
    if seg == "*":
        return True
    if seg.startswith("<") and seg.endswith(">"):
        return str(key) in dimensions().get(seg[1:-1], [])
    return str(key) == seg


def matches(segs, node) -> bool:
    return len(segs) == len(node.path) and all(
        _seg_matches(s, k, i) for s, k, i in zip(segs, node.path, node.index))


def value_fault(value, decl) -> str | None:
    """Why a value is not what its declaration says, or None."""
    t = decl.get("type")
    if t == "brackets":
        return _brackets_fault(value)
    if t in ("usd", "rate", "percent", "count", "years", "number"):
        if not is_number(value):
            hint = ""
            if isinstance(value, str) and value.strip().endswith("%"):
                try:
                    hint = f"; write {value.strip()} as {Decimal(value.strip()[:-1]) / 100}" if t == "rate" else \
                        f"; write {value.strip()} as {value.strip()[:-1]}"
                except Exception:  # noqa: BLE001 - only a hint
                    hint = ""
            return f"{_short(value)!r} is not {VALUE_TYPES[t]}{hint}"
        lo = {"usd": 0, "rate": 0, "percent": 0, "count": 0, "years": 0}.get(t)
        hi = {"rate": 1, "percent": 100}.get(t)
        if decl.get("min") is not None:
            lo = decl["min"]
        if decl.get("max") is not None:
            hi = decl["max"]
        if t in ("count", "years") and value != int(value):
            return f"{value} is not {VALUE_TYPES[t]}"
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"from {lo} to {hi}" if lo is not None and hi is not None else (f"at least {lo}" if lo is not None
                                                                                else f"at most {hi}")
            hint = f"; write {value}% as {value / 100}" if t == "rate" and 1 < value <= 100 else ""
            return f"{value} is out of range: {VALUE_TYPES[t]}, {rng}{hint}"
        return None
    if t == "text":
        return None if isinstance(value, str) else f"{_short(value)!r} is not a text"
    if t == "date":
        ok = isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        return None if ok else f"{_short(value)!r} is not a date (YYYY-MM-DD)"
    if t == "bool":
        return None if isinstance(value, bool) else f"{_short(value)!r} is not true or false"
    return None


def _brackets_fault(value):
    if not isinstance(value, list) or not value:
        return f"not {VALUE_TYPES['brackets']}"
    prev = None
    for i, b in enumerate(value):
        if not isinstance(b, dict) or set(b) != {"over", "rate"}:
            return f"bracket [{i}] is not {{over, rate}}"
        over = b["over"]
        if not is_number(over):
            return f"bracket [{i}]: over {_short(over)!r} is not a number"
        if i == 0 and over != 0:
            return f"the first bracket starts over {over}; a bracket list starts over 0"
        if prev is not None and over <= prev:
            return f"bracket [{i}] starts over {over}, not above the bracket before it ({prev}): brackets ascend"
        prev = over
        reason = value_fault(b["rate"], {"type": "rate"})
        if reason:
            return f"bracket [{i}]: rate {reason}"
    return None


def shape_faults(rf, values, shape, base=("values",)) -> list[str]:
    """Faults of a table's values against its declared shape (completeness, types, ranges,
    undeclared values)."""
    faults = []
    nodes = value_nodes(values, base)
    covered = set()
    for pattern, decl in shape.items():
        segs = pattern_segments(pattern)
        decl = decl if isinstance(decl, dict) else {"type": decl}
        found = [n for n in nodes if matches(segs, n)]
        # completeness: each <dimension> has all its members
        for depth, seg in enumerate(segs):
            if not (seg.startswith("<") and seg.endswith(">")):
                continue
            members = dimensions().get(seg[1:-1])
            if members is None:
                faults.append(f"{at(rf, ['shape', pattern])}: shape {pattern}: unknown dimension {seg}; "
                              f"the dimensions are {', '.join('<' + d + '>' for d in dimensions())}")
                break
            parents = [n for n in nodes if matches(segs[:depth], n)]
            for parent in parents:
                if not isinstance(parent.value, dict):
                    faults.append(f"{at(rf, parent.raw)}: {key_text(parent.path) or 'values'}: is not broken down by "
                                  f"{seg[1:-1]} as the shape declares ({pattern})")
                    continue
                keys = {str(k) for k in parent.value}
                missing = [m for m in members if m not in keys]
                if missing:
                    faults.append(f"{at(rf, parent.raw)}: {key_text(parent.path) or 'values'}: no value for "
                                  f"{', '.join(missing)} (the shape declares every {seg[1:-1]}: {pattern})")
                for k in parent.value:
                    if str(k) not in members:
                        faults.append(f"{at(rf, parent.raw + (k,))}: {key_text(parent.path + (k,))}: {k!r} is not a "
                                      f"{seg[1:-1]} (they are {', '.join(members)})")
        if not found:
            faults.append(f"{at(rf, ['shape', pattern])}: shape declares {pattern}, which the table's values "
                          "do not have")
        for n in found:
            reason = value_fault(n.value, decl)
            if reason:
                faults.append(f"{at(rf, n.raw)}: {key_text(n.path)}: {reason}")
            if decl.get("type") == "brackets" or n.leaf:
                covered.add(n.path)
    for n in nodes:
        if not n.leaf or n.path in covered or any(n.path[:k] in covered for k in range(len(n.path))):
            continue
        faults.append(f"{at(rf, n.raw)}: {key_text(n.path)}: not declared in the table's shape "
                      "(a misspelt key, or a value to declare under shape:)")
    return faults


def unit_faults(rf, values, unit, base=("values",)) -> list[str]:
    """Without a shape: every number of a usd, rate, percent, years or count table is of that unit."""
    t = UNIT_TYPES.get(unit)
    if not t:
        return []
    faults = []
    for n in value_nodes(values, base):
        if n.leaf:
            reason = value_fault(n.value, {"type": t})
            if reason:
                faults.append(f"{at(rf, n.raw)}: {key_text(n.path)}: {reason} (the table's unit is {unit})")
    return faults


def breakdown_faults(rf, values, breakdown) -> list[str]:
    faults = []
    for dim in breakdown or []:
        members = dimensions().get(dim)
        if members is None or not isinstance(values, dict):
            continue   # a breakdown of the table's own (e.g. figure names): no fixed members
        keys = {str(k) for k in values}
        missing = [m for m in members if m not in keys]
        if missing:
            faults.append(f"{at(rf, ['values'])}: values: no value for {', '.join(missing)} (breakdown: [{dim}] "
                          f"names every {dim})")
        for k in values:
            if str(k) not in members:
                faults.append(f"{at(rf, ['values', k])}: values.{k}: not a {dim} (breakdown: [{dim}]; they are "
                              f"{', '.join(members)})")
        break   # only the first dimension is the top level
    return faults


def percentage_faults(rf) -> list[str]:
    """A percentage table: a value for every column in every row, rows 1..n without a gap,
    columns 1..n (or one column), each column summing to 100 within the printed rounding."""
    d = rf.data
    faults = []
    columns, rows = d.get("columns") or [], d.get("rows") or {}
    cols = [str(c) for c in columns]
    if len(cols) > 1 and cols != [str(i) for i in range(1, len(cols) + 1)]:
        faults.append(f"{at(rf, ['columns'])}: columns {columns}: the columns are the periods 1, 2, ... "
                      f"{len(cols)} of the convention, each once and in order")
    keys = []
    for k in rows:
        try:
            keys.append(int(str(k)))
        except ValueError:
            faults.append(f"{at(rf, ['rows', k])}: rows.{k}: a row is a recovery year 1, 2, 3, ...")
    expected = 1
    for k in sorted(keys):
        if k != expected:
            gap = f"recovery year {expected}" if k == expected + 1 else f"recovery years {expected}-{k - 1}"
            faults.append(f"{at(rf, ['rows', k])}: rows.{k}: {gap} missing: the rows run 1, 2, 3, ... without a gap")
        expected = k + 1
    width = len(cols)
    decimals = 0
    for k, row in rows.items():
        if isinstance(row, list) and len(row) != width:
            faults.append(f"{at(rf, ['rows', k])}: row {k} has {len(row)} values for {width} columns")
        for v in row if isinstance(row, list) else []:
            if isinstance(v, Decimal):
                decimals = max(decimals, -v.as_tuple().exponent)
    if faults or not width:
        return faults
    tolerance = Decimal(1).scaleb(-decimals) if decimals else Decimal("0.01")
    for i, c in enumerate(cols):
        total = sum((Decimal(row[i]) for row in rows.values() if isinstance(row, list) and is_number(row[i])),
                    Decimal(0))
        if abs(total - 100) > tolerance:
            faults.append(f"{at(rf, ['rows'])}: column {c} sums to {total}, not 100 (within {tolerance}, the "
                          "printed rounding): a row missing or a value mistyped?")
    return faults


def dated_faults(rf) -> list[str]:
    """A dated table: each period from <= to; periods of the same basis do not overlap; values of the unit."""
    faults = []
    t = UNIT_TYPES.get(rf.data.get("unit"))
    spans = {}
    for i, p in enumerate(rf.data.get("periods") or []):
        if t:
            reason = value_fault(p.get("value"), {"type": t})
            if reason:
                faults.append(f"{at(rf, ['periods', i, 'value'])}: periods[{i}].value: {reason}")
        lo, hi = str(p.get("from")), (None if p.get("to") is None else str(p.get("to")))
        if hi is not None and hi < lo:
            faults.append(f"{at(rf, ['periods', i])}: periods[{i}]: ends {hi}, before it starts {lo}")
        spans.setdefault(p.get("basis"), []).append((lo, hi, i))
    for basis, items in spans.items():
        items.sort()
        for (lo1, hi1, i), (lo2, hi2, j) in zip(items, items[1:]):
            if hi1 is None or lo2 <= hi1:
                faults.append(f"{at(rf, ['periods', j])}: periods[{j}] ({lo2}) overlaps periods[{i}] "
                              f"({lo1} to {hi1 or 'open'}) of the same basis")
    reason = citation_fault(rf.data.get("citation"))
    for i, p in enumerate(rf.data.get("periods") or []):
        r = citation_fault(p.get("source"))
        if r:
            faults.append(f"{at(rf, ['periods', i, 'source'])}: periods[{i}].source: {r}")
    if reason:
        faults.append(f"{at(rf, ['citation'])}: citation: {reason}")
    return faults


def review_mark_faults(rf) -> list[str]:
    """A review block names values the table has."""
    review = rf.data.get("review")
    if not isinstance(review, dict):
        return []
    faults = []
    leaves = {key_text(n.path) for n in value_nodes(rf.data.get("values", {})) if n.leaf}
    for key in (review.get("pending") or {}):
        if str(key) != "source" and str(key) not in leaves:
            faults.append(f"{at(rf, ['review', 'pending', key])}: review.pending.{key}: the table has no such value "
                          "(remove the mark)")
    return faults


def table_file_faults(rf) -> list[str]:
    """Structural faults of one table file (its schema already holds)."""
    d = rf.data or {}
    faults = []
    for key in ("citation", "source"):
        if key in d:
            reason = citation_fault(d[key])
            if reason:
                faults.append(f"{at(rf, [key])}: {key}: {reason}")
    if "rows" in d:
        return faults + percentage_faults(rf)
    if "periods" in d:
        return faults + dated_faults(rf)
    values = d.get("values", {})
    for n in value_nodes(values):
        if n.source is not None:
            reason = citation_fault(n.source)
            if reason:
                faults.append(f"{at(rf, n.raw[:-1] + ('source',))}: {key_text(n.path)}.source: {reason}")
    shape = d.get("shape") if isinstance(d.get("shape"), dict) else {}
    if not any(str(p).startswith("<") for p in shape):      # the shape says it already
        faults += breakdown_faults(rf, values, d.get("breakdown"))
    if d.get("shape"):
        faults += shape_faults(rf, values, d["shape"])
    elif "tax_year" in d:
        faults.append(f"{at(rf, ['table'])}: a tax year table declares the shape of its values (shape:), so "
                      "`rules check` can check each value and `rules new-year` knows which are indexed; see "
                      "docs/analyst-guide.md")
    else:
        faults += unit_faults(rf, values, d.get("unit"))
    faults += review_mark_faults(rf)
    return faults


def law_faults(law) -> list[str]:
    """Faults between the tables of one loaded tax year: each percentage table has one column
    for each period of its convention (the conventions table's periods_per_year)."""
    return _column_faults([(t.file, t.doc, t.values, 1) for t in law.tables.values()])


def _column_faults(tables) -> list[str]:
    """tables: [(file, doc, values, line of its columns)] in force together."""
    faults = []
    for file, doc, _, line in tables:
        if "rows" not in doc or "convention" not in doc:
            continue
        cols = doc.get("columns") or []
        for other_file, _, values, _ in tables:
            conv = values.get(doc["convention"]) if isinstance(values, dict) else None
            if not isinstance(conv, dict) or "periods_per_year" not in conv or not is_number(conv["periods_per_year"]):
                continue
            n = int(conv["periods_per_year"])
            if (n > 1 and len(cols) != n) or (n == 1 and len(cols) != 1):
                faults.append(f"{file}:{line}: columns: {len(cols)} columns, but the {doc['convention']} convention has "
                              f"{n} period{'s' if n != 1 else ''} a year ({other_file}): "
                              f"{'one column' if n == 1 else f'columns 1-{n}'} needed")
    return faults


def _unwrap(v):
    """`{value: x, source: s}` leaves become x."""
    if _wrapped(v):
        return v["value"]
    if isinstance(v, dict):
        return {k: _unwrap(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unwrap(x) for x in v]
    return v
