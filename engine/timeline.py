"""A scenario over the tax years its tax falls in.

A fact file describes one tax year. A what-if scenario may move a sale into
another year, or spread its gain over the years of an installment note. Here a
scenario's facts become one fact set per tax year, each evaluated with that
year's rules and tables:

- the year of a disposition is the year of its date (the fact set's `tax_year`
  follows the date); a property sold in a later year is held (not disposed of)
  in the earlier ones, and one sold in an earlier year is gone from the later
  ones, except an installment sale, which stays for the years of its payments;
- the taxpayer of a year is `taxpayer_by_year[year]` when the facts give it,
  otherwise the fact file's `taxpayer` block, reused, and a note says so;
- what a year carries to the next is taken from that year's result and named in
  the notes: passive losses still suspended (§469(b)), the capital loss
  carryover by character (§1212(b), Capital Loss Carryover Worksheet), and the
  nonrecaptured net §1231 losses of the lookback years (§1231(c));
- a year after the last one with tables (the later payments of an installment
  note) is estimated with the last year's rules and tables, and said so.

Nothing here is law: the carryovers move figures the rules computed into the
fields the next year's rules read."""
from __future__ import annotations

import copy
import dataclasses
import json
from decimal import Decimal

from .formula import round_cents

ZERO = Decimal(0)


# -- which years -----------------------------------------------------------------
def _year(date) -> int:
    return int(str(date)[:4])


def _properties(data: dict) -> list:
    props = data.get("properties")
    return props if isinstance(props, list) else []


def _dispositions(data: dict):
    for p in _properties(data):
        d = p.get("disposition") if isinstance(p, dict) else None
        if isinstance(d, dict):
            yield d


def disposition_years(data: dict) -> set[int]:
    """The years of the facts' disposition dates (a date that is not one is left to the schema to name)."""
    out = set()
    for d in _dispositions(data):
        if d.get("type", "none") != "none" and isinstance(d.get("date"), str) and str(d["date"])[:4].isdigit():
            out.add(_year(d["date"]))
    return out


def event_years(data: dict) -> set[int]:
    """Disposition years and the years of installment payments."""
    out = disposition_years(data)
    for d in _dispositions(data):
        if d.get("type") == "installment_sale":
            for pay in (d.get("installment") or {}).get("payments") or []:
                if isinstance(pay, dict) and isinstance(pay.get("year"), int):
                    out.add(pay["year"])
    return out


def span(data: dict) -> tuple[int, int]:
    """(first, last) year a scenario covers: from the fact set's tax year (the year its
    taxpayer block describes) or an earlier disposition, to its last event."""
    base = int(data["tax_year"])
    years = event_years(data) | {base}
    return min(years), max(years)


# -- the law of a year --------------------------------------------------------------
class LaterYears:
    """A Library that answers a year after its last one with that last year's law (an
    estimate, named in the notes); every other year is the library's own."""

    def __init__(self, library):
        self._library = library
        self.root = library.root
        self.last = max(library.years())

    def load_year(self, year: int):
        if year <= self.last:
            return self._library.load_year(year)
        return dataclasses.replace(self._library.load_year(self.last), year=year)

    def tax_year_fault(self, year) -> str | None:
        """A later year is estimated, not refused; an earlier one is the library's to judge."""
        return None if year > self.last else self._library.tax_year_fault(year)

    def __getattr__(self, name):
        return getattr(self._library, name)


# -- carryovers ---------------------------------------------------------------------
@dataclasses.dataclass
class Carry:
    """What one year's result carries to the next."""
    year: int
    capital_loss: dict           # {short_term, long_term}
    lookback: dict               # {year: nonrecaptured net §1231 loss}
    suspended: dict              # {activity id: passive losses carried forward}


def _return_value(result, name):
    """The last value a rule set on the return for `name` (from the trace)."""
    value = None
    for step in result.get("trace") or []:
        if step.get("entity") == "return" and name in (step.get("set") or {}):
            value = step["set"][name]
    return value


def carry_out(result: dict, facts: dict) -> Carry:
    """The carryovers of a year's result into the next year's facts."""
    year = int(result["tax_year"])
    st = _return_value(result, "capital_loss_carryover_short_term")
    lt = _return_value(result, "capital_loss_carryover_long_term")
    if st is None and lt is None:  # rules without the by-character split: all of it long-term
        st, lt = ZERO, (result.get("capital") or {}).get("loss_carried_forward") or ZERO
    capital = {"short_term": round_cents(st or 0), "long_term": round_cents(lt or 0)}
    # §1231(c): the lookback losses of the five preceding years, less what this year
    # recaptured (the earliest year's losses first), plus this year's net §1231 loss
    lookback = {int(k): Decimal(v) for k, v in (facts["taxpayer"].get("section_1231_lookback_losses") or {}).items()}
    s1231 = result.get("section_1231") or {}
    recaptured = Decimal(s1231.get("lookback_ordinary") or 0)
    for y in sorted(lookback):
        if recaptured <= 0:
            break
        if y >= year:
            continue
        used = min(lookback[y], recaptured)
        lookback[y] -= used
        recaptured -= used
    net = Decimal(s1231.get("net") or 0)
    if net < 0:
        lookback[year] = -net
    lookback = {y: round_cents(v) for y, v in lookback.items() if v > 0}
    suspended = {a["id"]: round_cents(a.get("carried_forward") or 0)
                 for a in (result.get("passive") or {}).get("activities") or []}
    return Carry(year, capital, lookback, suspended)


