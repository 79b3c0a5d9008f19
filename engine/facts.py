"""Fact files: read (JSON or YAML), validate against schemas/facts.schema.json,
and normalise (defaults, exact Decimal money). Every fault names the file and
the JSON path; nothing here knows tax law."""
from __future__ import annotations

import contextvars
import copy
import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .errors import safe_text
from .limits import Limits, current as current_limits
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
    "section_1245_property": False,
}
DISPOSITION_DEFAULTS = {"selling_expenses": 0, "allocation": None, "related_party": False, "fmv_at_death": None}
EXCHANGE_DEFAULTS = {"cash_received": 0, "other_property_received": 0, "liabilities_relieved": 0,
                     "liabilities_assumed": 0, "cash_paid": 0, "return_extended": False}
MONEY_KEYS = {
    "ordinary_income", "qualified_dividends", "long_term_capital_gain", "short_term_capital_gain",
    "collectibles_gain", "short_term", "long_term", "itemized_deductions", "other_net_investment_income",
    "current_year_net", "suspended_losses", "cost", "land_value", "depreciation_claimed",
    "additional_depreciation", "bonus_depreciation", "section_179", "debt_discharge_basis_reduction",
    "sale_price", "selling_expenses", "principal", "replacement_fmv", "cash_received",
    "other_property_received", "liabilities_relieved", "liabilities_assumed", "cash_paid", "fmv_at_death",
}


# The law's check of a tax year (Library.tax_year_fault: a reason, or None), set by the API
# while a fact set is read, so that a year with no tables is reported first, and not only
# through a date that falls after it.
TAX_YEAR_CHECK: contextvars.ContextVar = contextvars.ContextVar("recapture_tax_year_check", default=None)


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


# The largest amount of money a fact file may hold, in dollars: a quadrillion,
# beyond any property or return, and far inside what the engine computes exactly
# (Decimal's 28 significant digits hold 10^15 dollars x a 12-digit rate with room
# to spare; money enters durable-rules as integer cents, and 10^17 cents fit its
# 64-bit integers). Not a setting: above it, exactness is no longer guaranteed.
MAX_MONEY = Decimal(10) ** 15


def _to_decimal(value, where, name):
    if value is None or isinstance(value, bool):
        return value
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise InputError(name, where, f"{str(value)[:40]!r} is not a number") from None
    if not d.is_finite():
        raise InputError(name, where, f"{str(value)[:40]!r} is not a finite number")
    if d.adjusted() >= 15 and abs(d) >= MAX_MONEY:
        raise InputError(name, where, f"{_short(d)} is beyond the largest amount recapture accepts "
                                      f"(less than 1,000,000,000,000,000 dollars)")
    return d


def _short(d: Decimal) -> str:
    text = str(d)
    return text if len(text) <= 40 else f"{d:.6E}"


