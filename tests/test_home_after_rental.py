"""A rental that became the owner's main home, then sold under §121.

The conversion to personal use is a disposition for depreciation (Treas. Reg.
§1.168(i)-4(c)): the rental is depreciated until the day before the last period
of home use begins, with the mid-month convention of that month; improvements
placed in service after it are the home's and never depreciated. The sale then
goes through §121 as any other: depreciation after May 6, 1997 is not excluded
(§121(d)(6)), and the rest of the gain is allocated to nonqualified use (the
rental after 2008, §121(b)(5)). The base case is the auditor's hand-worked
tests/golden/auditor-46 (single, 2025, wages 100,000): a house bought
2016-01-01 for 500,000 (land 100,000), rented to 2019-12-31, the main home from
2020-01-01, sold 2025-01-10 for 900,000.
"""
from __future__ import annotations

import copy
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

import recapture

GOLDEN = Path(__file__).parent / "golden" / "auditor-46-single-2025-home-after-rental-nonqualified-use.yaml"
BASE = yaml.safe_load(GOLDEN.read_text())["facts"]


def _house(**changes):
    facts = copy.deepcopy(BASE)
    facts["properties"][0].update(changes)
    return facts


def test_the_golden_case_depreciates_to_the_conversion():
    # Table A-6, January column, basis 400,000: 2016 3.485% = 13,940.00; 2017, 2018
    # 3.636% = 14,544.00 each; 2019 (recovery year 4, the conversion: out of rental use
    # 2019-12-31, mid-month December) 14,544 x 11.5/12 = 13,938.00; total 56,966.00
    r = recapture.evaluate(copy.deepcopy(BASE))
    (p,) = r["properties"]
    assert p["depreciation"]["allowable"] == D("56966.00")
    assert [(s["year"], s["amount"]) for s in p["depreciation"]["schedule"]] == [
        (2016, D("13940.00")), (2017, D("14544.00")), (2018, D("14544.00")), (2019, D("13938.00"))]
    # gain 900,000 - 443,034 = 456,966; 56,966 not excluded; 400,000 x 1,461/3,297 days
    # of nonqualified use = 177,252.05 not excluded; recognized 234,218.05
    assert p["recognized_gain"] == D("234218.05")


def test_moving_out_before_the_sale_is_warned_and_changes_nothing_here():
    # home use ends 2024-06-30, sale 2025-01-10: still 2 of the 5 years of use
    # (2020-01-10 .. 2024-06-30); the months after the last use are not
    # nonqualified use (§121(b)(5)(C)(ii)(I)): 3,103 days 2016-01-01 .. 2024-06-30
    # less 1,642 of home use = 1,461, as before; the same 234,218.05
    facts = _house(home_use=[{"from": "2020-01-01", "to": "2024-06-30"}])
    r = recapture.evaluate(facts)
    (p,) = r["properties"]
    assert p["depreciation"]["allowable"] == D("56966.00")
    assert p["recognized_gain"] == D("234218.05")
    (w,) = [w for w in r["warnings"] if "not rented again" in w]
    assert "2024-06-30" in w and "§1.168(i)-4" in w


def test_an_improvement_made_while_it_was_the_home_adds_to_basis_and_is_not_depreciated():
    # a 30,000 improvement placed in service 2021-05-01 (after the conversion): no
    # depreciation; adjusted basis 443,034 + 30,000 = 473,034; gain 426,966;
    # 56,966 not excluded; (426,966 - 56,966) x 1,461/3,297 = 370,000 x 1,461/3,297
    # = 163,958.14 nonqualified; recognized 56,966 + 163,958.14 = 220,924.14
    facts = _house(improvements=[{"id": "kitchen", "asset_class": "residential_rental",
                                  "placed_in_service": "2021-05-01", "cost": 30000}])
    (p,) = recapture.evaluate(facts)["properties"]
    assert p["depreciation"]["allowable"] == D("56966.00")
    assert p["realized_gain"] == D("426966.00")
    assert p["recognized_gain"] == D("220924.14")


