"""The text summary a person reads (`recapture evaluate --format text`): the
law's own names and form lines (data in tables/presentation/labels.yaml), every
money figure as money (two decimals, thousands separators; never taken for a
year), dates as dates, recognized and deferred gain and the installment
schedule, and a property that was not disposed of said so."""
import copy
import re

import pytest
import yaml

import recapture
from conftest import EXAMPLES
from recapture.report import text_summary

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")          # unrecaptured_section_1250, tax_due_...
MONEY = re.compile(r"^-?\d{1,3}(?:,\d{3})*\.\d{2}$")                 # 1,234,567.89
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIGURE = re.compile(r"^ {4,}(?P<label>\S.*?) {2,}(?P<value>-?[\d,.]+|—|\d{4}-\d{2}-\d{2})(?: {3}(?P<line>.+))?$")


def _money(v):
    return f"{v:,.2f}"


def _figure_lines(text):
    """(label, value, form line) of every line that prints one figure."""
    return [m.groupdict() for m in map(FIGURE.match, text.splitlines()) if m]


def _body(text):
    """The summary without its warnings (the law's sentences, checked on their own below)."""
    return text.split("\nWarnings\n")[0]


@pytest.fixture(scope="module")
def summaries():
    return {p.stem: (recapture.evaluate(p), recapture.evaluate(p).summary()) for p in EXAMPLE_FILES}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_no_raw_identifier_and_money_as_money(path, summaries):
    r, text = summaries[path.stem]
    assert not SNAKE.findall(text), f"field names in the summary: {SNAKE.findall(text)}"
    figures = _figure_lines(_body(text))
    assert len(figures) >= 12
    for f in figures:
        if f["label"] == "Placed in service":
            assert DATE.match(f["value"]), f
        else:
            assert MONEY.match(f["value"]), f"{f['label']}: {f['value']!r} is not money"
    # every headline figure of the result is there, formatted as money
    for p in r["properties"]:
        for key in ("adjusted_basis", "amount_realized", "realized_gain", "recognized_gain"):
            assert _money(p[key]) in text, (p["id"], key)
        for name, v in p["components"].items():
            if v:
                assert _money(v) in text, (p["id"], name)
    for key in ("taxable_income", "regular_tax", "niit", "total_tax", "total_tax_without_dispositions",
                "tax_due_to_dispositions"):
        assert _money(r["tax"][key]) in text, key
    # years and dates are printed as such, never as money
    assert f"tax year {r['tax_year']}" in text.splitlines()[0] and f"{r['tax_year']:,.2f}" not in text


def test_warnings_name_money_as_money(summaries):
    _, text = summaries["equipment-sale"]
    (w,) = [line for line in text.splitlines() if "was claimed" in line]
    # 60,000 claimed against 62,515 allowable (Pub 946 Table A-1; see the golden case)
    assert w == ("  - cnc-machine: 60,000.00 of depreciation was claimed but 62,515.00 was allowable; basis is "
                 "reduced, and recapture counted, on the allowable amount (§1016(a)(2)). A change of accounting "
                 "method on Form 3115 can recover the missed deductions. Where adequate records establish that "
                 "less was allowed, §1245(a)(2)(B) and §1250(b)(3) count recapture (and unrecaptured §1250 gain) "
                 "only on the amount allowed; this result counts the allowable amount.")
    _, text = summaries["exchange-with-boot"]
    assert "649,169.42 of gain is deferred into the replacement property, whose basis is 670,830.58" in text


def test_the_laws_names_and_form_lines(summaries):
    _, text = summaries["quick-flip"]
    figures = {f["label"]: f for f in _figure_lines(text)}
    # held 2024-08-01 to 2025-07-01, one year or less: all 8,333.75 of depreciation is §1250 ordinary
    # (Form 4797 line 26g), the other 33,100.00 short-term (343,100 - 301,666.25 - 8,333.75)
    assert figures["§1250 additional depreciation recapture (ordinary)"] == {
        "label": "§1250 additional depreciation recapture (ordinary)", "value": "8,333.75", "line": "Form 4797 line 26g"}
    assert figures["Short-term gain (ordinary, held one year or less)"]["value"] == "33,100.00"
    assert "Holding period: short term (held one year or less)" in text
    _, text = summaries["duplex-held-16-years"]
    figures = {f["label"]: f for f in _figure_lines(text)}
    assert figures["Unrecaptured §1250 gain (25% max)"]["value"] == "465,444.00"
    assert figures["Tax due to the dispositions"]["value"] == "324,447.87"
    assert "Placed in service" in figures and figures["Placed in service"]["value"] == "2009-05-01"


