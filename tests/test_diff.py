"""`rules diff YEAR_A YEAR_B` (issue 11 item 3): every value that differs, with both
values and both sources, the change in percent of amounts indexed for inflation,
and each rule new, gone or changed in its condition, formula or citation."""
import shutil

from conftest import ROOT
from recapture.library import Library
from recapture.ruletools import diff_data, diff_years


def test_2024_to_2025_shows_the_2025_law_on_the_standard_deduction_with_both_sources():
    out = diff_years(Library(), 2024, 2025)
    block = out[out.index("table standard_deduction ("):]
    block = block[: block.index("\n\n")] if "\n\n" in block else block
    # Rev. Proc. 2023-34 §3.15(1) gave 2024's amounts; P.L. 119-21 §70102 set 2025's (Rev. Proc. 2025-32 §3.01)
    assert "  source 2024: Rev. Proc. 2023-34 §3.15(1)" in block
    assert ("  source 2025: P.L. 119-21 §70102 (IRC §63(c)(7)); Rev. Proc. 2025-32 §3.01, which replaces "
            "Rev. Proc. 2024-40 §2.15(1)") in block
    assert "  citation: IRC §63(c)(2), (c)(7) -> IRC §63(c)(2), (c)(7), as amended by P.L. 119-21 §70102" in block
    # (15,750 - 14,600) / 14,600 = 7.876...% ; (31,500 - 29,200) / 29,200 = 7.876...%; (23,625 - 21,900) / 21,900 = 7.876...%
    assert "  table standard_deduction.single: 14600 -> 15750 (+7.88%, indexed by IRC §63(c)(4), (c)(7)(B))" in block
    assert "  table standard_deduction.married_joint: 29200 -> 31500 (+7.88%" in block
    assert "  table standard_deduction.head_of_household: 21900 -> 23625 (+7.88%" in block
    # Rev. Proc. 2024-40: 2025 MFJ 12% bracket starts above 23,850 (2024: 23,200): +2.80%
    assert "table ordinary_brackets.married_joint[1].over: 23200 -> 23850 (+2.80%, indexed by IRC §1(j)(3))" in out
    # fixed amounts did not change: nothing of §1411, §1211, §11, §469(i), §291
    for name in ("niit", "capital_loss_limit", "corporate_rate", "passive_special_allowance", "section_291"):
        assert f"table {name}" not in out
    # a rate of a bracket is not indexed, and no rate changed
    assert "].rate" not in out


def test_markdown_has_both_values_both_sources_and_the_change():
    out = diff_years(Library(), 2024, 2025, "markdown")
    assert out.startswith("# Tax year 2024 → 2025\n")
    assert "### standard_deduction" in out
    assert ("| `single` | 14600 | 15750 | +7.88% | Rev. Proc. 2023-34 §3.15(1) | P.L. 119-21 §70102 (IRC §63(c)(7)); "
            "Rev. Proc. 2025-32 §3.01, which replaces Rev. Proc. 2024-40 §2.15(1) |") in out


def test_the_cli_diff_formats(cli):
    code, out, _ = cli("rules", "diff", "2024", "2025", "--format", "markdown")
    assert code == 0 and "| `married_joint[1].over` | 23200 | 23850 | +2.80% |" in out
    code, _, err = cli("rules", "diff", "2025", "2031")
    assert code == 2 and "no tables for tax year 2031" in err


def test_a_year_against_itself():
    assert diff_years(Library(), 2025, 2025) == "tax year 2025 -> 2025\nno differences\n"


def test_rules_new_gone_and_changed(tmp_path):
    root = tmp_path / "law"
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(ROOT / "tables", root / "tables")
    p = root / "rules/tax/total.yaml"
    text = p.read_text()
    # tax.total until 2024, then a 2025 version with another citation and formula;
    # tax.due_to_dispositions.none from 2025 only; a rule of 2024 only
    old = "  - id: tax.total\n    title: Total tax = regular tax + net investment income tax\n"
    assert old in text
    text = text.replace(old, old + "    in_force: {from: 2018, to: 2024}\n", 1)
    text = text.replace("  - id: tax.due_to_dispositions.none\n", "  - id: tax.due_to_dispositions.none\n"
                        "    in_force: {from: 2025}\n", 1)
    text += ("\n  - id: tax.total\n    in_force: {from: 2025}\n    citation: Form 1040 (2025) lines 16, 23 and 24\n"
             "    priority: 760\n    when: {fact: return}\n    action: compute\n    with:\n      set:\n"
             "        total_tax: round_cents(regular_tax + niit)\n"
             "\n  - id: tax.old_rule\n    in_force: {from: 2018, to: 2024}\n    citation: IRC §1\n    priority: 770\n"
             "    when: {fact: return}\n    action: compute\n    with:\n      set:\n        old_total: total_tax\n")
    p.write_text(text)
    lib = Library(root)
    assert lib.check() == []
    _, rules = diff_data(lib, 2024, 2025)
    by_id = {r.id: r for r in rules}
    assert by_id["tax.due_to_dispositions.none"].status == "new"
    assert by_id["tax.old_rule"].status == "gone"
    changed = by_id["tax.total"]
    assert changed.status == "changed"
    assert ("citation", "Form 1040 lines 16 and 23 (Schedule 2 line 12); Form 1120 Schedule J",
            "Form 1040 (2025) lines 16, 23 and 24") in changed.changes
    assert ("formula set.total_tax", "regular_tax + niit", "round_cents(regular_tax + niit)") in changed.changes
    out = diff_years(lib, 2024, 2025)
    assert "rule tax.due_to_dispositions.none: in force in 2025 only (rules/tax/total.yaml)" in out
    assert "rule tax.old_rule: in force in 2024 only (rules/tax/total.yaml)" in out
    assert "rule tax.total: changed (rules/tax/total.yaml)\n  formula set.total_tax: " in out
    assert ("  citation: Form 1040 lines 16 and 23 (Schedule 2 line 12); Form 1120 Schedule J -> "
            "Form 1040 (2025) lines 16, 23 and 24") in out
    assert "  formula set.total_tax: regular_tax + niit -> round_cents(regular_tax + niit)" in out
