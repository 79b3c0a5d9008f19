"""Like-kind exchanges (§1031, Form 8824) and installment sales (§453, Form 6252)
beyond the golden cases: the time limits, later installment years, losses."""
import copy
from pathlib import Path
from decimal import Decimal as D

import pytest
import yaml

from conftest import EXAMPLES, assert_components_add_up
from recapture.evaluate import Unsupported
from recapture.facts import parse_facts
from recapture.tax import evaluate_return


def _example(name):
    data = yaml.load((EXAMPLES / name).read_text(), Loader=__import__("recapture.yamlio", fromlist=["x"]).ExactLoader)
    return data


def _exchange(**changes):
    data = _example("exchange-with-boot.yaml")
    data["properties"][0]["disposition"]["exchange"].update(changes)
    return evaluate_return(parse_facts(data, "x.yaml"))


def test_exchange_within_the_time_limits_defers_all_but_the_boot():
    r = _exchange()
    p = r["properties"][0]
    # realized 1,400,000 - (900,000 - 229,169.42) = 729,169.42; boot 80,000 -> recognized 80,000, all unrecaptured §1250
    assert (p["recognized_gain"], p["deferred_gain"], p["replacement_basis"]) == (
        D("80000.00"), D("649169.42"), D("670830.58"))
    assert_components_add_up(r)


def test_identified_after_45_days_is_a_taxable_sale():
    # sold 2025-04-15; 45 days -> 2025-05-30; identified 2025-05-31
    r = _exchange(identified_date="2025-05-31")
    p = r["properties"][0]
    assert p["recognized_gain"] == D("729169.42") and p["deferred_gain"] == 0
    # all depreciation 229,169.42 is unrecaptured §1250 gain, the rest 500,000 §1231
    assert p["components"]["unrecaptured_section_1250"] == D("229169.42")
    assert any("45-day deadline 2025-05-30" in w for w in r["warnings"])


def test_received_after_180_days_is_a_taxable_sale():
    # 180 days from 2025-04-15 is 2025-10-12 (before the 2026-04-15 due date)
    r = _exchange(received_date="2025-10-13")
    assert r["properties"][0]["deferred_gain"] == 0
    assert any("received after 2025-10-12" in w for w in r["warnings"])
    r = _exchange(received_date="2025-10-12")
    assert r["properties"][0]["deferred_gain"] == D("649169.42")


def test_exchange_with_liabilities():
    # relieved 300,000, assumed 250,000, cash paid 20,000: net relief 30,000; boot 80,000 + 30,000 = 110,000
    r = _exchange(liabilities_relieved=300000, liabilities_assumed=250000, cash_paid=20000)
    assert r["properties"][0]["recognized_gain"] == D("110000.00")


def _installment(tax_year, ordinary=85000):
    data = _example("installment-sale.yaml")
    data["tax_year"] = tax_year
    data["taxpayer"]["ordinary_income"] = ordinary
    return evaluate_return(parse_facts(data, "i.yaml"))


def test_installment_later_year_recognizes_that_years_payment_only():
    # gross profit ratio 478,993.35 / 750,000; each 150,000 payment brings 95,798.67.
    # 2026: unrecaptured left 148,993.35 - 95,798.67 = 53,194.68, then 42,603.99 §1231.
    r = _installment(2026)
    p = r["properties"][0]
    assert p["recognized_gain"] == D("95798.67")
    assert p["components"]["unrecaptured_section_1250"] == D("53194.68")
    assert p["components"]["section_1231"] == D("42603.99")
    assert p["deferred_gain"] == D("287396.01")  # 3 x 95,798.67 later
    assert len(p["installment_schedule"]) == 5
    assert_components_add_up(r)


def test_installment_schedule_adds_up_to_the_gain():
    p = _installment(2025)["properties"][0]
    assert sum(row["gain"] for row in p["installment_schedule"]) == D("478993.35")
    assert sum(row["unrecaptured_section_1250"] for row in p["installment_schedule"]) == D("148993.35")