def _money_text(v) -> str:
    return f"{Decimal(v):,.2f}"


def _facts_number(v):
    v = Decimal(v)
    return int(v) if v == v.to_integral_value() else v


# -- one year's facts ---------------------------------------------------------------
def year_facts(data: dict, year: int, carry: Carry | None, label) -> tuple[dict, list[tuple[int, str]]]:
    """The fact set of one tax year of a scenario, and the notes (year, text) that say
    what was assumed or carried. `label(field)` names the carryovers."""
    notes = []
    base = int(data["tax_year"])
    f = copy.deepcopy(data)
    f["tax_year"] = year
    by_year = f.get("taxpayer_by_year")
    given = next((v for k, v in by_year.items() if str(k) == str(year)), None) if isinstance(by_year, dict) else None
    if given is not None:
        tp = copy.deepcopy(given)
        if year != base:
            notes.append((year, "the taxpayer block of taxpayer_by_year"))
    else:
        tp = copy.deepcopy(data["taxpayer"])
        if year != base:
            notes.append((year, f"no taxpayer_by_year entry, so the {base} taxpayer block is reused "
                                f"(income, deductions and filing status as in {base})"))
    f["taxpayer"] = tp
    if not isinstance(tp, dict) or not isinstance(f.get("properties"), list) \
            or not isinstance(f.get("activities", []), list):
        return f, notes  # not a fact set the schema allows: evaluating it names the fault

    kept, gone = [], []
    for p in f["properties"]:
        d = p.get("disposition") if isinstance(p, dict) else None
        kind = d.get("type", "none") if isinstance(d, dict) else "none"
        date = d.get("date") if isinstance(d, dict) else None
        if kind == "none" or not isinstance(date, str) or not date[:4].isdigit():
            kept.append(p)  # held, or a date the schema will name the fault of
            continue
        dy = _year(date)
        if dy == year:
            kept.append(p)
        elif dy > year:
            p["disposition"] = {"type": "none"}  # still held this year
            kept.append(p)
        elif kind == "installment_sale" and any(
                isinstance(pay, dict) and isinstance(pay.get("year"), int) and pay["year"] >= year
                for pay in (d.get("installment") or {}).get("payments") or []):
            if isinstance(p.get("activity"), dict):
                p["activity"]["current_year_net"] = 0  # sold: no more rent or expenses
            kept.append(p)
        else:
            gone.append(p)
    f["properties"] = kept
    activities = f.setdefault("activities", [])

    if carry is not None:
        carried = []
        tp["capital_loss_carryover"] = {k: _facts_number(v) for k, v in carry.capital_loss.items()}
        for k in ("short_term", "long_term"):
            if carry.capital_loss[k]:
                carried.append(f"{label('capital_loss_carryover_' + k)} {_money_text(carry.capital_loss[k])}")
        tp["section_1231_lookback_losses"] = {str(y): _facts_number(v) for y, v in carry.lookback.items()}
        window = {y: v for y, v in carry.lookback.items() if y < year}
        if window:
            carried.append(label("nonrecaptured_section_1231_losses") + " "
                           + ", ".join(f"{y}: {_money_text(v)}" for y, v in sorted(window.items())))
        passive = []
        for a in activities:
            if isinstance(a, dict) and a.get("id") in carry.suspended:
                a["suspended_losses"] = _facts_number(carry.suspended[a["id"]])
                if carry.suspended[a["id"]]:
                    passive.append(f"{a['id']} {_money_text(carry.suspended[a['id']])}")
        for p in kept:
            if isinstance(p, dict) and isinstance(p.get("activity"), dict) and p.get("id") in carry.suspended:
                p["activity"]["suspended_losses"] = _facts_number(carry.suspended[p["id"]])
                if carry.suspended[p["id"]]:
                    passive.append(f"{p['id']} {_money_text(carry.suspended[p['id']])}")  # noqa: E501
        for p in gone:
            left = carry.suspended.get(p.get("id")) or ZERO
            if isinstance(p.get("activity"), dict) and left > 0:
                # not freed by the disposition (a related party, say): the losses stay with the activity
                activities.append({"id": p["id"], "kind": "rental_real_estate", "current_year_net": 0,
                                   "suspended_losses": _facts_number(left),
                                   "active_participation": p["activity"].get("active_participation", True)})
                passive.append(f"{p['id']} {_money_text(left)} (still suspended after its disposition)")
        if passive:
            carried.append(f"{label('carried_forward')}: " + ", ".join(passive))
        if carried:
            notes.append((year, f"carried from {carry.year}: " + "; ".join(carried)))
    if year != base and any(isinstance(a, dict) and isinstance(a.get("current_year_net"), (int, Decimal))
                            and a["current_year_net"] for a in activities):
        notes.append((year, f"the passive activities' current-year results are those the fact file gives for {base}"))
    return f, notes


def canonical(facts: dict) -> str:
    """A key for a fact set: equal facts, equal text."""
    return json.dumps(facts, sort_keys=True, default=str)
