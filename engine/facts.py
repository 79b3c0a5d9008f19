"""Fact files: read (JSON or YAML), validate against schemas/facts.schema.json,
and normalise (defaults, exact Decimal money). Every fault names the file and
the JSON path; nothing here knows tax law."""
from __future__ import annotations

import copy
import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .yamlio import InputError, json_path, load_document, parse_json, parse_yaml

from .paths import SCHEMAS

SCHEMA_PATH = SCHEMAS / "facts.schema.json"

# Defaults the contract gives for optional fields (structure, not law).
TAXPAYER_DEFAULTS = {
    "ordinary_income": 0, "qualified_dividends": 0, "long_term_capital_gain": 0,
    "short_term_capital_gain": 0, "collectibles_gain": 0,
    "capital_loss_carryover": {"short_term": 0, "long_term": 0},
    "itemized_deductions": 0, "other_net_investment_income": 0,
    "real_estate_professional": False, "lived_apart_from_spouse": False,
    "section_1231_lookback_losses": {},
}
ACTIVITY_DEFAULTS = {"current_year_net": 0, "suspended_losses": 0, "active_participation": True}
ASSET_DEFAULTS = {
    "land_value": 0, "recovery_system": "gds", "ads_recovery_years": None, "convention": None,
    "depreciation_claimed": None, "additional_depreciation": 0, "bonus_depreciation": 0,
    "section_179": 0, "debt_discharge_basis_reduction": 0, "improvements": [], "ownership_share": 1,
}
DISPOSITION_DEFAULTS = {"selling_expenses": 0, "allocation": None, "related_party": False, "fmv_at_death": None}
EXCHANGE_DEFAULTS = {"cash_received": 0, "other_property_received": 0, "liabilities_relieved": 0,
                     "liabilities_assumed": 0, "cash_paid": 0}
MONEY_KEYS = {
    "ordinary_income", "qualified_dividends", "long_term_capital_gain", "short_term_capital_gain",
    "collectibles_gain", "short_term", "long_term", "itemized_deductions", "other_net_investment_income",
    "current_year_net", "suspended_losses", "cost", "land_value", "depreciation_claimed",
    "additional_depreciation", "bonus_depreciation", "section_179", "debt_discharge_basis_reduction",
    "sale_price", "selling_expenses", "principal", "replacement_fmv", "cash_received",
    "other_property_received", "liabilities_relieved", "liabilities_assumed", "cash_paid", "fmv_at_death",
}


@lru_cache(maxsize=1)
def schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # imported when first needed (88 ms): valid input never needs it with jsonschema-rs
    cls = jsonschema.Draft202012Validator
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


def _stringify_keys(value):
    """JSON has only string keys; YAML may give ints (years). Make both alike."""
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def _to_decimal(value, where, name):
    if value is None or isinstance(value, bool):
        return value
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InputError(name, where, f"{value!r} is not a number") from None
    if not d.is_finite():
        raise InputError(name, where, f"{value!r} is not a finite number")
    return d


def _exact_money(node, name, path=()):
    """Turn every money field into Decimal; refuse fractions of a cent."""
    if isinstance(node, dict):
        for k, v in node.items():
            p = path + (k,)
            if k in MONEY_KEYS and not isinstance(v, (dict, list)):
                d = _to_decimal(v, json_path(p), name)
                if d is not None and d != d.quantize(Decimal("0.01")):
                    raise InputError(name, json_path(p), f"{v} has fractions of a cent")
                node[k] = d
            elif path and path[-1] in ("section_1231_lookback_losses", "allocation") and not isinstance(v, (dict, list)):
                node[k] = _to_decimal(v, json_path(p), name)
            else:
                _exact_money(v, name, p)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _exact_money(v, name, path + (i,))


def _fill(target: dict, defaults: dict):
    for k, v in defaults.items():
        target.setdefault(k, copy.deepcopy(v))


def schema_errors(data, name):
    """All schema faults as InputErrors, in document order."""
    from .fastschema import is_valid  # perf: jsonschema-rs says "valid" fast; the words come from jsonschema
    if is_valid(schema(), data):
        return []
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = []
    for e in errors:
        if e.validator in ("anyOf", "oneOf") and e.context:
            # say the most specific reason, not "is not valid under any of the given schemas"
            best = min(e.context, key=lambda c: (len(c.absolute_path) * -1, c.validator == "type"))
            reason = best.message
            if e.instance is not None and isinstance(e.instance, str) and e.validator == "anyOf":
                reason = f"{e.instance!r} is not a number (money is a number or a numeric string with at most two decimals)"
        else:
            reason = e.message
        out.append(InputError(name, json_path(e.absolute_path), reason))
    return out