def test_installment_at_a_loss_recognizes_the_loss_now():
    data = _example("installment-sale.yaml")
    data["properties"][0]["disposition"]["sale_price"] = 200000
    for pay in data["properties"][0]["disposition"]["installment"]["payments"]:
        pay["principal"] = 40000
    r = evaluate_return(parse_facts(data, "i.yaml"))
    p = r["properties"][0]
    # 200,000 - 271,006.65 = -71,006.65, a §1231 loss this year; the installment method is for gains only
    assert p["recognized_gain"] == D("-71006.65") and p["components"]["section_1231"] == D("-71006.65")


def _transfer(kind, **extra):
    data = _example("duplex-held-16-years.yaml")
    data["taxpayer"]["ordinary_income"] = 100000
    data["properties"][0]["activity"] = {"current_year_net": -5000, "suspended_losses": 30000}
    data["properties"][0]["disposition"] = {"type": kind, "date": "2025-05-20", **extra}
    return evaluate_return(parse_facts(data, "t.yaml"))


def test_death_no_gain_heirs_basis_and_losses_above_the_step_up():
    r = _transfer("death", fmv_at_death=560000)
    p = r["properties"][0]
    # adjusted basis 1,000,000 - 465,444 = 534,556; no gain, no recapture; heir's basis = FMV 560,000
    assert (p["realized_gain"], p["recognized_gain"], p["replacement_basis"]) == (0, 0, D("560000.00"))
    assert all(v == 0 for v in p["components"].values())
    # losses 5,000 current + 30,000 suspended = 35,000; step-up 560,000 - 534,556 = 25,444 is lost (§469(g)(2));
    # 35,000 - 25,444 = 9,556 allowed
    a = r["passive"]["activities"][0]
    assert (a["allowed"], a["freed_by_disposition"], a["carried_forward"]) == (D("9556.00"), D("9556.00"), 0)


def test_death_needs_the_fair_market_value():
    from recapture.facts import FactErrors
    with pytest.raises(FactErrors) as e:
        _transfer("death")
    assert any(x.path == "properties[0].disposition" and "fmv_at_death" in x.reason for x in e.value.errors)


def test_gift_no_gain_donee_takes_basis_and_losses():
    r = _transfer("gift")
    p = r["properties"][0]
    # the donor's adjusted basis 534,556.00 plus the 35,000 of suspended losses the donor could not
    # deduct (§469(j)(6)(A)): 569,556.00
    assert (p["recognized_gain"], p["replacement_basis"]) == (0, D("569556.00"))
    a = r["passive"]["activities"][0]
    # nothing allowed to the donor and nothing carried forward: 35,000 goes to the donee's basis (§469(j)(6))
    assert (a["allowed"], a["carried_forward"]) == (0, 0)
    assert any("added to the donee's basis" in w for w in r["warnings"])


def _home(**prop):
    base = {"id": "house", "asset_class": "residential_rental", "acquired": "2015-03-01",
            "placed_in_service": "2023-01-01", "cost": 400000, "land_value": 100000,
            "home_use": [{"from": "2015-03-01", "to": "2022-12-31"}],
            "disposition": {"type": "home_sale_121", "date": "2025-09-30", "sale_price": 800000}}
    base.update(prop)
    return evaluate_return(parse_facts({
        "schema_version": 1, "tax_year": 2025,
        "taxpayer": {"entity": "individual", "filing_status": "married_joint", "ordinary_income": 150000},
        "properties": [base]}, "home.yaml"))


