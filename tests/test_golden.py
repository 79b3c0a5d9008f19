"""Golden cases: the examples worked by hand (tests/golden/*.yaml, with
the arithmetic in their comments), checked figure by figure against the engine.
An analyst adds a case by adding a YAML file; no Python needed."""
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, assert_components_add_up, get_path
from recapture.evaluate import Unsupported
from recapture.facts import load_facts, parse_facts
from recapture.tax import evaluate_return

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.yaml"))
NOT_ENCODED_YET = set()


def _case(path):
    case = yaml.safe_load(path.read_text())
    if "example" in case:
        facts = load_facts(EXAMPLES / case["example"])
    else:
        facts = parse_facts(case["facts"], path.name)
    return case, facts


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_case(path):
    case, facts = _case(path)
    if path.stem in NOT_ENCODED_YET:
        with pytest.raises(Unsupported):
            evaluate_return(facts)
        pytest.skip("disposition type not encoded yet")
    result = evaluate_return(facts)
    mismatches = []
    for where, expected in case["expect"].items():
        got = get_path(result, where)
        if isinstance(got, Decimal) or isinstance(got, (int, float)):
            ok = Decimal(str(got)) == Decimal(str(expected))
        else:
            ok = got == expected
        if not ok:
            mismatches.append(f"{where}: engine {got}, by hand {expected}")
    assert not mismatches, "\n".join(mismatches)
    assert_components_add_up(result)


def test_every_example_has_a_golden_case():
    examples = {p.stem for p in EXAMPLES.glob("*.yaml")}
    cases = {yaml.safe_load(p.read_text()).get("example", "").removesuffix(".yaml") for p in GOLDEN}
    assert examples <= cases
