"""Tax on a return (domain.md §4 and §7): brackets, the Schedule D Tax Worksheet,
the capital loss limit, NIIT, §1231 netting and the five-year lookback, the
corporate rate and §291, the real estate professional.

Every expected figure is worked by hand in the comment above it, from the year
tables (tables/years/<year>/*.yaml) and the Revenue Procedure each file names in
its `source`:

  2018  Rev. Proc. 2018-18 §3.01 (brackets), §3.03 (0/15/20% thresholds), §3.14(1) (standard deduction)
  2020  Rev. Proc. 2019-44 §3.01, §3.03, §3.16(1)
  2023  Rev. Proc. 2022-38 §3.01, §3.03, §3.15(1)
  2025  Rev. Proc. 2024-40 §2.01, §2.03; standard deduction P.L. 119-21 §70102
  2026  Rev. Proc. 2025-32 §4.01, §4.03, §4.14(1)

Fixed amounts: NIIT 3.8% over $200,000 / $250,000 / $125,000 (IRC §1411(a)(1), (b));
capital loss limit $3,000 / $1,500 MFS (§1211(b)(1)); 25% and 28% maximum rates
(§1(h)(1)(E), (F)); lookback 5 years (§1231(c)(2)); corporate 21% (§11(b)); §291 20%.

Worksheet "line N" means the Schedule D Tax Worksheet line (Instructions for
Schedule D); brackets are applied exactly, each tax line rounded to the cent.

The reference house used by several tests (2025 sale):
  residential_rental, acquired 2015-01-10, cost 300,000, land 60,000 -> basis 240,000.
  Pub 946 Table A-6 (27.5-year, mid-month), January column:
    2015 (yr 1)  3.485% -> 8,364.00
    2016-2023 (yrs 2-9) 3.636% -> 8,726.40 x 8 = 69,811.20
    2024 (yr 10) 3.637% -> 8,728.80
    2025 (yr 11) 3.636% x 5.5/12 (sold in June) -> 3,999.60
    total depreciation 90,903.60; adjusted basis 300,000 - 90,903.60 = 209,096.40.
  Sold for 400,000: gain 190,903.60 = unrecaptured §1250 90,903.60 + §1231 100,000.
  Sold for 240,000: gain 30,903.60, all unrecaptured §1250.
  Sold for 150,000: loss 59,096.40 (a §1231 loss).
"""
from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PROPERTY_SCALE
from recapture.facts import parse_facts
from recapture.library import Library
from recapture.tax import evaluate_return

ROOT = Path(__file__).resolve().parent.parent
D = Decimal
CENT = D("0.01")
STATUSES = ["single", "married_joint", "married_separate", "head_of_household", "qualifying_surviving_spouse"]


class _CachedLibrary(Library):
    """The project's Library, reading each year's files once per test session
    (a plain Library re-reads and re-validates every file on every call)."""

    def __init__(self):
        super().__init__()
        self._loaded = {}

    def load_year(self, year):
        if year not in self._loaded:
            self._loaded[year] = super().load_year(year)
        return self._loaded[year]


_LIBRARY = None


def library():
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = _CachedLibrary()
    return _LIBRARY


def evaluate(fact_dict):
    return evaluate_return(parse_facts(fact_dict, "case.yaml"), library())


def facts(year, properties=(), activities=None, **taxpayer):
    tp = {"entity": "individual", "filing_status": "single"}
    tp.update(taxpayer)
    if tp["entity"] == "c_corporation":
        tp.pop("filing_status", None)
    f = {"schema_version": 1, "tax_year": year, "taxpayer": tp, "properties": list(properties)}
    if activities is not None:
        f["activities"] = activities
    return f


def house(sale_price, year=2025, **extra):
    """The reference house of the module docstring, sold in June of `year`."""
    p = {"id": "h", "asset_class": "residential_rental", "acquired": "2015-01-10", "cost": 300000,
         "land_value": 60000, "disposition": {"type": "sale", "date": f"{year}-06-15", "sale_price": sale_price}}
    p.update(extra)
    return p


def ws(r, n):
    return r["tax"]["schedule_d_tax_worksheet"][f"line_{n}"]


def buckets(r):
    return r["tax"]["by_bucket"]