def test_home_then_rental_then_home_again_is_refused_with_the_reason():
    facts = _house(home_use=[{"from": "2020-01-01", "to": "2021-12-31"},
                             {"from": "2023-01-01", "to": "2025-01-10"}])
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(facts)
    assert e.value.code == 2
    (path, reason), = e.value.faults
    assert path.endswith("home_use") and "§1.168(i)-4(b)" in reason


def test_a_home_that_became_a_rental_is_unchanged():
    # the usual order (home first, then rented until the sale): placed in service as a
    # rental after the home use, so nothing converts and depreciation runs to the sale
    facts = _house(acquired="2016-01-01", placed_in_service="2020-01-01",
                   home_use=[{"from": "2016-01-01", "to": "2019-12-31"}])
    r = recapture.evaluate(facts)
    (p,) = r["properties"]
    assert p["depreciation"]["schedule"][-1]["year"] == 2025
    assert not [w for w in r["warnings"] if "not rented again" in w]
    # and the basis of a home changed to rental use is the smaller of its adjusted basis
    # and its value that day (Treas. Reg. §1.168(i)-4(b)(1)): not a fact field, so said
    (w,) = [w for w in r["warnings"] if "§1.168(i)-4(b)(1)" in w]
    assert "2020-01-01" in w


def test_home_use_running_past_the_rental_start_is_refused():
    # placed in service as a rental 2018-01-01 while the home use (2016 .. 2021) goes on
    facts = _house(placed_in_service="2018-01-01", home_use=[{"from": "2016-01-01", "to": "2021-12-31"}])
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(facts)
    (path, reason), = e.value.faults
    assert path.endswith("home_use") and "main home and a rental at once" in reason


@pytest.mark.parametrize("change", [
    # a §1231 lookback loss would turn part of a §1231 gain into ordinary income (§1231(c));
    # the home's gain is capital gain and takes no part in it
    lambda f: f["taxpayer"].update(section_1231_lookback_losses={"2022": 10000}),
    # a loss on the home: a personal loss, not deductible (§165(c)); as §1231 loss it would be
    lambda f: f["properties"][0]["disposition"].update(sale_price=300000),
    # another property's §1231 loss would net against the home's gain as §1231 gain
    lambda f: f["properties"].append({
        "id": "shop", "asset_class": "nonresidential_real", "acquired": "2015-01-01", "cost": 300000,
        "land_value": 50000, "disposition": {"type": "sale", "date": "2025-03-01", "sale_price": 150000}}),
], ids=["lookback-loss", "loss-on-the-home", "another-1231-loss"])
def test_where_the_capital_character_of_the_home_matters_it_is_refused(change):
    facts = copy.deepcopy(BASE)
    change(facts)
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(facts)
    assert e.value.code == 2
    assert any(path.endswith("home_use") and "capital asset" in reason for path, reason in e.value.faults)


def test_held_until_death_the_depreciation_also_ends_at_the_conversion():
    # the whatif strategy "hold until death" on the same house: no gain at death, and the
    # depreciation never recaptured is the 56,966.00 taken while it was rented, not
    # depreciation to the date of death (it was the home from 2020)
    facts = copy.deepcopy(BASE)
    facts["properties"][0]["disposition"] = {"type": "death", "date": "2025-01-10", "fmv_at_death": 900000}
    r = recapture.evaluate(facts)
    (p,) = r["properties"]
    assert p["depreciation"]["allowable"] == D("56966.00")
    assert p["recognized_gain"] == 0


def test_strategies_for_the_former_rental_home():
    # sale as given: 234,218.05 recognized. January 2026 (lived in to the later sale):
    # 400,000 x 1,461/3,667 days = 159,367.33 nonqualified + 56,966 = 216,333.33.
    # Exchange and installment sale with the §121 exclusion are not encoded: error rows.
    rows = {s["strategy"]: s for s in recapture.whatif(copy.deepcopy(BASE), strategies="all")}
    assert rows["sale"]["totals"]["components"]["unrecaptured_section_1250"] == D("56966.00")
    assert sum(rows["sale"]["totals"]["components"].values()) == D("234218.05")
    assert sum(rows["january_next_year"]["totals"]["components"].values()) == D("216333.33")
    assert "§121" in rows["like_kind_exchange"]["error"] and "§121" in rows["installment_sale"]["error"]
    assert rows["hold_until_death"]["error"] is None
