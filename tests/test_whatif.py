"""whatif across tax years, named strategies, fields by name, error rows and the
comparison's formats, from the command line and the API. Figures are worked by
hand from the IRS forms and the year's tables; the arithmetic is in the comments.

Tables used (tables/years/<year>/, each with its Revenue Procedure):
  2025 MFJ brackets 10% to 23,850, 12% to 96,950, 22% to 206,700, 24% to 394,600,
    32% to 501,050, 35% to 751,600, 37% above; capital gain 0% to 96,700, 15% to
    600,050; standard deduction 31,500 (Rev. Proc. 2024-40; P.L. 119-21).
  2026 MFJ brackets 10% to 24,800, 12% to 100,800, 22% to 211,400, 24% to 403,550,
    32% to 512,450, 35% to 768,700, 37% above; capital gain 0% to 98,900, 15% to
    613,700; standard deduction 32,200 (Rev. Proc. 2025-32).
  NIIT 3.8% over MAGI 250,000 MFJ (§1411, not indexed); unrecaptured §1250 gain 25%.
"""
import csv
import io
import json
import shutil
from decimal import Decimal

import pytest

from conftest import EXAMPLES, ROOT

import recapture

D = Decimal
BY_YEAR_2026 = "taxpayer_by_year:\n  2026: {entity: individual, filing_status: married_joint, ordinary_income: 150000}\n"


@pytest.fixture
def duplex_by_year(tmp_path):
    src = tmp_path / "duplex.yaml"
    src.write_text((EXAMPLES / "duplex-held-16-years.yaml").read_text() + BY_YEAR_2026)
    return src


def _ok(rows):
    return [r for r in rows if r["error"] is None]


# -- across tax years -----------------------------------------------------------------
def test_december_or_january_each_year_with_its_own_tables(duplex_by_year):
    rows = recapture.whatif(duplex_by_year, ["properties.duplex.disposition.date=2025-12-15,2026-01-15"])
    assert [r["error"] for r in rows] == [None, None]
    dec, jan = rows
    # Both rows cover 2025 and 2026: the total tax over the two years compares like with like.
    assert [y["year"] for y in dec["years"]] == [2025, 2026] == [y["year"] for y in jan["years"]]
    # the tax year follows the disposition date, and each year is evaluated with its own tables
    assert dec["tax_year"] == 2025 and jan["tax_year"] == 2026
    for row in rows:
        for year, result in row["results"].items():
            assert result["tax_year"] == year
            files = result["rules"]["files"]
            assert f"tables/years/{year}/ordinary_brackets.yaml" in files
            assert not any(f.startswith("tables/years/") and f"/{year}/" not in f for f in files)
    # December 15, 2025 (Pub 946 Table A-6, May column, 800,000 of basis):
    #   depreciation 2009-2024 as in tests/golden/duplex-held-16-years.yaml = 454,536.00;
    #   2025 (yr 17, 3.636%) 29,088 x (12 - 0.5)/12 = 27,876.00 -> allowable 482,412.00
    #   gain 1,800,000 - (1,000,000 - 482,412) = 1,282,412.00: unrecaptured §1250 482,412, §1231 800,000
    #   2025: AGI 650,000 + 1,282,412 = 1,932,412; taxable 1,900,912
    #     Schedule D Tax Worksheet line 21 = max(1,900,912 - 1,282,412, 394,600) = 618,500 -> tax 155,569.50
    #     800,000 x 20% = 160,000.00; 482,412 x 25% = 120,603.00; regular tax 436,172.50
    #     NIIT 1,282,412 x 3.8% = 48,731.66; total 484,904.16
    #   2026 (no sale; taxpayer_by_year: 150,000): taxable 150,000 - 32,200 = 117,800
    #     2,480 + 76,000 x 12% (9,120) + 17,000 x 22% (3,740) = 15,340.00
    #   total over the two years 500,244.16
    assert dec["years"][0]["total_tax"] == D("484904.16") and dec["years"][0]["regular_tax"] == D("436172.50")
    assert dec["years"][1]["total_tax"] == D("15340.00")
    assert dec["totals"]["total_tax"] == D("500244.16")
    assert dec["totals"]["components"]["unrecaptured_section_1250"] == D("482412.00")
    # January 15, 2026:
    #   2025 held all year: yr 17 full 29,088.00; 2026 (yr 18, 3.637%) 29,096 x 0.5/12 = 1,212.33
    #   allowable 454,536 + 29,088 + 1,212.33 = 484,836.33; gain 1,284,836.33 (unrecaptured 484,836.33, §1231 800,000)
    #   2025 (no sale, 650,000): 155,569.50
    #   2026: AGI 150,000 + 1,284,836.33 = 1,434,836.33; taxable 1,402,636.33
    #     lines 19-21: min(taxable, 403,550) = 403,550 at the brackets: 2,480 + 9,120 + 110,600 x 22% (24,332)
    #       + 192,150 x 24% (46,116) = 82,048.00 (line 44)
    #     lines 26-31: 613,700 - 403,550 = 210,150 at 15% = 31,522.50; lines 33-34: 589,850 at 20% = 117,970.00
    #     lines 36-40: 1,284,836.33 + 403,550 - 1,402,636.33 = 285,750 of the 484,836.33 already taxed at
    #       ordinary rates; 199,086.33 at 25% = 49,771.58
    #     line 45 = 281,312.08 < line 46 (441,139.94): regular tax 281,312.08
    #     NIIT min(1,284,836.33, 1,434,836.33 - 250,000) x 3.8% = 1,184,836.33 x 3.8% = 45,023.78; total 326,335.86
    #   total over the two years 155,569.50 + 326,335.86 = 481,905.36
    assert jan["years"][0]["total_tax"] == D("155569.50")
    assert jan["years"][1]["total_tax"] == D("326335.86") and jan["years"][1]["niit"] == D("45023.78")
    assert jan["totals"]["total_tax"] == D("481905.36")
    # January saves 500,244.16 - 481,905.36 = 18,338.80
    assert jan["totals"]["total_tax"] - dec["totals"]["total_tax"] == D("-18338.80")


