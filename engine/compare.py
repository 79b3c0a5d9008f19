"""The what-if comparison: one row per scenario, in text (fits 120 columns),
JSON, CSV, Markdown or HTML. Every figure's name comes from
tables/presentation/labels.yaml (engine/labels.py)."""
from __future__ import annotations

import csv
import io
import textwrap
from decimal import Decimal

from .formats import cents, money
from .labels import label as _label

WIDTH = 120
ZERO = Decimal(0)


def comparison(rows: list[dict], library, name: str) -> dict:
    """The table model: the years, the figures (key and label) shown, and each scenario's values."""
    root = library.root if library is not None else None

    def label(key, **kw):
        text = _label(key, root)
        return text.format(**kw) if kw else text

    ok = [r for r in rows if r["error"] is None]
    years = sorted({y["year"] for r in ok for y in r["years"]})
    estimated = sorted({y["year"] for r in ok for y in r["years"] if y["law_year"] != y["year"]})
    components = []  # in the rules' order; only those that are not zero in some scenario
    for r in ok:
        for c, v in r["totals"]["components"].items():
            if c not in components and v:
                components.append(c)
    order = list(dict.fromkeys(c for r in ok for c in r["totals"]["components"]))
    components.sort(key=order.index)
    figures = [{"key": f"total_tax_{y}", "label": label("total_tax_in_year", year=y)
                + (" " + label("estimated") if y in estimated else "")} for y in years]
    figures += [{"key": "total_tax", "label": label("total_tax_all_years")},
                {"key": "difference", "label": label("difference_from_first")},
                {"key": "tax_due_to_dispositions", "label": label("tax_due_all_years")},
                {"key": "recognized_gain", "label": label("recognized_all_years")}]
    figures += [{"key": c, "label": label(c), "component": True} for c in components]
    figures += [{"key": "niit", "label": label("niit_all_years")},
                {"key": "passive_losses_freed", "label": label("passive_losses_freed")},
                {"key": "deferred_gain", "label": label("deferred_after_years")}]
    first = ok[0] if ok else None
    out = []
    for n, r in enumerate(rows, 1):
        s = {"n": n, "name": r["name"], "vary": r["vary"], "strategy": r["strategy"],
             "strategy_title": r.get("strategy_title"), "property": r["property"], "error": r["error"],
             "tax_year": r["tax_year"], "notes": r["notes"], "warnings": r["warnings"], "years": r["years"],
             "totals": r["totals"], "values": {}, "difference": None, "difference_text": None}
        if r["error"] is None:
            t = r["totals"]
            by_year = {y["year"]: y for y in r["years"]}
            v = {f"total_tax_{y}": by_year[y]["total_tax"] if y in by_year else None for y in years}
            v.update(total_tax=t["total_tax"], tax_due_to_dispositions=t["tax_due_to_dispositions"],
                     recognized_gain=t["recognized_gain"], niit=t["niit"],
                     passive_losses_freed=t["passive_losses_freed"], deferred_gain=t["deferred_gain"])
            v.update({c: t["components"].get(c, ZERO) for c in components})
            diff = t["total_tax"] - first["totals"]["total_tax"]
            v["difference"] = diff
            s["difference"] = diff
            if r is first:
                s["difference_text"] = "—"
            elif diff < 0:
                s["difference_text"] = label("saves", amount=money(-diff))
            elif diff > 0:
                s["difference_text"] = label("costs", amount=money(diff))
            else:
                s["difference_text"] = label("same")
            s["values"] = v
        if "results" in r:
            s["results"] = r["results"]
        out.append(s)
    return {"input": name, "case_id": next((x.get("case_id") for x in rows if x.get("case_id")), None),
            "years": years, "estimated_years": estimated, "figures": figures, "scenarios": out,
            "labels": {"scenario": label("scenario"), "notes": label("notes"), "warnings": label("warnings"),
                       "error": label("error"), "title": label("whatif_title"),
                       "first": label("first_scenario")}}


def render(table: dict, fmt: str, full: bool = False) -> str:
    if fmt == "json":
        return to_json(table, full) + "\n"
    if fmt == "csv":
        return to_csv(table)
    if fmt == "markdown":
        return to_markdown(table)
    if fmt == "html":
        from .html_report import whatif_html
        return whatif_html(table)
    return to_text(table)


# -- JSON and CSV ------------------------------------------------------------------
def to_json(table: dict, full: bool = False) -> str:
    from .result import to_json as dump
    scenarios = []
    for s in table["scenarios"]:
        item = {k: s[k] for k in ("name", "vary", "strategy", "property", "error", "tax_year", "years", "totals",
                                  "difference", "difference_text", "notes", "warnings")}
        if full and "results" in s:
            item["results"] = {str(y): dict(r) for y, r in s["results"].items()}
        scenarios.append(item)
    return dump({"input": table["input"], "years": table["years"], "estimated_years": table["estimated_years"],
                 "figures": [f["key"] for f in table["figures"]], "scenarios": scenarios})