def test_former_home_excludes_the_gain_but_not_the_depreciation():
    # building 300,000 placed Jan 2023 (A-6 col 1): 2023 3.485% = 10,455.00; 2024 3.636% = 10,908.00;
    # 2025 3.636% x 8.5/12 = 7,726.50 -> 29,089.50. Gain 800,000 - (400,000 - 29,089.50) = 429,089.50.
    # Test period 2020-09-30..2025-09-30: used 822 days (to 2022-12-31) >= 730; owned all of it.
    # No nonqualified use (the rental came after the last use as a home). Exclusion min(400,000, 500,000).
    r = _home()
    p = r["properties"][0]
    assert (p["realized_gain"], p["recognized_gain"]) == (D("429089.50"), D("29089.50"))
    assert p["components"]["unrecaptured_section_1250"] == D("29089.50") and p["components"]["section_1231"] == 0
    assert_components_add_up(r)


def test_nonqualified_use_before_it_was_the_main_home_is_not_excluded():
    # a second home 2014-2017, the main home 2018-2022, a rental from 2023.
    # Owned 2014-01-01..2025-09-30 = 4,290 days; nonqualified 2014-01-01..2017-12-31 = 1,461 days.
    # Gain after depreciation 400,000 x 1,461/4,290 = 136,223.78 not excluded; excluded 263,776.22;
    # recognized 429,089.50 - 263,776.22 = 165,313.28 = 29,089.50 unrecaptured §1250 + 136,223.78 §1231.
    r = _home(acquired="2014-01-01", home_use=[{"from": "2018-01-01", "to": "2022-12-31"}])
    p = r["properties"][0]
    assert p["recognized_gain"] == D("165313.28")
    assert p["components"]["section_1231"] == D("136223.78")
    assert_components_add_up(r)


def test_use_test_not_met_means_no_exclusion():
    # main home only until 2019-12-31: no day of use in the five years before 2025-09-30
    r = _home(home_use=[{"from": "2015-03-01", "to": "2019-12-31"}], placed_in_service="2020-01-01")
    p = r["properties"][0]
    assert p["recognized_gain"] == p["realized_gain"]
    assert any("so no gain is excluded" in w for w in r["warnings"])


def test_main_home_after_the_rental_ends_depreciation_at_the_conversion():
    # once refused; now depreciated until the day before the home use began (Treas. Reg.
    # §1.168(i)-4(c)): building 300,000 placed Jan 2016 (A-6 col 1): 2016 3.485% = 10,455.00;
    # 2017-2018 3.636% = 10,908.00 each; 2019 (year 4, out of rental use 2019-12-31)
    # 10,908 x 11.5/12 = 10,453.50 -> 42,724.50 (tests/test_home_after_rental.py has the rest)
    r = _home(placed_in_service="2016-01-01", acquired="2016-01-01",
              home_use=[{"from": "2020-01-01", "to": "2025-09-30"}])
    p = r["properties"][0]
    assert p["depreciation"]["allowable"] == D("42724.50")
    assert [s["year"] for s in p["depreciation"]["schedule"]] == [2016, 2017, 2018, 2019]


def test_home_rental_home_again_is_refused():
    with pytest.raises(Unsupported) as e:
        _home(placed_in_service="2016-01-01", acquired="2016-01-01",
              home_use=[{"from": "2018-01-01", "to": "2018-12-31"}, {"from": "2020-01-01", "to": "2025-09-30"}])
    assert e.value.faults[0][0] == "properties[0].home_use"


def test_a_corporation_cannot_sell_a_main_home_under_121(cli):
    # Found by the benchmark's generated fact sets: a C corporation with a home_sale_121
    # disposition failed inside the rules (exit 3, no filing status for the exclusion);
    # §121(a) is an individual's exclusion, so the facts are refused (exit 2) with the path.
    facts = Path(__file__).parent / "fixtures" / "corporation-home-sale-121.yaml"
    code, out, err = cli("evaluate", facts)
    assert code == 2 and out == "", err
    assert "properties[0].disposition.type: home_sale_121 is the sale of an individual's former main home" in err
    assert "IRC §121(a)" in err and "Traceback" not in err