def normalise(data: dict, name: str) -> dict:
    """Defaults, exact money, and the cross-field checks a schema cannot say."""
    facts = copy.deepcopy(data)
    _exact_money(facts, name)
    facts.setdefault("case_id", Path(name).stem if name else "")
    facts.setdefault("activities", [])
    _fill(facts["taxpayer"], TAXPAYER_DEFAULTS)
    _fill(facts["taxpayer"]["capital_loss_carryover"], {"short_term": Decimal(0), "long_term": Decimal(0)})
    for year, tp in facts.get("taxpayer_by_year", {}).items():
        _fill(tp, TAXPAYER_DEFAULTS)
    for a in facts["activities"]:
        _fill(a, ACTIVITY_DEFAULTS)
    seen = set()
    for i, p in enumerate(facts["properties"]):
        where = f"properties[{i}]"
        _fill(p, ASSET_DEFAULTS)
        p.setdefault("placed_in_service", p["acquired"])
        p["ownership_share"] = _to_decimal(p["ownership_share"], f"{where}.ownership_share", name)
        if p["id"] in seen:
            raise InputError(name, f"{where}.id", f"{p['id']!r} is used twice")
        seen.add(p["id"])
        if p["land_value"] > p["cost"]:
            raise InputError(name, f"{where}.land_value", f"{p['land_value']} is more than the cost {p['cost']}")
        if p["placed_in_service"] < p["acquired"]:
            raise InputError(name, f"{where}.placed_in_service", "is before the date acquired")
        for j, imp in enumerate(p["improvements"]):
            _fill(imp, {k: v for k, v in ASSET_DEFAULTS.items() if k in (
                "recovery_system", "ads_recovery_years", "convention", "depreciation_claimed",
                "bonus_depreciation", "section_179")})
            if imp["id"] in seen:
                raise InputError(name, f"{where}.improvements[{j}].id", f"{imp['id']!r} is used twice")
            seen.add(imp["id"])
        if "activity" in p:
            _fill(p["activity"], ACTIVITY_DEFAULTS)
        d = p.setdefault("disposition", {"type": "none"})
        _fill(d, DISPOSITION_DEFAULTS)
        if "exchange" in d:
            _fill(d["exchange"], EXCHANGE_DEFAULTS)
        _check_disposition(p, d, facts["tax_year"], where, name)
    for i, a in enumerate(facts["activities"]):
        if a["id"] in seen:
            raise InputError(name, f"activities[{i}].id", f"{a['id']!r} is used twice")
        seen.add(a["id"])
    return facts


def _check_disposition(p, d, tax_year, where, name):
    if d["type"] == "none":
        return
    date = d["date"]
    if date < p["placed_in_service"] and d["type"] not in ("death", "gift"):
        raise InputError(name, f"{where}.disposition.date", f"{date} is before the property was placed in service")
    if int(date[:4]) > tax_year:
        raise InputError(name, f"{where}.disposition.date", f"{date} is after tax year {tax_year}")
    if int(date[:4]) < tax_year and d["type"] != "installment_sale":
        raise InputError(name, f"{where}.disposition.date",
                         f"{date} is before tax year {tax_year} (only an installment sale reaches later years)")
    alloc = d.get("allocation")
    if alloc:
        known = {"land", "building"} | {imp["id"] for imp in p["improvements"]}
        for key in alloc:
            if key not in known:
                raise InputError(name, f"{where}.disposition.allocation.{key}",
                                 f"{key!r} is neither land, building nor an improvement of {p['id']!r}")
        if sum(alloc.values()) != d["sale_price"]:
            raise InputError(name, f"{where}.disposition.allocation",
                             f"the parts add up to {sum(alloc.values())}, not the sale price {d['sale_price']}")
    if d["type"] == "installment_sale":
        years = [pay["year"] for pay in d["installment"]["payments"]]
        if years != sorted(set(years)):
            raise InputError(name, f"{where}.disposition.installment.payments", "years must ascend, each once")
        if years and years[0] < int(date[:4]):
            raise InputError(name, f"{where}.disposition.installment.payments[0].year", "is before the year of sale")


def parse_facts(data, name: str) -> dict:
    data = _stringify_keys(data)
    if not isinstance(data, dict):
        raise InputError(name, None, "a fact file is a mapping (JSON object) at the top level")
    errors = schema_errors(data, name)
    if errors:
        raise FactErrors(errors)
    return normalise(data, name)


def load_facts(path, name: str | None = None) -> dict:
    name = name or str(path)
    data, _ = load_document(Path(path), name)
    return parse_facts(data, name)


def load_facts_text(text: str, name: str, as_json: bool = True) -> dict:
    data, _ = (parse_json if as_json else parse_yaml)(text, name)
    return parse_facts(data, name)


class FactErrors(Exception):
    """Several schema faults in one file (each an InputError)."""

    def __init__(self, errors):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