def test_december_or_january_from_the_command_line(cli, duplex_by_year):
    code, out, err = cli("whatif", duplex_by_year, "--vary", "properties.duplex.disposition.date=2025-12-15,2026-01-15")
    assert code == 0, err
    assert "saves 18,338.80" in out and "Traceback" not in err
    assert all(len(line) <= 120 for line in out.splitlines())
    code, out, _ = cli("whatif", duplex_by_year, "--vary", "properties.duplex.disposition.date=2025-12-15,2026-01-15",
                       "--format", "json")
    table = json.loads(out)
    assert table["years"] == [2025, 2026]
    assert [s["difference_text"] for s in table["scenarios"]] == ["—", "saves 18,338.80"]
    assert "result" not in table["scenarios"][0] and "results" not in table["scenarios"][0]  # no trace unless --full


def test_without_taxpayer_by_year_the_block_is_reused_and_said(cli):
    rows = recapture.whatif(EXAMPLES / "duplex-held-16-years.yaml",
                            {"properties[0].disposition.date": ["2025-12-15", "2026-01-15"]})
    for r in _ok(rows):
        assert any("2026: no taxpayer_by_year entry, so the 2025 taxpayer block is reused" in n for n in r["notes"])
    # the reused couple earns 650,000 in 2026 too: 650,000 - 32,200 = 617,800 taxable, all at the brackets
    # 82,048 (to 403,550) + 108,900 x 32% (34,848) + 105,350 x 35% (36,872.50) = 153,768.50
    assert rows[0]["years"][1]["total_tax"] == D("153768.50")


