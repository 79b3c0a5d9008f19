"""Personal property, land improvements and the recapture of their depreciation.

Every figure below is worked by hand in the comment beside it, from the Pub 946
Appendix A percentages as they stand in tables/depreciation/percentage/*.yaml:

  db200_5_half_year (A-1, 5-year):   20.00 32.00 19.20 11.52 11.52 5.76
  db200_7_half_year (A-1, 7-year):   14.29 24.49 17.49 12.49 8.93 8.92 8.93 4.46
  db150_15_half_year (A-1, 15-year): 5.00 9.50 8.55 7.70 ...
  db200_5_mid_quarter (A-2..A-5):    Q2 column 25.00 30.00 18.00 ...
  db200_7_mid_quarter (A-2..A-5):    Q1 column 25.00 21.43 15.31 10.93 ...
                                     Q4 column  3.57 27.55 19.68 14.06 ...
  sl_9_half_year (A-8, 9-year):      5.56 11.11 11.11 ...
  gds_27_5_sl_mid_month (A-6):       year 1 month 1 3.485, month 3 2.879; later years 3.636
  gds_39_sl_mid_month (A-7a):        year 1 month 7 1.177; years 2-39 2.564

Year of disposition (domain.md §1): half-year property takes half of the
year's percentage (except in the table's last row, itself a half year);
mid-quarter property takes (quarter - 0.5) / 4 of it; real property takes
(month - 0.5) / 12 of it. Each year's deduction is rounded to cents.

Every test also checks that each property's components (and each unit's)
add up to its recognized gain (contract.md, "they add up to recognized_gain").
"""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from recapture.evaluate import EvaluationError, Unsupported
from recapture.facts import load_facts, parse_facts
from recapture.tax import evaluate_return

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

COMPONENTS = (
    "section_1245_ordinary", "section_1250_ordinary", "section_1017_ordinary",
    "section_291_ordinary", "unrecaptured_section_1250", "section_1231", "short_term_ordinary",
)


def D(x) -> Decimal:
    return Decimal(str(x))


def evaluate(facts: dict) -> dict:
    return evaluate_return(parse_facts(copy.deepcopy(facts), "case.yaml"))


def individual(tax_year: int, properties: list, **taxpayer) -> dict:
    return {
        "schema_version": 1, "tax_year": tax_year,
        "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": 80000, **taxpayer},
        "properties": properties,
    }


def prop(result: dict, pid: str) -> dict:
    return next(p for p in result["properties"] if p["id"] == pid)


def unit(p: dict, part: str) -> dict:
    return next(u for u in p["units"] if u["part"] == part)


def asset(p: dict, aid: str) -> dict:
    return next(a for a in p["depreciation"]["assets"] if a["id"] == aid)


def components_add_up(result: dict) -> None:
    """Requirement 8: every property's (and unit's) components add up to its recognized gain."""
    for p in result["properties"]:
        if p["disposition_type"] == "none":
            continue
        assert set(COMPONENTS) <= set(p["components"]), p["id"]
        assert sum(p["components"].values(), Decimal(0)) == p["recognized_gain"], p["id"]
        for u in p["units"]:
            assert sum(u["components"].values(), Decimal(0)) == u["recognized_gain"], u["id"]
        assert sum((u["recognized_gain"] for u in p["units"]), Decimal(0)) == p["recognized_gain"], p["id"]


def only(components: dict, **expected) -> None:
    """The named components have the given values; every other one is zero."""
    for name in COMPONENTS:
        assert components[name] == D(expected.get(name, 0)), name


def schedule(a: dict) -> dict:
    return {row["year"]: row["amount"] for row in a["schedule"]}


# ---------------------------------------------------------------------------
# 1. Cost segregation: building + land + 5-year appliances (bonus) + paving
# ---------------------------------------------------------------------------
#
# Purchased and placed in service 2023-03-15 (month 3, first quarter):
#   building  residential_rental  cost 1,000,000 less land 200,000 = 800,000
#   appliances personal_5yr        40,000, bonus taken 32,000 (80% for 2023)
#   paving     land_improvement    60,000, no bonus (15-year 150% DB); §1250 property
#              (a land improvement of a rental, §1250(c); Pub 544 ch. 3)
# Half-year basis placed in service in 2023: 40,000 + 60,000, none in Q4 ->
# half-year convention. Sold 2025-09-20 (month 9).
#
# Building (A-6, column 3):
#   2023  800,000 x 2.879%            = 23,032.00
#   2024  800,000 x 3.636%            = 29,088.00
#   2025  29,088.00 x (9 - 0.5) / 12  = 20,604.00
#   total                               72,724.00   adjusted basis 727,276.00
# Appliances: table basis 40,000 - 32,000 = 8,000 (A-1, 5-year)
#   2023  8,000 x 20.00%              =  1,600.00
#   2024  8,000 x 32.00%              =  2,560.00
#   2025  8,000 x 19.20% x 1/2        =    768.00
#   table 4,928.00 + bonus 32,000     = 36,928.00   adjusted basis 3,072.00
# Paving (A-1, 15-year 150% DB)
#   2023  60,000 x 5.00%              =  3,000.00
#   2024  60,000 x 9.50%              =  5,700.00
#   2025  60,000 x 8.55% x 1/2        =  2,565.00
#   total                               11,265.00   adjusted basis 48,735.00
#   straight line for the same periods (A-8, 15-year, half-year), §1250(b)(1), (b)(5):
#   2023  60,000 x 3.33% = 1,998.00; 2024 60,000 x 6.67% = 4,002.00;
#   2025  4,002.00 x 1/2 = 2,001.00; total 8,001.00
#   additional depreciation 11,265.00 - 8,001.00 = 3,264.00
# Property: allowable 72,724 + 36,928 + 11,265 = 120,917.00;
#           adjusted basis 1,100,000 - 120,917 = 979,083.00

