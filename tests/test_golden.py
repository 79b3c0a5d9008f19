"""Golden cases: the examples worked by hand (tests/golden/*.yaml, with
the arithmetic in their comments), checked figure by figure against the engine
by the same runner as `recapture test-cases` (engine/cases.py). An analyst adds
a case by adding a YAML file; no Python needed."""
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, assert_components_add_up
from recapture import api
from recapture.cases import case_files, run_case

GOLDEN_DIR = Path(__file__).parent / "golden"
GOLDEN = case_files(GOLDEN_DIR)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_case(path):
    outcome = run_case(path, api.library())
    assert outcome.error is None, outcome.error
    assert not outcome.mismatches, "\n".join(m.text() for m in outcome.mismatches)
    if outcome.result is not None:
        assert_components_add_up(outcome.result)


def test_every_example_has_a_golden_case():
    examples = {p.stem for p in EXAMPLES.glob("*.yaml")}
    cases = {(yaml.safe_load(p.read_text()).get("example") or "").removesuffix(".yaml") for p in GOLDEN}
    assert examples <= cases
