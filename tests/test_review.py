"""The review of a new tax year (issue 11 item 2): `rules new-year` marks every
value a table declares indexed for inflation, `rules check` reports each one,
`evaluate` refuses the year until they are reviewed (or is told to go on, and
then warns), and editing a value or confirming it clears its mark."""
import re
import shutil

import pytest

from conftest import ROOT
from recapture import api
from recapture.errors import RecaptureError
from recapture.library import Library

WAGES_2027 = """schema_version: 1
case_id: wages-2027
tax_year: 2027
taxpayer: {entity: individual, filing_status: single, ordinary_income: 100000}
properties: []
"""


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """The law copied, with tax year 2027 started from 2026 by the command an analyst runs."""
    from conftest import run_cli
    root = tmp_path_factory.mktemp("started") / "law"
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(ROOT / "tables", root / "tables")
    code, out, err = run_cli("rules", "new-year", "2027", "--from", "2026", "--rules-dir", root)
    assert code == 0, err
    assert "48 values are marked `review: pending`" in out
    return root


@pytest.fixture
def law(started, tmp_path):
    """A fresh copy of the started law, to edit."""
    root = tmp_path / "law"
    shutil.copytree(started, root)
    (tmp_path / "wages-2027.yaml").write_text(WAGES_2027)
    return root


def _pending(faults):
    return [f for f in faults if ": review pending: " in f]


def test_new_year_marks_each_indexed_value_and_check_reports_it(law):
    faults = Library(law).check()
    pending = _pending(faults)
    assert faults == pending                      # nothing else is wrong with the new year
    # 5 statuses x 6 bracket starts above 0, x 2 capital gain thresholds, 5 standard deductions, 3 sources
    assert len(pending) == 30 + 10 + 5 + 3
    text = (law / "tables/years/2027/standard_deduction.yaml").read_text().splitlines()
    line = next(i + 1 for i, l in enumerate(text) if l.startswith("  single: 16100"))
    assert (f"tables/years/2027/standard_deduction.yaml:{line}: standard_deduction.single: review pending: 16100 was "
            "copied from 2026 and is indexed for inflation (IRC §63(c)(4), (c)(7)(B)); edit it to the figure for "
            "2027, or confirm it with `recapture rules review tables/years/2027/standard_deduction.yaml single "
            "--confirm`") in pending
    assert any("ordinary_brackets.married_joint[3].over: review pending: 211400" in f for f in pending)
    assert any("ordinary_brackets.source: review pending: Rev. Proc. 2025-32 §4.01, Tables 1-4" in f for f in pending)
    # fixed amounts are not marked: the NIIT rate, the thresholds of §1411(b), the capital loss limit
    assert not any("niit" in f or "capital_loss_limit" in f or "].rate" in f for f in pending)
    # the values themselves are copied unchanged
    assert "  single: 16100\n" in (law / "tables/years/2027/standard_deduction.yaml").read_text()


def test_evaluate_refuses_a_year_with_pending_values(law, cli):
    facts = law.parent / "wages-2027.yaml"
    code, out, err = cli("evaluate", facts, "--rules-dir", law)
    assert code == 3 and out == "" and "Traceback" not in err
    assert "tax year 2027 has 48 values copied by `rules new-year` and not yet reviewed" in err
    assert "tables/years/2027/standard_deduction.yaml: awaiting review: single, married_joint" in err
    code, out, err = cli("evaluate", facts, "--rules-dir", law, "--allow-unreviewed")
    assert code == 0, err
    import json
    result = json.loads(out)
    warning = result["warnings"][-1]
    assert warning.startswith("tax year 2027 uses 48 values copied from another year and not yet reviewed: ")
    assert "tables/years/2027/ordinary_brackets.yaml (single[1].over, single[2].over" in warning
    # 100,000 - 16,100 = 83,900 taxable; 12,400 x 10% + 38,000 x 12% + 33,500 x 22% = 1,240 + 4,560 + 7,370
    assert result["tax"]["total_tax"] == 13170


