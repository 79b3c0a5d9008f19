"""Readable reports of a result: a summary, and the audit trail (`explain`)."""
from __future__ import annotations

import html
from decimal import Decimal

from . import formats as fmt


def _m(v, name=None):
    """A value in explain and whatif. A field whose unit labels.yaml gives prints as
    what it is (a selling expense of 2000 is 2,000.00); any other keeps the old look."""
    if name is not None and not isinstance(v, (list, dict)):
        from .labels import unit
        if unit(name):
            return fmt.value(name, v)
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        if v == v.to_integral() and 1900 <= v <= 2200 and v.as_tuple().exponent == 0:
            return str(int(v))  # a year
        return f"{v:,.2f}" if v == v.quantize(Decimal("0.01")) else f"{v:,}"
    if isinstance(v, (list, dict)):
        return f"[{len(v)} items]" if isinstance(v, list) else "{…}"
    return str(v)


# -- the summary a person reads -----------------------------------------------
# Each figure is a row (depth, label, value text, form line); the text and the
# HTML summary are two renderings of the same rows. Labels and form lines are
# data (tables/presentation/labels.yaml); each value is formatted as what it is.
COMPONENTS = ("section_1245_ordinary", "section_1250_ordinary", "section_1017_ordinary", "section_291_ordinary",
              "unrecaptured_section_1250", "section_1231", "short_term_ordinary")
BUCKETS = ("ordinary", "rate_0", "rate_15", "rate_20", "rate_25", "rate_28")
HOLDING = {"long": "long term (held more than one year)", "short": "short term (held one year or less)"}


def _fig(name, v, depth=1, context=None):
    """A money row for field `name`, with its label and form line."""
    from .labels import form_line_in, label_in
    return (depth, label_in(name, context or "", None), fmt.money(v), form_line_in(name, context or "", None) or "")


def _heading(text, depth=0):
    return (depth, text, None, None)


def _nonzero(v):
    return v is not None and v != 0


def _property_rows(p, tax_year):
    from .labels import label
    kind = p["disposition_type"]
    share = p.get("ownership_share")
    title = f"{p['id']}: {label(p['asset_class'])}"
    if share is not None and share != 1:
        title += f", a {fmt.number(share * 100)}% share"
    assets = (p.get("depreciation") or {}).get("assets") or []
    rows = []
    if kind == "none":
        rows.append(_heading(f"{title}; not disposed of in {fmt.year(tax_year)}: no gain or loss this year"))
    else:
        rows.append(_heading(f"{title}; {label(kind)}"))
    if assets and assets[0].get("placed_in_service"):
        rows.append((1, "Placed in service", fmt.date(assets[0]["placed_in_service"]), ""))
    d = p["depreciation"]
    rows.append(_fig("allowable", d["allowable"]))
    if d.get("allowed") is not None and d["allowed"] != d["allowable"]:
        rows.append(_fig("allowed", d["allowed"]))
    rows.append(_fig("basis_reduction", d["basis_reduction"]))
    if kind != "none" and _nonzero(d.get("disposition_year")):
        rows.append(_fig("disposition_year", d["disposition_year"]))
    rows.append(_fig("adjusted_basis", p["adjusted_basis"]))
    if kind == "none":
        return rows
    if kind in ("death", "gift"):
        rows.append(_fig("replacement_basis", p["replacement_basis"], context=kind))
        return rows
    rows.append(_fig("amount_realized", p["amount_realized"]))
    rows.append(_fig("realized_gain", p["realized_gain"]))
    if p.get("holding_period"):
        rows.append(_heading(f"{label('holding_period')}: {HOLDING.get(p['holding_period'], p['holding_period'])}", 1))
    rows.append(_fig("recognized_gain", p["recognized_gain"], context=kind))
    if _nonzero(p.get("deferred_gain")) or kind in ("installment_sale", "like_kind_exchange"):
        rows.append(_fig("deferred_gain", p["deferred_gain"], context=kind))
    if p.get("replacement_basis") is not None:
        rows.append(_fig("replacement_basis", p["replacement_basis"]))
    parts = [(c, v) for c, v in p["components"].items() if _nonzero(v)]
    if parts:
        rows.append(_heading("Character of the gain recognized this year", 1))
        rows += [_fig(c, v, depth=2) for c, v in parts]
    return rows


def _schedule_table(p):
    """The installment schedule as a table: a header row and one row per payment year."""
    from .labels import label, label_in
    sched = p.get("installment_schedule") or []
    if not sched:
        return []
    comps = [c for c in COMPONENTS if any(_nonzero(row.get(c)) for row in sched)]
    head = [label_in("year", "installment"), label("principal"), label_in("gain", "installment")] + [label(c) for c in comps]
    body = [[fmt.year(row["year"]), fmt.money(row["principal"]), fmt.money(row["gain"])]
            + [fmt.money(row.get(c)) for c in comps] for row in sched]
    return [head] + body