def test_carryovers_pass_to_the_next_year_and_are_named(tmp_path):
    # forum-rental-sale with a 20,000 long-term capital loss carryover, the sale moved to January 2026.
    src = tmp_path / "forum.yaml"
    text = (EXAMPLES / "forum-rental-sale.yaml").read_text().replace(
        "  ordinary_income: 160000\n", "  ordinary_income: 160000\n  capital_loss_carryover: {short_term: 0, long_term: 20000}\n")
    src.write_text(text)
    rows = recapture.whatif(src, ["properties.rental-a.disposition.date=2026-01-15"])
    row = rows[0]
    assert row["error"] is None, row["error"]
    y2025 = row["results"][2025]
    # 2025, no sale: Schedule D line 15 = -20,000, line 21 = -3,000 (§1211(b)); Capital Loss Carryover
    # Worksheet: line 4 = 3,000 used; line 5 = 0 (no short-term loss); line 9 = 20,000; line 11 = 3,000 - 0;
    # line 13 = 20,000 - 3,000 = 17,000.00 long-term to 2026.
    assert y2025["capital"]["loss_carried_forward"] == D("17000.00")
    # Passive: rental-a +4,000 this year and 23,000 suspended; second-rental -14,000; the §469(i) allowance is
    # gone at 160,000 of MAGI (25,000 - 50% x 60,000 < 0), so only the 4,000 of passive income is offset:
    # 4,000 - 14,000 - 23,000 = 33,000 stays suspended (Form 8582), carried to 2026.
    carried = {a["id"]: a["carried_forward"] for a in y2025["passive"]["activities"]}
    assert sum(carried.values()) == D("33000.00")
    note = next(n for n in row["notes"] if n.startswith("2026: carried from 2025"))
    assert "Long-term capital loss carryover 17,000.00" in note
    assert "rental-a" in note and "second-rental" in note
    assert "Passive losses carried forward: second-rental 14,000.00, rental-a 19,000.00" in note
    y2026 = row["results"][2026]
    assert {a["id"]: a["carried_forward"] for a in y2026["passive"]["activities"]} == {"second-rental": 0, "rental-a": 0}
    # in 2026 the carryover is used against the gain on Schedule D (line 15 = §1231 gain - 17,000), and the gain,
    # passive income of rental-a (Treas. Reg. §1.469-2T(c)(2)), absorbs the 33,000 carried and second-rental's
    # 14,000 of 2026 loss (the fact file's figure, reused): 47,000 allowed, nothing left suspended.
    assert y2026["capital"]["net_long_term"] == y2026["section_1231"]["long_term_capital_gain"] - D("17000.00")
    assert y2026["passive"]["total_allowed"] == D("47000.00")


def test_the_section_1231_lookback_follows_the_sale_into_the_next_year():
    # llc-share-with-improvements: a 12,000 net §1231 loss of 2021 (taxpayer.section_1231_lookback_losses).
    rows = recapture.whatif(EXAMPLES / "llc-share-with-improvements.yaml",
                            ["properties.duplex.disposition.date=2024-10-05,2025-01-15",
                             "properties.appliances.disposition.date=2025-01-15"])
    as_given_2024, moved = rows
    # sold in 2024: the 2024 net §1231 gain is ordinary up to the 12,000 (§1231(c), Form 4797 line 8),
    # which is then recaptured: nothing is carried to 2025
    assert as_given_2024["results"][2024]["section_1231"]["lookback_ordinary"] == D("12000.00")
    assert not any("lookback" in n for n in as_given_2024["notes"])
    # sold in January 2025: 2024 has no §1231 gain, so the 2021 loss is carried, named, and recaptured in
    # 2025, still inside its five-year window (2020-2024)
    assert moved["results"][2024]["section_1231"]["lookback_ordinary"] == 0
    assert "2025: carried from 2024: Nonrecaptured net §1231 losses (lookback) 2021: 12,000.00" in moved["notes"]
    assert moved["results"][2025]["section_1231"]["lookback_ordinary"] == D("12000.00")


def test_usage_mistakes_are_one_line_and_exit_2(cli):
    code, _, err = cli("whatif", EXAMPLES / "quick-flip.yaml")
    assert code == 2 and "give --vary FIELD=V1,V2,... or --strategies" in err
    code, _, err = cli("whatif", EXAMPLES / "quick-flip.yaml", "--vary", "taxpayer.ordinary_income")
    assert code == 2 and "write FIELD=V1,V2,..." in err and "Traceback" not in err
    code, _, err = cli("whatif", EXAMPLES / "no-such-file.yaml", "--strategies")
    assert code == 2 and "no such file" in err and "Traceback" not in err