COST_SEG_PLACED = "2023-03-15"


def cost_seg_facts(allocation: dict, selling_expenses=0) -> dict:
    return individual(2025, [{
        "id": "fourplex", "asset_class": "residential_rental",
        "acquired": COST_SEG_PLACED, "cost": 1000000, "land_value": 200000,
        "improvements": [
            {"id": "appliances", "asset_class": "personal_5yr", "placed_in_service": COST_SEG_PLACED,
             "cost": 40000, "bonus_depreciation": 32000},
            {"id": "paving", "asset_class": "land_improvement", "placed_in_service": COST_SEG_PLACED,
             "cost": 60000},
        ],
        "disposition": {"type": "sale", "date": "2025-09-20", "sale_price": sum(allocation.values()),
                        "selling_expenses": selling_expenses, "allocation": allocation},
    }])


def test_cost_segregation_depreciation():
    r = evaluate(cost_seg_facts({"land": 250000, "building": 915000, "appliances": 45000, "paving": 90000}))
    p = prop(r, "fourplex")
    building, appliances, paving = asset(p, "fourplex"), asset(p, "fourplex/appliances"), asset(p, "fourplex/paving")
    assert building["convention"] == "mid_month"
    assert appliances["convention"] == paving["convention"] == "half_year"
    assert schedule(building) == {2023: D("23032.00"), 2024: D("29088.00"), 2025: D("20604.00")}
    assert schedule(appliances) == {2023: D("1600.00"), 2024: D("2560.00"), 2025: D("768.00")}
    assert schedule(paving) == {2023: D("3000.00"), 2024: D("5700.00"), 2025: D("2565.00")}
    assert building["allowable"] == D("72724.00")
    assert appliances["allowable"] == D("36928.00")   # table 4,928 + bonus 32,000
    assert paving["allowable"] == D("11265.00")
    assert p["depreciation"]["allowable"] == D("120917.00")
    # disposition year: 20,604 + 768 + 2,565 = 23,937.00
    assert p["depreciation"]["disposition_year"] == D("23937.00")
    assert p["adjusted_basis"] == D("979083.00")
    components_add_up(r)


def test_cost_segregation_sold_at_a_gain():
    # Price 1,300,000 allocated: land 250,000, building 915,000, appliances
    # 45,000, paving 90,000. Selling expenses 26,000 = 2% of the price, spread
    # in proportion to the allocation (each part's amount realized is 98%):
    #   land       AR 245,000 - 200,000             = 45,000 gain
    #              -> all §1231 45,000
    #   building   AR 896,700 - 727,276             = 169,424 gain
    #              unrecaptured §1250 = min(169,424, 72,724) = 72,724
    #              §1231 = 169,424 - 72,724          = 96,700
    #   appliances AR  44,100 - 3,072               = 41,028 gain
    #              §1245 = min(41,028, 36,928 incl. bonus) = 36,928
    #              §1231 = 41,028 - 36,928           = 4,100
    #   paving     AR  88,200 - 48,735              = 39,465 gain (§1250 property)
    #              §1250 ordinary = min(39,465, additional 3,264) = 3,264
    #              unrecaptured §1250 = min(36,201, 11,265 - 3,264) = 8,001
    #              §1231 = 39,465 - 3,264 - 8,001    = 28,200
    # Property: §1245 36,928; §1250 ordinary 3,264; unrecaptured 72,724 + 8,001
    #           = 80,725; §1231 45,000 + 96,700 + 4,100 + 28,200 = 174,000;
    #           gain 45,000 + 169,424 + 41,028 + 39,465 = 294,917
    #           (= AR 1,274,000 - adjusted basis 979,083)
    r = evaluate(cost_seg_facts({"land": 250000, "building": 915000, "appliances": 45000, "paving": 90000},
                                selling_expenses=26000))
    p = prop(r, "fourplex")
    land, building = unit(p, "land"), unit(p, "building")
    appliances, paving = unit(p, "appliances"), unit(p, "paving")
    assert land["amount_realized"] == D("245000.00")
    assert land["realized_gain"] == D("45000.00")
    only(land["components"], section_1231=45000)
    assert building["recapture_class"] == "section_1250"
    assert building["adjusted_basis"] == D("727276.00")
    assert building["realized_gain"] == D("169424.00")
    only(building["components"], unrecaptured_section_1250=72724, section_1231=96700)
    assert appliances["recapture_class"] == "section_1245"
    assert appliances["adjusted_basis"] == D("3072.00")
    assert appliances["realized_gain"] == D("41028.00")
    only(appliances["components"], section_1245_ordinary=36928, section_1231=4100)
    assert paving["recapture_class"] == "section_1250"
    assert paving["adjusted_basis"] == D("48735.00")
    assert paving["realized_gain"] == D("39465.00")
    only(paving["components"], section_1250_ordinary=3264, unrecaptured_section_1250=8001, section_1231=28200)

    assert p["amount_realized"] == D("1274000.00")
    assert p["recognized_gain"] == D("294917.00")
    only(p["components"], section_1245_ordinary=36928, section_1250_ordinary=3264,
         unrecaptured_section_1250=80725, section_1231=174000)
    components_add_up(r)
    # §1231 net: 174,000 + 80,725 = 254,725, no lookback losses; the
    # unrecaptured §1250 gain is within it.
    assert r["section_1231"]["net"] == D("254725.00")
    assert r["unrecaptured_section_1250_gain"] == D("80725.00")