def _return_rows(r):
    from .labels import label
    rows = [_heading(f"The return, tax year {fmt.year(r['tax_year'])}")]
    s = r.get("section_1231") or {}
    if any(_nonzero(v) for v in s.values()) or r.get("properties"):
        rows.append(_fig("section_1231_net", s.get("net")))
        for key, name in (("lookback_ordinary", "lookback_ordinary"), ("long_term_capital_gain", "long_term_capital_gain"),
                          ("ordinary_loss", "ordinary_loss")):
            if _nonzero(s.get(key)):
                rows.append(_fig(name, s[key]))
    if _nonzero(r.get("unrecaptured_section_1250_gain")):
        rows.append(_fig("unrecaptured_section_1250_gain", r["unrecaptured_section_1250_gain"]))
    passive = r.get("passive") or {}
    if passive.get("activities"):
        rows.append(_fig("total_allowed", passive.get("total_allowed")))
        if _nonzero(passive.get("special_allowance")):
            rows.append(_fig("special_allowance", passive["special_allowance"]))
        for a in passive["activities"]:
            rows.append(_heading(f"Passive activity {a['id']}", 1))
            rows.append(_fig("allowed", a.get("allowed"), depth=2, context="activity"))
            if _nonzero(a.get("freed_by_disposition")):
                rows.append(_fig("freed_by_disposition", a["freed_by_disposition"], depth=2))
            rows.append(_fig("carried_forward", a.get("carried_forward"), depth=2))
    t = r.get("tax")
    if t:
        for name in ("agi", "deduction", "taxable_income"):
            if name in t:
                rows.append(_fig(name, t[name]))
        buckets = [(b, v) for b, v in (t.get("by_bucket") or {}).items() if _nonzero(v)]
        if buckets:
            rows.append(_heading("Taxable income by the rate that taxes it", 1))
            rows += [_fig(b, v, depth=2) for b, v in sorted(buckets, key=lambda bv: BUCKETS.index(bv[0])
                                                             if bv[0] in BUCKETS else len(BUCKETS))]
        for name in ("regular_tax", "niit", "total_tax", "total_tax_without_dispositions", "tax_due_to_dispositions"):
            if name in t:
                rows.append(_fig(name, t[name]))
    return rows


def _warning_text(w: str) -> str:
    """A rule's warning begins with the entity it is about (`unit:duplex: ...`): name it as the facts do."""
    import re
    return re.sub(r"^[a-z_]+:([^\s:]+): ", r"\1: ", w)


def _blocks(r):
    """The summary as blocks: ("rows", rows) and ("table", [header, *rows])."""
    blocks = []
    for p in r.get("properties") or []:
        blocks.append(("rows", _property_rows(p, r.get("tax_year"))))
        table = _schedule_table(p)
        if table:
            from .labels import form_line, label
            blocks.append(("rows", [(1, f"{label('installment_schedule')} ({form_line('installment_schedule')})", None, None)]))
            blocks.append(("table", table))
    blocks.append(("rows", _return_rows(r)))
    return blocks


def text_summary(r: dict) -> str:
    """What `recapture evaluate --format text` prints: each property's figures, the
    installment schedule, the return's figures and the tax due to the dispositions,
    in the law's own names with their form lines, then the warnings."""
    out = [f"{r.get('case_id') or '(no case id)'} — tax year {fmt.year(r.get('tax_year'))} "
           f"(law version {r.get('rules', {}).get('version', '—')})"]
    all_rows = [row for kind, b in _blocks(r) if kind == "rows" for row in b]
    width = max((2 * d + len(label) for d, label, v, _ in all_rows if v is not None), default=20)
    vwidth = max((len(v) for _, _, v, _ in all_rows if v is not None), default=12)
    for kind, block in _blocks(r):
        if kind == "table":
            widths = [max(len(row[i]) for row in block) for i in range(len(block[0]))]
            for row in block:
                out.append("    " + "  ".join(c.rjust(w) for c, w in zip(row, widths)))
            continue
        for depth, label, value, line in block:
            pad = "  " * (depth + 1)
            if value is None:  # a heading, or a line of text
                if depth == 0:
                    out.append("")
                out.append(f"{pad}{label}" if depth else label)
            else:
                out.append(f"{pad}{label:<{width - 2 * depth}}  {value:>{vwidth}}" + (f"   {line}" if line else ""))
    if r.get("warnings"):
        out += ["", "Warnings"] + [f"  - {_warning_text(w)}" for w in r["warnings"]]
    return "\n".join(out)


def _fmt_pairs(d: dict) -> str:
    return ", ".join(f"{k} = {_m(v, k)}" for k, v in d.items()) or "—"