def to_csv(table: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    keys = [f["key"] for f in table["figures"]]
    w.writerow(["scenario", "strategy", "property", "vary", "tax_year", "error"] + keys + ["difference_text"])
    for s in table["scenarios"]:
        w.writerow([s["name"], s["strategy"] or "", s["property"] or "", s["vary"], s["tax_year"] or "",
                    s["error"] or ""] + [cents(s["values"].get(k)) for k in keys] + [s["difference_text"] or ""])
    return buf.getvalue()


# -- Markdown -----------------------------------------------------------------------
def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(table: dict) -> str:
    labels = table["labels"]
    out = [f"# {labels['title']}: {_md(table['input'])}", ""]
    figures = table["figures"]
    out.append("| # | " + labels["scenario"] + " | " + " | ".join(_md(f["label"]) for f in figures) + " |")
    out.append("|---|---|" + "|".join("---:" for _ in figures) + "|")
    for s in table["scenarios"]:
        if s["error"]:
            out.append(f"| {s['n']} | {_md(s['name'])} | {labels['error']}: {_md(s['error'])} |"
                       + " |" * (len(figures) - 1))
            continue
        cells = [s["difference_text"] if f["key"] == "difference" else money(s["values"].get(f["key"])) for f in figures]
        out.append(f"| {s['n']} | {_md(s['name'])} | " + " | ".join(cells) + " |")
    for key in ("notes", "warnings"):
        items = grouped(table, key)
        if items:
            out += ["", f"## {labels[key]}", ""] + [f"- [{n}] {_md(t)}" for n, t in items]
    return "\n".join(out) + "\n"


# -- text -----------------------------------------------------------------------------
def _cell(s, f) -> str:
    if f["key"] == "difference":
        return s["difference_text"] or ""
    return money(s["values"].get(f["key"]))


def grouped(table: dict, key: str) -> list[tuple[str, str]]:
    """[(scenario numbers, text)]: a note or warning of several scenarios once, with their numbers."""
    order, nums = [], {}
    for s in table["scenarios"]:
        for t in s[key]:
            if t not in nums:
                order.append(t)
                nums[t] = []
            nums[t].append(s["n"])
    return [(_numbers(nums[t]), t) for t in order]


def _numbers(ns) -> str:
    runs, start, prev = [], None, None
    for n in ns:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            runs.append((start, prev))
            start = prev = n
    if start is not None:
        runs.append((start, prev))
    return ", ".join(f"{a}" if a == b else (f"{a}, {b}" if b == a + 1 else f"{a}–{b}") for a, b in runs)


def to_text(table: dict, width: int = WIDTH) -> str:
    """One row per scenario when that fits `width`; otherwise the figures down the side and
    the scenarios across, numbered, in as many blocks as it takes."""
    labels = table["labels"]
    figures = table["figures"]
    scenarios = table["scenarios"]
    ok = [s for s in scenarios if not s["error"]]
    lines = [f"{labels['title']}: {table['input']}"]
    # wide: one row per scenario
    name_w = max([len(labels["scenario"])] + [len(f"{s['n']}. {s['name']}") for s in scenarios])
    col_w = [max([len(f["label"])] + [len(_cell(s, f)) for s in ok]) for f in figures]
    if name_w + sum(w + 2 for w in col_w) <= width:
        lines.append("")
        lines.append(labels["scenario"].ljust(name_w) + "".join("  " + f["label"].rjust(w) for f, w in zip(figures, col_w)))
        for s in scenarios:
            head = f"{s['n']}. {s['name']}".ljust(name_w)
            if s["error"]:
                lines.append(head + f"  {labels['error']}: {s['error']}")
            else:
                lines.append(head + "".join("  " + _cell(s, f).rjust(w) for f, w in zip(figures, col_w)))
    else:
        lines.append("")
        for s in scenarios:
            text = f"{s['n']:>3}. {s['name']}" + (f" — {labels['error']}: {s['error']}" if s["error"] else "")
            lines += textwrap.wrap(text, width, subsequent_indent="     ", break_on_hyphens=False) or [text]
        label_w = min(max(len(f["label"]) for f in figures), 56)
        cell_w = max([len(_cell(s, f)) for s in ok for f in figures] + [8])
        per_block = max((width - label_w) // (cell_w + 2), 1)
        for start in range(0, len(ok), per_block):
            block = ok[start:start + per_block]
            lines.append("")
            lines.append(" " * label_w + "".join("  " + f"{s['n']}.".rjust(cell_w) for s in block))
            for f in figures:
                name = f["label"] if len(f["label"]) <= label_w else f["label"][:label_w - 1] + "…"
                lines.append(name.ljust(label_w) + "".join("  " + _cell(s, f).rjust(cell_w) for s in block))
    for key in ("notes", "warnings"):
        items = grouped(table, key)
        if items:
            lines += ["", f"{labels[key]} (by scenario):"]
            for n, t in items:
                lines += textwrap.wrap(f"  [{n}] {t}", width, subsequent_indent="      ", break_on_hyphens=False)
    return "\n".join(line.rstrip() for line in lines) + "\n"
