"""Property placed in service and disposed of in the same year cannot be
depreciated (Pub 946 ch. 1, "Excepted property"; Treas. Reg. §1.168(d)-1(b)(3)(ii)),
and no bonus depreciation is allowed for it (Treas. Reg. §1.168(k)-2(g)(1)(i)).

The rule is law, so it lives in the rule files: `depreciation.depreciable_basis`
sets `disposed_in_year_placed_in_service` (with the citation) and every
`depreciate_from_percentage_table` rule passes it as `no_deduction_when`. The
action itself knows no such rule: a fork of the rules without the parameter
depreciates the asset for its part year."""
from __future__ import annotations

import shutil
from decimal import Decimal

import yaml

import recapture
from conftest import ROOT


def _machine(bonus=0):
    # single filer, 2025, $90,000 of other ordinary income; a 7-year machine
    # bought 2025-02-01 for 50,000 and sold 2025-11-15 for 45,000
    return {
        "schema_version": 1, "case_id": "same-year", "tax_year": 2025,
        "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": 90000},
        "properties": [{
            "id": "machine", "asset_class": "personal_7yr", "acquired": "2025-02-01", "cost": 50000,
            "bonus_depreciation": bonus,
            "disposition": {"type": "sale", "date": "2025-11-15", "sale_price": 45000},
        }],
    }


def _property(r):
    (p,) = r["properties"]
    return p


def test_no_depreciation_in_the_year_placed_in_service_and_sold():
    # allowable 0; adjusted basis 50,000; 45,000 - 50,000 = -5,000, short term
    # (held 2025-02-01 .. 2025-11-15, one year or less): an ordinary loss
    p = _property(recapture.evaluate(_machine()))
    assert p["depreciation"]["allowable"] == Decimal("0")
    assert p["adjusted_basis"] == Decimal("50000")
    assert p["realized_gain"] == Decimal("-5000")
    assert p["holding_period"] == "short"
    trace = [t for t in recapture.evaluate(_machine())["trace"] if t["rule"] == "depreciation.depreciable_basis"]
    assert trace and trace[0]["set"]["disposed_in_year_placed_in_service"] is True


def test_bonus_taken_in_the_year_of_disposal_is_warned_and_cited():
    # the facts claim 20,000 of bonus; the engine keeps the facts' amount (it reduced
    # basis: 50,000 - 20,000 = 30,000; 45,000 - 30,000 = 15,000 gain) and says the
    # regulation allows none
    r = recapture.evaluate(_machine(bonus=20000))
    p = _property(r)
    assert p["adjusted_basis"] == Decimal("30000")
    assert p["realized_gain"] == Decimal("15000")
    (w,) = [w for w in r["warnings"] if "same year" in w]
    assert "§1.168(k)-2(g)(1)(i)" in w and "20,000.00" in w


def test_a_sale_in_a_later_year_is_depreciated_as_before():
    # sold 2026-03-10 instead: 2025 50,000 x 14.29% = 7,145.00; 2026 (year 2)
    # 50,000 x 24.49% x 1/2 = 6,122.50; allowable 13,267.50
    facts = _machine()
    facts["tax_year"] = 2026
    facts["properties"][0]["disposition"]["date"] = "2026-03-10"
    assert _property(recapture.evaluate(facts))["depreciation"]["allowable"] == Decimal("13267.50")


def test_the_rule_is_data_a_fork_without_it_depreciates(tmp_path):
    # the same machine under a fork of the rules whose 7-year GDS rule lacks
    # `no_deduction_when`: the action depreciates the disposal year as any other,
    # row 1 x min(1, periods in service / periods the row covers); half-year: in
    # service 0.5 of a year, row 1 covers 0.5, so the whole row:
    # 50,000 x 14.29% = 7,145.00
    fork = tmp_path / "law"
    for folder in ("rules", "tables", "schemas"):
        shutil.copytree(ROOT / folder, fork / folder)
    recovery = fork / "rules" / "depreciation" / "recovery.yaml"
    doc = yaml.safe_load(recovery.read_text())
    rules = doc["rules"] if isinstance(doc, dict) else doc
    changed = 0
    for rule in rules:
        if rule.get("action") == "depreciate_from_percentage_table" and "personal_7yr" in str(rule["when"]) \
                and "gds" in str(rule["when"]):
            del rule["with"]["no_deduction_when"]
            changed += 1
    assert changed == 1
    recovery.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    r = recapture.evaluate(_machine(), rules_dir=fork)
    assert _property(r)["depreciation"]["allowable"] == Decimal("7145.00")
