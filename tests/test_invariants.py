"""Property tests: random fact sets give a result or a clean error, never a
crash; components add up; a larger price never lowers the gain; same bytes."""
import copy
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import PROPERTY_SCALE, assert_components_add_up
from recapture.evaluate import Unsupported
from recapture.facts import FactErrors, parse_facts
from recapture.result import to_json
from recapture.tax import evaluate_return
from recapture.yamlio import InputError

CLASSES = ["residential_rental", "nonresidential_real", "qualified_improvement", "land_improvement",
           "personal_5yr", "personal_7yr", "land"]
money = st.integers(min_value=0, max_value=3_000_000).map(lambda c: Decimal(c) / 100 * 100)
dates = st.dates(min_value=__import__("datetime").date(1990, 1, 1), max_value=__import__("datetime").date(2025, 12, 31))


@st.composite
def fact_sets(draw):
    year = draw(st.sampled_from([2018, 2020, 2023, 2024, 2025, 2026]))
    props = []
    for i in range(draw(st.integers(0, 3))):
        acquired = draw(st.dates(min_value=__import__("datetime").date(1990, 1, 1),
                                 max_value=__import__("datetime").date(year, 12, 31)))
        cost = draw(money)
        p = {"id": f"p{i}", "asset_class": draw(st.sampled_from(CLASSES)), "acquired": acquired.isoformat(),
             "cost": cost, "land_value": draw(st.integers(0, 100)) * cost / 100}
        if draw(st.booleans()):
            sold = draw(st.dates(min_value=acquired, max_value=__import__("datetime").date(year, 12, 31)))
            if sold.year == year:
                p["disposition"] = {"type": "sale", "date": sold.isoformat(), "sale_price": draw(money),
                                    "selling_expenses": draw(st.integers(0, 50_000))}
        if draw(st.booleans()):
            p["activity"] = {"current_year_net": draw(st.integers(-50_000, 50_000)),
                             "suspended_losses": draw(st.integers(0, 80_000))}
        if draw(st.booleans()):
            p["ownership_share"] = draw(st.sampled_from(["0.5", "0.25", "1", "0.3333"]))
        props.append(p)
    entity = draw(st.sampled_from(["individual", "individual", "c_corporation"]))
    tp = {"entity": entity, "ordinary_income": draw(st.integers(-20_000, 900_000)),
          "long_term_capital_gain": draw(st.integers(-20_000, 100_000)),
          "short_term_capital_gain": draw(st.integers(-20_000, 50_000))}
    if entity == "individual":
        tp["filing_status"] = draw(st.sampled_from(["single", "married_joint", "married_separate",
                                                    "head_of_household", "qualifying_surviving_spouse"]))
    return {"schema_version": 1, "tax_year": year, "taxpayer": tp, "properties": props,
            "activities": [{"id": "other", "kind": "rental_real_estate",
                            "current_year_net": draw(st.integers(-30_000, 30_000))}]}


FAST = settings(max_examples=60 * PROPERTY_SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(fact_sets())
def test_random_fact_sets_give_a_result_or_a_clean_error(data):
    try:
        facts = parse_facts(copy.deepcopy(data), "random.yaml")
        result = evaluate_return(facts)
    except (FactErrors, InputError, Unsupported):
        return  # a clean, user-facing error
    assert_components_add_up(result)
    assert result["tax"]["total_tax"] >= 0
    assert result["tax"]["regular_tax"] <= result["tax"].get("schedule_d_tax_worksheet", {}).get(
        "line_46", result["tax"]["regular_tax"])


@FAST
@given(fact_sets(), st.integers(1, 500_000))
def test_a_larger_sale_price_never_lowers_the_gain(data, extra):
    sold = [p for p in data["properties"] if "disposition" in p]
    if not sold:
        return
    try:
        base = evaluate_return(parse_facts(copy.deepcopy(data), "a.yaml"))
    except (FactErrors, InputError, Unsupported):
        return
    more = copy.deepcopy(data)
    for p in more["properties"]:
        if "disposition" in p:
            p["disposition"]["sale_price"] += extra
    higher = evaluate_return(parse_facts(more, "b.yaml"))
    for a, b in zip(base["properties"], higher["properties"]):
        if a["realized_gain"] is not None:
            assert b["realized_gain"] >= a["realized_gain"]


@settings(max_examples=15 * PROPERTY_SCALE, deadline=None)
@given(fact_sets())
def test_the_same_input_gives_the_same_bytes(data):
    try:
        a = to_json(evaluate_return(parse_facts(copy.deepcopy(data), "x.yaml")))
    except (FactErrors, InputError, Unsupported):
        return
    assert to_json(evaluate_return(parse_facts(copy.deepcopy(data), "x.yaml"))) == a