def test_the_api_refuses_too_unless_told(law):
    facts = law.parent / "wages-2027.yaml"
    with pytest.raises(RecaptureError) as e:
        api.evaluate(facts, rules_dir=law)
    assert e.value.code == 3 and e.value.faults[0][0] == "tax_year"
    assert "not yet reviewed" in e.value.faults[0][1]
    result = api.evaluate(facts, rules_dir=law, allow_unreviewed=True)
    assert any("not yet reviewed" in w and "standard_deduction.yaml (single" in w for w in result["warnings"])


def test_editing_a_value_or_confirming_it_clears_its_mark(law, cli):
    sd = law / "tables/years/2027/standard_deduction.yaml"
    # the analyst types the new figure: that value's mark no longer applies
    sd.write_text(sd.read_text().replace("  single: 16100\n", "  single: 16550\n", 1))
    pending = _pending(Library(law).check())
    assert len(pending) == 47
    assert not any("standard_deduction.single:" in f for f in pending)
    assert any("standard_deduction.married_separate:" in f for f in pending)
    # one value confirmed unchanged
    code, out, err = cli("rules", "review", "tables/years/2027/standard_deduction.yaml", "married_joint", "--confirm",
                         "--rules-dir", law)
    assert code == 0, err
    assert re.search(r"tables/years/2027/standard_deduction.yaml:\d+: standard_deduction.married_joint: copied 32200, "
                     r"now 32200: confirmed", out), out
    assert len(_pending(Library(law).check())) == 46
    # listing without --confirm changes nothing
    code, out, _ = cli("rules", "review", "tables/years/2027/standard_deduction.yaml", "--rules-dir", law)
    assert code == 0 and "single: copied 16100, now 16550: edited (mark no longer applies)" in out
    assert "married_separate: copied 16100, now 16100: pending" in out
    assert len(_pending(Library(law).check())) == 46
    # a key with no mark
    code, _, err = cli("rules", "review", "tables/years/2027/standard_deduction.yaml", "married", "--confirm",
                       "--rules-dir", law)
    assert code == 2 and "no review mark 'married'" in err
    # the rest of the year at once
    code, out, err = cli("rules", "review", "tables/years/2027", "--confirm", "--rules-dir", law)
    assert code == 0, err
    assert Library(law).check() == []
    assert "review:" not in sd.read_text()       # the marks are gone from the files
    assert "  single: 16550\n" in sd.read_text()
    code, out, err = cli("evaluate", law.parent / "wages-2027.yaml", "--rules-dir", law)
    assert code == 0, err
    import json
    assert json.loads(out)["warnings"] == []


def test_a_mark_for_a_value_the_table_does_not_have_is_a_fault(law):
    sd = law / "tables/years/2027/standard_deduction.yaml"
    sd.write_text(sd.read_text().replace("    single: 16100\n", "    singel: 16100\n", 1))
    faults = Library(law).check()
    assert any(f.startswith("tables/years/2027/standard_deduction.yaml:") and
               "review.pending.singel: the table has no such value (remove the mark)" in f for f in faults), faults


def test_batch_and_whatif_refuse_it_too_unless_told(law, cli, tmp_path):
    import json
    facts = law.parent / "wages-2027.yaml"
    out = tmp_path / "r.jsonl"
    code, _, err = cli("batch", facts, "--output", out, "--rules-dir", law)
    assert code == 3  # the batch ran; its one input met a fault of the law (values awaiting review)
    (line,) = [json.loads(l) for l in out.read_text().splitlines()]
    assert "not yet reviewed" in line["error"]["reason"]
    code, _, err = cli("batch", facts, "--output", out, "--rules-dir", law, "--allow-unreviewed")
    assert code == 0, err
    (line,) = [json.loads(l) for l in out.read_text().splitlines()]
    assert line["tax"]["total_tax"] == 13170  # as evaluate --allow-unreviewed, worked above
    code, _, err = cli("whatif", facts, "--vary", "taxpayer.ordinary_income=100000,110000", "--rules-dir", law,
                       "--format", "json")
    assert code != 0 and "not yet reviewed" in err
    code, text, err = cli("whatif", facts, "--vary", "taxpayer.ordinary_income=100000,110000", "--rules-dir", law,
                          "--format", "json", "--allow-unreviewed")
    assert code == 0, err
    assert [s["error"] for s in json.loads(text)["scenarios"]] == [None, None]
