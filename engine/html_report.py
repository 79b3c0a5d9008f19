"""HTML reports: `explain --format html` (one result) and `whatif --format html`
(a comparison), each one self-contained file (no network, no scripts, no
external fonts), rendered from the Jinja2 templates in engine/templates/. Python
here only gathers the figures; the words of figures come from
tables/presentation/labels.yaml, the markup from the templates, the charts'
geometry from engine/charts.py."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from . import charts
from .formats import cents, money
from .labels import label as _label

TEMPLATES = Path(__file__).resolve().parent / "templates"
ZERO = Decimal(0)


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2", "svg"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = money
    env.filters["plain"] = cents
    env.filters["value"] = value_text
    return env


@lru_cache(maxsize=1)
def _layout() -> dict:
    from .yamlio import parse_yaml
    data, _ = parse_yaml((TEMPLATES / "forms.yaml").read_text(encoding="utf-8"), "templates/forms.yaml")
    return data


def value_text(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, Decimal):
        if v == v.to_integral_value() and 1900 <= v <= 2200 and v.as_tuple().exponent == 0:
            return str(int(v))  # a year
        if v == v.quantize(Decimal("0.01")):
            return money(v)
        exact = f"{v:,.10f}".rstrip("0")  # a ratio, or an amount before the form rounds it: as computed
        return exact
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, dict)):
        return f"[{len(v)} items]" if isinstance(v, list) else "{…}"
    return "—" if v is None else str(v)


def _version() -> str:
    from . import __version__
    return __version__


# -- explain ------------------------------------------------------------------------
def _named(key, root):
    text = _label(key, root)
    return text


def _field_label(name, root) -> str:
    """A figure's words; a field that is itself a form line's name ("line_17") shows no words."""
    text = _label(name, root)
    if text != name:
        return text
    if _LINE_FIELD.fullmatch(name):
        return ""
    return name.replace("_", " ")


def _form_of(line_text: str, forms: list) -> tuple[dict | None, str]:
    """The form a line text names, and the rest of it ('Form 4797 line 22' -> (Form 4797, 'line 22'))."""
    best = None
    for form in forms:
        for name in [form["name"]] + list(form.get("aliases") or []):
            if line_text.startswith(name) and (best is None or len(name) > len(best[1])):
                best = (form, name)
    if best is None:
        return None, line_text
    return best[0], line_text[len(best[1]):].strip()


_LINE_REF = re.compile(r"(lines?\s+\d+[a-z]?(?:\s*-\s*\d+[a-z]?)?|Part\s+[IVX]+)")


def _line_ref(rest: str) -> str:
    """The line a text names, without its words: 'line 21 (cost or other basis ...)' -> 'line 21'."""
    m = _LINE_REF.match(rest)
    return m.group(1) if m else rest


def _line_key(rest: str):
    m = re.search(r"(\d+)([a-z]?)", rest)
    return (int(m.group(1)), m.group(2)) if m else (0, rest)


def _part_of(form: dict, rest: str):
    parts = form.get("parts")
    if not parts:
        return None
    for part in parts:
        if any(rest.startswith(w) for w in part.get("words") or []):
            return part["title"]
    n = _line_key(rest)[0]
    for part in parts:
        if part["from"] <= n <= part["to"]:
            return part["title"]
    return parts[-1]["title"]


_LINE_FIELD = re.compile(r"(form_\d+_)?(schedule_d_)?line_\w+")


def _line_value(fields: dict):
    """The value of a form line: the form's own line field where the rules set one
    (form_4797_line_26g is the sum of the figures carried to it), else the first figure."""
    for name, v in fields.items():
        if _LINE_FIELD.fullmatch(name):
            return v
    return next(iter(fields.values()))


def _at(obj, path: str):
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _entity_label(entity: str) -> str:
    kind, _, rest = entity.partition(":")
    return rest or kind


def form_tables(result: dict, root=None) -> list[dict]:
    """Each form the rules filled, by part, with a column per entity (a unit of sale is a
    column of Form 4797 Part III) and a row per line, in line order."""
    layout = _layout()
    forms = layout["forms"]
    cells: dict = {}       # (form name, part, rest, entity) -> {field: value}, in firing order
    rows: dict = {}        # (form name, part) -> [rest]
    entities: dict = {}    # (form name, part) -> [entity]
    for step in result.get("trace") or []:
        for name, line in (step.get("lines") or {}).items():
            form, rest = _form_of(str(line), forms)
            if form is None:
                continue
            part = _part_of(form, rest)
            rest = _line_ref(rest)
            key = (form["name"], part)
            entity = step["entity"]
            cells.setdefault((*key, rest, entity), {})[name] = step["set"].get(name)
            if rest not in rows.setdefault(key, []):
                rows[key].append(rest)
            ents = entities.setdefault(key, [])
            if entity not in ents:
                ents.append(entity)
    for form in forms:
        source = form.get("all_lines")
        lines = _at(result, source) if source else None
        if isinstance(lines, dict) and lines:
            # every line of the worksheet, not only those a rule names
            key = (form["name"], None)
            rows[key] = [f"line {k[5:]}" for k in lines]
            entities[key] = ["return"]
            for k, v in lines.items():
                found = cells.setdefault((*key, f"line {k[5:]}", "return"), {})
                found[k] = v
    out = []
    for form in forms:
        parts = [p["title"] for p in form.get("parts") or []] or [None]
        blocks = []
        for part in parts:
            key = (form["name"], part)
            if key not in rows:
                continue
            ents = entities[key]
            if any(e.startswith("unit:") for e in ents):
                ents = [e for e in ents if not e.startswith("asset:")]  # units are the form's columns
            body = []
            for rest in sorted(rows[key], key=_line_key):
                found = [cells.get((*key, rest, e)) for e in ents]
                if not any(found):
                    continue
                names = [n for f in found if f for n in f]
                words = next((w for w in (_field_label(n, root) for n in names) if w), "")
                body.append({"line": rest, "label": words, "cells": [value_text(_line_value(f)) if f else ""
                                                                      for f in found]})
            if body:
                blocks.append({"title": part, "columns": [_entity_label(e) for e in ents], "rows": body})
        if blocks:
            out.append({"name": form["name"], "title": form["title"], "parts": blocks})
    return out


def _tax_by_rate(result: dict, root) -> list[tuple]:
    layout = _layout()
    t = result.get("tax") or {}
    ws = t.get("schedule_d_tax_worksheet") or {}
    items = []
    if ws and ws.get("line_47") is not None and ws.get("line_45") is not None and ws["line_47"] == ws["line_45"]:
        for i, spec in enumerate(layout["tax_by_rate"]):
            v = ws.get(spec["line"])
            if v:
                items.append((_label(spec["label"], root), v, f"c{i}"))
    elif ws and ws.get("line_47") is not None:
        spec = layout["all_at_bracket_rates"]
        items.append((_label(spec["label"], root), ws.get(spec["line"]), "c0"))
    elif t.get("regular_tax") is not None:
        items.append((_label("regular_tax", root), t["regular_tax"], "c0"))
    if t.get("niit"):
        items.append((_label("niit", root), t["niit"], "c6"))
    return items


def explain_model(result: dict, root=None) -> dict:
    t = result.get("tax") or {}
    label = lambda k: _label(k, root)  # noqa: E731
    headline = [{"key": k, "label": label(k), "value": t.get(k)} for k in
                ("tax_due_to_dispositions", "total_tax", "total_tax_without_dispositions", "regular_tax", "niit")
                if k in t]
    props = result.get("properties") or []
    disposed = [p for p in props if p.get("disposition_type") != "none"]
    components = []
    for p in disposed:
        for c, v in (p.get("components") or {}).items():
            if c not in components and any((q.get("components") or {}).get(c) for q in disposed):
                components.append(c)  # a handful of properties: quadratic is nothing
    character = [{"key": c, "label": label(c), "value": sum(((p.get("components") or {}).get(c) or ZERO
                                                            for p in disposed), ZERO)} for c in components]
    gains = [{"key": k, "label": label(k), "value": sum((p.get(k) or ZERO for p in disposed), ZERO)}
             for k in ("realized_gain", "recognized_gain", "deferred_gain")]
    gain_chart = charts.stacked_bars(
        [(p["id"], [(c, (p.get("components") or {}).get(c) or ZERO) for c in components]
          + ([("deferred_gain", p["deferred_gain"])] if p.get("deferred_gain") else [])) for p in disposed],
        {**{c: label(c) for c in components}, "deferred_gain": label("deferred_gain")})
    tax_chart = charts.bars(_tax_by_rate(result, root))
    property_rows = []
    for p in props:
        figures = [(label(k), p.get(k)) for k in ("amount_realized", "adjusted_basis", "realized_gain",
                                                   "recognized_gain", "deferred_gain", "replacement_basis")
                   if p.get(k) is not None]
        if p.get("holding_period"):
            figures.append((label("holding_period"), p["holding_period"]))
        dep = p.get("depreciation") or {}
        schedule = dep.get("schedule") or []
        running, sched_rows = ZERO, []
        for row in schedule:
            running += row["amount"]
            sched_rows.append({"year": row["year"], "amount": row["amount"], "total": running})
        property_rows.append({
            "id": p["id"], "asset_class": label(p["asset_class"]), "disposition": label(p["disposition_type"]),
            "figures": figures,
            "depreciation": [(label(k), dep.get(f)) for k, f in (("allowable", "allowable"), ("allowed", "allowed"),
                                                                  ("basis_reduction", "basis_reduction"),
                                                                  ("disposition_year", "disposition_year"))],
            "schedule": sched_rows,
            "schedule_chart": charts.columns([(r["year"], r["amount"]) for r in schedule]),
            "installments": p.get("installment_schedule") or [],
        })
    passive = (result.get("passive") or {}).get("activities") or []
    trace = []
    for i, s in enumerate(result.get("trace") or [], 1):
        version = str(s.get("version") or "")
        trace.append({"n": i, "rule": s["rule"], "citation": s.get("citation", ""), "file": s.get("file", ""),
                      "hash": version.split(":", 1)[-1][:12], "entity": s.get("entity", ""),
                      "read": [(k, value_text(v)) for k, v in (s.get("read") or {}).items()],
                      "set": [(k, value_text(v)) for k, v in (s.get("set") or {}).items()],
                      "lines": [(line, k) for k, line in (s.get("lines") or {}).items()]})
    rules = result.get("rules") or {}
    return {
        "case_id": result.get("case_id") or "", "tax_year": result.get("tax_year"),
        "rules_version": rules.get("version", ""), "version": _version(),
        "headline": headline, "character": character, "gains": gains,
        "gain_chart": gain_chart, "tax_chart": tax_chart, "properties": property_rows,
        "passive": [{"id": a["id"], "allowed": a.get("allowed"), "freed": a.get("freed_by_disposition"),
                     "carried": a.get("carried_forward")} for a in passive],
        "labels": {k: label(k) for k in ("passive_allowed", "freed_by_disposition", "carried_forward", "installment_schedule",
                                         "section_1231", "unrecaptured_section_1250", "short_term_ordinary")},
        "forms": form_tables(result, root), "warnings": list(result.get("warnings") or []), "trace": trace,
        "files": [(f, str(h).split(":", 1)[-1][:12]) for f, h in (rules.get("files") or {}).items()],
    }


def explain_html(result: dict, root=None) -> str:
    """The audit report of one result as one self-contained HTML page."""
    return _env().get_template("explain.html.j2").render(m=explain_model(result, root)) + "\n"


# -- whatif -------------------------------------------------------------------------
def whatif_model(table: dict, root=None) -> dict:
    ok = [s for s in table["scenarios"] if not s["error"]]
    years = table["years"]
    by_year = charts.stacked_bars(
        [(f"{s['n']}.", [(y["year"], y["total_tax"]) for y in s["years"]]) for s in ok],
        {y: _label("total_tax_in_year", root).format(year=y) for y in years})
    due = charts.bars([(f"{s['n']}.", s["values"].get("tax_due_to_dispositions"), "c1") for s in ok])
    return {"t": table, "version": _version(), "by_year": by_year, "due": due,
            "due_label": _label("tax_due_all_years", root), "total_label": _label("total_tax_all_years", root),
            "year_labels": {k: _label(k, root) for k in ("total_tax", "tax_due_to_dispositions", "recognized_gain",
                                                          "niit", "passive_losses_freed")}}


def whatif_html(table: dict, root=None) -> str:
    """The what-if comparison as one self-contained HTML page."""
    return _env().get_template("whatif.html.j2").render(m=whatif_model(table, root)) + "\n"