# -- strategies ------------------------------------------------------------------------
def test_strategies_on_the_exchange_with_boot_example(cli):
    code, out, err = cli("whatif", EXAMPLES / "exchange-with-boot.yaml", "--strategies", "--format", "json")
    assert code == 0, err
    table = json.loads(out)
    rows = table["scenarios"]
    assert [r["strategy"] for r in rows] == ["sale", "january_next_year", "like_kind_exchange", "installment_sale",
                                            "hold_until_death"]
    assert [r["name"] for r in rows] == [
        "office: sale on 2025-04-15 for 1,400,000.00",
        "office: sale on 2026-01-15 for 1,400,000.00, in tax year 2026",
        "office: like-kind exchange on 2025-04-15 for a replacement worth 1,400,000.00, no boot",
        "office: installment sale on 2025-04-15 for 1,400,000.00, 5 yearly payments",
        "office: held until death on 2025-04-15, worth 1,400,000.00 (step-up)"]
    assert all(r["error"] is None for r in rows)
    # the installment note's payments run to 2029, so every row covers 2025-2029; 2027-2029 have no tables
    # yet and are estimated with the 2026 law, and said so.
    assert table["years"] == [2025, 2026, 2027, 2028, 2029] and table["estimated_years"] == [2027, 2028, 2029]
    total = {r["strategy"]: D(str(r["totals"]["total_tax"])) for r in rows}
    year = {r["strategy"]: [D(str(y["total_tax"])) for y in r["years"]] for r in rows}
    # Every year without a disposition, the couple's 300,000 (the 2025 block, reused):
    #   2025 taxable 268,500: 35,302 + 61,800 x 24% = 50,134.00 (tests/golden/exchange-with-boot.yaml)
    #   2026 taxable 300,000 - 32,200 = 267,800: 2,480 + 9,120 + 24,332 + 56,400 x 24% (13,536) = 49,468.00
    #   2027-2029 estimated with the 2026 tables: 49,468.00 each
    # Sale as given (2025-04-15, 1,400,000): depreciation 229,169.42 (golden case), gain 729,169.42:
    #   unrecaptured §1250 229,169.42, §1231 500,000. AGI 1,029,169.42, taxable 997,669.42.
    #   Worksheet: line 21 = max(268,500, 394,600) = 394,600 -> 80,398.00 (line 44)
    #   line 30 = 600,050 - 394,600 = 205,450 at 15% = 30,817.50; line 33 = 294,550 at 20% = 58,910.00
    #   lines 36-39: 729,169.42 + 394,600 - 997,669.42 = 126,100 taxed at ordinary rates;
    #     229,169.42 - 126,100 = 103,069.42 at 25% = 25,767.36
    #   regular tax 195,892.86 (line 46 would be 293,200.19); NIIT 729,169.42 x 3.8% = 27,708.44
    #   2025 total 223,601.30; all years 223,601.30 + 4 x 49,468 = 421,473.30
    assert year["sale"] == [D("223601.30"), D("49468.00"), D("49468.00"), D("49468.00"), D("49468.00")]
    assert total["sale"] == D("421473.30")
    # January 2026: 2025 held (50,134.00). Depreciation: 2025 full (39-year A-7a yr 15, 2.564%) 16,666.00;
    #   2026 yr 16: 16,666 x 0.5/12 = 694.42 -> allowable 229,169.42 - 4,860.92 + 16,666 + 694.42 = 241,668.92
    #   gain 741,668.92 (unrecaptured 241,668.92, §1231 500,000). AGI 1,041,668.92, taxable 1,009,468.92.
    #   line 21 = 403,550 -> 82,048.00; line 30 = 613,700 - 403,550 = 210,150 at 15% = 31,522.50;
    #   line 33 = 289,850 at 20% = 57,970.00; lines 36-39: 741,668.92 + 403,550 - 1,009,468.92 = 135,750,
    #   241,668.92 - 135,750 = 105,918.92 at 25% = 26,479.73; regular tax 198,020.23
    #   NIIT 741,668.92 x 3.8% = 28,183.42; 2026 total 226,203.65
    #   all years 50,134 + 226,203.65 + 3 x 49,468 = 424,741.65: costs 3,268.35 more than the sale
    assert year["january_next_year"][:2] == [D("50134.00"), D("226203.65")]
    assert total["january_next_year"] == D("424741.65")
    # Like-kind exchange at the sale price, no boot (identified day 45, received day 180, both in time):
    #   recognized 0 (§1031(a)), deferred 729,169.42; each year the no-sale tax:
    #   50,134 + 49,468 x 4 = 248,006.00, saves 421,473.30 - 248,006.00 = 173,467.30
    assert total["like_kind_exchange"] == D("248006.00")
    assert D(str(rows[2]["totals"]["deferred_gain"])) == D("729169.42")
    assert rows[2]["difference_text"] == "saves 173,467.30"
    # Hold until death (value at death = the price): no gain (§1014, §1245(b)(2), §1250(d)(2)): the same
    #   248,006.00, and nothing deferred: the step-up wipes the gain out.
    assert total["hold_until_death"] == D("248006.00")
    assert D(str(rows[4]["totals"]["deferred_gain"])) == 0 and rows[4]["difference_text"] == "saves 173,467.30"
    # Installment sale, five equal payments of 280,000 from 2025: the gain is recognized year by year
    #   (gross profit ratio 729,169.42 / 1,400,000), unrecaptured §1250 gain first (Treas. Reg. §1.453-12);
    #   each year's gain is rounded to the cent as Form 6252 line 24 is, so five years add up to within
    #   a few cents of the gain (145,833.88 x 5 = 729,169.40).
    inst = rows[3]
    gains = [D(str(y["recognized_gain"])) for y in inst["years"]]
    assert all(g == D("145833.88") for g in gains)
    assert D(str(inst["totals"]["components"]["unrecaptured_section_1250"])) == D("229169.42")
    assert D(str(inst["totals"]["deferred_gain"])) == 0
    assert rows[1]["difference_text"] == "costs 3,268.35" and rows[0]["difference_text"] == "—"


