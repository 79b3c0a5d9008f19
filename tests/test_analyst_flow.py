"""Issue 11 item 6: a test that plays the analyst. Only the commands and text
edits of YAML an analyst makes (docs/analyst-guide.md), no Python: copy the law,
start 2027 from 2026, see evaluation refused while values await review, confirm
them, change one bracket threshold and the standard deduction, see the 2027
result change by the hand-worked amount, and see `rules diff 2026 2027` list
exactly those edits."""
import json
import shutil

from conftest import ROOT

FACTS_2027 = """schema_version: 1
case_id: wages-2027
tax_year: 2027
taxpayer: {entity: individual, filing_status: single, ordinary_income: 100000}
properties: []
"""


def _edit_in_block(path, block_start, old, new):
    """Replace `old` by `new` once, after the line `block_start` (an analyst's edit in one filing status)."""
    text = path.read_text(encoding="utf-8")
    head, sep, tail = text.partition(block_start)
    assert sep and old in tail, (block_start, old)
    path.write_text(head + sep + tail.replace(old, new, 1), encoding="utf-8")


def test_an_analyst_starts_reviews_and_changes_tax_year_2027(tmp_path, cli):
    law = tmp_path / "law"
    shutil.copytree(ROOT / "rules", law / "rules")
    shutil.copytree(ROOT / "tables", law / "tables")
    facts = tmp_path / "wages-2027.yaml"
    facts.write_text(FACTS_2027)

    code, out, err = cli("rules", "new-year", "2027", "--from", "2026", "--rules-dir", law)
    assert code == 0, err

    # refused while the copied values await review
    code, out, err = cli("evaluate", facts, "--rules-dir", law)
    assert code == 3 and "not yet reviewed" in err and out == ""

    # the analyst checks the copied figures and confirms them (they are the ones to keep, for now)
    code, out, err = cli("rules", "review", "tables/years/2027", "--confirm", "--rules-dir", law)
    assert code == 0, err
    code, out, err = cli("rules", "check", "--rules-dir", law)
    assert code == 0, err

    # 2027 as copied: taxable 100,000 - 16,100 = 83,900
    #   12,400 x 10% = 1,240.00; (50,400 - 12,400) = 38,000 x 12% = 4,560.00; (83,900 - 50,400) = 33,500 x 22% = 7,370.00
    #   total 13,170.00
    code, out, err = cli("evaluate", facts, "--rules-dir", law)
    assert code == 0, err
    before = json.loads(out)
    assert before["tax"]["taxable_income"] == 83900 and before["tax"]["total_tax"] == 13170
    assert before["warnings"] == []

    # two edits of the YAML: the single 22% bracket starts over 52,000; the single standard deduction is 16,600
    _edit_in_block(law / "tables/years/2027/ordinary_brackets.yaml", "\n  single:\n",
                   "    - {over: 50400, rate: 0.22}", "    - {over: 52000, rate: 0.22}")
    _edit_in_block(law / "tables/years/2027/standard_deduction.yaml", "\nvalues:\n", "  single: 16100", "  single: 16600")
    code, out, err = cli("rules", "check", "--rules-dir", law)
    assert code == 0, err

    # by hand: taxable 100,000 - 16,600 = 83,400
    #   12,400 x 10% = 1,240.00; (52,000 - 12,400) = 39,600 x 12% = 4,752.00; (83,400 - 52,000) = 31,400 x 22% = 6,908.00
    #   total 12,900.00: 270.00 less, which is 500 of deduction at 22% (110.00) + 1,600 moved from 22% to 12% (160.00)
    code, out, err = cli("evaluate", facts, "--rules-dir", law)
    assert code == 0, err
    after = json.loads(out)
    assert after["tax"]["taxable_income"] == 83400
    assert after["tax"]["total_tax"] == 12900
    assert before["tax"]["total_tax"] - after["tax"]["total_tax"] == 270

    # the diff lists exactly those two edits, with both values and both sources
    code, out, err = cli("rules", "diff", "2026", "2027", "--rules-dir", law)
    assert code == 0, err
    changes = [l.strip() for l in out.splitlines() if l.strip().startswith("table ") and ": " in l]
    assert changes == [
        "table ordinary_brackets.single[2].over: 50400 -> 52000 (+3.17%, indexed by IRC §1(j)(3))",
        "table standard_deduction.single: 16100 -> 16600 (+3.11%, indexed by IRC §63(c)(4), (c)(7)(B))",
    ]
    assert "source 2027: Rev. Proc. 2025-32 §4.14(1)" in out
    assert "rule " not in out
