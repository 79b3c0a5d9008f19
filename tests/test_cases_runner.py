"""Golden cases as data, run by the analyst (issue 11 item 4): `recapture test-cases
[DIR]` runs the case files outside pytest, prints pass or fail per case with the
differing figures, and the rule coverage of each tax year; tests/test_golden.py
runs the same files through the same runner."""
import datetime as dt
import json
import shutil
import textwrap

import pytest
import yaml

from conftest import EXAMPLES, ROOT
from recapture import api
from recapture.cases import coverage, run_case, run_folder

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """`recapture test-cases` on the shipped cases, from the source checkout (its default folder)."""
    from conftest import run_cli
    return run_cli("test-cases")


def test_the_shipped_cases_pass_and_coverage_is_listed(shipped):
    code, out, err = shipped
    assert code == 0, out + err
    n = len(list(GOLDEN.glob("*.yaml")))
    assert f"{n} cases: {n} passed, 0 failed" in out
    assert "PASS  quick-flip (tests/golden/quick-flip.yaml, tax year 2025)" in out
    # every rule of each tax year with cases, with how many cases fired it
    lines = out.splitlines()
    header = next(l for l in lines if l.startswith("  rule ") and l.rstrip().endswith("file"))
    years = [int(y) for y in header.split()[1:-1]]
    assert 2025 in years
    row = next(l for l in lines if l.split()[:1] == ["depreciation.residential_rental.gds"])
    assert row.split()[-1] == "rules/depreciation/recovery.yaml"
    assert all(c.isdigit() or c == "-" for c in row.split()[1:-1])
    # the rules no case fires, per tax year
    never = next(l for l in lines if l.startswith("tax year 2025: "))
    assert " rules fired by no case: " in never and "passive.activity.gift" in never


def test_coverage_counts_the_cases_that_fire_each_rule():
    lib = api.library()
    results = run_folder(GOLDEN, lib)
    cov = coverage(results, lib)
    rows = {rid: count for rid, _, count in cov[2025]}
    cases_2025 = [r for r in results if r.tax_year == 2025]
    # every 2025 case computes a return's total tax; two are a C corporation's (the parking lot)
    assert rows["tax.total"] == len(cases_2025)
    corporate = [r for r in cases_2025 if r.result and r.result.get("tax", {}).get("regular_tax") is not None
                 and any(s["rule"] == "tax.corporate" for s in r.result["trace"])]
    assert rows["tax.corporate"] == len(corporate) == 2
    assert rows["passive.activity.gift"] == 0
    # an ordering step is a rule of its own
    assert "recapture.ordering.unrecaptured_section_1250" in rows
    assert not any(rid.endswith(".start") for rid in rows)