# -- independent bracket arithmetic, from the YAML tables ------------------------
def _table(year, name):
    with open(ROOT / "tables" / "years" / str(year) / f"{name}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)["values"]


def bracket_tax(amount, year, status):
    """Exact tax on `amount` at the year's ordinary brackets, rounded to the cent."""
    brackets = _table(year, "ordinary_brackets")[status]
    amount = D(amount)
    tax = D(0)
    for i, b in enumerate(brackets):
        lo = D(str(b["over"]))
        hi = D(str(brackets[i + 1]["over"])) if i + 1 < len(brackets) else None
        if amount <= lo:
            break
        tax += ((amount if hi is None else min(amount, hi)) - lo) * D(str(b["rate"]))
    return tax.quantize(CENT, rounding=ROUND_HALF_UP)


def test_cached_library_gives_the_same_result_as_the_plain_api():
    f = facts(2025, [house(400000)], ordinary_income=100000)
    plain = evaluate_return(parse_facts(f, "case.yaml"))
    cached = evaluate(f)
    assert plain["tax"] == cached["tax"]
    assert plain["properties"][0]["components"] == cached["properties"][0]["components"]


def test_hand_bracket_helper_matches_a_printed_figure():
    # 2025 single, 100,000: 11,925 x 10% = 1,192.50; 36,550 x 12% = 4,386; 51,525 x 22% = 11,335.50 -> 16,914.00
    assert bracket_tax(100000, 2025, "single") == D("16914.00")


# -- 1. every filing status and year: ordinary income only ------------------------
ORDINARY_ONLY = [
    # 2018 single (Rev. Proc. 2018-18): TI = 100,000 - 12,000 = 88,000
    #   9,525 x 10% = 952.50; (38,700-9,525)=29,175 x 12% = 3,501; (82,500-38,700)=43,800 x 22% = 9,636;
    #   (88,000-82,500)=5,500 x 24% = 1,320 -> 15,409.50
    (2018, "single", 100000, "88000", "15409.50"),
    # 2020 married_joint (Rev. Proc. 2019-44): TI = 200,000 - 24,800 = 175,200
    #   19,750 x 10% = 1,975; 60,500 x 12% = 7,260; 90,800 x 22% = 19,976; (175,200-171,050)=4,150 x 24% = 996
    #   -> 30,207.00
    (2020, "married_joint", 200000, "175200", "30207.00"),
    # 2023 head_of_household (Rev. Proc. 2022-38): TI = 120,000 - 20,800 = 99,200
    #   15,700 x 10% = 1,570; 44,150 x 12% = 5,298; 35,500 x 22% = 7,810; (99,200-95,350)=3,850 x 24% = 924
    #   -> 15,602.00
    (2023, "head_of_household", 120000, "99200", "15602.00"),
    # 2025 married_separate (Rev. Proc. 2024-40; std. deduction P.L. 119-21): TI = 400,000 - 15,750 = 384,250
    #   11,925 x 10% = 1,192.50; 36,550 x 12% = 4,386; 54,875 x 22% = 12,072.50; 93,950 x 24% = 22,548;
    #   53,225 x 32% = 17,032; (375,800-250,525)=125,275 x 35% = 43,846.25; (384,250-375,800)=8,450 x 37% = 3,126.50
    #   -> 104,203.75
    (2025, "married_separate", 400000, "384250", "104203.75"),
    # 2026 qualifying_surviving_spouse (Rev. Proc. 2025-32): TI = 150,000 - 32,200 = 117,800
    #   24,800 x 10% = 2,480; 76,000 x 12% = 9,120; (117,800-100,800)=17,000 x 22% = 3,740 -> 15,340.00
    (2026, "qualifying_surviving_spouse", 150000, "117800", "15340.00"),
]


@pytest.mark.parametrize("year,status,ordinary,taxable,tax", ORDINARY_ONLY)
def test_bracket_tax_on_ordinary_income(year, status, ordinary, taxable, tax):
    r = evaluate(facts(year, filing_status=status, ordinary_income=ordinary))
    t = r["tax"]
    assert t["taxable_income"] == D(taxable)
    assert t["regular_tax"] == D(tax)
    assert ws(r, 46) == D(tax)
    assert t["niit"] == 0
    assert t["total_tax"] == D(tax)
    assert t["tax_due_to_dispositions"] == 0
    assert buckets(r)["ordinary"] == D(taxable)


# -- 1b. the same returns with a long-term capital gain ---------------------------
WITH_GAIN = [
    # 2018 single, + LTCG 50,000: TI 138,000; ordinary part 88,000 -> 15,409.50 (above).
    #   0% line 38,600 < 88,000, 20% line 425,800 > 138,000: 50,000 x 15% = 7,500 -> 22,909.50.
    #   MAGI 150,000 < 200,000: no NIIT.
    (2018, "single", 100000, 50000, "22909.50", "0", "50000", "0", "0"),
    # 2020 MFJ, + LTCG 100,000: TI 275,200; ordinary 175,200 -> 30,207; 0% line 80,000 < 175,200;
    #   20% line 496,600 > 275,200: 100,000 x 15% = 15,000 -> 45,207.00.
    #   NIIT: MAGI 300,000 - 250,000 = 50,000 < NII 100,000: 50,000 x 3.8% = 1,900.00.
    (2020, "married_joint", 200000, 100000, "45207.00", "1900.00", "100000", "0", "0"),
    # 2023 HOH, + LTCG 30,000: TI 129,200; ordinary 99,200 -> 15,602; 0% line 59,750 < 99,200:
    #   30,000 x 15% = 4,500 -> 20,102.00. MAGI 150,000: no NIIT.
    (2023, "head_of_household", 120000, 30000, "20102.00", "0", "30000", "0", "0"),
    # 2025 MFS, + LTCG 100,000: TI 484,250; ordinary 384,250 -> 104,203.75; the 20% line for MFS is
    #   300,000 < 384,250 (line 29 = max(300,000 - 384,250, 0) = 0), so 100,000 x 20% = 20,000 -> 124,203.75.
    #   NIIT: MAGI 500,000 - 125,000 = 375,000 > NII 100,000: 100,000 x 3.8% = 3,800.00.
    (2025, "married_separate", 400000, 100000, "124203.75", "3800.00", "0", "100000", "0"),
    # 2026 QSS, + LTCG 20,000: TI 137,800; ordinary 117,800 -> 15,340; 0% line 98,900 < 117,800:
    #   20,000 x 15% = 3,000 -> 18,340.00. MAGI 170,000 < 250,000.
    (2026, "qualifying_surviving_spouse", 150000, 20000, "18340.00", "0", "20000", "0", "0"),
    # 2023 MFJ, ordinary 80,000 + LTCG 40,000: TI 120,000 - 27,700 = 92,300; ordinary part 52,300:
    #   22,000 x 10% = 2,200 + 30,300 x 12% = 3,636 -> 5,836. 0% line 89,250: 89,250 - 52,300 = 36,950 at 0%,
    #   the other 3,050 x 15% = 457.50 -> 6,293.50.
    (2023, "married_joint", 80000, 40000, "6293.50", "0", "3050", "0", "36950"),
]


@pytest.mark.parametrize("year,status,ordinary,ltcg,tax,niit,at15,at20,at0", WITH_GAIN)
def test_bracket_tax_with_long_term_gain(year, status, ordinary, ltcg, tax, niit, at15, at20, at0):
    r = evaluate(facts(year, filing_status=status, ordinary_income=ordinary, long_term_capital_gain=ltcg))
    t = r["tax"]
    assert t["regular_tax"] == D(tax)
    assert t["niit"] == D(niit)
    assert t["total_tax"] == D(tax) + D(niit)
    assert buckets(r)["rate_15"] == D(at15)
    assert buckets(r)["rate_20"] == D(at20)
    assert buckets(r)["rate_0"] == D(at0)
    assert t["regular_tax"] <= ws(r, 46)


# -- 2. edges ----------------------------------------------------------------------
@pytest.mark.parametrize("ltcg,tax,at0,at15", [
    # 2025 single, ordinary 40,000: ordinary part 40,000 - 15,750 = 24,250 -> 1,192.50 + 12,325 x 12% = 2,671.50.
    # LTCG 24,100: TI = 48,350 = the 0% line exactly (Rev. Proc. 2024-40 §2.03): all 24,100 at 0%.
    (24100, "2671.50", "24100", "0"),
    # LTCG 24,101: TI 48,351; 24,100 at 0%, $1 at 15% = 0.15 -> 2,671.65.
    (24101, "2671.65", "24100", "1"),
])
def test_taxable_income_at_and_one_dollar_above_the_zero_rate_line(ltcg, tax, at0, at15):
    r = evaluate(facts(2025, ordinary_income=40000, long_term_capital_gain=ltcg))
    assert r["tax"]["regular_tax"] == D(tax)
    assert buckets(r)["rate_0"] == D(at0)
    assert buckets(r)["rate_15"] == D(at15)


@pytest.mark.parametrize("ordinary,tax", [
    # 2025 single, TI exactly 48,475 (top of the 12% bracket): 1,192.50 + 36,550 x 12% = 4,386 -> 5,578.50
    (64225, "5578.50"),
    # one dollar more is taxed at 22%: 5,578.72
    (64226, "5578.72"),
])
def test_taxable_income_at_and_one_dollar_above_a_bracket(ordinary, tax):
    r = evaluate(facts(2025, ordinary_income=ordinary))
    assert r["tax"]["regular_tax"] == D(tax)


@pytest.mark.parametrize("ltcg,tax,at15,at20", [
    # 2025 MFJ, ordinary 331,500 -> ordinary part 300,000:
    #   23,850 x 10% = 2,385; 73,100 x 12% = 8,772; 109,750 x 22% = 24,145; 93,300 x 24% = 22,392 -> 57,694.
    # LTCG 300,050: TI 600,050 = the 20% line exactly: 300,050 x 15% = 45,007.50 -> 102,701.50
    (300050, "102701.50", "300050", "0"),
    # LTCG 300,051: $1 over the line at 20% = 0.20 -> 102,701.70
    (300051, "102701.70", "300050", "1"),
])
def test_taxable_income_at_and_one_dollar_above_the_twenty_percent_line(ltcg, tax, at15, at20):
    r = evaluate(facts(2025, filing_status="married_joint", ordinary_income=331500, long_term_capital_gain=ltcg))
    assert r["tax"]["regular_tax"] == D(tax)
    assert buckets(r)["rate_15"] == D(at15)
    assert buckets(r)["rate_20"] == D(at20)


def test_reference_house_components():
    # see the module docstring: depreciation 90,903.60, gain 190,903.60 = 90,903.60 unrecaptured + 100,000 §1231
    r = evaluate(facts(2025, [house(400000)], ordinary_income=100000))
    p = r["properties"][0]
    assert p["depreciation"]["allowable"] == D("90903.60")
    assert p["adjusted_basis"] == D("209096.40")
    assert p["recognized_gain"] == D("190903.60")
    assert p["components"]["unrecaptured_section_1250"] == D("90903.60")
    assert p["components"]["section_1231"] == D("100000.00")
    assert r["section_1231"]["net"] == D("190903.60")
    assert r["unrecaptured_section_1250_gain"] == D("90903.60")


def test_unrecaptured_1250_gain_straddling_the_zero_rate_line_uses_up_the_zero_rate_room():
    # 2025 single, ordinary 35,000, LTCG 10,000, house sold for 240,000 (30,903.60 unrecaptured §1250).
    # AGI 75,903.60, TI 60,153.60. line 7 = 40,903.60; line 11 = 30,903.60; line 13 = 10,000;
    # line 14 = 50,153.60: ordinary 19,250 + the unrecaptured gain 19,250..50,153.60 straddles 48,350.
    # line 16 = 48,350, line 17 = min(50,153.60, 48,350) = 48,350 -> line 22 = 0 (no 0% room left).
    # line 18 = 19,250; line 20 = min(50,153.60, 197,300) = 50,153.60 = line 21 (the 25% gain is below the 32%
    # bracket, so the ordinary rates, lower than 25%, apply). line 30 = 10,000 -> 1,500.
    # line 35 = 30,903.60; line 38 = (40,903.60 + 50,153.60) - 60,153.60 = 30,903.60; line 39 = 0.
    # line 44 = tax(50,153.60) = 5,578.50 + 1,678.60 x 22% = 369.292 -> 5,947.79. line 45 = 7,447.79.
    # line 46 = tax(60,153.60) = 5,578.50 + 11,678.60 x 22% -> 8,147.79. Regular tax 7,447.79.
    r = evaluate(facts(2025, [house(240000)], ordinary_income=35000, long_term_capital_gain=10000))
    assert r["unrecaptured_section_1250_gain"] == D("30903.60")
    assert r["tax"]["taxable_income"] == D("60153.60")
    assert ws(r, 17) == D("48350.00")
    assert ws(r, 22) == 0
    assert ws(r, 21) == D("50153.60")
    assert ws(r, 39) == 0
    assert ws(r, 44) == D("5947.79")
    assert ws(r, 46) == D("8147.79")
    assert r["tax"]["regular_tax"] == D("7447.79")
    assert buckets(r) == {"ordinary": D("50153.60"), "rate_25": 0, "rate_28": 0, "rate_0": 0,
                          "rate_15": D("10000.00"), "rate_20": 0}
    # Without the sale, TI 29,250: the 10,000 all at 0%; tax(19,250) = 1,192.50 + 7,325 x 12% = 879 -> 2,071.50.
    # Tax due to the sale = 7,447.79 - 2,071.50 = 5,376.29 (no NIIT either way).
    assert r["tax"]["total_tax_without_dispositions"] == D("2071.50")
    assert r["tax"]["tax_due_to_dispositions"] == D("5376.29")


def test_unrecaptured_1250_gain_straddling_the_32_percent_line_is_partly_taxed_at_25_percent():
    # 2025 single, ordinary 150,000, house sold for 400,000. AGI 340,903.60, TI 325,153.60.
    # line 7 = 190,903.60; line 11 = 90,903.60; line 13 = 100,000; line 14 = 225,153.60; line 18 = 134,250.
    # line 19 = min(325,153.60, 197,300) = 197,300 (start of the 32% bracket); line 20 = 197,300 = line 21.
    # line 22 = 0. line 27 = 325,153.60; line 29 = 325,153.60 - 197,300 = 127,853.60; line 30 = 100,000 -> 15,000.
    # line 35 = 90,903.60; line 36 = 190,903.60 + 197,300 = 388,203.60; line 38 = 388,203.60 - 325,153.60 = 63,050;
    # line 39 = 90,903.60 - 63,050 = 27,853.60 at 25% = 6,963.40.
    # line 44 = tax(197,300) = 1,192.50 + 4,386 + 12,072.50 + 22,548 = 40,199.00.
    # line 45 = 15,000 + 6,963.40 + 40,199 = 62,162.40.
    # line 46 = 40,199 + 53,225 x 32% = 17,032 + 74,628.60 x 35% = 26,120.01 -> 83,351.01. Regular 62,162.40.
    # NIIT: MAGI 340,903.60 - 200,000 = 140,903.60 < NII 190,903.60 -> 140,903.60 x 3.8% = 5,354.3368 -> 5,354.34.
    r = evaluate(facts(2025, [house(400000)], ordinary_income=150000))
    assert ws(r, 21) == D("197300.00")
    assert ws(r, 39) == D("27853.60")
    assert ws(r, 40) == D("6963.40")
    assert ws(r, 44) == D("40199.00")
    assert ws(r, 46) == D("83351.01")
    assert r["tax"]["regular_tax"] == D("62162.40")
    assert r["tax"]["niit"] == D("5354.34")
    assert buckets(r) == {"ordinary": D("197300.00"), "rate_25": D("27853.60"), "rate_28": 0, "rate_0": 0,
                          "rate_15": D("100000.00"), "rate_20": 0}


def test_taxable_income_below_net_capital_gain():
    # 2025 single, ordinary 20,000, LTCG 100,000, itemized 50,000: AGI 120,000, TI 70,000 < NCG 100,000.
    # line 13 = 100,000; line 14 = max(70,000 - 100,000, 0) = 0; line 21 = 0.
    # line 16 = 48,350; line 17 = 0 -> line 22 = 48,350 at 0%.
    # line 23 = min(70,000, 100,000) = 70,000; line 25 = 21,650; line 29 = 70,000 - 48,350 = 21,650;
    # line 30 = 21,650 x 15% = 3,247.50; line 33 = 70,000 - 70,000 = 0. Regular tax 3,247.50.
    # line 46 = tax(70,000) = 5,578.50 + 21,525 x 22% = 4,735.50 -> 10,314.00.
    r = evaluate(facts(2025, ordinary_income=20000, long_term_capital_gain=100000, itemized_deductions=50000))
    assert r["tax"]["taxable_income"] == D("70000.00")
    assert ws(r, 14) == 0
    assert ws(r, 46) == D("10314.00")
    assert r["tax"]["regular_tax"] == D("3247.50")
    assert buckets(r) == {"ordinary": 0, "rate_25": 0, "rate_28": 0, "rate_0": D("48350.00"),
                          "rate_15": D("21650.00"), "rate_20": 0}


def test_taxable_income_below_net_capital_gain_with_unrecaptured_1250_gain():
    # 2025 single, no other income, house sold for 400,000, itemized 100,000: AGI 190,903.60, TI 90,903.60.
    # line 7 = 190,903.60; line 11 = line 12 = 90,903.60; line 13 = 100,000; line 14 = 0; line 21 = 0.
    # line 22 = 48,350 at 0%. line 23 = min(90,903.60, 100,000) = 90,903.60; line 25 = 42,553.60;
    # line 29 = 90,903.60 - 48,350 = 42,553.60 -> line 30 = 42,553.60 x 15% = 6,383.04; line 33 = 0.
    # line 35 = 90,903.60; line 36 = 190,903.60; line 38 = 190,903.60 - 90,903.60 = 100,000 -> line 39 = 0:
    # the deductions absorb the 25% gain first. line 42 = 0. Regular tax 6,383.04.
    r = evaluate(facts(2025, [house(400000)], ordinary_income=0, itemized_deductions=100000))
    assert r["tax"]["taxable_income"] == D("90903.60")
    assert r["unrecaptured_section_1250_gain"] == D("90903.60")
    assert ws(r, 38) == D("100000.00")
    assert ws(r, 39) == 0
    assert r["tax"]["regular_tax"] == D("6383.04")
    assert buckets(r) == {"ordinary": 0, "rate_25": 0, "rate_28": 0, "rate_0": D("48350.00"),
                          "rate_15": D("42553.60"), "rate_20": 0}


# -- capital losses ------------------------------------------------------------------
@pytest.mark.parametrize("status,tp,in_income,carried,tax", [
    # 2025 single, ordinary 100,000, LTCG -10,000: -3,000 allowed, 7,000 carried.
    #   TI = 97,000 - 15,750 = 81,250 -> 5,578.50 + 32,775 x 22% = 7,210.50 -> 12,789.00
    ("single", {"long_term_capital_gain": -10000}, "-3000", "7000", "12789.00"),
    # 2025 MFS, STCG -5,000: -1,500 allowed, 3,500 carried.
    #   TI = 98,500 - 15,750 = 82,750 -> 5,578.50 + 34,275 x 22% = 7,540.50 -> 13,119.00
    ("married_separate", {"short_term_capital_gain": -5000}, "-1500", "3500", "13119.00"),
    # 2025 single, LTCG 5,000 less a long-term carryover of 20,000: line 15 = -15,000 -> -3,000, 12,000 carried.
    #   TI 81,250 -> 12,789.00
    ("single", {"long_term_capital_gain": 5000, "capital_loss_carryover": {"short_term": 0, "long_term": 20000}},
     "-3000", "12000", "12789.00"),
    # 2025 single, LTCG -2,000: under the limit, all allowed. TI 82,250 -> 5,578.50 + 33,775 x 22% = 7,430.50
    #   -> 13,009.00
    ("single", {"long_term_capital_gain": -2000}, "-2000", "0", "13009.00"),
    # 2025 HOH, LTCG -50,000: -3,000. TI = 97,000 - 23,625 = 73,375 ->
    #   17,000 x 10% = 1,700 + 47,850 x 12% = 5,742 + 8,525 x 22% = 1,875.50 -> 9,317.50
    ("head_of_household", {"long_term_capital_gain": -50000}, "-3000", "47000", "9317.50"),
])
def test_net_capital_loss_limit_and_carryover(status, tp, in_income, carried, tax):
    r = evaluate(facts(2025, filing_status=status, ordinary_income=100000, **tp))
    assert r["capital"]["in_income"] == D(in_income)
    assert r["capital"]["loss_carried_forward"] == D(carried)
    assert r["tax"]["agi"] == D(100000) + D(in_income)
    assert r["tax"]["regular_tax"] == D(tax)
    assert r["tax"]["niit"] == 0


def test_short_term_carryover_reduces_the_net_capital_gain():
    # 2025 single, ordinary 100,000, LTCG 20,000, short-term carryover 8,000:
    # Schedule D line 7 = -8,000, line 15 = 20,000, line 16 = 12,000; NCG = min(20,000, 12,000) = 12,000.
    # TI = 112,000 - 15,750 = 96,250; ordinary 84,250 -> 5,578.50 + 35,775 x 22% = 7,870.50 -> 13,449.00;
    # 12,000 x 15% = 1,800 -> 15,249.00
    r = evaluate(facts(2025, ordinary_income=100000, long_term_capital_gain=20000,
                       capital_loss_carryover={"short_term": 8000, "long_term": 0}))
    assert ws(r, 7) == D("12000.00")
    assert r["tax"]["regular_tax"] == D("15249.00")


@pytest.mark.parametrize("ordinary,carried", [
    # 2025 single, LTCG -10,000, -3,000 in AGI. Capital Loss Carryover Worksheet (Schedule D instructions):
    # ordinary 17,750: line 1 = (17,750 - 3,000) - 15,750 = -1,000; line 2 = 3,000; line 3 = max(-1,000 + 3,000, 0)
    #   = 2,000; line 4 = min(3,000, 2,000) = 2,000 used; long-term carryover line 13 = 10,000 - 2,000 = 8,000
    (17750, "8000"),
    # ordinary 5,000: line 1 = 2,000 - 15,750 = -13,750; line 3 = 0; nothing used -> 10,000 carried
    (5000, "10000"),
])
def test_capital_loss_carryover_when_taxable_income_is_negative(ordinary, carried):
    r = evaluate(facts(2025, ordinary_income=ordinary, long_term_capital_gain=-10000))
    assert r["tax"]["taxable_income"] == 0
    assert r["capital"]["in_income"] == D("-3000")
    assert r["capital"]["loss_carried_forward"] == D(carried)


@pytest.mark.parametrize("tp,unrecaptured,taxable,tax", [
    # Unrecaptured §1250 Gain Worksheet lines 14-18: a net 28%-rate loss or a short-term loss reduces the 25% gain.
    # 2025 single, ordinary 300,000, house sold for 400,000 (unrecaptured 90,903.60, other §1231 100,000).
    # (a) collectibles loss 20,000: line 17 = 20,000 -> unrecaptured 70,903.60. NCG = 170,903.60, TI 455,153.60.
    #   line 13 = 100,000; line 18 = 455,153.60 - 170,903.60 = 284,250 = line 21; 100,000 x 15% = 15,000;
    #   line 38 = (170,903.60 + 284,250) - 455,153.60 = 0; line 39 = 70,903.60 x 25% = 17,725.90;
    #   line 44 = tax(284,250) = 57,231 + 33,725 x 35% = 11,803.75 -> 69,034.75. Total 101,760.65.
    ({"collectibles_gain": -20000}, "70903.60", "455153.60", "101760.65"),
    # (b) short-term loss 30,000: unrecaptured 60,903.60; NCG = min(190,903.60, 160,903.60) = 160,903.60;
    #   TI 445,153.60; line 18 = 284,250; 15,000 + 60,903.60 x 25% = 15,225.90 + 69,034.75 = 99,260.65.
    ({"short_term_capital_gain": -30000}, "60903.60", "445153.60", "99260.65"),
])
def test_net_28_rate_or_short_term_loss_reduces_unrecaptured_gain(tp, unrecaptured, taxable, tax):
    r = evaluate(facts(2025, [house(400000)], ordinary_income=300000, **tp))
    assert r["unrecaptured_section_1250_gain"] == D(unrecaptured)
    assert r["tax"]["taxable_income"] == D(taxable)
    assert r["tax"]["regular_tax"] == D(tax)
    assert buckets(r)["rate_25"] == D(unrecaptured)


# -- NIIT threshold ------------------------------------------------------------------
@pytest.mark.parametrize("status,ordinary,tp,niit", [
    # single: MAGI 150,000 + 50,000 = 200,000, not above the threshold -> 0
    ("single", 150000, {"long_term_capital_gain": 50000}, "0"),
    # $1 above: 1 x 3.8% = 0.038 -> 0.04
    ("single", 150000, {"long_term_capital_gain": 50001}, "0.04"),
    # $100 above: 3.80
    ("single", 150000, {"long_term_capital_gain": 50100}, "3.80"),
    # married_joint: 250,000 exactly -> 0; 100 above -> 3.80
    ("married_joint", 200000, {"long_term_capital_gain": 50000}, "0"),
    ("married_joint", 200000, {"long_term_capital_gain": 50100}, "3.80"),
    # married_separate: 125,000 exactly -> 0; 1,000 above -> 38.00
    ("married_separate", 100000, {"long_term_capital_gain": 25000}, "0"),
    ("married_separate", 100000, {"long_term_capital_gain": 26000}, "38.00"),
    # head_of_household with qualified dividends: 200,000 -> 0; 500 above -> 19.00
    ("head_of_household", 150000, {"qualified_dividends": 50000}, "0"),
    ("head_of_household", 150000, {"qualified_dividends": 50500}, "19.00"),
    # qualifying_surviving_spouse: 250,000 -> 0; 1 above -> 0.04
    ("qualifying_surviving_spouse", 200000, {"long_term_capital_gain": 50000}, "0"),
    ("qualifying_surviving_spouse", 200000, {"long_term_capital_gain": 50001}, "0.04"),
])
def test_niit_just_below_and_just_above_the_threshold(status, ordinary, tp, niit):
    r = evaluate(facts(2025, filing_status=status, ordinary_income=ordinary, **tp))
    assert r["tax"]["niit"] == D(niit)
    assert r["tax"]["total_tax"] == r["tax"]["regular_tax"] + D(niit)


def test_niit_is_limited_by_net_investment_income():
    # 2025 single, ordinary 500,000, LTCG 10,000: MAGI excess 310,000 > NII 10,000 -> 10,000 x 3.8% = 380.00
    r = evaluate(facts(2025, ordinary_income=500000, long_term_capital_gain=10000))
    assert r["tax"]["niit"] == D("380.00")


# -- §1231 netting and the lookback ----------------------------------------------------
def test_lookback_consumes_unrecaptured_1250_gain_first_then_the_rest():
    # 2025 single, ordinary 100,000, house sold for 400,000: net §1231 gain 190,903.60
    # (unrecaptured 90,903.60 + other 100,000).
    # Lookback losses: only 2020..2024 count (§1231(c): the five preceding years):
    #   2019 70,000 (too old) and 2025 40,000 (this year) are ignored; 50,000 + 30,000 + 20,000 = 100,000.
    # Lookback ordinary 100,000: first the whole 90,903.60 unrecaptured §1250 gain, then 9,096.40 of the rest;
    # long-term §1231 gain 90,903.60, unrecaptured §1250 gain left 0.
    # AGI = 100,000 + 100,000 + 90,903.60 = 290,903.60; TI 275,153.60; line 13 = 90,903.60; line 21 = 184,250.
    # line 44 = tax(184,250) = 1,192.50 + 4,386 + 12,072.50 + 80,900 x 24% = 19,416 -> 37,067.00
    # 90,903.60 x 15% = 13,635.54 -> regular 50,702.54.
    # NIIT: MAGI excess 90,903.60 < NII 190,903.60 (the recaptured gain is still gain on rental property)
    #   -> 3,454.3368 -> 3,454.34.
    lookback = {"2019": 70000, "2020": 50000, "2021": 0, "2022": 30000, "2023": 0, "2024": 20000, "2025": 40000}
    r = evaluate(facts(2025, [house(400000)], ordinary_income=100000, section_1231_lookback_losses=lookback))
    s = r["section_1231"]
    assert s["net"] == D("190903.60")
    assert s["lookback_ordinary"] == D("100000.00")
    assert s["long_term_capital_gain"] == D("90903.60")
    assert r["unrecaptured_section_1250_gain"] == 0
    assert r["tax"]["taxable_income"] == D("275153.60")
    assert ws(r, 21) == D("184250.00")
    assert r["tax"]["regular_tax"] == D("50702.54")
    assert r["tax"]["niit"] == D("3454.34")
    assert buckets(r) == {"ordinary": D("184250.00"), "rate_25": 0, "rate_28": 0, "rate_0": 0,
                          "rate_15": D("90903.60"), "rate_20": 0}


def test_lookback_smaller_than_unrecaptured_gain_comes_out_of_it_leaving_the_collectibles_at_28():
    # 2025 single, ordinary 300,000, collectibles 10,000, house sold for 400,000, lookback 2022: 50,000.
    # No §1231 gain is 28%-rate gain, so the 50,000 comes out of the unrecaptured gain: 90,903.60 -> 40,903.60;
    # §1231 long-term gain 140,903.60. The taxpayer's collectibles gain (not §1231) stays 28%-rate gain.
    # TI = 300,000 + 50,000 + 140,903.60 + 10,000 - 15,750 = 485,153.60.
    # line 7 = 150,903.60; line 11 = 10,000 + 40,903.60 = 50,903.60; line 13 = 100,000; line 14 = 385,153.60;
    # line 18 = 334,250 = line 21 (line 20 = 197,300). line 22 = 0. line 29 = 485,153.60 - 334,250 = 150,903.60;
    # line 30 = 100,000 -> 15,000. line 33 = 0. line 35 = 40,903.60; line 38 = 485,153.60 - 485,153.60 = 0;
    # line 39 = 40,903.60 -> 10,225.90. line 41 = 475,153.60; line 42 = 10,000 -> 2,800.
    # line 44 = tax(334,250) = 57,231 + 83,725 x 35% = 29,303.75 -> 86,534.75.
    # line 45 = 15,000 + 10,225.90 + 2,800 + 86,534.75 = 114,560.65.
    # line 46 = 57,231 + 234,628.60 x 35% = 82,120.01 -> 139,351.01. Regular 114,560.65.
    # NIIT: MAGI 500,903.60, excess 300,903.60; NII = 50,000 + 140,903.60 + 10,000 = 200,903.60 -> 7,634.34.
    r = evaluate(facts(2025, [house(400000)], ordinary_income=300000, collectibles_gain=10000,
                       section_1231_lookback_losses={"2022": 50000}))
    assert r["section_1231"]["lookback_ordinary"] == D("50000.00")
    assert r["section_1231"]["long_term_capital_gain"] == D("140903.60")
    assert r["unrecaptured_section_1250_gain"] == D("40903.60")
    assert ws(r, 11) == D("50903.60")
    assert ws(r, 42) == D("10000.00")
    assert ws(r, 44) == D("86534.75")
    assert ws(r, 46) == D("139351.01")
    assert r["tax"]["regular_tax"] == D("114560.65")
    assert r["tax"]["niit"] == D("7634.34")
    assert buckets(r) == {"ordinary": D("334250.00"), "rate_25": D("40903.60"), "rate_28": D("10000.00"),
                          "rate_0": 0, "rate_15": D("100000.00"), "rate_20": 0}


def test_lookback_partial_leaves_the_rest_of_the_unrecaptured_gain():
    # 2025 single, ordinary 100,000, house 400,000, lookback 2021: 40,000 -> ordinary 40,000, unrecaptured
    # 90,903.60 - 40,000 = 50,903.60, §1231 long-term gain 150,903.60. TI 275,153.60 as without the lookback.
    # line 13 = 100,000; line 14 = 175,153.60 < 197,300, so all of it (ordinary and 25% gain) is on line 21.
    # line 44 = tax(175,153.60) = 17,651 + 71,803.60 x 24% = 17,232.864 -> 34,883.86; + 15,000 -> 49,883.86.
    r = evaluate(facts(2025, [house(400000)], ordinary_income=100000,
                       section_1231_lookback_losses={"2021": 40000}))
    assert r["section_1231"]["lookback_ordinary"] == D("40000.00")
    assert r["unrecaptured_section_1250_gain"] == D("50903.60")
    assert r["section_1231"]["long_term_capital_gain"] == D("150903.60")
    assert r["tax"]["regular_tax"] == D("49883.86")


def test_net_section_1231_loss_is_ordinary_and_not_capital_limited():
    # 2025 single, ordinary 100,000, LTCG 20,000, house sold for 150,000: §1231 loss 59,096.40.
    # A net §1231 loss is ordinary (§1231(a)(2)): fully deductible, no $3,000 limit; no lookback on a loss.
    # AGI = 100,000 + 20,000 - 59,096.40 = 60,903.60; TI 45,153.60.
    # line 13 = 20,000; line 14 = 25,153.60; line 16 = 45,153.60; line 17 = 25,153.60 -> 20,000 at 0%.
    # line 44 = tax(25,153.60) = 1,192.50 + 13,228.60 x 12% = 1,587.432 -> 2,779.93. Regular 2,779.93.
    r = evaluate(facts(2025, [house(150000)], ordinary_income=100000, long_term_capital_gain=20000,
                       section_1231_lookback_losses={"2024": 10000}))
    assert r["properties"][0]["recognized_gain"] == D("-59096.40")
    assert r["properties"][0]["components"]["section_1231"] == D("-59096.40")
    assert r["properties"][0]["components"]["unrecaptured_section_1250"] == 0
    s = r["section_1231"]
    assert s["net"] == D("-59096.40")
    assert s["ordinary_loss"] == D("-59096.40")
    assert s["lookback_ordinary"] == 0
    assert s["long_term_capital_gain"] == 0
    assert r["unrecaptured_section_1250_gain"] == 0
    assert r["tax"]["agi"] == D("60903.60")
    assert r["tax"]["taxable_income"] == D("45153.60")
    assert buckets(r)["rate_0"] == D("20000.00")
    assert r["tax"]["regular_tax"] == D("2779.93")


# -- C corporation ---------------------------------------------------------------------
def test_corporation_flat_21_percent_without_dispositions():
    # 2018 C corporation, ordinary income 100,000: no standard deduction; 100,000 x 21% (§11(b)) = 21,000.00
    r = evaluate(facts(2018, entity="c_corporation", ordinary_income=100000))
    assert r["tax"]["taxable_income"] == D("100000.00")
    assert r["tax"]["regular_tax"] == D("21000.00")
    assert r["tax"]["niit"] == 0
    assert r["tax"]["total_tax"] == D("21000.00")


def test_corporation_building_sale_section_291_no_niit():
    # 2025 C corporation, ordinary income 500,000; sells a commercial building:
    # nonresidential_real, acquired 2015-01-10, cost 1,000,000, land 200,000 -> basis 800,000.
    # Pub 946 Table A-7a (39-year mid-month), January: yr 1 2.461% -> 19,688; yrs 2-10 (2016-2024) 2.564%
    #   -> 20,512 x 9 = 184,608; 2025 2.564% x 5.5/12 = 9,401.33. Depreciation 213,697.33.
    # Adjusted basis 786,302.67; sold for 1,100,000: gain 313,697.33. No §1250 additional depreciation (SL).
    # §291: 20% x (min(313,697.33, 213,697.33) - 0) = 42,739.466 -> 42,739.47 ordinary;
    # §1231 gain 313,697.33 - 42,739.47 = 270,957.86; no unrecaptured §1250 gain for a corporation.
    # Taxable income 500,000 + 313,697.33 = 813,697.33 x 21% = 170,876.4393 -> 170,876.44; no NIIT.
    # Without the sale 500,000 x 21% = 105,000 -> due to the sale 65,876.44.
    bld = {"id": "b", "asset_class": "nonresidential_real", "acquired": "2015-01-10", "cost": 1000000,
           "land_value": 200000, "disposition": {"type": "sale", "date": "2025-06-15", "sale_price": 1100000}}
    r = evaluate(facts(2025, [bld], entity="c_corporation", ordinary_income=500000))
    p = r["properties"][0]
    assert p["depreciation"]["allowable"] == D("213697.33")
    assert p["recognized_gain"] == D("313697.33")
    assert p["components"]["section_291_ordinary"] == D("42739.47")
    assert p["components"]["section_1250_ordinary"] == 0
    assert p["components"]["unrecaptured_section_1250"] == 0
    assert p["components"]["section_1231"] == D("270957.86")
    assert r["unrecaptured_section_1250_gain"] == 0
    assert r["tax"]["taxable_income"] == D("813697.33")
    assert r["tax"]["regular_tax"] == D("170876.44")
    assert r["tax"]["niit"] == 0
    assert r["tax"]["total_tax_without_dispositions"] == D("105000.00")
    assert r["tax"]["tax_due_to_dispositions"] == D("65876.44")
    assert buckets(r)["ordinary"] == D("813697.33")
    assert buckets(r)["rate_15"] == buckets(r)["rate_20"] == buckets(r)["rate_25"] == 0


# -- real estate professional ----------------------------------------------------------
@pytest.mark.parametrize("rep,other_nii,niit", [
    # Same return as the 32%-straddle test: non-professional NIIT 5,354.34.
    (False, 0, "5354.34"),
    # A real estate professional (§469(c)(7), §1411(c)(4)): the rental gain is not investment income -> 0.
    (True, 0, "0"),
    # with 10,000 of other investment income: 10,000 x 3.8% = 380.00 (MAGI excess 140,903.60 is larger)
    (True, 10000, "380.00"),
])
def test_real_estate_professional_pays_no_niit_on_the_rental_gain(rep, other_nii, niit):
    r = evaluate(facts(2025, [house(400000)], ordinary_income=150000, real_estate_professional=rep,
                       other_net_investment_income=other_nii))
    assert r["tax"]["regular_tax"] == D("62162.40")  # the regular tax does not change
    assert r["tax"]["niit"] == D(niit)
    assert r["tax"]["total_tax"] == D("62162.40") + D(niit)


# -- properties --------------------------------------------------------------------------
FAST = settings(max_examples=30 * PROPERTY_SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YEARS = list(range(2018, 2027))


@st.composite
def individual_returns(draw, with_sale=None):
    year = draw(st.sampled_from(YEARS))
    tp = {
        "entity": "individual",
        "filing_status": draw(st.sampled_from(STATUSES)),
        "ordinary_income": draw(st.integers(0, 800000)),
        "qualified_dividends": draw(st.integers(0, 40000)),
        "long_term_capital_gain": draw(st.integers(-60000, 300000)),
        "short_term_capital_gain": draw(st.integers(-30000, 60000)),
        "collectibles_gain": draw(st.integers(0, 30000)),
        "itemized_deductions": draw(st.sampled_from([0, 0, 20000, 80000, 250000])),
        "real_estate_professional": draw(st.booleans()),
        "section_1231_lookback_losses": {str(year - k): draw(st.integers(0, 60000)) for k in range(1, 7)},
    }
    props = []
    sale = draw(st.booleans()) if with_sale is None else with_sale
    if sale:
        props.append({"id": "h", "asset_class": "residential_rental", "acquired": "2010-03-01", "cost": 300000,
                      "land_value": 60000,
                      "disposition": {"type": "sale", "date": f"{year}-06-15",
                                      "sale_price": draw(st.integers(100000, 600000))}})
    return {"schema_version": 1, "tax_year": year, "taxpayer": tp, "properties": props}


@FAST
@given(individual_returns())
def test_regular_tax_never_exceeds_the_tax_at_ordinary_brackets(f):
    r = evaluate(f)
    t = r["tax"]
    line_46 = ws(r, 46)
    assert line_46 == bracket_tax(t["taxable_income"], f["tax_year"], f["taxpayer"]["filing_status"])
    assert t["regular_tax"] == ws(r, 47) == min(ws(r, 45), line_46)
    assert 0 <= t["regular_tax"] <= line_46
    # the buckets cover taxable income exactly
    assert sum(buckets(r).values(), D(0)) == t["taxable_income"]


def oracle(f, r):
    """An independent, line-by-line figure of the return from the facts and the property's components
    (Form 4797 Part I, the lookback, Schedule D, its worksheets, Form 8960). Returns (regular tax, NIIT)."""
    year, tp = f["tax_year"], f["taxpayer"]
    status = tp["filing_status"]
    dd = lambda k: D(str(tp.get(k, 0)))  # noqa: E731
    carry = tp.get("capital_loss_carryover", {})
    comps = [p["components"] for p in r["properties"]]
    csum = lambda k: sum((c[k] for c in comps), D(0))  # noqa: E731
    # Form 4797 Part I and the lookback (§1231(c): the five preceding years)
    unrec_total = csum("unrecaptured_section_1250")
    net_1231 = unrec_total + csum("section_1231")
    losses = sum((D(str(v)) for k, v in tp.get("section_1231_lookback_losses", {}).items()
                  if year - 5 <= int(k) <= year - 1), D(0))
    lookback = min(max(net_1231, 0), losses)
    cap_1231 = max(net_1231, 0) - lookback
    ordinary_disp = (csum("section_1245_ordinary") + csum("section_1250_ordinary") + csum("section_1017_ordinary")
                     + csum("section_291_ordinary") + csum("short_term_ordinary") + lookback + min(net_1231, 0))
    # Schedule D
    l7 = dd("short_term_capital_gain") - D(str(carry.get("short_term", 0)))
    l15 = dd("long_term_capital_gain") + dd("collectibles_gain") + cap_1231 - D(str(carry.get("long_term", 0)))
    l16 = l7 + l15
    limit = D(str(_table(year, "capital_loss_limit")[status]))
    cap_in_income = l16 if l16 >= 0 else max(l16, -limit)
    ncg = max(min(l15, l16), 0)
    group_28 = dd("collectibles_gain") + min(l7, 0) - D(str(carry.get("long_term", 0)))
    rate_28 = max(group_28, 0)
    unrec_4797 = max(min(unrec_total, max(net_1231, 0)) - lookback, 0)   # worksheet lines 7-9
    unrec = max(unrec_4797 - max(-group_28, 0), 0)                        # lines 14-18
    agi = dd("ordinary_income") + dd("qualified_dividends") + ordinary_disp + cap_in_income
    ti = max(agi - max(D(str(_table(year, "standard_deduction")[status])), dd("itemized_deductions")), 0)
    # Schedule D Tax Worksheet
    cg = _table(year, "capital_gain_brackets")[status]
    ob = _table(year, "ordinary_brackets")[status]
    l1, l6, l9 = ti, dd("qualified_dividends"), ncg
    l10 = l6 + l9
    l12 = min(l9, rate_28 + unrec)
    l13 = l10 - l12
    l14 = max(l1 - l13, 0)
    l16_ = min(l1, D(str(cg[1]["over"])))
    l17 = min(l14, l16_)
    l18 = max(l1 - l10, 0)
    l21 = max(l18, min(l14, min(l1, D(str(ob[4]["over"])))))
    l22 = l16_ - l17
    l23 = min(l1, l13)
    l25 = l23 - l22
    l29 = max(min(l1, D(str(cg[2]["over"]))) - (l21 + l22), 0)
    l30 = min(l25, l29)
    l33 = l23 - (l22 + l30)
    l39 = max(min(l9, unrec) - max(l10 + l21 - l1, 0), 0)
    l42 = l1 - (l21 + l22 + l30 + l33 + l39)
    r2 = lambda x: x.quantize(CENT, rounding=ROUND_HALF_UP)  # noqa: E731
    l45 = (r2(l30 * D("0.15")) + r2(l33 * D("0.20")) + r2(l39 * D("0.25")) + r2(l42 * D("0.28"))
           + bracket_tax(l21, year, status))
    regular = min(l45, bracket_tax(l1, year, status))
    # Form 8960
    rep = tp.get("real_estate_professional", False)
    nii = max(dd("other_net_investment_income") + dd("qualified_dividends") + cap_in_income
              - (cap_1231 if rep else 0) + (0 if rep else ordinary_disp), 0)
    threshold = D(str(_table(year, "niit")["threshold"][status]))
    niit = r2(D("0.038") * max(min(nii, agi - threshold), 0))
    return regular, niit


@FAST
@given(individual_returns())
def test_regular_tax_and_niit_match_an_independent_worksheet(f):
    r = evaluate(f)
    regular, niit = oracle(f, r)
    assert r["tax"]["regular_tax"] == regular
    assert r["tax"]["niit"] == niit
    assert r["tax"]["total_tax"] == regular + niit


@FAST
@given(individual_returns(), st.integers(1, 200000))
def test_more_ordinary_income_never_lowers_total_tax(f, more):
    low = evaluate(f)
    f2 = dict(f, taxpayer=dict(f["taxpayer"], ordinary_income=f["taxpayer"]["ordinary_income"] + more))
    high = evaluate(f2)
    assert high["tax"]["total_tax"] >= low["tax"]["total_tax"]
    assert high["tax"]["regular_tax"] >= low["tax"]["regular_tax"]


@FAST
@given(individual_returns(with_sale=False), st.booleans())
def test_no_dispositions_means_no_tax_due_to_dispositions(f, held_property):
    if held_property:  # a property held all year (disposition none) is still no disposition
        f = dict(f, properties=[{"id": "h", "asset_class": "residential_rental", "acquired": "2010-03-01",
                                 "cost": 300000, "land_value": 60000}])
    r = evaluate(f)
    assert r["tax"]["tax_due_to_dispositions"] == 0
    assert r["tax"]["total_tax_without_dispositions"] == r["tax"]["total_tax"]


ASSET_CLASSES = ["residential_rental", "nonresidential_real", "personal_5yr", "personal_7yr", "land_improvement"]


@FAST
@given(
    year=st.sampled_from(YEARS),
    asset_class=st.sampled_from(ASSET_CLASSES),
    acquired=st.dates(min_value=datetime.date(2005, 1, 1), max_value=datetime.date(2016, 12, 31)),  # long: more than a year before a sale in 2018 or later
    short=st.booleans(),
    cost=st.integers(10000, 900000),
    land_pct=st.integers(0, 40),
    price_pct=st.integers(5, 250),
    lookback=st.integers(0, 100000),
    entity=st.sampled_from(["individual", "individual", "c_corporation"]),
)
def test_components_add_up_to_recognized_gain(year, asset_class, acquired, short, cost, land_pct, price_pct,
                                              lookback, entity):
    if short:  # held one year or less: acquired in January of the tax year, sold in June
        acquired = datetime.date(year, 1, 15)
    real = asset_class in ("residential_rental", "nonresidential_real")
    land = cost * land_pct // 100 if real else 0
    prop = {"id": "p", "asset_class": asset_class, "acquired": acquired.isoformat(), "cost": cost,
            "land_value": land,
            "disposition": {"type": "sale", "date": f"{year}-06-15", "sale_price": cost * price_pct // 100}}
    r = evaluate(facts(year, [prop], entity=entity, ordinary_income=100000,
                       section_1231_lookback_losses={str(year - 1): lookback}))
    if entity == "c_corporation":  # §291 instead of unrecaptured §1250 gain
        assert r["unrecaptured_section_1250_gain"] == 0
        assert all(p["components"]["unrecaptured_section_1250"] == 0 for p in r["properties"])
    for p in r["properties"]:
        assert sum(p["components"].values(), D(0)) == p["recognized_gain"]
        assert p["recognized_gain"] == p["realized_gain"]
        for u in p["units"]:
            assert sum(u["components"].values(), D(0)) == u["recognized_gain"]
        assert p["holding_period"] == ("short" if short else "long")
    # and the §1231 pieces of the return add up to the net
    s = r["section_1231"]
    assert s["lookback_ordinary"] + s["long_term_capital_gain"] + s["ordinary_loss"] == s["net"]
