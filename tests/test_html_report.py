"""`explain --format html` and `whatif --format html` without a browser: one
self-contained file from the templates, headline first, trace last, figures
equal to the JSON result. (tests/test_browser.py opens the same pages in chromium.)"""
import fnmatch
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

from recapture import api

TEMPLATES = ROOT / "engine" / "templates"


def _self_contained(page: str):
    assert page.startswith("<!doctype html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "https://" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_explain_html_is_one_file_headline_first_trace_last(example):
    result = api.evaluate(EXAMPLES / example)
    page = result.explain("html")
    _self_contained(page)
    head, trace = page.index('class="headline"'), page.index('id="trace"')
    assert head < page.index('id="gain"') < page.index('id="forms"') < trace
    assert page.index("<svg") > head  # the charts are inline SVG
    shown = dict(re.findall(r'data-figure="([a-z0-9_]+)" data-value="([-0-9.]*)"', page))
    for key in ("tax_due_to_dispositions", "total_tax", "total_tax_without_dispositions", "regular_tax", "niit"):
        assert Decimal(shown[key]) == result["tax"][key], key
    # each firing of a rule is there, with its citation and file, collapsible
    assert page.count("<details><summary><span class=\"mono\">") == len(result["trace"])
    for step in result["trace"][:5]:
        assert step["rule"] in page and step["file"] in page


def test_the_forms_are_tables_named_like_the_forms():
    page = api.evaluate(EXAMPLES / "exchange-with-boot.yaml").explain("html")
    for title in ("Form 4797 — Sales of Business Property", "Part III — Gain from disposition",
                  "Form 8824 — Like-Kind Exchanges", "Schedule D Tax Worksheet", "Form 8960 — Net Investment Income Tax"):
        assert title in page, title
    page = api.evaluate(EXAMPLES / "installment-sale.yaml").explain("html")
    assert "Form 6252 — Installment Sale Income" in page and "Installment payments and the gain in each" in page
    page = api.evaluate(EXAMPLES / "forum-rental-sale.yaml").explain("html")
    assert "Form 8582 — Passive Activity Loss Limitations" in page


def test_explain_html_from_the_command_line(cli, tmp_path):
    out = tmp_path / "r.html"
    code, _, err = cli("explain", EXAMPLES / "duplex-held-16-years.yaml", "--format", "html", "--output", out)
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    _self_contained(page)
    assert 'data-figure="tax_due_to_dispositions" data-value="324447.87">324,447.87<' in page  # golden case


def test_the_templates_are_package_data():
    """setup.py ships engine/templates/ by these patterns: every template file must match one."""
    text = (ROOT / "setup.py").read_text()
    patterns = re.search(r"DATA = \[(.*?)\]", text).group(1)
    patterns = re.findall(r'"([^"]+)"', patterns)
    assert "templates/{p}" in text or "templates/" in text
    files = [p.name for p in TEMPLATES.iterdir() if p.is_file()]
    assert {"explain.html.j2", "whatif.html.j2", "base.html.j2", "charts.svg.j2", "report.css", "forms.yaml"} <= set(files)
    for name in files:
        assert any(fnmatch.fnmatch(name, pat) for pat in patterns), f"{name} would not be in the wheel"
    strategies = [p.name for p in (ROOT / "rules" / "strategies").iterdir()]
    for name in strategies:
        assert any(fnmatch.fnmatch(name, pat) for pat in patterns), f"rules/strategies/{name} would not be in the wheel"


def test_whatif_html_shows_the_json_figures(cli):
    from recapture.compare import comparison, render
    rows = api.whatif(EXAMPLES / "exchange-with-boot.yaml", strategies="all", keep_results=False)
    table = comparison(rows, api.library(), "exchange-with-boot.yaml")
    page = render(table, "html")
    _self_contained(page)
    data = json.loads(render(table, "json"))
    cells = {(int(n), f): v for n, f, v in re.findall(
        r'data-scenario="(\d+)" data-figure="([a-z0-9_]+)" data-value="([-0-9.]*)"', page)}
    for n, s in enumerate(data["scenarios"], 1):
        assert Decimal(cells[(n, "total_tax")]) == Decimal(str(s["totals"]["total_tax"]))
        assert Decimal(cells[(n, "difference")]) == Decimal(str(s["difference"]))
    assert "saves 173,467.30" in page and "costs 3,268.35" in page
    assert page.count("<svg") == 2


def test_labels_come_from_the_labels_table():
    """Every heading of a figure the comparison prints is an entry of tables/presentation/labels.yaml."""
    import yaml
    labels = yaml.safe_load((ROOT / "tables/presentation/labels.yaml").read_text())["values"]
    from recapture.compare import comparison
    rows = api.whatif(EXAMPLES / "duplex-held-16-years.yaml", ["taxpayer.ordinary_income=1,2"], keep_results=False)
    table = comparison(rows, api.library(), "d")
    words = {v["label"] for v in labels.values()}
    for f in table["figures"]:
        assert f["label"] in words or f["label"].startswith("Total tax 20"), f["label"]