def _case(tmp_path, text, name="case.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_a_failing_case_shows_each_differing_figure_with_its_line(tmp_path, cli):
    src = (GOLDEN / "quick-flip.yaml").read_text()
    bad = src.replace('tax.regular_tax: "15964.43"', 'tax.regular_tax: "15964.44"')
    bad = bad.replace('properties[0].holding_period: "short"', 'properties[0].holding_period: "long"')
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "quick-flip.yaml").write_text(bad)
    shutil.copy(GOLDEN / "equipment-sale.yaml", folder / "equipment-sale.yaml")
    code, out, err = cli("test-cases", folder)
    assert code == 1, err
    line = next(i + 1 for i, l in enumerate(bad.splitlines()) if "tax.regular_tax" in l)
    assert "FAIL  quick-flip" in out and "PASS  equipment-sale" in out
    assert f"quick-flip.yaml:{line}: tax.regular_tax: engine 15964.43, by hand 15964.44" in out
    assert "properties[0].holding_period: engine short, by hand long" in out
    assert "2 cases: 1 passed, 1 failed" in out
    code, out, _ = cli("test-cases", folder, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["passed"] == 1 and doc["failed"] == 1
    failed = next(c for c in doc["cases"] if c["status"] == "fail")
    assert {"path": "tax.regular_tax", "engine": 15964.43, "expected": "15964.44", "tolerance": 0, "line": line} \
        in failed["mismatches"]


def test_inline_facts_with_unquoted_dates_tolerance_and_note(tmp_path):
    # single, 2025: wages 70,000 and a 3,000 short-term loss (the most allowed against ordinary income, §1211(b))
    # AGI 67,000; taxable 67,000 - 15,750 = 51,250; tax 1,192.50 + 4,386.00 + (51,250 - 48,475) x 22% = 6,189.00
    p = _case(tmp_path, """\
        case: wages-and-a-capital-loss
        note: hand arithmetic in the test
        tolerance: 0.01
        facts:
          schema_version: 1
          tax_year: 2025
          taxpayer: {entity: individual, filing_status: single, ordinary_income: 70000, short_term_capital_gain: -5000}
          properties:
            - id: lot
              asset_class: land
              acquired: 2020-03-01
              cost: 50000
              disposition: {type: none}
        expect:
          tax.agi: 67000
          tax.taxable_income: "51250.00"
          tax.regular_tax: {value: 6189.005, tolerance: 0.005}
          capital.loss_carried_forward: 2000
        """)
    outcome = run_case(p, api.library())
    assert outcome.error is None and outcome.mismatches == [], (outcome.error, [m.text() for m in outcome.mismatches])
    assert outcome.tax_year == 2025


def test_a_case_may_name_another_tax_year_and_an_expected_refusal(tmp_path):
    p = _case(tmp_path, """\
        case: quick-flip-in-2019
        example: quick-flip.yaml
        tax_year: 2019
        expect_error: is after tax year 2019
        """)
    outcome = run_case(p, api.library())
    assert outcome.error is None and outcome.mismatches == [], (outcome.error, [m.text() for m in outcome.mismatches])


def test_a_mistyped_case_is_reported_not_skipped(tmp_path):
    p = _case(tmp_path, """\
        case: typo
        example: quick-flip.yaml
        expct:
          tax.niit: 0
        """)
    outcome = run_case(p, api.library())
    assert outcome.error == f"{p}:3: unknown key 'expct'; a case has case, example, facts, tax_year, tolerance, note, " \
                            "expect, expect_warnings, expect_error"
    p = _case(tmp_path, "case: none\nexample: no-such-example.yaml\nexpect: {tax.niit: 0}\n", "missing.yaml")
    assert "no such file beside the case or in an examples/ folder" in run_case(p, api.library()).error


def test_the_api_loads_yaml_safe_load_dicts_with_dates():
    facts = yaml.safe_load((EXAMPLES / "quick-flip.yaml").read_text())
    assert isinstance(facts["properties"][0]["acquired"], dt.date)
    loaded = api.load(facts)
    assert loaded["properties"][0]["acquired"] == "2024-08-01"
    # tests/golden/quick-flip.yaml: tax due to the sale 9,115.43
    assert api.evaluate(facts)["tax"]["tax_due_to_dispositions"] == api.evaluate(EXAMPLES / "quick-flip.yaml")["tax"][
        "tax_due_to_dispositions"]


def test_the_default_folder(tmp_path, cli):
    # a rules folder without cases, run from a folder without tests/golden (an installed wheel): a clear fault
    law = tmp_path / "law"
    shutil.copytree(ROOT / "rules", law / "rules")
    shutil.copytree(ROOT / "tables", law / "tables")
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "recapture.cli", "test-cases", "--rules-dir", str(law)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert p.returncode == 2 and "no tests/golden folder" in p.stderr and "recapture test-cases DIR" in p.stderr
    # cases copied beside that law are its default
    shutil.copytree(GOLDEN, law / "tests" / "golden")
    shutil.copytree(EXAMPLES, law / "examples")
    p = subprocess.run([sys.executable, "-m", "recapture.cli", "test-cases", "--rules-dir", str(law)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
