"""batch, whatif and the analyst's rule tools, end to end from the command line."""
import json
import shutil

import pytest

from conftest import ROOT, EXAMPLES


def test_batch_keeps_input_order_and_never_drops_an_input(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ["quick-flip", "duplex-held-16-years", "equipment-sale"]:
        shutil.copy(EXAMPLES / f"{name}.yaml", folder / f"{name}.yaml")
    (folder / "broken.yaml").write_text("schema_version: 1\ntax_year: 2025\ntaxpayer: {entity: individual}\nproperties: []\n")
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text('{"schema_version": 1, "tax_year": 2025, "taxpayer": {"entity": "individual", '
                     '"filing_status": "single", "ordinary_income": 50000}, "properties": []}\n'
                     'not json\n')
    out, errors = tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    code, _, err = cli("batch", folder, jsonl, "--output", out, "--errors", errors, "--workers", "2")
    assert code == 0, err
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    # a folder's files sorted by name, then each line of the .jsonl
    assert [l["input"].rsplit("/", 1)[-1] for l in lines] == [
        "broken.yaml", "duplex-held-16-years.yaml", "equipment-sale.yaml", "quick-flip.yaml", "more.jsonl:1", "more.jsonl:2"]
    assert lines[0]["error"] == {"path": "taxpayer", "reason": "'filing_status' is a required property",
                                 "all": [{"path": "taxpayer", "reason": "'filing_status' is a required property"}]}
    assert lines[1]["tax"]["tax_due_to_dispositions"] == 324447.87
    assert "not valid JSON" in lines[5]["error"]["reason"]
    errs = [json.loads(l) for l in errors.read_text().splitlines()]
    assert [e["input"].rsplit("/", 1)[-1] for e in errs] == ["broken.yaml", "more.jsonl:2"]
    assert "6 inputs, 4 evaluated, 2 errors" in err


def test_batch_glob_single_worker_matches_evaluate(cli, tmp_path):
    out = tmp_path / "r.jsonl"
    code, _, err = cli("batch", str(EXAMPLES / "small-*.yaml"), "--output", out)
    assert code == 0, err
    line = json.loads(out.read_text())
    _, single, _ = cli("evaluate", EXAMPLES / "small-rental-2020.yaml")
    assert {k: v for k, v in line.items() if k != "input"} == json.loads(single)


def test_batch_on_a_dask_cluster_keeps_order_and_results(cli, tmp_path):
    distributed = pytest.importorskip("distributed")
    inputs = [EXAMPLES / f"{n}.yaml" for n in ("quick-flip", "small-rental-2020", "equipment-sale")]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        out = tmp_path / "r.jsonl"
        code, _, err = cli("batch", *inputs, "--output", out, "--scheduler", cluster.scheduler_address)
    assert code == 0, err
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert [l["case_id"] for l in lines] == ["quick-flip", "small-rental-2020", "equipment-sale"]
    assert lines[0]["tax"]["tax_due_to_dispositions"] == 9115.43  # tests/golden/quick-flip.yaml


def test_batch_unreachable_scheduler_is_a_clear_error(cli, tmp_path):
    pytest.importorskip("distributed")
    code, _, err = cli("batch", EXAMPLES / "quick-flip.yaml", "--output", tmp_path / "r.jsonl",
                       "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and "cannot reach the Dask scheduler" in err and "Traceback" not in err


def test_whatif_compares_every_combination(cli):
    code, out, err = cli("whatif", EXAMPLES / "duplex-held-16-years.yaml",
                         "--vary", "properties[0].disposition.sale_price=1500000,1800000",
                         "--vary", "taxpayer.ordinary_income=100000,650000", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["scenarios"]
    assert len(rows) == 4 and all(r["error"] is None for r in rows)
    # the last combination is the example itself (tests/golden/duplex-held-16-years.yaml)
    assert rows[-1]["totals"]["tax_due_to_dispositions"] == 324447.87


def test_whatif_selling_in_january_instead_of_december(cli, tmp_path):
    # the duplex sold in January 2026 instead, with the couple's 2026 income from taxpayer_by_year;
    # the tax year follows the date, so every combination runs (tests/test_whatif.py works the figures)
    src = tmp_path / "d.yaml"
    src.write_text((EXAMPLES / "duplex-held-16-years.yaml").read_text() +
                   "taxpayer_by_year:\n  2026: {entity: individual, filing_status: married_joint, ordinary_income: 150000}\n")
    code, out, err = cli("whatif", src, "--vary", "tax_year=2025,2026",
                         "--vary", "properties[0].disposition.date=2025-12-15,2026-01-15", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["scenarios"]
    assert len(rows) == 4 and all(r["error"] is None for r in rows)
    assert [r["tax_year"] for r in rows] == [2025, 2026, 2025, 2026]


def test_rules_list_names_every_rule_with_citation_and_years(cli):
    code, out, _ = cli("rules", "list", "--year", "2025")
    assert code == 0
    assert "recapture.ordering.unrecaptured_section_1250\tIRC §1(h)(1)(E)" in out
    assert "tax.schedule_d_worksheet.lines_1_to_14" in out


def test_rules_diff_shows_what_changed_between_years(cli):
    code, out, _ = cli("rules", "diff", "2024", "2025")
    assert code == 0
    # Rev. Proc. 2024-40: 2025 MFJ 12% bracket starts above 23,850 (2024: 23,200); P.L. 119-21 standard deduction
    assert "table ordinary_brackets.married_joint[1].over: 23200 -> 23850" in out
    assert "table standard_deduction.married_joint: 29200 -> 31500" in out
    assert "niit" not in out  # §1411 thresholds are not indexed


def test_rules_new_year_starts_a_year_for_the_analyst(cli, tmp_path):
    law = tmp_path / "law"
    shutil.copytree(ROOT / "rules", law / "rules")
    shutil.copytree(ROOT / "tables", law / "tables")
    code, out, err = cli("rules", "new-year", "2027", "--from", "2026", "--rules-dir", law)
    assert code == 0, err
    assert (law / "tables/years/2027/ordinary_brackets.yaml").read_text().count("tax_year: 2027") == 1
    # the copied values indexed for inflation await the analyst's review (tests/test_review.py)
    code, out, err = cli("rules", "check", "--rules-dir", law)
    assert code == 3 and "tables/years/2027/standard_deduction.yaml" in err and "review pending" in err
    code, out, _ = cli("rules", "diff", "2026", "2027", "--rules-dir", law)
    assert "no differences" in out
    code, _, err = cli("rules", "new-year", "2027", "--from", "2026", "--rules-dir", law)
    assert code == 2 and "already exist" in err