def test_cost_segregation_sold_at_a_loss_on_the_items():
    # Price 1,001,000 allocated: land 200,000, building 760,000, appliances
    # 1,000, paving 40,000; no selling expenses.
    #   land       200,000 - 200,000 = 0
    #   building   760,000 - 727,276 = 32,724 gain -> unrecaptured §1250 32,724
    #              (less than the 72,724 of depreciation), §1231 0
    #   appliances   1,000 -   3,072 = -2,072: a §1231 loss, no §1245 recapture
    #   paving      40,000 -  48,735 = -8,735: a §1231 loss, no §1245 recapture
    # Property: gain 32,724 - 2,072 - 8,735 = 21,917; §1231 -10,807.
    # Netting: 32,724 - 10,807 = 21,917 net §1231 gain; the unrecaptured §1250
    # gain is limited to it on the worksheet: min(32,724, 21,917) = 21,917.
    r = evaluate(cost_seg_facts({"land": 200000, "building": 760000, "appliances": 1000, "paving": 40000}))
    p = prop(r, "fourplex")
    only(unit(p, "land")["components"])
    only(unit(p, "building")["components"], unrecaptured_section_1250=32724)
    appliances, paving = unit(p, "appliances"), unit(p, "paving")
    assert appliances["realized_gain"] == D("-2072.00")
    only(appliances["components"], section_1231=-2072)
    assert paving["realized_gain"] == D("-8735.00")
    only(paving["components"], section_1231=-8735)
    assert p["recognized_gain"] == D("21917.00")
    only(p["components"], unrecaptured_section_1250=32724, section_1231=-10807)
    components_add_up(r)
    assert r["section_1231"]["net"] == D("21917.00")
    assert r["unrecaptured_section_1250_gain"] == D("21917.00")


def cost_seg_separate_facts(building_price: dict, appliances_price, paving_price) -> dict:
    """The same cost segregation with the items listed as their own properties."""
    return individual(2025, [
        {"id": "fourplex", "asset_class": "residential_rental", "acquired": COST_SEG_PLACED,
         "cost": 1000000, "land_value": 200000,
         "disposition": {"type": "sale", "date": "2025-09-20", "sale_price": sum(building_price.values()),
                         "allocation": building_price}},
        {"id": "appliances", "asset_class": "personal_5yr", "acquired": COST_SEG_PLACED,
         "cost": 40000, "bonus_depreciation": 32000,
         "disposition": {"type": "sale", "date": "2025-09-20", "sale_price": appliances_price}},
        {"id": "paving", "asset_class": "land_improvement", "acquired": COST_SEG_PLACED, "cost": 60000,
         "disposition": {"type": "sale", "date": "2025-09-20", "sale_price": paving_price}},
    ])


def test_cost_segregation_items_as_separate_properties_at_a_gain():
    # Same figures as the improvement form, no selling expenses:
    #   appliances 45,000 - 3,072  = 41,928 gain: §1245 36,928 (all, bonus included), §1231 5,000
    #   paving     90,000 - 48,735 = 41,265 gain (§1250 property): §1250 ordinary
    #              3,264 (11,265 less straight line 8,001), unrecaptured 8,001, §1231 30,000
    #   building  915,000 - 727,276 = 187,724: unrecaptured 72,724, §1231 115,000
    #   land      250,000 - 200,000 = 50,000: §1231 50,000
    r = evaluate(cost_seg_separate_facts({"land": 250000, "building": 915000}, 45000, 90000))
    appliances, paving, fourplex = prop(r, "appliances"), prop(r, "paving"), prop(r, "fourplex")
    assert appliances["depreciation"]["allowable"] == D("36928.00")
    assert asset(appliances, "appliances")["convention"] == "half_year"
    assert appliances["recognized_gain"] == D("41928.00")
    only(appliances["components"], section_1245_ordinary=36928, section_1231=5000)
    assert paving["depreciation"]["allowable"] == D("11265.00")
    assert paving["recognized_gain"] == D("41265.00")
    only(paving["components"], section_1250_ordinary=3264, unrecaptured_section_1250=8001, section_1231=30000)
    assert fourplex["depreciation"]["allowable"] == D("72724.00")
    assert fourplex["recognized_gain"] == D("237724.00")
    only(unit(fourplex, "building")["components"], unrecaptured_section_1250=72724, section_1231=115000)
    only(fourplex["components"], unrecaptured_section_1250=72724, section_1231=165000)
    components_add_up(r)


