"""Results as CSV rows, for `evaluate --format csv` and `batch --format csv`.

One header line, then for each input: one `property` row per property, then one
`return` row with the return's headline figures (or, for an input that failed,
one `error` row). The columns, in this order:

| column | rows | what |
|---|---|---|
| input | all | the file name or `.jsonl` line (`file.jsonl:12`) |
| case_id, tax_year | property, return | from the fact set |
| row | all | `property`, `return` or `error` (an input's last row is `return` or `error`) |
| property_id, asset_class, disposition_type, holding_period | property | |
| amount_realized, adjusted_basis, realized_gain, recognized_gain, deferred_gain | property | |
| depreciation_allowed, depreciation_allowable | property | allowed (claimed) and allowable |
| section_1245_ordinary ... short_term_ordinary | property | this tax year's components (they add up to recognized_gain) |
| agi, taxable_income, regular_tax, niit, total_tax, total_tax_without_dispositions, tax_due_to_dispositions | return | |
| unrecaptured_section_1250_gain, section_1231_net, passive_losses_allowed | return | |
| warnings | return | the result's warnings, joined by ` | ` |
| error_path, error_reason | error | the first fault (the errors file has all) |

Money is written with two decimals (`32724.54`, `0.00`), exactly; an empty cell is
a figure that does not apply. Every row is one physical line (line breaks inside
a text become spaces), and a text that starts with `=`, `+`, `-` or `@` is
prefixed with `'` so that a spreadsheet never runs it as a formula."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

COMPONENTS = ["section_1245_ordinary", "section_1250_ordinary", "section_1017_ordinary", "section_291_ordinary",
              "unrecaptured_section_1250", "section_1231", "short_term_ordinary"]
TAX = ["agi", "taxable_income", "regular_tax", "niit", "total_tax", "total_tax_without_dispositions",
       "tax_due_to_dispositions"]
COLUMNS = (["input", "case_id", "tax_year", "row", "property_id", "asset_class", "disposition_type", "holding_period",
            "amount_realized", "adjusted_basis", "realized_gain", "recognized_gain", "deferred_gain",
            "depreciation_allowed", "depreciation_allowable"] + COMPONENTS + TAX
           + ["unrecaptured_section_1250_gain", "section_1231_net", "passive_losses_allowed", "warnings",
              "error_path", "error_reason"])
ROW_COLUMN = COLUMNS.index("row")
LAST_ROWS = ("return", "error")  # the kinds of row that end an input


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, (int, float)):
        return str(v)
    text = " ".join(str(v).splitlines())
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _line(values: dict) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(values.get(c)) for c in COLUMNS])
    return buf.getvalue()


def header() -> str:
    return _line({c: c for c in COLUMNS})


def result_rows(name: str, r: dict) -> str:
    """The rows of one result: each property, then the return."""
    out = []
    common = {"input": name, "case_id": r.get("case_id"), "tax_year": r.get("tax_year")}
    for p in r.get("properties") or []:
        row = dict(common, row="property", property_id=p.get("id"), asset_class=p.get("asset_class"),
                   disposition_type=p.get("disposition_type"), holding_period=p.get("holding_period"))
        for k in ("amount_realized", "adjusted_basis", "realized_gain", "recognized_gain", "deferred_gain"):
            row[k] = p.get(k)
        d = p.get("depreciation") or {}
        row["depreciation_allowed"], row["depreciation_allowable"] = d.get("allowed"), d.get("allowable")
        row.update({c: (p.get("components") or {}).get(c) for c in COMPONENTS})
        out.append(_line(row))
    tax = r.get("tax") or {}
    row = dict(common, row="return", **{k: tax.get(k) for k in TAX})
    row["unrecaptured_section_1250_gain"] = r.get("unrecaptured_section_1250_gain")
    row["section_1231_net"] = (r.get("section_1231") or {}).get("net")
    row["passive_losses_allowed"] = (r.get("passive") or {}).get("total_allowed")
    row["warnings"] = " | ".join(r.get("warnings") or [])
    out.append(_line(row))
    return "".join(out)


def error_row(name: str, path: str, reason: str) -> str:
    return _line({"input": name, "row": "error", "error_path": path, "error_reason": reason})


def row_kind(line: str) -> str | None:
    """The `row` column of one CSV line (None for the header or a broken line)."""
    try:
        fields = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    return fields[ROW_COLUMN] if len(fields) == len(COLUMNS) and fields[ROW_COLUMN] in ("property", *LAST_ROWS) \
        else None


def input_of(line: str) -> str | None:
    try:
        fields = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    value = fields[0] if fields else None
    return value[1:] if value and value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value