def test_strategies_that_do_not_apply_are_error_rows(cli, tmp_path):
    # appliances (5-year personal property) cannot be exchanged after 2017; the duplex can
    code, out, err = cli("whatif", EXAMPLES / "llc-share-with-improvements.yaml", "--strategies",
                         "like_kind_exchange,hold_until_death", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["scenarios"]
    assert [(r["property"], r["strategy"]) for r in rows] == [
        ("duplex", "like_kind_exchange"), ("duplex", "hold_until_death"),
        ("appliances", "like_kind_exchange"), ("appliances", "hold_until_death")]
    assert rows[2]["error"].startswith("does not apply: personal property is not like-kind property after 2017")
    assert [r["error"] is None for r in rows] == [True, True, False, True]
    # a corporation does not die
    corp = tmp_path / "corp.yaml"
    corp.write_text((EXAMPLES / "exchange-with-boot.yaml").read_text().replace(
        "  entity: individual\n  filing_status: married_joint\n", "  entity: c_corporation\n"))
    code, out, err = cli("whatif", corp, "--strategies", "hold_until_death,sale", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["scenarios"]
    assert "a corporation does not die" in rows[0]["error"] and rows[1]["error"] is None
    # only strategies that do not apply: exit 2, a line for each
    code, out, err = cli("whatif", corp, "--strategies", "hold_until_death")
    assert code == 2 and "a corporation does not die" in err and "Traceback" not in err
    code, _, err = cli("whatif", corp, "--strategies", "sell_twice")
    assert code == 2 and "no strategy named sell_twice" in err


def test_an_analyst_adds_a_strategy_and_rules_check_reads_it(cli, tmp_path):
    law = tmp_path / "law"
    shutil.copytree(ROOT / "rules", law / "rules")
    shutil.copytree(ROOT / "tables", law / "tables")
    (law / "rules/strategies/sale_in_july.yaml").write_text(
        "strategy: sale_in_july\norder: 9\ntitle: Sale in July\n"
        "describe: \"sale on {disposition.date}\"\ncitation: IRC §1001\n"
        "changes:\n  - set: disposition.date\n    to: \"text(year(disposition.date)) + '-07-01'\"\n")
    code, out, err = cli("rules", "check", "--rules-dir", law)
    assert code == 0, err
    code, out, err = cli("whatif", EXAMPLES / "duplex-held-16-years.yaml", "--strategies", "sale_in_july",
                         "--rules-dir", law, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["scenarios"][0]["name"] == "duplex: sale on 2025-07-01"
    # a strategy is not a rule file: `rules list` does not show it, and a broken one is a rules fault
    code, out, _ = cli("rules", "list", "--rules-dir", law)
    assert "strategies" not in out
    (law / "rules/strategies/broken.yaml").write_text(
        "strategy: broken\ntitle: x\ndescribe: x\ncitation: IRC §1\nchanges:\n  - set: disposition.date\n"
        "    to: \"__import__('os')\"\n")
    code, _, err = cli("rules", "check", "--rules-dir", law)
    assert code == 3 and "rules/strategies/broken.yaml:7:" in err


# -- fields by name, combinations, errors ----------------------------------------------
def test_every_combination_of_two_vary_flags_in_order(cli):
    code, out, err = cli("whatif", EXAMPLES / "duplex-held-16-years.yaml",
                         "--vary", "properties.duplex.disposition.sale_price=1500000,1650000,1800000",
                         "--vary", "taxpayer.ordinary_income=100000,650000", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["scenarios"]
    assert [r["vary"] for r in rows] == [
        f"properties.duplex.disposition.sale_price={p}, taxpayer.ordinary_income={i}"
        for p in (1500000, 1650000, 1800000) for i in (100000, 650000)]
    # the last is the example as given (tests/golden/duplex-held-16-years.yaml)
    assert rows[-1]["totals"]["tax_due_to_dispositions"] == 324447.87
    # the same by index and by the API's mapping
    by_index = recapture.whatif(EXAMPLES / "duplex-held-16-years.yaml",
                                {"properties[0].disposition.sale_price": [1500000, 1650000, 1800000],
                                 "taxpayer.ordinary_income": [100000, 650000]}, keep_results=False)
    assert [float(r["totals"]["total_tax"]) for r in by_index] == [r["totals"]["total_tax"] for r in rows]


def test_fields_by_id_index_and_year(duplex_by_year):
    rows = recapture.whatif(duplex_by_year, ["properties.0.disposition.date=2026-01-15",
                                             "taxpayer_by_year.2026.ordinary_income=150000,300000"])
    assert [r["error"] for r in rows] == [None, None]
    assert rows[0]["results"][2026]["tax"]["total_tax"] == D("326335.86")  # as worked above
    assert rows[1]["results"][2026]["tax"]["total_tax"] > rows[0]["results"][2026]["tax"]["total_tax"]


@pytest.mark.parametrize("vary, reason", [
    ("taxpayer.ordinary_income=[", "'[' is not a value YAML can read"),
    ("properties[0].cost.x=1", "properties[0].cost has no field 'x'"),
    ("properties.dupex.cost=1", "properties has no item with id 'dupex'; its ids are duplex (did you mean duplex?)"),
    ("taxpayer.ordinary_incme=1", "taxpayer has no field 'ordinary_incme' (did you mean ordinary_income?)"),
    ("properties[4].cost=1", "properties has 1 item; there is no [4]"),
    ("taxpayer.ordinary_income=lots", "'lots' is not a number"),
    ("properties.duplex.disposition.date=2031-03-01", "no tables for tax year 2031; the years that exist are 2018–2026"),
])
def test_a_bad_scenario_is_an_error_row_and_the_others_run(cli, vary, reason):
    field, _, bad = vary.partition("=")
    good = "2025-05-20" if field.endswith("date") else ("1000000" if field.endswith("cost") else "650000")
    if field.endswith("cost.x") or "[4]" in field or "dupex" in field or "incme" in field:
        good_field = "properties[0].cost" if "cost" in field else "taxpayer.ordinary_income"
        args = ["--vary", vary, "--vary", f"{good_field}=1000000" if "cost" in good_field else f"{good_field}=650000"]
    else:
        args = ["--vary", f"{field}={bad},{good}"]
    code, out, err = cli("whatif", EXAMPLES / "duplex-held-16-years.yaml", *args, "--format", "json")
    assert "Traceback" not in err
    if len(args) == 2:  # one bad value and one good: the good one still runs
        assert code == 0, err
        rows = json.loads(out)["scenarios"]
        assert reason in rows[0]["error"] and rows[1]["error"] is None
    else:  # every combination has the bad field: nothing ran, exit 2, one line per scenario
        assert code == 2 and reason in err


def test_too_many_scenarios_are_refused_unless_asked(cli):
    values = ",".join(str(100000 + i) for i in range(101))
    code, _, err = cli("whatif", EXAMPLES / "duplex-held-16-years.yaml", "--vary", f"taxpayer.ordinary_income={values}",
                       "--vary", "properties.duplex.disposition.sale_price=1700000,1800000,1900000,2000000,2100000,"
                       "2200000,2300000,2400000,2500000,2600000")
    assert code == 2
    assert "1,010 scenarios is more than the limit of 1,000; give --max-scenarios 1010" in err
    code, out, err = cli("whatif", EXAMPLES / "duplex-held-16-years.yaml", "--vary", "taxpayer.ordinary_income=1,2,3",
                         "--max-scenarios", "2")
    assert code == 2 and "3 scenarios is more than the limit of 2" in err


def test_json_keeps_scenarios_small_unless_full(cli):
    args = ["whatif", EXAMPLES / "installment-sale.yaml", "--strategies", "--format", "json"]
    code, out, _ = cli(*args)
    assert code == 0
    # five strategies over 2025-2029: a few kilobytes each, no trace (1,000 of them stay a few MB)
    assert len(out) / 5 < 6000
    code, full, _ = cli(*args, "--full")
    scenario = json.loads(full)["scenarios"][0]
    assert set(scenario["results"]) == {"2025", "2026", "2027", "2028", "2029"}
    assert scenario["results"]["2025"]["trace"]


# -- the comparison's formats ---------------------------------------------------------------
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_compares_in_every_format(example):
    from recapture.api import library
    from recapture.compare import comparison, render
    rows = recapture.whatif(EXAMPLES / example, strategies="all", keep_results=False)
    table = comparison(rows, library(), example)
    text = render(table, "text")
    assert max(len(line) for line in text.splitlines()) <= 120
    disposed = [p for p in recapture.load(EXAMPLES / example)["properties"] if p["disposition"]["type"] != "none"]
    scenarios = json.loads(render(table, "json"))["scenarios"]
    assert len(scenarios) == 5 * len(disposed)
    assert any(s["error"] is None for s in scenarios)
    table_csv = list(csv.DictReader(io.StringIO(render(table, "csv"))))
    for row, s in zip(table_csv, scenarios, strict=True):
        assert row["scenario"] == s["name"]
        if s["error"] is None:
            assert D(row["total_tax"]) == D(str(s["totals"]["total_tax"]))
    md = render(table, "markdown")
    assert md.startswith("# What-if comparison") and md.count("\n| ") >= len(scenarios) + 1
    page = render(table, "html")
    assert page.startswith("<!doctype html>") and "<script" not in page and "https://" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_every_format_from_the_command_line(cli):
    # json, text and html from the command line are in the tests above and in tests/test_browser.py
    for fmt, start in (("csv", "scenario,strategy,property"), ("markdown", "# What-if comparison")):
        code, out, err = cli("whatif", EXAMPLES / "quick-flip.yaml", "--strategies", "sale,january_next_year",
                             "--format", fmt)
        assert code == 0 and out.startswith(start), (fmt, err)


def test_text_transposes_to_fit_120_columns(cli, duplex_by_year):
    code, out, _ = cli("whatif", duplex_by_year, "--strategies")
    lines = out.splitlines()
    assert max(map(len, lines)) <= 120
    # the figures down the side, the scenarios across, in blocks
    assert any(line.startswith("Total tax, all years") for line in lines)
    assert sum(1 for line in lines if line.startswith("Total tax 2025")) == 2  # 5 scenarios: two blocks
