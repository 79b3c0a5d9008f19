"""Form 4797 lines per unit (Part III 20-26, Part I line 2 for land) and the
bonus-depreciation limit warning (§168(k)(6) percentages by date, as data)."""
from decimal import Decimal as D

from conftest import EXAMPLES, assert_components_add_up
from recapture.facts import load_facts, parse_facts
from recapture.tax import evaluate_return


def test_form_4797_lines_for_the_llc_share():
    r = evaluate_return(load_facts(EXAMPLES / "llc-share-with-improvements.yaml"))
    land, building = r["properties"][0]["units"]
    appliances = r["properties"][1]["units"][0]
    # land: 50% of 180,000 = 90,000 less 6% of it in selling expenses (5,400), less basis 65,000 = 19,600, Part I line 2
    assert land["form_4797"] == {"line_2": D("19600.00"), "line_10": D("0.00")}
    # building: line 20 = 336,000; line 21 = 195,000 + 12,000 roof + 20,160 expenses = 227,160;
    # line 22 = 72,640.77; line 23 = 154,519.23; line 24 = 181,480.77; no §1250 ordinary (straight line)
    f = building["form_4797"]
    assert (f["line_20"], f["line_21"], f["line_22"], f["line_23"], f["line_24"]) == (
        D("336000.00"), D("227160.00"), D("72640.77"), D("154519.23"), D("181480.77"))
    assert f["line_26g"] == 0
    # appliances: 4,000 - (7,500 - 7,500) = 4,000; line 25a = 7,500; line 25b = min(4,000, 7,500) = 4,000
    assert (appliances["form_4797"]["line_25a"], appliances["form_4797"]["line_25b"]) == (D("7500.00"), D("4000.00"))
    # line 30 = 181,480.77 + 4,000 = 185,480.77; line 31 = 4,000; line 32 = 181,480.77
    assert r["form_4797"]["line_30"] == D("185480.77") and r["form_4797"]["line_31"] == D("4000.00")
    assert r["form_4797"]["line_32"] == D("181480.77")
    # line 7 = 19,600 + 181,480.77 = 201,080.77; line 8 = the 12,000 lookback; line 9 = 189,080.77
    assert (r["form_4797"]["line_7"], r["form_4797"]["line_8"], r["form_4797"]["line_9"]) == (
        D("201080.77"), D("12000.00"), D("189080.77"))


def _equipment(placed, acquired, bonus, cost=100000):
    return parse_facts({
        "schema_version": 1, "tax_year": 2025,
        "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": 90000},
        "properties": [{"id": "press", "asset_class": "personal_7yr", "acquired": acquired,
                        "placed_in_service": placed, "cost": cost, "bonus_depreciation": bonus}]}, "t.yaml")


def test_bonus_within_the_table_gives_no_warning():
    # acquired 2023-03-01 and placed in service 2023-03-01: 80% (§168(k)(6)(A)(ii)) of 100,000 = 80,000
    r = evaluate_return(_equipment("2023-03-01", "2023-03-01", 80000))
    assert not any("bonus" in w for w in r["warnings"])
    # the rest is depreciated from the table: 20,000 x (14.29 + 24.49 + 17.49) % = 11,254.00 through 2025
    assert r["properties"][0]["depreciation"]["allowable"] == D("91254.00")


def test_bonus_above_the_table_is_warned_about():
    # placed in service 2024 (acquired 2024): 60% allowed, 100% taken
    r = evaluate_return(_equipment("2024-05-01", "2024-05-01", 100000))
    assert any("bonus depreciation of 100,000.00 is more than the 60%" in w for w in r["warnings"]), r["warnings"]


def test_property_acquired_after_2025_01_19_gets_100_percent():
    r = evaluate_return(_equipment("2025-03-01", "2025-02-01", 100000))
    assert not any("bonus" in w for w in r["warnings"])
    assert r["properties"][0]["depreciation"]["allowable"] == D("100000.00")
    assert_components_add_up(r)
