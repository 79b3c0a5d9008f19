"""`recapture whatif`: every combination of varied fields, side by side."""
from __future__ import annotations

import copy
from decimal import Decimal
import itertools
import re
import sys

from .facts import load_document
from .yamlio import InputError, parse_yaml


def _set(data, path, value, name):
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    if not parts:
        raise InputError(name, path, "empty field path")
    obj = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key = int(part[1:-1]) if part.startswith("[") else part
        if last:
            obj[key] = value
            return
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            if isinstance(key, str) and isinstance(obj, dict):
                obj = obj.setdefault(key, {})
            else:
                raise InputError(name, path, f"no {part} in the fact file") from None


def _axes(vary, name):
    """--vary specs ("FIELD=V1,V2") or a {field: [values]} mapping to [(field, [values])]."""
    if isinstance(vary, dict):
        return [(f, list(v)) for f, v in vary.items()]
    axes = []
    for spec in vary:
        field, sep, values = spec.partition("=")
        if not sep or not field or not values:
            raise InputError(name, "--vary", f"{spec}: write FIELD=V1,V2,...")
        vals = []
        for v in values.split(","):
            parsed, _ = parse_yaml(v, "--vary")
            vals.append(parsed)
        axes.append((field.strip(), vals))
    return axes


def scenarios(facts_or_path, vary, library, name=None):
    """Every combination of the varied fields, each evaluated: [{vary, result, error}]."""
    from .api import Result, _plain_input, evaluate_guarded, input_name
    from .errors import EXIT_INPUT, Fault
    from .facts import parse_facts
    name = name or input_name(facts_or_path)
    if isinstance(facts_or_path, dict):
        base = _plain_input(facts_or_path)
    else:
        try:
            base, _ = load_document(str(facts_or_path), name)
        except InputError as e:
            raise Fault(EXIT_INPUT, [str(e)])
    try:
        axes = _axes(vary, name)
    except InputError as e:
        raise Fault(EXIT_INPUT, [str(e)])
    rows = []
    for combo in itertools.product(*[[(f, v) for v in vals] for f, vals in axes]):
        data = copy.deepcopy(base)
        label = ", ".join(f"{f}={v}" for f, v in combo)
        scenario = f"{name} [{label}]"
        try:
            for f, v in combo:
                _set(data, f, v, name)
            by_year = (data.get("taxpayer_by_year") or {})
            year = data.get("tax_year")
            if year in by_year or str(year) in by_year:
                data["taxpayer"] = by_year.get(year, by_year.get(str(year)))
            result = Result(evaluate_guarded(scenario, lambda: parse_facts(data, scenario), library))
            rows.append({"vary": label, "result": result, "error": None})
        except InputError as e:  # a --vary path that is not in the fact file
            rows.append({"vary": label, "result": None, "error": str(e)})
        except Fault as e:
            if e.code != EXIT_INPUT:
                raise  # faulty rules spoil every row
            rows.append({"vary": label, "result": None, "error": "; ".join(e.lines)})
    return rows


def run_whatif(args, library):
    from .report import _m
    from .result import to_json
    rows = [(s["vary"], s["result"], s["error"]) for s in scenarios(args.file, args.vary, library, args.file)]
    if args.format == "json":
        sys.stdout.write(to_json([{"vary": l, "result": r, "error": e} for l, r, e in rows]) + "\n")
        return
    comps = ["section_1245_ordinary", "section_1250_ordinary", "section_291_ordinary", "unrecaptured_section_1250",
             "section_1231", "short_term_ordinary"]
    head = ["scenario", "recognized", "deferred"] + comps + ["total tax", "tax due to dispositions"]
    table = [head]
    for label, r, err in rows:
        if err:
            table.append([label, "error: " + err] + [""] * (len(head) - 2))
            continue
        ps = r["properties"]
        def total(key):
            return sum((p[key] if p[key] is not None else Decimal(0) for p in ps), Decimal(0))
        table.append([label, _m(total("recognized_gain")), _m(total("deferred_gain"))]
                     + [_m(sum(p["components"].get(c, 0) for p in ps)) for c in comps]
                     + [_m(r["tax"]["total_tax"]), _m(r["tax"]["tax_due_to_dispositions"])])
    widths = [max(len(str(row[i])) for row in table if not str(row[1]).startswith("error")) if i else
              max(len(str(row[0])) for row in table) for i in range(len(head))]
    for row in table:
        if str(row[1]).startswith("error"):
            print(f"{row[0]:<{widths[0]}}  {row[1]}")
        else:
            print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
