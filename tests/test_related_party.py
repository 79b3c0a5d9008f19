"""A disposition to a related person: the engine computes §469(g)(1)(B) (losses
stay suspended) and warns, with the Code section, where the law may change the
figures and the engine assumes an unrelated buyer: §1239 (ordinary income on
depreciable property), §453(g) (no installment method), §1031(f) (a two-year
hold on a related-party exchange). Without `related_party` none of them fires,
and the figures are the same either way (the warnings change no figure)."""
from __future__ import annotations

import pytest
import yaml

import recapture
from conftest import EXAMPLES

CASES = {  # example file -> the Code sections its related-party warnings name
    "equipment-sale.yaml": ["§1239(a)"],
    "installment-sale.yaml": ["§1239(a)", "§453(g)"],
    "exchange-with-boot.yaml": ["§1031(f)(1)"],
}


def _facts(name, related):
    facts = yaml.safe_load((EXAMPLES / name).read_text())
    for p in facts["properties"]:
        if p.get("disposition"):
            p["disposition"]["related_party"] = related
    return facts


def _figures(r):
    return {k: v for k, v in r.items() if k not in ("warnings", "trace")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_related_party_warnings_name_the_code_section(name):
    plain, related = recapture.evaluate(_facts(name, False)), recapture.evaluate(_facts(name, True))
    new = [w for w in related["warnings"] if w not in plain["warnings"]]
    for section in CASES[name]:
        assert any(section in w for w in new), (section, new)
    assert not any(s in w for w in plain["warnings"] for s in ("§1239", "§453(g)", "§1031(f)"))
    assert _figures(plain) == _figures(related)


def test_the_warning_rule_is_in_the_trace_with_its_citation():
    r = recapture.evaluate(_facts("installment-sale.yaml", True))
    fired = {t["rule"]: t["citation"] for t in r["trace"]}
    assert "§453(g)" in fired["related_party.installment.section_453g"]