def explain(r: dict, fmt: str = "text") -> str:
    """Every rule that fired, in order, with citation, file and version, what it read and set,
    and the form lines it filled."""
    steps = r["trace"]
    if fmt == "markdown":
        out = [f"# Audit report: {r['case_id']}", "",
               f"Tax year {r['tax_year']}; rules version `{r['rules']['version']}`.", "",
               "## Rule and table files", "", "| file | sha256 |", "|---|---|"]
        out += [f"| `{f}` | `{h[7:23]}…` |" for f, h in r["rules"]["files"].items()]
        out += ["", "## Rules fired, in order", ""]
        for i, s in enumerate(steps, 1):
            out.append(f"{i}. **{s['rule']}** on `{s['entity']}` — {s['citation']}  ")
            out.append(f"   file `{s['file']}` ({s['version'][:19]}…)  ")
            out.append(f"   read: {_fmt_pairs(s['read'])}  ")
            out.append(f"   set: {_fmt_pairs(s['set'])}  ")
            for name, line in (s.get("lines") or {}).items():
                out.append(f"   {line}: {name} = {_m(s['set'].get(name), name)}  ")
        out += ["", "## Form lines", ""] + [f"- {l}" for l in _form_lines(r)]
        if r["warnings"]:
            out += ["", "## Warnings", ""] + [f"- {w}" for w in r["warnings"]]
        return "\n".join(out) + "\n"
    if fmt == "html":
        from .html_report import explain_html  # engine/templates/explain.html.j2
        return explain_html(r)
    out = [f"AUDIT REPORT: {r['case_id']} — tax year {r['tax_year']} — rules version {r['rules']['version']}", "",
           "Rule and table files:"]
    out += [f"  {f}  {h[:19]}…" for f, h in r["rules"]["files"].items()]
    out += ["", "Rules fired, in order:"]
    for i, s in enumerate(steps, 1):
        out.append(f"{i:>4}. {s['rule']}  [{s['entity']}]")
        out.append(f"        {s['citation']}")
        out.append(f"        file {s['file']} ({s['version'][:19]}…)")
        out.append(f"        read: {_fmt_pairs(s['read'])}")
        out.append(f"        set:  {_fmt_pairs(s['set'])}")
        for name, line in (s.get("lines") or {}).items():
            out.append(f"        → {line}: {name} = {_m(s['set'].get(name), name)}")
    out += ["", "Form lines:"] + [f"  {l}" for l in _form_lines(r)]
    if r["warnings"]:
        out += ["", "Warnings:"] + [f"  - {w}" for w in r["warnings"]]
    return "\n".join(out) + "\n"


def _form_lines(r):
    """The last value each form line received, per entity, in firing order."""
    seen = {}
    for s in r["trace"]:
        for name, line in (s.get("lines") or {}).items():
            seen[(s["entity"], line, name)] = s["set"].get(name)
    return [f"{line} [{entity}] {name}: {_m(v, name)}" for (entity, line, name), v in seen.items()]


def html_summary(r: dict) -> str:
    """The summary as an HTML table (a notebook's view of a result): the same rows
    as the text summary, labels, money and form lines escaped."""
    from .labels import label as _label
    e = html.escape
    bottom = _label("tax_due_to_dispositions")  # the number a seller plans with, in bold
    cells = []
    for kind, block in _blocks(r):
        if kind == "table":
            head, *body = block
            inner = "<tr>" + "".join(f"<th style='text-align:right'>{e(h)}</th>" for h in head) + "</tr>" + "".join(
                "<tr>" + "".join(f"<td style='text-align:right'>{e(c)}</td>" for c in row) + "</tr>" for row in body)
            cells.append(f"<tr><td colspan='3'><table>{inner}</table></td></tr>")
            continue
        for depth, label, value, line in block:
            indent = f"padding-left:{depth * 1.2:.1f}em;text-align:left"
            if value is None:
                cells.append(f"<tr><th colspan='3' style='{indent}'>{e(label)}</th></tr>")
            else:
                weight = ";font-weight:bold" if label == bottom else ""
                cells.append(f"<tr><td style='{indent}{weight}'>{e(label)}</td>"
                             f"<td style='text-align:right{weight}'>{e(value)}</td>"
                             f"<td style='text-align:left;color:#666'>{e(line or '')}</td></tr>")
    for w in r.get("warnings") or []:
        cells.append(f"<tr><td colspan='3' style='text-align:left'>Warning: {e(_warning_text(w))}</td></tr>")
    caption = (f"{e(str(r.get('case_id') or ''))} — tax year {e(fmt.year(r.get('tax_year')))} "
               f"(law version {e(str(r.get('rules', {}).get('version', '—')))})")
    return f"<table><caption>{caption}</caption>{''.join(cells)}</table>"
