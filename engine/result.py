"""The contract's result object, assembled from a finished workbook. Money is
rounded to cents here, at the edge, and nowhere else."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

from .formula import CENT, round_cents

_quantize = Decimal.quantize  # perf: called unbound, the method is not looked up on each value


def money(v):
    if type(v) is Decimal:  # round_cents(v) without converting a Decimal to itself
        return _quantize(v, CENT, ROUND_HALF_UP)  # rounding given by position: no keyword parsing (perf)
    return None if v is None else round_cents(v)


def _v(entity, name, default=None):
    values: dict = entity.values  # typed (perf): the compiled twin reads it without a method call
    return values.get(name, default)


def _by_year(rows):
    """Rows of {year, ...amounts} added up by year, in year order, in cents."""
    by_year = {}
    for row in rows:
        acc = by_year.setdefault(row["year"], {})
        for k, v in row.items():
            if k != "year":
                acc[k] = acc.get(k, _NOTHING) + v
    return [{"year": y, **{k: money(v) for k, v in row.items()}} for y, row in sorted(by_year.items())]


def _schedule(assets):
    """The assets' depreciation schedules, added up by year."""
    return _by_year(r for a in assets for r in _v(a, "schedule", []))


def _installments(units):
    """The units' installment schedules, added up by year."""
    return _by_year(r for u in units for r in _v(u, "installment_schedule", []))


def _lines(values, prefix: str):
    """Form line values named `<prefix><line>`, keyed by `line_<line>`."""
    return _two_lines(values, prefix, None)[0]


def _two_lines(values: dict, first: str, second: str | None):
    """_lines(values, first), _lines(values, second), in one pass. (perf: the names
    typed `str`, so the compiled twin tests their starts without a method call)"""
    a: dict = {}
    b: dict = {}
    n, m = len(first), len(second or "")
    k: str
    for k, v in values.items():
        if k.startswith(first):
            a["line_" + k[n:]] = money(v)
        elif second is not None and k.startswith(second):
            b["line_" + k[m:]] = money(v)
    return a, b


_NOTHING = Decimal(0)
_NOTHING_CENTS = Decimal("0.00")


def _components(entity, names):
    """{component: its value in cents (0.00 when never set)} (money(_v(e, c, Decimal(0))))."""
    values = entity.values
    out = {}
    for c in names:
        v = values.get(c, _NOTHING)
        out[c] = _NOTHING_CENTS if v is _NOTHING else money(v)
    return out


def assemble(facts: dict, book) -> dict:
    law = book.law
    out = {"case_id": facts.get("case_id", ""), "tax_year": facts["tax_year"],
           "rules": {"year": facts["tax_year"], "version": law.version, "files": law.files_in_order()}}
    props = []
    for p in facts["properties"]:
        e = book.get(f"property:{p['id']}")
        assets = [book.get(i) for i in e.links["assets"]]
        units = [book.get(i) for i in e.links["units"]]
        prop = {
            "id": p["id"],
            "asset_class": p["asset_class"],
            "ownership_share": p["ownership_share"],
            "disposition_type": p["disposition"]["type"],
            "depreciation": {
                "allowable": money(_v(e, "allowable")),
                "allowed": money(_v(e, "allowed")),
                "basis_reduction": money(_v(e, "basis_reduction")),
                "disposition_year": money(_v(e, "disposition_year_depreciation")),
                "schedule": _schedule(assets),
                "assets": [{
                    "id": a.id.split(":", 1)[1], "asset_class": a.values["asset_class"],
                    "placed_in_service": a.values["placed_in_service"],
                    "depreciable_basis": money(_v(a, "depreciable_basis")),
                    "table": _v(a, "depreciation_table"),
                    "convention": _v(a, "applied_convention"),
                    "allowable": money(_v(a, "allowable")),
                    "basis_reduction": money(_v(a, "basis_reduction")),
                    "schedule": [{"year": r["year"], "amount": money(r["amount"])} for r in _v(a, "schedule", [])],
                } for a in assets],
            },
            "adjusted_basis": money(_v(e, "adjusted_basis")),
            "amount_realized": money(_v(e, "amount_realized")),
            "realized_gain": money(_v(e, "realized_gain")),
            "recognized_gain": money(_v(e, "recognized_gain")),
            "deferred_gain": money(_v(e, "deferred_gain")),
            "holding_period": _v(e, "holding_period"),
            "components": _components(e, book.components),
            "units": [{
                "id": u.id.split(":", 1)[1], "part": u.values["part"], "recapture_class": u.values["recapture_class"],
                "amount_realized": money(_v(u, "amount_realized")), "adjusted_basis": money(_v(u, "adjusted_basis")),
                "realized_gain": money(_v(u, "realized_gain")), "recognized_gain": money(_v(u, "recognized_gain")),
                "holding_period": _v(u, "holding_period"),
                "components": _components(u, book.components),
                "form_4797": _lines(u.values, "form_4797_line_"),
            } for u in units],
            "installment_schedule": _installments(units),
            "replacement_basis": money(_v(e, "replacement_basis")),
        }
        props.append(prop)
    out["properties"] = props
    out.update(_return_blocks(book))
    out["trace"] = book.trace
    out["warnings"] = list(book.warnings)
    return out


