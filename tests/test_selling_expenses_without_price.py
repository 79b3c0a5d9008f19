"""Selling expenses reduce the amount realized (§1001(b); Form 4797 line 21) even
when nothing is received: they are spread over the units of sale by price, and
with a price of 0 (nothing to spread by) they fall on the one unit or equally on
the allocated parts. Found by the property test that a larger price never lowers
the gain: price 0 with expenses 2 gave a gain of 0.00, price 1 a loss of 1.00."""
from decimal import Decimal as D

import recapture


def _facts(price, expenses, allocation=None, cost=0, land=0):
    d = {"type": "sale", "date": "2025-01-01", "sale_price": price, "selling_expenses": expenses}
    if allocation is not None:
        d["allocation"] = allocation
    return {"schema_version": 1, "tax_year": 2025,
            "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": 0},
            "properties": [{"id": "p", "asset_class": "residential_rental", "acquired": "2000-01-01",
                            "cost": cost, "land_value": land, "disposition": d}]}


def test_expenses_count_when_the_price_is_zero():
    # one unit: amount realized 0 - 2 = -2.00; basis 0: a loss of 2.00 (1.00 with a price of 1)
    gains = [recapture.evaluate(_facts(price, 2))["properties"][0]["realized_gain"] for price in (0, 1, 3)]
    assert gains == [D("-2.00"), D("-1.00"), D("1.00")]


def test_allocated_parts_with_no_price_share_the_expenses_equally():
    # land 0 and building 0 allocated, expenses 3: each part 0 - 1.50 = -1.50
    r = recapture.evaluate(_facts(0, 3, {"land": 0, "building": 0}, cost=100, land=50))
    assert [u["amount_realized"] for u in r["properties"][0]["units"]] == [D("-1.50"), D("-1.50")]