def test_cost_segregation_items_as_separate_properties_at_a_loss():
    #   appliances  1,000 - 3,072  = -2,072: §1231 loss, no recapture
    #   paving     40,000 - 48,735 = -8,735: §1231 loss, no recapture
    r = evaluate(cost_seg_separate_facts({"land": 200000, "building": 760000}, 1000, 40000))
    appliances, paving = prop(r, "appliances"), prop(r, "paving")
    assert appliances["recognized_gain"] == D("-2072.00")
    only(appliances["components"], section_1231=-2072)
    assert paving["recognized_gain"] == D("-8735.00")
    only(paving["components"], section_1231=-8735)
    only(prop(r, "fourplex")["components"], unrecaptured_section_1250=32724)
    components_add_up(r)


# ---------------------------------------------------------------------------
# 2. Mid-quarter convention
# ---------------------------------------------------------------------------

def two_machines(lathe_cost, press_cost, press_179=0, lathe_price=20000) -> dict:
    """lathe: 7-year, placed 2022-02-10 (Q1), sold 2025-08-15 (Q3);
    press: 7-year, placed 2022-11-05 (Q4), kept. Separate properties of one return."""
    return individual(2025, [
        {"id": "lathe", "asset_class": "personal_7yr", "acquired": "2022-02-10", "cost": lathe_cost,
         "disposition": {"type": "sale", "date": "2025-08-15", "sale_price": lathe_price}},
        {"id": "press", "asset_class": "personal_7yr", "acquired": "2022-11-05", "cost": press_cost,
         "section_179": press_179},
    ])


def test_mid_quarter_when_more_than_40_percent_in_the_last_quarter():
    # 2022 half-year basis 30,000 + 70,000 = 100,000; Q4 70,000 = 70% > 40%
    # -> both machines take the mid-quarter tables (A-2 Q1 column, A-5 Q4 column).
    # lathe (Q1): 2022 30,000 x 25.00% = 7,500.00
    #             2023 30,000 x 21.43% = 6,429.00
    #             2024 30,000 x 15.31% = 4,593.00
    #             2025 30,000 x 10.93% x (3 - 0.5)/4 = 3,279 x 0.625 = 2,049.375 -> 2,049.38
    #             total 20,571.38; adjusted basis 9,428.62
    # sold for 20,000: gain 10,571.38, all §1245 (< 20,571.38)
    # press (Q4): 2022 70,000 x  3.57% =  2,499.00
    #             2023 70,000 x 27.55% = 19,285.00
    #             2024 70,000 x 19.68% = 13,776.00
    #             2025 70,000 x 14.06% =  9,842.00 (kept all year)
    #             total 45,402.00
    r = evaluate(two_machines(30000, 70000))
    lathe, press = prop(r, "lathe"), prop(r, "press")
    assert asset(lathe, "lathe")["convention"] == "mid_quarter"
    assert asset(press, "press")["convention"] == "mid_quarter"
    assert asset(lathe, "lathe")["table"] == "db200_7_mid_quarter"
    assert schedule(asset(lathe, "lathe")) == {
        2022: D("7500.00"), 2023: D("6429.00"), 2024: D("4593.00"), 2025: D("2049.38")}
    assert lathe["depreciation"]["disposition_year"] == D("2049.38")
    assert lathe["depreciation"]["allowable"] == D("20571.38")
    assert schedule(asset(press, "press")) == {
        2022: D("2499.00"), 2023: D("19285.00"), 2024: D("13776.00"), 2025: D("9842.00")}
    assert press["depreciation"]["allowable"] == D("45402.00")
    assert lathe["adjusted_basis"] == D("9428.62")
    assert lathe["recognized_gain"] == D("10571.38")
    only(lathe["components"], section_1245_ordinary=D("10571.38"))
    assert any("mid-quarter" in w for w in r["warnings"])
    components_add_up(r)


def test_mid_quarter_test_counts_basis_before_bonus():
    # Reg. §1.168(d)-1(b)(4): bonus does not reduce the basis the test counts.
    # press 70,000 in Q4 with 70,000 of bonus still counts 70,000 of 100,000 -> mid-quarter;
    # the lathe's figures are those of the mid-quarter test above (20,571.38).
    # press: table basis 0, allowable = bonus 70,000.
    facts = two_machines(30000, 70000)
    facts["properties"][1]["bonus_depreciation"] = 70000
    r = evaluate(facts)
    lathe, press = prop(r, "lathe"), prop(r, "press")
    assert asset(lathe, "lathe")["convention"] == "mid_quarter"
    assert lathe["depreciation"]["allowable"] == D("20571.38")
    assert press["depreciation"]["allowable"] == D("70000.00")
    only(lathe["components"], section_1245_ordinary=D("10571.38"))
    components_add_up(r)


def test_exactly_40_percent_in_the_last_quarter_stays_half_year():
    # Q4 40,000 of 100,000 = 40%, not more than 40% -> half-year (A-1, 7-year).
    # lathe 60,000: 8,574.00 + 14,694.00 + 10,494.00 + 60,000 x 12.49% x 1/2 (3,747.00) = 37,509.00
    #   sold for 40,000: adjusted basis 22,491.00, gain 17,509.00, all §1245
    # press 40,000: 5,716.00 + 9,796.00 + 6,996.00 + 4,996.00 = 27,504.00
    r = evaluate(two_machines(60000, 40000, lathe_price=40000))
    lathe, press = prop(r, "lathe"), prop(r, "press")
    assert asset(lathe, "lathe")["convention"] == "half_year"
    assert asset(press, "press")["convention"] == "half_year"
    assert schedule(asset(lathe, "lathe")) == {
        2022: D("8574.00"), 2023: D("14694.00"), 2024: D("10494.00"), 2025: D("3747.00")}
    assert schedule(asset(press, "press")) == {
        2022: D("5716.00"), 2023: D("9796.00"), 2024: D("6996.00"), 2025: D("4996.00")}
    assert lathe["depreciation"]["allowable"] == D("37509.00")
    assert press["depreciation"]["allowable"] == D("27504.00")
    assert lathe["recognized_gain"] == D("17509.00")
    only(lathe["components"], section_1245_ordinary=17509)
    assert not any("mid-quarter" in w for w in r["warnings"])
    components_add_up(r)


