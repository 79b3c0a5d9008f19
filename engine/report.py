"""Readable reports of a result: a summary, and the audit trail (`explain`)."""
from __future__ import annotations

import html
from decimal import Decimal


def _m(v):
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        if v == v.to_integral() and 1900 <= v <= 2200 and v.as_tuple().exponent == 0:
            return str(int(v))  # a year
        return f"{v:,.2f}" if v == v.quantize(Decimal("0.01")) else f"{v:,}"
    if isinstance(v, (list, dict)):
        return f"[{len(v)} items]" if isinstance(v, list) else "{…}"
    return str(v)


def text_summary(r: dict) -> str:
    lines = [f"{r['case_id']} — tax year {r['tax_year']} (rules {r['rules']['version']})"]
    for p in r["properties"]:
        lines.append(f"  {p['id']} ({p['asset_class']}, {p['disposition_type']})")
        d = p["depreciation"]
        lines.append(f"    depreciation allowable {_m(d['allowable'])}   basis reduced by {_m(d['basis_reduction'])}")
        lines.append(f"    amount realized {_m(p['amount_realized'])}   adjusted basis {_m(p['adjusted_basis'])}   "
                     f"gain {_m(p['realized_gain'])} ({p['holding_period'] or '—'} term)")
        for name, v in p["components"].items():
            if v:
                lines.append(f"      {name:<28}{_m(v):>16}")
    if "tax" in r:
        t = r["tax"]
        lines.append(f"  taxable income {_m(t['taxable_income'])}   regular tax {_m(t['regular_tax'])}   NIIT {_m(t['niit'])}")
        lines.append(f"  total tax {_m(t['total_tax'])}   without the dispositions {_m(t['total_tax_without_dispositions'])}")
        lines.append(f"  TAX DUE TO THE DISPOSITIONS {_m(t['tax_due_to_dispositions'])}")
    for w in r["warnings"]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def _fmt_pairs(d: dict) -> str:
    return ", ".join(f"{k} = {_m(v)}" for k, v in d.items()) or "—"


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
                out.append(f"   {line}: {name} = {_m(s['set'].get(name))}  ")
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
            out.append(f"        → {line}: {name} = {_m(s['set'].get(name))}")
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
    return [f"{line} [{entity}] {name}: {_m(v)}" for (entity, line, name), v in seen.items()]


def html_summary(r: dict) -> str:
    """A compact HTML table of the headline figures (a notebook's view of a result)."""
    t = r.get("tax") or {}
    rows = [("Tax due to the dispositions", t.get("tax_due_to_dispositions")), ("Total tax", t.get("total_tax")),
            ("Regular tax", t.get("regular_tax")), ("Net investment income tax", t.get("niit"))]
    for p in r.get("properties", []):
        rows.append((f"{p['id']}: recognized gain", p.get("recognized_gain")))
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:right'>{_m(v)}</td></tr>"
                   for k, v in rows)
    return (f"<table><caption>{html.escape(str(r.get('case_id', '')))} — tax year {r.get('tax_year')}</caption>"
            f"{body}</table>")
