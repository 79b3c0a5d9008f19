"""The command line as a user meets it: results, exit codes, and one clear
line per fault naming the file and the JSON path (never a traceback)."""
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, EXAMPLES

DUPLEX = EXAMPLES / "duplex-held-16-years.yaml"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_evaluate_one_file_prints_one_object(cli):
    code, out, err = cli("evaluate", DUPLEX)
    assert code == 0, err
    r = json.loads(out)
    assert r["case_id"] == "duplex-held-16-years"
    # 1,000,000 - 200,000 land = 800,000 building; allowable 465,444.00 (tests/golden)
    assert r["properties"][0]["depreciation"]["allowable"] == 465444
    assert r["rules"]["files"]["rules/recapture/gain_ordering.yaml"].startswith("sha256:")


def test_evaluate_several_files_prints_an_array_in_order(cli):
    files = [EXAMPLES / "quick-flip.yaml", DUPLEX]
    code, out, err = cli("evaluate", *files)
    assert code == 0, err
    assert [r["case_id"] for r in json.loads(out)] == ["quick-flip", "duplex-held-16-years"]


def test_evaluate_json_input_and_output_file(cli, tmp_path):
    import yaml
    data = yaml.safe_load(DUPLEX.read_text())
    data["properties"][0]["acquired"] = str(data["properties"][0]["acquired"])
    src = write(tmp_path, "duplex.json", json.dumps(data, default=str))
    out = tmp_path / "r.json"
    code, _, err = cli("evaluate", src, "--output", out)
    assert code == 0, err
    assert json.loads(out.read_text())["tax"]["tax_due_to_dispositions"] == 324447.87


def test_same_input_gives_the_same_bytes(cli):
    a = cli("evaluate", DUPLEX)[1]
    b = cli("evaluate", DUPLEX)[1]
    assert a == b


def test_text_format(cli):
    code, out, _ = cli("evaluate", DUPLEX, "--format", "text")
    assert code == 0 and re.search(r"\n    Tax due to the dispositions +324,447\.87\n", out), out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_explain_lists_rules_in_order_with_citation_file_and_lines(cli, fmt):
    code, out, err = cli("explain", DUPLEX, "--format", fmt)
    assert code == 0, err
    assert "depreciation.residential_rental.gds" in out
    assert "Pub 946" in out and "rules/depreciation/recovery.yaml" in out
    assert "Form 4797 line 24" in out and "Schedule D Tax Worksheet line 47" in out
    assert out.index("depreciation.residential_rental.gds") < out.index("recapture.ordering.unrecaptured_section_1250")


@pytest.mark.parametrize("text, fragment", [
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: residential_rental, acquired: 2010-01-01, cost: -5}\n",
     "bad.yaml: properties[0].cost: "),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single, wages: 1}\nproperties: []\n",
     "bad.yaml: taxpayer: Additional properties are not allowed ('wages' was unexpected)"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: castle, acquired: 2010-01-01, cost: 5}\n",
     "bad.yaml: properties[0].asset_class: 'castle' is not one of"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: land, acquired: 2010-02-30, cost: 5}\n",
     "bad.yaml: properties[0].acquired: '2010-02-30' is not a 'date'"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: land, acquired: 2010-01-01, cost: 'ten'}\n",
     "bad.yaml: properties[0].cost: 'ten' is not a number"),
    ("schema_version: 1\ntax_year: 2017\ntaxpayer: {entity: individual, filing_status: single}\nproperties: []\n",
     "bad.yaml: tax_year: no tables for tax year 2017; the years that exist are 2018"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual\nproperties: []\n",
     "bad.yaml: line 4: not valid YAML"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: land, acquired: 2010-01-01, cost: 5, land_value: 9}\n",
     "bad.yaml: properties[0].land_value: 9 is more than the cost 5"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: land, acquired: 2010-01-01, cost: 5,\n"
     "     disposition: {type: sale, date: 2024-03-01, sale_price: 9}}\n",
     "bad.yaml: properties[0].disposition.date: 2024-03-01 is before tax year 2025"),
    ("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual, filing_status: single}\n"
     "properties:\n  - {id: h, asset_class: land, acquired: 2010-01-01, cost: 5.001}\n",
     "bad.yaml: properties[0].cost: 5.001 has fractions of a cent"),
])
def test_bad_fact_file_exit_2_one_line_naming_file_and_path(cli, tmp_path, text, fragment):
    p = write(tmp_path, "bad.yaml", text)
    code, out, err = cli("evaluate", p)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert fragment.replace("bad.yaml", str(p)) in err, err


