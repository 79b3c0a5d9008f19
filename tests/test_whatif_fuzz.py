"""Whatever a --vary flag says, whatif answers with a row per scenario (figures or a
reason) and never raises anything but RecaptureError for a mistake of the whole run."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES

import recapture

PATHS = ["tax_year", "taxpayer", "taxpayer.ordinary_income", "taxpayer.entity", "taxpayer.capital_loss_carryover",
         "taxpayer.section_1231_lookback_losses", "taxpayer_by_year", "taxpayer_by_year.2026",
         "taxpayer_by_year.2026.ordinary_income", "properties", "properties[0]", "properties.rental-a.cost",
         "properties[0].disposition", "properties[0].disposition.type", "properties[0].disposition.date",
         "properties.rental-a.disposition.installment", "properties[0].disposition.installment.payments",
         "properties[0].activity", "properties[0].activity.suspended_losses", "activities", "activities[0]",
         "activities.second-rental.current_year_net", "properties[0].improvements", "case_id", "nope.deeper"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=12),
    st.sampled_from(["2026-01-15", "2025-02-30", "2017-06-01", "2031-01-01", "installment_sale", "death",
                     "like_kind_exchange", "none", "c_corporation", "[", "{a: 1}"]),
    st.lists(st.integers(0, 3000), max_size=3),
    st.fixed_dictionaries({"year": st.integers(2020, 2032), "principal": st.integers(0, 10**6)}).map(lambda d: [d]),
    st.dictionaries(st.sampled_from(["2025", "2026", "x"]), st.integers(-5, 10**6), max_size=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.lists(VALUES, min_size=1, max_size=2)), min_size=1, max_size=2,
                unique_by=lambda t: t[0]),
       st.booleans())
def test_any_vary_gives_rows_not_tracebacks(vary, with_strategies):
    try:
        rows = recapture.whatif(EXAMPLES / "forum-rental-sale.yaml", {p: v for p, v in vary},
                                strategies="sale,january_next_year" if with_strategies else None, keep_results=False)
    except recapture.RecaptureError as e:
        assert e.code == 2 and e.lines
        return
    for row in rows:
        assert (row["error"] is None) == (row["totals"] is not None)
        assert row["error"] is None or (isinstance(row["error"], str) and "a bug" not in row["error"]), row["error"]