def test_mid_quarter_test_counts_basis_after_section_179():
    # Reg. §1.168(d)-1(b)(4): the test uses basis after §179, before bonus.
    # press 70,000 with §179 50,000 -> 20,000 counted; lathe 30,000; Q4 share
    # 20,000 / 50,000 = 40%, not more -> half-year for both.
    # press table basis 20,000: 2,858.00 + 4,898.00 + 3,498.00 + 2,498.00 = 13,752.00
    #   allowable 13,752.00 + §179 50,000 = 63,752.00
    # lathe 30,000 half-year: 4,287.00 + 7,347.00 + 5,247.00 + 30,000 x 12.49% x 1/2 (1,873.50) = 18,754.50
    #   sold for 20,000: adjusted basis 11,245.50, gain 8,754.50, all §1245
    r = evaluate(two_machines(30000, 70000, press_179=50000))
    lathe, press = prop(r, "lathe"), prop(r, "press")
    assert asset(lathe, "lathe")["convention"] == "half_year"
    assert asset(press, "press")["convention"] == "half_year"
    assert press["depreciation"]["allowable"] == D("63752.00")
    assert lathe["depreciation"]["allowable"] == D("18754.50")
    only(lathe["components"], section_1245_ordinary=D("8754.50"))
    components_add_up(r)


def test_mid_quarter_across_improvements_of_one_building():
    # A building with two 5-year improvements placed in 2023: carpets 10,000
    # in Q1 (2023-02-01) and appliances 20,000 in Q4 (2023-12-01); 20,000 of
    # 30,000 = 66.7% > 40% -> both mid-quarter. The building (mid-month) is not
    # in the test. Kept (no disposition), depreciated through 2025:
    # carpets (Q1):    10,000 x 35.00% = 3,500.00; x 26.00% = 2,600.00; x 15.60% = 1,560.00 -> 7,660.00
    # appliances (Q4): 20,000 x  5.00% = 1,000.00; x 38.00% = 7,600.00; x 22.80% = 4,560.00 -> 13,160.00
    r = evaluate(individual(2025, [{
        "id": "duplex", "asset_class": "residential_rental", "acquired": "2023-01-10",
        "cost": 300000, "land_value": 60000,
        "improvements": [
            {"id": "carpets", "asset_class": "personal_5yr", "placed_in_service": "2023-02-01", "cost": 10000},
            {"id": "appliances", "asset_class": "personal_5yr", "placed_in_service": "2023-12-01", "cost": 20000},
        ],
    }]))
    p = prop(r, "duplex")
    carpets, appliances = asset(p, "duplex/carpets"), asset(p, "duplex/appliances")
    assert carpets["convention"] == appliances["convention"] == "mid_quarter"
    assert schedule(carpets) == {2023: D("3500.00"), 2024: D("2600.00"), 2025: D("1560.00")}
    assert schedule(appliances) == {2023: D("1000.00"), 2024: D("7600.00"), 2025: D("4560.00")}
    assert asset(p, "duplex")["convention"] == "mid_month"
    components_add_up(r)


def test_convention_mid_quarter_named_in_the_facts():
    # A lone 5-year asset placed 2023-05-10 (Q2) would be half-year; the
    # facts force mid-quarter (A-3, Q2 column). Sold 2025-11-20 (Q4):
    #   2023 10,000 x 25.00% = 2,500.00
    #   2024 10,000 x 30.00% = 3,000.00
    #   2025 10,000 x 18.00% x (4 - 0.5)/4 = 1,800 x 0.875 = 1,575.00
    #   total 7,075.00; adjusted basis 2,925.00
    # Sold for 5,000: gain 2,075.00, all §1245.
    facts = individual(2025, [{
        "id": "computer", "asset_class": "personal_5yr", "acquired": "2023-05-10", "cost": 10000,
        "convention": "mid_quarter",
        "disposition": {"type": "sale", "date": "2025-11-20", "sale_price": 5000},
    }])
    r = evaluate(facts)
    p = prop(r, "computer")
    assert asset(p, "computer")["convention"] == "mid_quarter"
    assert schedule(asset(p, "computer")) == {2023: D("2500.00"), 2024: D("3000.00"), 2025: D("1575.00")}
    assert p["depreciation"]["allowable"] == D("7075.00")
    assert p["recognized_gain"] == D("2075.00")
    only(p["components"], section_1245_ordinary=2075)
    components_add_up(r)

    # Without the forced convention: half-year, 2,000 + 3,200 + 1,920 x 1/2 = 960 -> 6,160.00;
    # gain 5,000 - 3,840 = 1,160.00
    del facts["properties"][0]["convention"]
    r = evaluate(facts)
    p = prop(r, "computer")
    assert asset(p, "computer")["convention"] == "half_year"
    assert p["depreciation"]["allowable"] == D("6160.00")
    only(p["components"], section_1245_ordinary=1160)
    components_add_up(r)