def _plain(o):
    """The result with money as JSON-able numbers (int, or float for a fraction,
    which may lose digits beyond 15). Kept for callers that hand results to the
    `json` module; the writers below do not use it and write money exactly."""
    if isinstance(o, Decimal):
        if o == o.to_integral() and abs(o) < 10 ** 15:
            return int(o)
        return float(o)  # float ok: this helper is documented as lossy, for the json module only
    if isinstance(o, dict):
        return {str(k): _plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_plain(v) for v in o]
    return o


# -- writing results as JSON -------------------------------------------------
# Money is Decimal up to here. A Decimal is written as a JSON number, exactly, at
# any size: a whole value without decimals (1234567890123456), any other as its
# shortest exact text (1234.5, 0.1, 1234567890123456.78), which for a value a
# float holds exactly is the float's own text. orjson
# (when installed) writes the JSON, with each Decimal handed over as a ready
# number text (`orjson.Fragment`); without orjson, or for what orjson refuses
# (integers beyond 64 bits, non-text keys, unpaired surrogates), a pure-Python
# writer gives exactly the bytes `json.dumps` gives, so the output never
# depends on which path ran.
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by the no-orjson CI line
    _orjson = None


def _float_text(f: float) -> str:
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):  # float ok: the JSON text of a non-finite number
        return "Infinity" if f > 0 else "-Infinity"
    return float.__repr__(f)


def _decimal_text_slow(o: Decimal) -> str:
    if not o.is_finite():
        return _float_text(float(o))  # float ok: NaN and Infinity as json.dumps writes them
    if o == o.to_integral_value():
        return str(int(o))  # a whole number, at any size
    r = _float_text(float(o))  # float ok: kept only when its text is exactly the Decimal
    if Decimal(r) == o:  # the float's shortest text is exact: keep it (e.g. 2.5e-07)
        return r
    text = format(o, "f")  # exact, without an exponent
    return text.rstrip("0").rstrip(".") if "." in text else text


def decimal_text(o: Decimal) -> str:
    """The exact JSON number text of a Decimal (its shortest: 1234.50 -> 1234.5)."""
    s = o.__str__()
    if "E" in s or "n" in s or "N" in s:  # an exponent, NaN, Infinity
        return _decimal_text_slow(o)
    point = s.find(".")
    whole = s if point < 0 else s[:point]
    frac = "" if point < 0 else s[point + 1:].rstrip("0")
    digits = len(whole) - (whole[:1] == "-")
    if not frac:  # a whole number
        return "0" if whole == "-0" else whole
    if whole in ("0", "-0"):
        zeros = len(frac) - len(frac.lstrip("0"))
        if zeros >= 4:  # below 1e-4 the shortest text has an exponent
            return _decimal_text_slow(o)
        significant = len(frac) - zeros
    else:
        significant = digits + len(frac)
    if significant > 15:  # beyond 15 digits, see whether a float keeps them
        return _decimal_text_slow(o)
    return whole + "." + frac


_ZERO = _orjson.Fragment("0") if _orjson is not None else None  # decimal_text of every zero
_by_text: dict = {}  # a Decimal's str() -> the orjson Fragment of its number text


def _fragment(o, _Decimal=Decimal):
    """orjson's `default`, called for every object it cannot write itself: a Decimal's
    number text as a Fragment, found by the Decimal's str() (perf: hashing a Decimal
    made by arithmetic costs 0.5-0.7 us the first time, its str() 0.1 us; equal values
    of different str() get the same text). A signalling NaN has no text (ValueError:
    then the pure writer writes the line), and anything but a Decimal is refused as
    json.dumps refuses it."""
    if isinstance(o, _Decimal):
        if not o and type(o) is _Decimal:  # a zero, of any sign or exponent, is written 0 (perf: 45% of a line's)
            return _ZERO
        s = str(o)
        by_text: dict = _by_text  # typed: in the compiled twin (engine/native.py) dict.get is a direct call
        frag = by_text.get(s)
        if frag is None:
            if len(by_text) > 20_000:
                by_text.clear()
            frag = by_text[s] = _orjson.Fragment(decimal_text(o))
        return frag
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


_encode_str = json.encoder.encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False


