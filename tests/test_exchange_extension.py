"""The exchange period of a deferred like-kind exchange ends 180 days after the
transfer or on the due date of the return for the year of the transfer, if
earlier, the due date "determined with regard to extension" (§1031(a)(3)(B)(ii)).
A transfer late in the year meets the unextended April 15 before its 180th day;
`exchange.return_extended` gives the extended due date (October 15, §6081(a)),
so the full 180 days."""
from __future__ import annotations

import copy
from decimal import Decimal

import yaml

import recapture
from conftest import EXAMPLES

BASE = yaml.safe_load((EXAMPLES / "exchange-with-boot.yaml").read_text())


def _late_in_year(extended=None):
    # the office exchanged 2025-11-01 (so the return of tax year 2025 is the one):
    # 45 days -> identify by 2025-12-16 (identified 2025-12-01);
    # 180 days -> 2026-04-30; the unextended due date 2026-04-15 comes first.
    # The replacement is received 2026-04-20: after April 15, within 180 days.
    facts = copy.deepcopy(BASE)
    d = facts["properties"][0]["disposition"]
    d["date"] = "2025-11-01"
    d["exchange"]["identified_date"] = "2025-12-01"
    d["exchange"]["received_date"] = "2026-04-20"
    if extended is not None:
        d["exchange"]["return_extended"] = extended
    return facts


def _unit_set(r, field):
    return [t["set"][field] for t in r["trace"] if t["rule"] == "exchange.qualification"]


def test_without_extension_the_april_due_date_ends_the_exchange():
    r = recapture.evaluate(_late_in_year())
    assert _unit_set(r, "exchange_deadline") == ["2026-04-15"]
    assert _unit_set(r, "exchange_qualifies") == [False]
    (p,) = r["properties"]
    assert p["deferred_gain"] == 0 and p["recognized_gain"] == p["realized_gain"]
    hint = [w for w in r["warnings"] if "return_extended" in w]
    assert hint and "§1031(a)(3)(B)(ii)" in hint[0]


def test_on_extension_the_full_180_days_count():
    # the same exchange on an extended return: deadline min(2026-04-30, 2026-10-15) = 2026-04-30;
    # received 2026-04-20, so it qualifies: recognized = boot 80,000 (the example's cash;
    # selling expenses 0), the rest of the gain deferred
    r = recapture.evaluate(_late_in_year(extended=True))
    assert _unit_set(r, "exchange_deadline") == ["2026-04-30"]
    assert _unit_set(r, "exchange_qualifies") == [True]
    (p,) = r["properties"]
    assert p["recognized_gain"] == Decimal("80000")
    assert p["deferred_gain"] == p["realized_gain"] - Decimal("80000")
    assert not [w for w in r["warnings"] if "return_extended" in w]


def test_the_example_is_unchanged_by_the_field():
    # transferred 2025-04-15: 180 days -> 2025-10-12, long before either due date
    plain = recapture.evaluate(copy.deepcopy(BASE))
    facts = copy.deepcopy(BASE)
    facts["properties"][0]["disposition"]["exchange"]["return_extended"] = True
    extended = recapture.evaluate(facts)
    assert plain["properties"] == extended["properties"] and plain["tax"] == extended["tax"]
