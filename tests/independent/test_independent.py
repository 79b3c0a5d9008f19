"""The engine's tax on randomized simple sales against the auditor's independent
computation (taxcalc.py, written from the forms; it imports nothing of recapture).

One property per fact set: a residential rental building (27.5-year, mid-month,
land included in cost) or one piece of 5- or 7-year equipment (half-year
convention, placed in service in the first three quarters, sometimes with bonus
depreciation), sold for a random price with random selling expenses on a random
date (short and long holding periods, gains and losses), by an individual of a
random filing status with random wages, qualified dividends and other long-term
capital gain or loss, in tax years 2018-2026. Every figure is compared to the cent.
The cases come from a fixed seed, so a failure is reproducible; its facts are in
the assertion message."""
from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import taxcalc  # noqa: E402

from recapture import api  # noqa: E402

N_CASES = int(__import__("os").environ.get("AUDITOR_N", "300"))
SEED = 20261201
YEARS = list(range(2018, 2027))


def _money(rng, lo, hi, step=1):
    return D(rng.randrange(lo, hi, step))


def _random_case(rng, i):
    year = rng.choice(YEARS)
    status = rng.choice(taxcalc.STATUSES)
    kind = rng.choice(["residential", "residential", "equipment"])
    sold = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))
    wages = _money(rng, 0, 700000, 50) + D(rng.randrange(0, 100)) / 100
    qd = rng.choice([D(0), D(0), _money(rng, 0, 40000)])
    ltcg = rng.choice([D(0), D(0), _money(rng, -20000, 60000)])
    case = {"year": year, "status": status, "kind": kind, "sold": sold, "wages": wages, "qd": qd, "ltcg": ltcg}
    if rng.random() < 0.5:   # the rest of Schedule D, itemized deductions, other NII, the lookback
        case.update(stcg=rng.choice([D(0), _money(rng, -30000, 30000)]),
                    collectibles=rng.choice([D(0), D(0), _money(rng, -10000, 40000)]),
                    st_carryover=rng.choice([D(0), D(0), _money(rng, 0, 40000)]),
                    lt_carryover=rng.choice([D(0), D(0), _money(rng, 0, 150000)]),
                    itemized=rng.choice([D(0), _money(rng, 0, 60000)]),
                    other_nii=rng.choice([D(0), _money(rng, 0, 50000)]),
                    lookback={y: _money(rng, 0, 80000) for y in range(year - 6, year) if rng.random() < 0.4})
    if rng.random() < 0.4:   # the property's passive activity
        case.update(current=_money(rng, -30000, 30000), suspended=rng.choice([D(0), _money(rng, 0, 120000)]),
                    lived_apart=rng.random() < 0.5)
    if rng.random() < 0.1:
        case = {k: v for k, v in case.items() if k in ("year", "kind", "sold", "wages", "lookback")}
        case.update(entity="c_corporation", ltcg=rng.choice([D(0), _money(rng, 0, 50000)]))
    if kind == "residential":
        # placed in service 1 to 27 years before the sale (inside the recovery period, rows 1-27),
        # or a few months before it (a short-term sale)
        if rng.random() < 0.12:
            acquired = sold - timedelta(days=rng.randrange(30, 360))
        else:
            acquired = date(sold.year - rng.randrange(1, 27), rng.randrange(1, 13), rng.randrange(1, 29))
        cost = _money(rng, 80000, 2000000, 100)
        land = (cost * D(rng.randrange(10, 40)) / 100).quantize(D(1))
        # price from a 30% loss to a tripling of the cost, to the cent
        price = (cost * D(rng.randrange(70, 300)) / 100 + D(rng.randrange(0, 100)) / 100)
        case.update(acquired=acquired, cost=cost, land=land)
    else:
        life = rng.choice([5, 7])
        placed_year = sold.year - rng.randrange(1, 9)
        acquired = date(placed_year, rng.randrange(1, 10), rng.randrange(1, 29))   # quarters 1-3
        cost = _money(rng, 5000, 400000, 10)
        bonus = D(0)
        if rng.random() < 0.3:
            bonus = (cost * D(rng.choice([20, 40, 60, 80, 100])) / 100).quantize(D(1))
        price = (cost * D(rng.randrange(0, 110)) / 100 + D(rng.randrange(0, 100)) / 100)
        case.update(acquired=acquired, cost=cost, land=D(0), life=life, bonus=bonus)
    price = price.quantize(D("0.01"))
    expenses = (price * D(rng.choice([0, 0, 3, 5, 6])) / 100).quantize(D("0.01"))
    case.update(price=price, expenses=expenses)
    return case


