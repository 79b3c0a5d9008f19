"""§469(g)(3) across the payment years of an installment sale of an entire
interest: each year frees its share of the losses, and the last payment frees
the rest (rules/passive/form_8582.yaml, passive.activity.installment_sale)."""
from decimal import Decimal

from recapture import api


def facts(tax_year, suspended):
    # Land held for rent since 2015 (cost 100,000) sold 2025-03-15 for 150,000 on a
    # note: 60,000 in 2025, 45,000 in 2026 and 2027. Gross profit 50,000, contract
    # price 150,000, gross profit percentage 1/3: gains 20,000 / 15,000 / 15,000.
    # Wages of 300,000 put modified AGI above 150,000, so no §469(i) allowance.
    return {
        "schema_version": 1, "tax_year": tax_year,
        "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": 300000},
        "properties": [{
            "id": "lot", "asset_class": "land", "acquired": "2015-01-10", "cost": 100000,
            "activity": {"current_year_net": 0, "suspended_losses": suspended, "active_participation": True},
            "disposition": {"type": "installment_sale", "date": "2025-03-15", "sale_price": 150000,
                            "installment": {"payments": [{"year": 2025, "principal": 60000},
                                                         {"year": 2026, "principal": 45000},
                                                         {"year": 2027, "principal": 45000}]}},
        }],
    }


def activity(result):
    (a,) = result["passive"]["activities"]
    return a


def test_year_of_sale_frees_the_ratio_of_the_gross_profit():
    r = api.evaluate(facts(2025, 80000))
    assert r["properties"][0]["recognized_gain"] == Decimal("20000.00")
    assert r["properties"][0]["deferred_gain"] == Decimal("30000.00")
    # The activity's own gain of 20,000 absorbs 20,000 of its 80,000 losses (Form 8582
    # Worksheet 1); of the 60,000 left, 20,000 / 50,000 = 40% is freed: 24,000.
    # Allowed 20,000 + 24,000 = 44,000; carried 80,000 - 44,000 = 36,000.
    a = activity(r)
    assert a["freed_by_disposition"] == Decimal("24000.00")
    assert a["allowed"] == Decimal("44000.00")
    assert a["carried_forward"] == Decimal("36000.00")


def test_a_later_year_frees_its_share_of_the_losses_still_carried():
    r = api.evaluate(facts(2026, 36000))
    assert r["properties"][0]["recognized_gain"] == Decimal("15000.00")
    assert r["properties"][0]["deferred_gain"] == Decimal("15000.00")
    # 2026: the 15,000 gain absorbs 15,000 of the 36,000 carried; of the 21,000 left,
    # 15,000 of the 30,000 not yet recognized = 50% is freed: 10,500 (the same share
    # of the original 60,000 excess as 15,000 / 50,000 = 30% of it: 18,000 in all
    # by now, 15,000 + 10,500 = 25,500 allowed this year). Carried 36,000 - 25,500
    # = 10,500, which the 2027 gain of 15,000 absorbs: all 80,000 allowed by the end.
    a = activity(r)
    assert a["freed_by_disposition"] == Decimal("10500.00")
    assert a["allowed"] == Decimal("25500.00")
    assert a["carried_forward"] == Decimal("10500.00")