def test_mid_quarter_test_leaves_out_property_placed_and_disposed_in_the_same_year():
    # tax year 2025: kept desk (7-year) 50,000 placed 2025-02-03 (Q1); resold
    # printer (5-year) 50,000 placed 2025-11-03 (Q4) and sold 2025-12-15.
    # The printer is out of the test, so the desk's year has no Q4 basis ->
    # half-year: 50,000 x 14.29% = 7,145.00 for 2025 (mid-quarter would be 25.00%).
    # The printer gets no depreciation (placed in service and disposed of in
    # the same year); sold for 51,000 after 42 days: 1,000 short-term ordinary.
    r = evaluate(individual(2025, [
        {"id": "desk", "asset_class": "personal_7yr", "acquired": "2025-02-03", "cost": 50000},
        {"id": "printer", "asset_class": "personal_5yr", "acquired": "2025-11-03", "cost": 50000,
         "disposition": {"type": "sale", "date": "2025-12-15", "sale_price": 51000}},
    ]))
    printer = prop(r, "printer")
    assert printer["depreciation"]["allowable"] == D("0.00")
    only(printer["components"], short_term_ordinary=1000)
    components_add_up(r)
    desk = prop(r, "desk")
    assert asset(desk, "desk")["convention"] == "half_year"
    assert desk["depreciation"]["allowable"] == D("7145.00")


# ---------------------------------------------------------------------------
# 3. Half-year disposal; allowed or allowable
# ---------------------------------------------------------------------------

def test_seven_year_asset_sold_in_year_three_gets_half_a_year():
    # placed 2023-06-01, cost 50,000, sold 2025-04-10 (recovery year 3):
    #   2023 50,000 x 14.29%       =  7,145.00
    #   2024 50,000 x 24.49%       = 12,245.00
    #   2025 50,000 x 17.49% x 1/2 =  4,372.50
    #   total 23,762.50; adjusted basis 26,237.50
    # sold for 35,000: gain 8,762.50, all §1245 (< 23,762.50)
    r = evaluate(individual(2025, [{
        "id": "forklift", "asset_class": "personal_7yr", "acquired": "2023-06-01", "cost": 50000,
        "disposition": {"type": "sale", "date": "2025-04-10", "sale_price": 35000},
    }]))
    p = prop(r, "forklift")
    assert asset(p, "forklift")["convention"] == "half_year"
    assert asset(p, "forklift")["table"] == "db200_7_half_year"
    assert schedule(asset(p, "forklift")) == {2023: D("7145.00"), 2024: D("12245.00"), 2025: D("4372.50")}
    assert p["depreciation"]["disposition_year"] == D("4372.50")
    assert p["depreciation"]["allowable"] == D("23762.50")
    assert p["adjusted_basis"] == D("26237.50")
    assert p["recognized_gain"] == D("8762.50")
    only(p["components"], section_1245_ordinary=D("8762.50"))
    assert p["holding_period"] == "long"
    components_add_up(r)


def test_five_year_asset_sold_in_the_last_table_year_is_not_halved_again():
    # placed 2019-07-01, cost 10,000, sold 2024-03-01 = recovery year 6, the
    # table's own half year (5.76%), so it is taken whole:
    #   2,000 + 3,200 + 1,920 + 1,152 + 1,152 + 576 = 10,000.00 (the whole basis)
    # sold for 1,500: adjusted basis 0, gain 1,500, all §1245
    r = evaluate(individual(2024, [{
        "id": "fridge", "asset_class": "personal_5yr", "acquired": "2019-07-01", "cost": 10000,
        "disposition": {"type": "sale", "date": "2024-03-01", "sale_price": 1500},
    }]))
    p = prop(r, "fridge")
    assert schedule(asset(p, "fridge")) == {
        2019: D("2000.00"), 2020: D("3200.00"), 2021: D("1920.00"),
        2022: D("1152.00"), 2023: D("1152.00"), 2024: D("576.00")}
    assert p["depreciation"]["allowable"] == D("10000.00")
    only(p["components"], section_1245_ordinary=1500)
    components_add_up(r)


def test_equipment_sale_example_allowed_or_allowable():
    # examples/equipment-sale.yaml: CNC machine, 7-year, placed
    # 2022-03-01, cost 100,000, 60,000 claimed, sold 2025-02-15 for 75,000.
    #   2022 100,000 x 14.29%       = 14,290.00
    #   2023 100,000 x 24.49%       = 24,490.00
    #   2024 100,000 x 17.49%       = 17,490.00
    #   2025 100,000 x 12.49% x 1/2 =  6,245.00
    #   allowable 62,515.00 > claimed 60,000 -> basis reduced by 62,515.00
    #   adjusted basis 37,485.00; gain 75,000 - 37,485 = 37,515.00, all §1245
    r = evaluate_return(load_facts(EXAMPLES / "equipment-sale.yaml"))
    p = prop(r, "cnc-machine")
    dep = p["depreciation"]
    assert dep["allowable"] == D("62515.00")
    assert dep["allowed"] == D("60000.00")
    assert dep["basis_reduction"] == D("62515.00")
    assert dep["disposition_year"] == D("6245.00")
    assert p["adjusted_basis"] == D("37485.00")
    assert p["recognized_gain"] == D("37515.00")
    only(p["components"], section_1245_ordinary=37515)
    assert any("60,000.00" in w and "62,515.00" in w and "allowable" in w for w in r["warnings"])
    components_add_up(r)