def test_missing_file_and_folder(cli, tmp_path):
    code, _, err = cli("evaluate", tmp_path / "nope.yaml")
    assert code == 2 and "no such file" in err and "Traceback" not in err
    code, _, err = cli("evaluate", tmp_path)
    assert code == 2 and "is a folder" in err


def test_bad_json_names_the_line(cli, tmp_path):
    p = write(tmp_path, "bad.json", '{"schema_version": 1,\n "tax_year": 2025,\n}')
    code, _, err = cli("evaluate", p)
    # Python 3.13's json names the trailing comma (line 2), 3.11 the brace after it (line 3)
    assert code == 2 and ("line 3: not valid JSON" in err or "line 2: not valid JSON: Illegal trailing comma" in err)


def test_schema_prints_the_facts_schema(cli):
    code, out, _ = cli("schema")
    s = json.loads(out)
    assert code == 0 and s["$schema"].endswith("2020-12/schema") and s["additionalProperties"] is False


def test_rules_check_passes_on_the_shipped_rules(cli):
    code, out, err = cli("rules", "check")
    assert code == 0, err
    assert out.startswith("ok:")


@pytest.fixture
def rules_copy(tmp_path):
    dst = tmp_path / "law"
    shutil.copytree(ROOT / "rules", dst / "rules")
    shutil.copytree(ROOT / "tables", dst / "tables")
    return dst


@pytest.mark.parametrize("file, edit, fragment", [
    ("rules/recapture/additional_depreciation.yaml", ("action: compute", "action: run_python"),
     "rules/recapture/additional_depreciation.yaml:88: unknown action 'run_python'"),
    ("rules/gain/amount_realized_and_basis.yaml", ("amount_realized: sale_price - selling_expenses",
                                                   "amount_realized: __import__('os').system('true')"),
     "rules/gain/amount_realized_and_basis.yaml:16: formula"),
    ("tables/years/2025/niit.yaml", ("tax_year: 2025", "tax_year: 2024"),
     "tables/years/2025/niit.yaml:7: tax_year 2024 is not the folder's year 2025"),
    ("rules/tax/total.yaml", ("    priority: 760\n", ""), "rules/tax/total.yaml:3: rules[0]: 'priority' is a required property"),
    ("rules/tax/total.yaml", ("title: Total tax", "title: [Total tax"), "rules/tax/total.yaml:"),
])
def test_bad_rule_file_exit_3_with_file_and_line(cli, rules_copy, file, edit, fragment):
    p = rules_copy / file
    text = p.read_text()
    assert edit[0] in text
    p.write_text(text.replace(edit[0], edit[1], 1))
    code, out, err = cli("rules", "check", "--rules-dir", rules_copy)
    assert code == 3, (out, err)
    assert fragment in err, err
    assert "Traceback" not in err
    code, _, err = cli("evaluate", DUPLEX, "--rules-dir", rules_copy)
    assert code == 3 and "Traceback" not in err


def test_rules_dir_from_the_environment(rules_copy, tmp_path, monkeypatch):
    """An analyst's fork of the tables changes the figure (and the file hash)."""
    import subprocess, sys
    p = rules_copy / "tables/years/2025/niit.yaml"
    p.write_text(p.read_text().replace("rate: 0.038", "rate: 0.05"))
    env = dict(__import__("os").environ, RECAPTURE_RULES_DIR=str(rules_copy))
    out = subprocess.run([sys.executable, "-m", "recapture.cli", "evaluate", str(DUPLEX)], capture_output=True,
                         text=True, env=env, cwd=ROOT)
    r = json.loads(out.stdout)
    # NIIT at 5%: 0.05 x min(NII 1,265,444, MAGI 2,915,444 - 250,000) = 63,272.20
    assert r["tax"]["niit"] == 63272.2