def _write(o, out, indent, level, item_sep, key_sep):  # noqa: C901 - one branch per JSON type
    if isinstance(o, str):
        out.append(_encode_str(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, Decimal):
        out.append(decimal_text(o))
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float_text(o))
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        if indent is None:
            out.append("{")
            sep = item_sep
        else:
            level += 1
            pad = "\n" + " " * (indent * level)
            out.append("{" + pad)
            sep = item_sep + pad
        first = True
        for k, v in o.items():
            if not first:
                out.append(sep)
            first = False
            out.append(_encode_str(k if isinstance(k, str) else str(k)))
            out.append(key_sep)
            _write(v, out, indent, level, item_sep, key_sep)
        if indent is not None:
            out.append("\n" + " " * (indent * (level - 1)))
        out.append("}")
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        if indent is None:
            out.append("[")
            sep = item_sep
        else:
            level += 1
            pad = "\n" + " " * (indent * level)
            out.append("[" + pad)
            sep = item_sep + pad
        first = True
        for v in o:
            if not first:
                out.append(sep)
            first = False
            _write(v, out, indent, level, item_sep, key_sep)
        if indent is not None:
            out.append("\n" + " " * (indent * (level - 1)))
        out.append("]")
    else:
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def dumps_pure(obj, indent=None, separators=None) -> str:
    """The pure-Python writer: the bytes of json.dumps(_plain(obj), indent=indent,
    separators=separators, ensure_ascii=False), with Decimals as `decimal_text`."""
    if separators is None:
        separators = (", ", ": ") if indent is None else (",", ": ")
    out: list[str] = []
    _write(obj, out, indent, 0, separators[0], separators[1])
    return "".join(out)


def to_json(obj, indent=2) -> str:
    """A result (or a list of them) as `recapture evaluate` writes it."""
    if _orjson is not None and indent == 2:
        try:
            return _orjson.dumps(obj, default=_fragment, option=_orjson.OPT_INDENT_2).decode("utf-8")
        except (TypeError, _orjson.JSONEncodeError):
            pass
    return dumps_pure(obj, indent=indent)


def to_json_line(obj) -> str:
    """One compact line (no spaces), as `recapture batch` writes each result."""
    if _orjson is not None:
        try:
            return _orjson.dumps(obj, default=_fragment).decode("utf-8")
        except (TypeError, _orjson.JSONEncodeError):
            pass
    return dumps_pure(obj, separators=(",", ":"))


def to_json_line_bytes(obj) -> bytes:
    """`to_json_line(obj) + "\n"` as the bytes batch writes (UTF-8; a lone surrogate,
    which only the pure writer lets through, as its backslash escape). orjson's own
    bytes go straight to the file: no text is decoded and encoded again."""
    if _orjson is not None:
        try:
            return _orjson.dumps(obj, default=_fragment, option=_orjson.OPT_APPEND_NEWLINE)
        except (TypeError, _orjson.JSONEncodeError):
            pass
    return (dumps_pure(obj, separators=(",", ":")) + "\n").encode("utf-8", "backslashreplace")


def _return_blocks(book) -> dict:
    r = book.get("return").values
    g = r.get
    activities = book.kind("activity")
    out = {
        "section_1231": {
            "net": money(g("section_1231_net")),
            "lookback_ordinary": money(g("section_1231_lookback_ordinary")),
            "long_term_capital_gain": money(g("section_1231_capital_gain")),
            "ordinary_loss": money(g("section_1231_ordinary_loss")),
            "nonrecaptured_losses_available": money(g("nonrecaptured_section_1231_losses")),
        },
        "unrecaptured_section_1250_gain": money(g("unrecaptured_section_1250_gain")),
        "passive": {
            "activities": [{
                "id": a.values.get("id"),
                "allowed": money(a.values.get("allowed")),
                "freed_by_disposition": money(a.values.get("freed_by_disposition")),
                "carried_forward": money(a.values.get("carried_forward")),
            } for a in activities],
            "total_allowed": money(g("passive_losses_allowed")),
            "special_allowance": money(g("special_allowance")),
            "modified_agi": money(g("modified_agi_special_allowance")),
        },
        "capital": {
            "net_short_term": money(g("schedule_d_line_7")),
            "net_long_term": money(g("schedule_d_line_15")),
            "net": money(g("schedule_d_line_16")),
            "in_income": money(g("capital_gain_in_income")),
            "loss_carried_forward": money(g("capital_loss_carried_forward")),
        },
        "tax": {
            "agi": money(g("agi")),
            "deduction": money(g("deduction")),
            "taxable_income": money(g("taxable_income")),
            "regular_tax": money(g("regular_tax")),
            "niit": money(g("niit")),
            "net_investment_income": money(g("net_investment_income")),
            "total_tax": money(g("total_tax")),
            "total_tax_without_dispositions": money(g("total_tax_without_dispositions")),
            "tax_due_to_dispositions": money(g("tax_due_to_dispositions")),
            "by_bucket": {b: money(g(f"bucket_{b}")) for b in
                          ("ordinary", "rate_25", "rate_28", "rate_0", "rate_15", "rate_20")},
        },
    }
    out["form_4797"], lines = _two_lines(r, "form_4797_line_", "line_")
    if lines:
        out["tax"]["schedule_d_tax_worksheet"] = dict(sorted(lines.items(), key=lambda kv: int(kv[0][5:])))
    return out