def test_more_claimed_than_allowable_reduces_basis_by_the_amount_claimed():
    # Same machine with 70,000 claimed (> 62,515 allowable): basis is reduced
    # by the 70,000 claimed (domain.md §1); adjusted basis 30,000, gain 45,000,
    # all §1245 (< 70,000). No allowed-or-allowable warning.
    facts = load_facts(EXAMPLES / "equipment-sale.yaml")
    facts["properties"][0]["depreciation_claimed"] = Decimal(70000)
    r = evaluate_return(facts)
    p = prop(r, "cnc-machine")
    assert p["depreciation"]["basis_reduction"] == D("70000.00")
    assert p["adjusted_basis"] == D("30000.00")
    only(p["components"], section_1245_ordinary=45000)
    assert not any("allowable" in w and "Form 3115" in w for w in r["warnings"])
    components_add_up(r)


# ---------------------------------------------------------------------------
# 4. C corporation: §291 on a nonresidential building held 10 years
# ---------------------------------------------------------------------------
#
# Office building acquired and placed in service 2015-07-20 (month 7), cost
# 2,500,000 less land 500,000 = 2,000,000; sold 2025-07-10 (month 7, recovery
# year 11). A-7a, column 7:
#   2015        2,000,000 x 1.177%              =  23,540.00
#   2016-2024   2,000,000 x 2.564% = 51,280 x 9 = 461,520.00
#   2025        51,280 x (7 - 0.5)/12 = 27,776.666.. -> 27,776.67
#   total 512,836.67; adjusted basis 2,500,000 - 512,836.67 = 1,987,163.33

@pytest.mark.parametrize("price, gain, s291, s1231, tax", [
    # 3,000,000: gain 1,012,836.67 > depreciation;
    #   §291 = 20% x (512,836.67 - 0) = 102,567.334 -> 102,567.33
    #   §1231 = 1,012,836.67 - 102,567.334 = 910,269.336 -> 910,269.34
    #   regular tax 21% x (500,000 + 1,012,836.67) = 317,695.70
    (3000000, "1012836.67", "102567.33", "910269.34", "317695.70"),
    # 2,200,000: gain 212,836.67 < depreciation;
    #   §291 = 20% x 212,836.67 = 42,567.334 -> 42,567.33
    #   §1231 = 212,836.67 - 42,567.334 = 170,269.336 -> 170,269.34
    #   regular tax 21% x (500,000 + 212,836.67) = 149,695.70
    (2200000, "212836.67", "42567.33", "170269.34", "149695.70"),
])
def test_c_corporation_section_291(price, gain, s291, s1231, tax):
    r = evaluate({
        "schema_version": 1, "tax_year": 2025,
        "taxpayer": {"entity": "c_corporation", "ordinary_income": 500000},
        "properties": [{
            "id": "office", "asset_class": "nonresidential_real", "acquired": "2015-07-20",
            "cost": 2500000, "land_value": 500000,
            "disposition": {"type": "sale", "date": "2025-07-10", "sale_price": price},
        }],
    })
    p = prop(r, "office")
    sched = schedule(asset(p, "office"))
    assert sched[2015] == D("23540.00")
    assert all(sched[y] == D("51280.00") for y in range(2016, 2025))
    assert sched[2025] == D("27776.67")
    assert p["depreciation"]["allowable"] == D("512836.67")
    assert p["adjusted_basis"] == D("1987163.33")
    assert p["recognized_gain"] == D(gain)
    # no §1250 ordinary (MACRS straight line), no unrecaptured §1250 for a corporation
    only(p["components"], section_291_ordinary=D(s291), section_1231=D(s1231))
    components_add_up(r)
    assert r["unrecaptured_section_1250_gain"] == D("0.00")
    assert r["tax"]["regular_tax"] == D(tax)


# ---------------------------------------------------------------------------
# 5. §1017 basis reduction on a building
# ---------------------------------------------------------------------------
#
# Rental acquired 2018-01-05 (month 1), cost 600,000 less land 100,000 =
# 500,000; §1017 basis reduction 40,000; sold 2025-06-15 (month 6, year 8).
# A-6, column 1 (the engine depreciates the unreduced basis; the facts do not
# say when the reduction was made):
#   2018        500,000 x 3.485%               = 17,425.00
#   2019-2024   500,000 x 3.636% = 18,180 x 6  = 109,080.00
#   2025        18,180 x (6 - 0.5)/12          =  8,332.50
#   total 134,837.50
# adjusted basis 600,000 - 134,837.50 - 40,000 = 425,162.50