def _exact_money(node, name, path=()):
    """Turn every money field into Decimal; refuse fractions of a cent. (The path of a
    field is made into text only when it is reported.)"""
    if isinstance(node, dict):
        loose = bool(path) and path[-1] in ("section_1231_lookback_losses", "allocation")
        for k, v in node.items():
            if k in MONEY_KEYS and not isinstance(v, (dict, list)):
                node[k] = _money(v, path, k, name)
            elif loose and not isinstance(v, (dict, list)):
                node[k] = _to_decimal(v, json_path(path + (k,)), name) if type(v) is not int else _whole(v, path, k, name)
            elif type(v) is dict or type(v) is list or isinstance(v, (dict, list)):
                _exact_money(v, name, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                _exact_money(v, name, path + (i,))


_MONEY_TOP = 10 ** 15  # MAX_MONEY as a whole number


def _whole(v, path, k, name):
    """A whole number of dollars as _to_decimal gives it (exact, exponent 0)."""
    if -_MONEY_TOP < v < _MONEY_TOP:
        return Decimal(v)
    return _to_decimal(v, json_path(path + (k,)), name)


def _money(v, path, k, name):
    """_to_decimal of a money field, and no fraction of a cent."""
    if type(v) is int:  # whole dollars, the commonest: no fraction to look for
        return _whole(v, path, k, name)
    where = json_path(path + (k,))
    d = _to_decimal(v, where, name)
    if d is not None and d.as_tuple().exponent < -2 and d != d.quantize(Decimal("0.01")):
        raise InputError(name, where, f"{_short(d)} has fractions of a cent")
    return d


_SURROGATE = __import__("re").compile("[\ud800-\udfff]")


def _structure_ok(data, max_depth: int, max_chars: int, max_items: int) -> bool:
    """True when structure_errors' walk can find nothing (the usual case), found
    without making a path for every node; False sends it to the full walk."""
    stack = [(data, 0)]
    pop, push = stack.pop, stack.append
    surrogate = _SURROGATE.search
    while stack:
        node, depth = pop()
        if depth >= max_depth or len(node) > max_items:
            return False
        depth += 1
        if isinstance(node, dict):
            for k in node:
                if isinstance(k, str) and (len(k) > max_chars or (not k.isascii() and surrogate(k))):
                    return False
            node = node.values()
        for v in node:
            t = type(v)
            if t is str or (t is not dict and t is not list and isinstance(v, str)):
                if len(v) > max_chars or (not v.isascii() and surrogate(v)):
                    return False
            elif t is dict or t is list or isinstance(v, (dict, list)):
                push((v, depth))
    return True


def structure_errors(data, name, limits: Limits | None = None, most: int = 20) -> list[InputError]:
    """What no schema should be asked to look at: nesting deeper than `limits.depth`,
    a text or key longer than `limits.string_chars` or not valid Unicode (a lone
    surrogate), a list or mapping of more than `limits.properties` items, and more
    properties, improvements and activities than `limits.properties` in all.
    Walked without recursion; at most `most` faults."""
    limits = limits or current_limits()
    out = []
    max_depth, max_chars, max_items = limits.depth, limits.string_chars, limits.properties
    if isinstance(data, (dict, list)) and _structure_ok(data, max_depth, max_chars, max_items):
        stack = []  # perf: nothing for the walk below to find; only the count is left
    else:
        stack = [(data, (), 0)]
    while stack and len(out) < most:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            if len(node) > max_chars:
                out.append(InputError(name, json_path(path), f"a text of {len(node):,} characters, more than the "
                                                             f"limit of {max_chars:,} (limit string_chars)"))
            elif _SURROGATE.search(node):
                out.append(InputError(name, json_path(path), "not valid Unicode (a lone surrogate)"))
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth >= max_depth:
            out.append(InputError(name, json_path(path), f"nested more than {max_depth} levels deep (limit depth)"))
            continue
        if len(node) > max_items:
            out.append(InputError(name, json_path(path), f"{len(node):,} items, more than the limit of "
                                                         f"{max_items:,} (limit properties)"))
            continue
        if isinstance(node, dict):
            children = []
            for k, v in node.items():
                if isinstance(k, str) and len(k) > max_chars:
                    out.append(InputError(name, json_path(path), f"a key of {len(k):,} characters, more than the "
                                                                 f"limit of {max_chars:,} (limit string_chars)"))
                    break
                if isinstance(k, str) and _SURROGATE.search(k):
                    out.append(InputError(name, json_path(path), "a key that is not valid Unicode (a lone surrogate)"))
                    break
                children.append((v, path + (k,), depth + 1))
            stack.extend(reversed(children))
        else:
            stack.extend(reversed([(v, path + (i,), depth + 1) for i, v in enumerate(node)]))
    if not out and isinstance(data, dict):
        count = _count(data.get("properties")) + _count(data.get("activities"))
        for p in data.get("properties") or [] if isinstance(data.get("properties"), list) else []:
            if isinstance(p, dict):
                count += _count(p.get("improvements"))
        if count > max_items:
            out.append(InputError(name, "properties", f"{count:,} properties, improvements and activities, more "
                                                      f"than the limit of {max_items:,} (limit properties)"))
    return out


def _count(value) -> int:
    return len(value) if isinstance(value, list) else 0


def _fill(target: dict, defaults: dict):
    for k, v in defaults.items():
        if k not in target:
            if isinstance(v, (dict, list)):  # a copy of its own (an empty one, the commonest, made directly)
                v = (type(v)() if not v else copy.deepcopy(v))
            target[k] = v


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
    return _normalise(copy.deepcopy(data), name)


def _normalise(facts: dict, name: str) -> dict:
    """normalise() of a fact set this module just made (a fresh copy: changed in place)."""
    _exact_money(facts, name)
    facts.setdefault("case_id", safe_text(Path(name).stem) if name else "")
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
        main_basis = Decimal(0) if p["asset_class"] == "land" else p["cost"] - p["land_value"]
        _check_basis(p, main_basis, where, name, "the depreciable basis (cost less land)")
        for j, imp in enumerate(p["improvements"]):
            _fill(imp, {k: v for k, v in ASSET_DEFAULTS.items() if k in (
                "recovery_system", "ads_recovery_years", "convention", "depreciation_claimed",
                "bonus_depreciation", "section_179", "section_1245_property")})
            if imp["id"] in seen:
                raise InputError(name, f"{where}.improvements[{j}].id", f"{imp['id']!r} is used twice")
            if imp["id"] in ("land", "building"):
                raise InputError(name, f"{where}.improvements[{j}].id", f"{imp['id']!r} names a part of every "
                                 f"property (disposition.allocation gives land and building their prices): "
                                 f"call the improvement something else")
            seen.add(imp["id"])
            at = f"{where}.improvements[{j}]"
            _check_basis(imp, imp["cost"], at, name, "its cost")
            if imp["placed_in_service"] < p["acquired"]:
                raise InputError(name, f"{at}.placed_in_service", f"{imp['placed_in_service']} is before the property "
                                 f"was acquired ({p['acquired']}): what was spent before belongs in its cost")
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


def _check_basis(asset, basis, where, name, what):
    """Deductions and reductions of basis that would take an asset's basis below zero:
    impossible facts, refused rather than computed into a negative basis."""
    s179, bonus = asset.get("section_179") or 0, asset.get("bonus_depreciation") or 0
    if s179 + bonus > basis:
        field = "bonus_depreciation" if bonus else "section_179"
        raise InputError(name, f"{where}.{field}",
                         f"section 179 ({s179}) and bonus depreciation ({bonus}) add up to more than {what}, "
                         f"{basis}: the section 179 expense is at most the cost (IRC §179(a), (b)) and bonus "
                         f"depreciation is figured on the basis left after it (§168(k)(1); Pub 946 ch. 3)")
    claimed = asset.get("depreciation_claimed")
    if claimed is not None and claimed > basis:
        raise InputError(name, f"{where}.depreciation_claimed",
                         f"{claimed} is more than {what}, {basis}: depreciation (bonus and section 179 included) "
                         f"never exceeds the basis it is figured on (IRC §167(c)(1); Treas. Reg. §1.167(a)-1(a))")
    reduction = asset.get("debt_discharge_basis_reduction") or 0
    if reduction and reduction > asset["cost"] - (claimed or 0):
        raise InputError(name, f"{where}.debt_discharge_basis_reduction",
                         f"{reduction} is more than the basis left ({asset['cost'] - (claimed or 0)}, the cost less "
                         f"the depreciation claimed): basis is never reduced below zero (IRC §1017(a), (b)(2); "
                         f"§1016(a))")


def _check_disposition(p, d, tax_year, where, name):
    if d["type"] == "none":
        return
    date = d["date"]
    for j, imp in enumerate(p["improvements"]):
        if imp["placed_in_service"] > date:
            raise InputError(name, f"{where}.improvements[{j}].placed_in_service",
                             f"{imp['placed_in_service']} is after the disposition on {date}: an improvement made "
                             f"after the property was disposed of is not part of its basis (IRC §1016(a)(1))")
    if d["type"] in ("death", "gift"):
        law = "IRC §1014" if d["type"] == "death" else "IRC §1015"
        for field in ("sale_price", "selling_expenses"):
            if d.get(field):
                raise InputError(name, f"{where}.disposition.{field}",
                                 f"a transfer {'at death' if d['type'] == 'death' else 'by gift'} has no "
                                 f"{field.replace('_', ' ')}: nothing is realized ({law}; §1001(a) needs a sale or "
                                 f"exchange); a part-sale, part-gift is not encoded")
    if d["type"] == "like_kind_exchange":
        ex = d["exchange"]
        if ex["received_date"] < date:
            raise InputError(name, f"{where}.disposition.exchange.received_date",
                             f"{ex['received_date']} is before the transfer on {date}: receiving the replacement "
                             f"first is a reverse exchange (Rev. Proc. 2000-37), which this engine does not encode")
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
        principal = sum((pay["principal"] for pay in d["installment"]["payments"]), Decimal(0))
        if principal > d["sale_price"]:
            raise InputError(name, f"{where}.disposition.installment.payments",
                             f"the principal payments add up to {principal}, more than the sale price "
                             f"{d['sale_price']}: the contract price they make up is at most the selling price "
                             f"(Form 6252 lines 5 and 18; Treas. Reg. §15a.453-1(b)(2)(iii))")


def input_warnings(facts: dict) -> list[str]:
    """What the facts allow but a reader should check, said once per result (the
    law's own warnings come from the rules)."""
    out = []
    for p in facts["properties"]:
        d = p["disposition"]
        if d["type"] == "like_kind_exchange" and d["exchange"]["identified_date"] < d["date"]:
            out.append(f"{p['id']}: the replacement was identified on {d['exchange']['identified_date']}, before the "
                       f"transfer on {d['date']}: it counts as identified only if the written exchange agreement "
                       f"signed by all parties names it (Treas. Reg. §1.1031(k)-1(c)(2)); the 45 days run from "
                       f"the transfer (§1.1031(k)-1(b)(2))")
    return out


def parse_facts(data, name: str, limits: Limits | None = None, fresh_json: bool = False) -> dict:
    """`fresh_json`: `data` was just parsed from JSON text and nothing else holds it (its
    keys are text already, and it may be normalised in place without a copy)."""
    if not isinstance(data, dict):
        raise InputError(name, None, "a fact file is a mapping (JSON object) at the top level")
    errors = structure_errors(data, name, limits)
    if errors:
        raise FactErrors(errors)
    if not fresh_json:
        data = _stringify_keys(data)  # a fresh copy of every mapping and list: normalised in place below
    errors = schema_errors(data, name)
    check, year = TAX_YEAR_CHECK.get(), data.get("tax_year")
    if (check and isinstance(year, int) and not isinstance(year, bool) and check(year)
            and not any(e.path == "tax_year" for e in errors)):
        errors.insert(0, InputError(name, "tax_year", check(year)))
    if errors:
        raise FactErrors(errors)
    return _normalise(data, name)


def load_facts(path, name: str | None = None, limits: Limits | None = None, regular_only: bool = False) -> dict:
    name = name or str(path)
    data, _ = load_document(Path(path), name, limits, regular_only)
    return parse_facts(data, name, limits)


def load_facts_bytes(raw: bytes, name: str, as_json: bool | None = None, limits: Limits | None = None) -> dict:
    """A fact set from bytes (a .jsonl line: as_json=True; standard input: by its first character)."""
    from .yamlio import decode, parse_document
    data, _ = parse_document(decode(raw, name), name, limits, as_json)
    return parse_facts(data, name, limits, fresh_json=as_json is True)


def load_facts_text(text: str, name: str, as_json: bool = True, limits: Limits | None = None) -> dict:
    data, _ = (parse_json if as_json else parse_yaml)(text, name, limits)
    return parse_facts(data, name, limits)


class FactErrors(Exception):
    """Several schema faults in one file (each an InputError)."""

    def __init__(self, errors):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