def _facts(case, i):
    prop = {"id": "p", "acquired": case["acquired"].isoformat(), "cost": str(case["cost"]),
            "disposition": {"type": "sale", "date": case["sold"].isoformat(), "sale_price": str(case["price"]),
                            "selling_expenses": str(case["expenses"])}}
    if "current" in case:
        prop["activity"] = {"current_year_net": str(case["current"]), "suspended_losses": str(case["suspended"]),
                            "active_participation": True}
    if case["kind"] == "residential":
        prop.update(asset_class="residential_rental", land_value=str(case["land"]))
    else:
        prop.update(asset_class=f"personal_{case['life']}yr", bonus_depreciation=str(case["bonus"]))
    if case.get("entity") == "c_corporation":
        taxpayer = {"entity": "c_corporation", "ordinary_income": str(case["wages"]),
                    "long_term_capital_gain": str(case["ltcg"])}
    else:
        taxpayer = {"entity": "individual", "filing_status": case["status"],
                    "ordinary_income": str(case["wages"]), "qualified_dividends": str(case["qd"]),
                    "long_term_capital_gain": str(case["ltcg"])}
        for fact, key in (("short_term_capital_gain", "stcg"), ("collectibles_gain", "collectibles"),
                          ("itemized_deductions", "itemized"), ("other_net_investment_income", "other_nii")):
            if key in case:
                taxpayer[fact] = str(case[key])
        if case.get("status") == "married_separate" and "lived_apart" in case:
            taxpayer["lived_apart_from_spouse"] = case["lived_apart"]
        if "st_carryover" in case:
            taxpayer["capital_loss_carryover"] = {"short_term": str(case["st_carryover"]),
                                                  "long_term": str(case["lt_carryover"])}
    if case.get("lookback"):
        taxpayer["section_1231_lookback_losses"] = {y: str(v) for y, v in case["lookback"].items()}
    return {"schema_version": 1, "case_id": f"independent-{i}", "tax_year": case["year"],
            "taxpayer": taxpayer, "properties": [prop]}


def _cases():
    rng = random.Random(SEED)
    return [_random_case(rng, i) for i in range(N_CASES)]


CASES = _cases()


def test_the_cases_cover_what_they_should():
    kinds = {(c["kind"], c.get("status"), c["year"]) for c in CASES}
    assert {c["year"] for c in CASES} == set(YEARS)
    assert {c["status"] for c in CASES if "status" in c} == set(taxcalc.STATUSES)
    assert any(c.get("entity") == "c_corporation" for c in CASES)
    assert len(kinds) > 60
    outcomes = [taxcalc.compute(c) for c in CASES]
    assert any(o["realized_gain"] < 0 for o in outcomes)
    assert any(o["short_term_ordinary"] != 0 for o in outcomes)
    assert any(o["niit"] > 0 for o in outcomes)
    assert any(o["ordinary_recapture"] > 0 for o in outcomes)
    assert any(o["lookback"] > 0 for o in outcomes)
    assert any(o["section_291"] > 0 for o in outcomes)


@pytest.fixture(scope="module")
def library():
    return api.library()


FIGURES = [  # (result path, independent figure)
    ("properties[0].depreciation.allowable", "allowable"),
    ("properties[0].adjusted_basis", "adjusted_basis"),
    ("properties[0].realized_gain", "realized_gain"),
    ("properties[0].components.unrecaptured_section_1250", "unrecaptured_1250"),
    ("properties[0].components.section_291_ordinary", "section_291"),
    ("section_1231.lookback_ordinary", "lookback"),
    ("tax.agi", "agi"),
    ("tax.taxable_income", "taxable_income"),
    ("tax.regular_tax", "regular_tax"),
    ("tax.niit", "niit"),
    ("tax.total_tax", "total_tax"),
    ("tax.total_tax_without_dispositions", "total_tax_without"),
    ("tax.tax_due_to_dispositions", "tax_due"),
]


def _get(obj, path):
    import re
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        obj = obj[int(part[1:-1])] if part.startswith("[") else obj[part]
    return obj


# Where 50% of Form 8582 line 7 ends in half a cent, the form's line 8 is the rounded amount
# (tests/golden/auditor-40-*.yaml); the engine once deducted it unrounded, a cent off AGI, taxable
# income and tax. Those cases are also checked on their own in test_half_cent_special_allowance.


def _compare(case, i, skip=()):
    want = taxcalc.compute(case)
    facts = _facts(case, i)
    got = api.evaluate(facts)
    diffs = []
    for path, key in FIGURES:
        if path in skip:
            continue
        if path == "tax.agi" and case.get("entity") == "c_corporation":
            continue   # no AGI for a corporation (the engine shows income before the NOL floor)
        if D(_get(got, path)) != D(want[key]).quantize(D("0.01")):
            diffs.append(f"{path}: engine {_get(got, path)}, independent {want[key]}")
    return want, got, facts, diffs


def test_half_cent_special_allowance(library):
    disputed = [i for i, c in enumerate(CASES) if taxcalc.compute(c)["disputed"]]
    bad = [(i, d) for i in disputed for d in [_compare(CASES[i], i)[3]] if d]
    assert not bad, bad


@pytest.mark.parametrize("block", range(10))
def test_engine_matches_the_independent_computation(block, library):
    bad = []
    for i in range(block, N_CASES, 10):
        case = CASES[i]
        want, got, facts, diffs = _compare(case, i)
        comps = got["properties"][0]["components"]
        ordinary = (comps["section_1245_ordinary"] + comps["section_1250_ordinary"] + comps["short_term_ordinary"])
        if ordinary != want["ordinary_recapture"] + want["short_term_ordinary"]:
            diffs.append(f"ordinary: engine {ordinary}, independent "
                         f"{want['ordinary_recapture'] + want['short_term_ordinary']}")
        if case.get("entity") != "c_corporation" and got["unrecaptured_section_1250_gain"] != want["unrecaptured_gain"]:
            diffs.append(f"unrecaptured_section_1250_gain: engine {got['unrecaptured_section_1250_gain']}, "
                         f"independent {want['unrecaptured_gain']}")
        if comps["section_1231"] != want["section_1231"]:
            diffs.append(f"section_1231: engine {comps['section_1231']}, independent {want['section_1231']}")
        if diffs:
            bad.append(f"case {i} {facts}:\n  " + "\n  ".join(diffs))
    assert not bad, "\n".join(bad)