def test_installment_sale_shows_recognized_deferred_and_the_schedule(summaries):
    _, text = summaries["installment-sale"]
    figures = {f["label"]: f["value"] for f in _figure_lines(text)}
    # gross profit ratio 478,993.35 / 750,000; 150,000 a year -> 95,798.67 recognized in 2025,
    # 478,993.35 - 95,798.67 = 383,194.68 deferred (tests/golden/installment-sale.yaml)
    assert figures["Gain realized (loss if negative)"] == "478,993.35"
    assert figures["Gain recognized this year"] == "95,798.67"
    assert figures["Gain deferred to later payment years"] == "383,194.68"
    rows = [line.split() for line in text.splitlines() if re.match(r"^ +20\d\d +[\d,]+\.\d\d", line)]
    assert [r[0] for r in rows] == ["2025", "2026", "2027", "2028", "2029"]
    assert rows[1] == ["2026", "150,000.00", "95,798.67", "53,194.68", "42,603.99"]
    header = next(line for line in text.splitlines() if line.strip().startswith("Year "))
    assert "Principal received" in header and "Unrecaptured §1250 gain (25% max)" in header and "§1231 gain" in header


def _variant(example, **disposition):
    data = yaml.safe_load((EXAMPLES / example).read_text())
    data = copy.deepcopy(data)
    data["properties"][0]["disposition"] = disposition
    return recapture.evaluate(data)


def test_a_property_not_disposed_of_says_so():
    r = _variant("duplex-held-16-years.yaml", type="none")
    text = r.summary()
    assert "duplex: residential rental property (27.5-year); not disposed of in 2025: no gain or loss this year" in text
    body = text.split("\n", 1)[1]  # below the title line
    assert "Gain realized" not in body and "—" not in body and "term" not in body
    figures = {f["label"]: f["value"] for f in _figure_lines(text)}
    assert figures["Depreciation allowable"] == _money(r["properties"][0]["depreciation"]["allowable"])
    assert figures["Tax due to the dispositions"] == "0.00"


def test_a_transfer_at_death_shows_the_heirs_basis():
    r = _variant("duplex-held-16-years.yaml", type="death", date="2025-05-20", fmv_at_death=1800000)
    text = r.summary()
    assert "transfer at death (§1014)" in text
    figures = {f["label"]: f["value"] for f in _figure_lines(text)}
    assert figures["Basis to the heir (fair market value at death)"] == "1,800,000.00"
    assert "Amount realized" not in figures


def test_money_that_looks_like_a_year_is_still_money():
    """An equipment sale whose gain is exactly 2,000: 39,485 less the adjusted basis
    37,485 (100,000 - 62,515 allowable, see equipment-sale)."""
    data = yaml.safe_load((EXAMPLES / "equipment-sale.yaml").read_text())
    data["properties"][0]["disposition"]["sale_price"] = 39485
    r = recapture.evaluate(data)
    assert r["properties"][0]["recognized_gain"] == 2000
    text = r.summary()
    figures = {f["label"]: f["value"] for f in _figure_lines(text)}
    assert figures["Gain recognized this year"] == "2,000.00"
    assert figures["§1245 depreciation recapture (ordinary)"] == "2,000.00"
    # explain prints it as money too, and a year as a year
    report = r.explain()
    assert "recognized_gain = 2,000.00" in report and "placed_year = 2022" in report


def test_a_loss_is_negative_money():
    data = yaml.safe_load((EXAMPLES / "equipment-sale.yaml").read_text())
    data["properties"][0]["disposition"]["sale_price"] = 30000  # 30,000 - 37,485 = -7,485 (a §1231 loss)
    text = recapture.evaluate(data).summary()
    figures = {f["label"]: f["value"] for f in _figure_lines(text)}
    assert figures["Gain realized (loss if negative)"] == "-7,485.00"


def test_every_example_summary_is_what_the_command_prints(cli):
    path = EXAMPLES / "forum-rental-sale.yaml"
    code, out, _ = cli("evaluate", path, "--format", "text")
    assert code == 0 and out == text_summary(recapture.evaluate(path)) + "\n"


def test_formats_print_what_a_figure_is_and_never_round():
    from decimal import Decimal

    from recapture import formats
    assert formats.money(Decimal("2000")) == "2,000.00" and formats.money(-7485) == "-7,485.00"
    assert formats.money(Decimal("5614.61875")) == "5,614.61875"  # an intermediate keeps its digits
    assert formats.money(None) == "—"
    assert formats.year(Decimal("2025")) == "2025" and formats.date("2025-03-31") == "2025-03-31"
    assert formats.number(Decimal("60.00")) == "60" and formats.rate(Decimal("0.038")) == "3.8%"
    # by the unit labels.yaml gives: the same number is money under one name and a year under another
    assert formats.value("selling_expenses", Decimal("2000")) == "2,000.00"
    assert formats.value("placed_year", Decimal("2000")) == "2000"
    assert formats.value("bonus_percentage_in_force", Decimal("60.00")) == "60"