@pytest.mark.parametrize("price, gain, s1017, unrecaptured, s1231", [
    # 700,000: gain 274,837.50 -> §1017 40,000; unrecaptured min(234,837.50, 134,837.50)
    #   = 134,837.50; §1231 100,000
    (700000, "274837.50", 40000, "134837.50", 100000),
    # 480,000: gain 54,837.50 -> §1017 takes 40,000 first; unrecaptured gets only
    #   the 14,837.50 left; §1231 0
    (480000, "54837.50", 40000, "14837.50", 0),
    # 430,000: gain 4,837.50 < the 40,000 reduction -> all §1017 ordinary
    (430000, "4837.50", "4837.50", 0, 0),
])
def test_section_1017_recaptured_before_unrecaptured_1250(price, gain, s1017, unrecaptured, s1231):
    r = evaluate(individual(2025, [{
        "id": "rental", "asset_class": "residential_rental", "acquired": "2018-01-05",
        "cost": 600000, "land_value": 100000, "debt_discharge_basis_reduction": 40000,
        "disposition": {"type": "sale", "date": "2025-06-15", "sale_price": price},
    }]))
    p = prop(r, "rental")
    assert p["depreciation"]["allowable"] == D("134837.50")
    assert p["adjusted_basis"] == D("425162.50")
    assert p["recognized_gain"] == D(gain)
    only(p["components"], section_1017_ordinary=D(s1017), unrecaptured_section_1250=D(unrecaptured),
         section_1231=D(s1231))
    components_add_up(r)


# ---------------------------------------------------------------------------
# 6. §179 on a 7-year asset
# ---------------------------------------------------------------------------
#
# placed 2023-04-01, cost 80,000, §179 30,000 -> table basis 50,000; sold
# 2025-10-01 (year 3, half year):
#   2023 50,000 x 14.29%       =  7,145.00
#   2024 50,000 x 24.49%       = 12,245.00
#   2025 50,000 x 17.49% x 1/2 =  4,372.50
#   table 23,762.50 + §179 30,000 = 53,762.50; adjusted basis 26,237.50

@pytest.mark.parametrize("price, gain, s1245, s1231", [
    # 60,000: gain 33,762.50, all §1245
    (60000, "33762.50", "33762.50", 0),
    # 85,000: gain 58,762.50 -> §1245 = all depreciation, §179 included, 53,762.50; §1231 5,000
    (85000, "58762.50", "53762.50", 5000),
])
def test_section_179_recaptured_under_1245(price, gain, s1245, s1231):
    r = evaluate(individual(2025, [{
        "id": "loader", "asset_class": "personal_7yr", "acquired": "2023-04-01", "cost": 80000,
        "section_179": 30000,
        "disposition": {"type": "sale", "date": "2025-10-01", "sale_price": price},
    }]))
    p = prop(r, "loader")
    assert schedule(asset(p, "loader")) == {2023: D("7145.00"), 2024: D("12245.00"), 2025: D("4372.50")}
    assert p["depreciation"]["allowable"] == D("53762.50")
    assert p["adjusted_basis"] == D("26237.50")
    assert p["recognized_gain"] == D(gain)
    only(p["components"], section_1245_ordinary=D(s1245), section_1231=D(s1231))
    components_add_up(r)


# ---------------------------------------------------------------------------
# 7. ADS for 5-year property
# ---------------------------------------------------------------------------

def ads_facts(**extra) -> dict:
    return individual(2025, [{
        "id": "carpets", "asset_class": "personal_5yr", "acquired": "2021-03-01", "cost": 18000,
        "recovery_system": "ads", **extra,
        "disposition": {"type": "sale", "date": "2025-05-01", "sale_price": 12000},
    }])


def test_ads_nine_year_for_carpets_in_a_rental():
    # 9-year straight line, half-year; sold in recovery year 5:
    #   2021      18,000 x  5.56%             = 1,000.80
    #   2022-2024 18,000 x 11.11% = 1,999.80 x 3 = 5,999.40
    #   2025      1,999.80 x 1/2              =   999.90
    #   total 8,000.10; adjusted basis 9,999.90
    # sold for 12,000: gain 2,000.10, all §1245
    r = evaluate(ads_facts(ads_recovery_years=9))
    p = prop(r, "carpets")
    a = asset(p, "carpets")
    assert a["table"] == "sl_9_half_year"
    assert a["convention"] == "half_year"
    assert schedule(a) == {2021: D("1000.80"), 2022: D("1999.80"), 2023: D("1999.80"),
                           2024: D("1999.80"), 2025: D("999.90")}
    assert p["depreciation"]["allowable"] == D("8000.10")
    assert p["recognized_gain"] == D("2000.10")
    only(p["components"], section_1245_ordinary=D("2000.10"))
    components_add_up(r)


def test_ads_five_year_for_a_computer():
    # ads_recovery_years 5: 5-year straight line, half-year; sold in recovery year 5:
    #   2021      18,000 x 10.00%               = 1,800.00
    #   2022-2024 18,000 x 20.00% = 3,600 x 3   = 10,800.00
    #   2025      3,600 x 1/2                   = 1,800.00
    #   total 14,400.00; adjusted basis 3,600.00; sold for 12,000: gain 8,400.00, all §1245
    r = evaluate(ads_facts(ads_recovery_years=5))
    p = prop(r, "carpets")
    assert asset(p, "carpets")["table"] == "sl_5_half_year"
    assert p["depreciation"]["allowable"] == D("14400.00")
    only(p["components"], section_1245_ordinary=8400)
    components_add_up(r)


def test_ads_five_year_without_class_life_is_refused():
    with pytest.raises(Unsupported) as e:
        evaluate(ads_facts())
    assert any(path == "properties[0].ads_recovery_years" for path, _ in e.value.faults)
    assert "ads_recovery_years" in str(e.value)
    assert "9" in str(e.value) and "5" in str(e.value)
