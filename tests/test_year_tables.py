"""Checks on the year tables (tables/years/<year>/) and the bonus depreciation table.

Shape: every tax year 2018-2026 has every provision file, every file has the
keys docs/data-format.md requires, filing-status tables name all five
statuses, bracket lists ascend. Spot checks pin a few figures to the document
they come from.
"""

import datetime
import functools
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
YEARS_DIR = ROOT / "tables" / "years"
BONUS_FILE = ROOT / "tables" / "depreciation" / "bonus_depreciation_percentage.yaml"

YEARS = range(2018, 2027)
FILES = [
    "ordinary_brackets",
    "capital_gain_brackets",
    "maximum_rates",
    "standard_deduction",
    "capital_loss_limit",
    "niit",
    "passive_special_allowance",
    "corporate_rate",
    "section_1231_lookback",
    "section_291",
]
STATUSES = {
    "single",
    "married_joint",
    "married_separate",
    "head_of_household",
    "qualifying_surviving_spouse",
}
REQUIRED_KEYS = {"table", "tax_year", "title", "unit", "citation", "source", "values"}
UNITS = {"usd", "rate", "percent", "years", "count"}
BRACKET_FILES = ["ordinary_brackets", "capital_gain_brackets"]
# Files whose `values` are keyed by filing status (and so carry breakdown).
BY_STATUS = ["ordinary_brackets", "capital_gain_brackets", "standard_deduction", "capital_loss_limit"]
# Files with filing-status mappings one level down.
NESTED_BY_STATUS = {
    "niit": ["threshold"],
    "passive_special_allowance": ["maximum", "phaseout_start"],
}


def load(year, name):
    with open(YEARS_DIR / str(year) / f"{name}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def val(x):
    """A value, or the `value` of a {value:, source:} leaf."""
    return x["value"] if isinstance(x, dict) and "value" in x else x


ALL = [(y, n) for y in YEARS for n in FILES]


@pytest.mark.parametrize("year,name", ALL)
def test_file_exists(year, name):
    assert (YEARS_DIR / str(year) / f"{name}.yaml").is_file()


def test_no_unexpected_files_or_years():
    years = sorted(int(p.name) for p in YEARS_DIR.iterdir() if p.is_dir())
    assert years == list(YEARS)
    for y in YEARS:
        names = sorted(p.stem for p in (YEARS_DIR / str(y)).glob("*.yaml"))
        assert names == sorted(FILES), y


@pytest.mark.parametrize("year,name", ALL)
def test_required_keys(year, name):
    d = load(year, name)
    missing = REQUIRED_KEYS - d.keys()
    assert not missing, f"{year}/{name}: missing {missing}"
    assert d["table"] == name
    assert d["tax_year"] == year
    assert d["unit"] in UNITS
    for key in ("title", "citation", "source"):
        assert isinstance(d[key], str) and d[key].strip(), key
    assert isinstance(d["values"], dict) and d["values"]


@pytest.mark.parametrize("year,name", [(y, n) for y in YEARS for n in BY_STATUS])
def test_filing_status_breakdown(year, name):
    d = load(year, name)
    assert d.get("breakdown") == ["filing_status"]
    assert set(d["values"]) == STATUSES


@pytest.mark.parametrize("year,name", [(y, n) for y in YEARS for n in NESTED_BY_STATUS])
def test_nested_filing_status(year, name):
    d = load(year, name)
    for key in NESTED_BY_STATUS[name]:
        assert set(d["values"][key]) == STATUSES, key


@pytest.mark.parametrize("year,name", [(y, n) for y in YEARS for n in FILES if n not in BY_STATUS])
def test_breakdown_only_on_status_keyed_files(year, name):
    d = load(year, name)
    if "breakdown" in d:
        assert set(d["values"]) == STATUSES


@pytest.mark.parametrize("year,name", [(y, n) for y in YEARS for n in BRACKET_FILES])
def test_brackets_ascend(year, name):
    d = load(year, name)
    expected_len = 7 if name == "ordinary_brackets" else 3
    for status, brackets in d["values"].items():
        assert len(brackets) == expected_len, status
        assert brackets[0]["over"] == 0, status
        for b in brackets:
            assert set(b) == {"over", "rate"}, status
            assert isinstance(b["over"], int) and not isinstance(b["over"], bool), status
            assert 0 <= b["rate"] < 1, status
        overs = [b["over"] for b in brackets]
        rates = [b["rate"] for b in brackets]
        assert overs == sorted(set(overs)), f"{year} {name} {status}: over not strictly ascending"
        assert rates == sorted(set(rates)), f"{year} {name} {status}: rate not strictly ascending"


@pytest.mark.parametrize("year", YEARS)
def test_rates_are_the_statutory_ones(year):
    # IRC §1(j)(2) (seven rates, made permanent by P.L. 119-21 §70101); §1(h)(1).
    ordinary = load(year, "ordinary_brackets")["values"]
    capital = load(year, "capital_gain_brackets")["values"]
    for status in STATUSES:
        assert [b["rate"] for b in ordinary[status]] == [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37]
        assert [b["rate"] for b in capital[status]] == [0, 0.15, 0.20]


@pytest.mark.parametrize("year", YEARS)
def test_surviving_spouse_uses_joint_amounts(year):
    # §1(j)(2)(A), §1(j)(5)(B), §63(c)(2)(A), §1411(b)(1): the surviving spouse
    # shares the joint-return schedules and amounts.
    for name in ["ordinary_brackets", "capital_gain_brackets", "standard_deduction"]:
        v = load(year, name)["values"]
        assert v["qualifying_surviving_spouse"] == v["married_joint"], name
    niit = load(year, "niit")["values"]["threshold"]
    assert niit["qualifying_surviving_spouse"] == niit["married_joint"]


@pytest.mark.parametrize("year,name", ALL)
def test_money_is_whole_dollars(year, name):
    d = load(year, name)
    if d["unit"] != "usd":
        return

    def walk(x):
        if isinstance(x, dict) and "value" in x:
            walk(x["value"])
        elif isinstance(x, dict):
            for k, v in x.items():
                if k not in ("rate", "phaseout_rate"):
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        else:
            assert isinstance(x, int) and not isinstance(x, bool), f"{year}/{name}: {x!r}"

    walk(d["values"])


@pytest.mark.parametrize("year", YEARS)
def test_fixed_amounts(year):
    # Statutory amounts, the same every year.
    assert val(load(year, "maximum_rates")["values"]["unrecaptured_section_1250"]) == 0.25  # §1(h)(1)(E)
    assert val(load(year, "maximum_rates")["values"]["collectibles"]) == 0.28  # §1(h)(1)(F)
    loss = load(year, "capital_loss_limit")["values"]  # §1211(b)(1)
    assert loss == {s: (1500 if s == "married_separate" else 3000) for s in STATUSES}
    niit = load(year, "niit")["values"]  # §1411(a)(1), (b)
    assert niit["rate"] == 0.038
    assert niit["threshold"] == {
        "single": 200000,
        "married_joint": 250000,
        "married_separate": 125000,
        "head_of_household": 200000,
        "qualifying_surviving_spouse": 250000,
    }
    pas = load(year, "passive_special_allowance")["values"]  # §469(i)(2), (3), (5)
    assert pas["maximum"] == {s: (12500 if s == "married_separate" else 25000) for s in STATUSES}
    assert pas["phaseout_start"] == {s: (50000 if s == "married_separate" else 100000) for s in STATUSES}
    assert pas["phaseout_rate"] == 0.50
    assert pas["married_separate_lived_with_spouse_maximum"] == 0
    assert load(year, "corporate_rate")["values"]["rate"] == 0.21  # §11(b)
    assert load(year, "section_1231_lookback")["values"]["years"] == 5  # §1231(c)(2)


def bracket_start(year, status, rate):
    for b in load(year, "ordinary_brackets")["values"][status]:
        if b["rate"] == rate:
            return b["over"]
    raise KeyError(rate)


# --- Spot checks, each against the document that publishes the figure -------


def test_2025_mfj_12_percent_starts_above_23850():
    # Rev. Proc. 2024-40 §2.01, Table 1: "Not over $23,850 ... 10%".
    assert bracket_start(2025, "married_joint", 0.12) == 23850


def test_2025_hoh_35_percent_starts_above_250500():
    # Rev. Proc. 2024-40 §2.01, Table 2: heads of households 35% over $250,500
    # (not the single figure $250,525).
    assert bracket_start(2025, "head_of_household", 0.35) == 250500
    assert bracket_start(2025, "single", 0.35) == 250525


def test_2025_mfj_standard_deduction_31500():
    # P.L. 119-21 §70102 (IRC §63(c)(7)); Rev. Proc. 2025-32 §3.01, replacing the
    # $30,000 first printed in Rev. Proc. 2024-40 §2.15(1).
    v = load(2025, "standard_deduction")["values"]
    assert v["married_joint"] == 31500
    assert v["single"] == 15750
    assert v["head_of_household"] == 23625


def test_2018_single_standard_deduction_12000():
    # IRC §63(c)(7)(A)(i) as added by P.L. 115-97 §11021; Rev. Proc. 2018-18.
    assert load(2018, "standard_deduction")["values"]["single"] == 12000


def test_2020_mfj_zero_rate_capital_gain_top_80000():
    # Rev. Proc. 2019-44, Maximum Capital Gains Rate: joint return maximum zero
    # rate amount $80,000.
    v = load(2020, "capital_gain_brackets")["values"]["married_joint"]
    assert v[1] == {"over": 80000, "rate": 0.15}


def test_2026_single_standard_deduction_16100():
    # Rev. Proc. 2025-32 §4.14(1).
    assert load(2026, "standard_deduction")["values"]["single"] == 16100


def test_2026_mfs_37_percent_starts_above_384350():
    # Rev. Proc. 2025-32 §4.01, Table 4.
    assert bracket_start(2026, "married_separate", 0.37) == 384350


def test_2023_single_32_percent_starts_above_182100():
    # Rev. Proc. 2022-38 §3.01, Table 3 ($16,290 plus 24% of the excess over
    # $95,375 up to $182,100, then $37,104 plus 32%).
    assert bracket_start(2023, "single", 0.32) == 182100


def test_2021_mfs_37_percent_starts_above_314150():
    # Rev. Proc. 2020-45 §3.01, Table 4 (half of the joint $628,300).
    assert bracket_start(2021, "married_separate", 0.37) == 314150


def test_2024_mfs_15_percent_capital_gain_top_291850():
    # Rev. Proc. 2023-34 §3.03: married filing separately maximum 15% rate
    # amount $291,850 (not half of the joint $583,750).
    assert load(2024, "capital_gain_brackets")["values"]["married_separate"][2]["over"] == 291850


def test_printed_base_tax_amounts_reproduce():
    # The rate tables print "$X plus r% of the excess over T"; recomputing X from
    # the thresholds must give the printed figures. Rev. Proc. 2024-40 §2.01
    # Table 1 (joint, 2025) and Rev. Proc. 2025-32 §4.01 Table 2 (heads of
    # households, 2026).
    printed = {
        (2025, "married_joint"): [0, 2385, 11157, 35302, 80398, 114462, 202154.50],
        (2026, "head_of_household"): [0, 1770, 7740, 16155, 39207, 56631, 191171],
    }
    for (year, status), bases in printed.items():
        brackets = load(year, "ordinary_brackets")["values"][status]
        tax = 0
        for i, b in enumerate(brackets):
            if i:
                prev = brackets[i - 1]
                tax += round((b["over"] - prev["over"]) * prev["rate"] * 100)
            assert tax == round(bases[i] * 100), (year, status, i)


# --- Bonus depreciation (dated table) ----------------------------------------


@functools.lru_cache(maxsize=None)
def bonus():
    with open(BONUS_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _matches(p, date):
    return p["from"] <= date and (p["to"] is None or date <= p["to"])


def bonus_percent(placed_in_service, acquired):
    """The percentage for an asset, read as the table's header says: the
    acquisition date among `basis: acquired` periods first, else the
    placed-in-service date among `basis: placed_in_service` periods."""
    periods = bonus()["periods"]
    for basis, date in (("acquired", acquired), ("placed_in_service", placed_in_service)):
        hits = [p["value"] for p in periods if p["basis"] == basis and _matches(p, date)]
        assert len(hits) <= 1, (basis, date, hits)
        if hits:
            return hits[0]
    return None


def test_bonus_table_shape():
    d = bonus()
    assert d["table"] == "bonus_depreciation_percentage"
    assert d["unit"] == "percent"
    assert "168(k)" in d["citation"]
    for p in d["periods"]:
        assert {"from", "to", "value", "source", "basis"} <= p.keys(), p
        assert p["basis"] in ("acquired", "placed_in_service")
        assert isinstance(p["from"], datetime.date)
        assert p["to"] is None or (isinstance(p["to"], datetime.date) and p["from"] <= p["to"])
        assert isinstance(p["value"], int) and 0 <= p["value"] <= 100
        assert p["source"].strip()


D = datetime.date


@pytest.mark.parametrize(
    "placed,acquired,expected",
    [
        # IRC §168(k)(6)(A)(i)-(iv) (P.L. 115-97), acquired after 2017-09-27.
        (D(2017, 9, 28), D(2017, 9, 28), 100),
        (D(2022, 12, 31), D(2022, 6, 1), 100),
        (D(2023, 3, 1), D(2023, 1, 10), 80),
        (D(2024, 7, 1), D(2024, 2, 1), 60),
        (D(2025, 1, 10), D(2025, 1, 5), 40),
        # Acquired before 2025-01-20, placed in service later in 2025: still 40%.
        (D(2025, 6, 1), D(2024, 11, 1), 40),
        # P.L. 119-21 §70301: acquired after 2025-01-19, 100%.
        (D(2025, 1, 20), D(2025, 1, 20), 100),
        (D(2025, 8, 1), D(2025, 3, 1), 100),
        (D(2030, 1, 1), D(2029, 6, 1), 100),
        # §168(k)(6)(A)(v) as in effect before P.L. 119-21: 20% in 2026.
        (D(2026, 2, 1), D(2025, 1, 19), 20),
    ],
)
def test_bonus_percent(placed, acquired, expected):
    assert bonus_percent(placed, acquired) == expected


def test_bonus_periods_of_a_basis_never_overlap():
    for basis in ("acquired", "placed_in_service"):
        ps = sorted((p for p in bonus()["periods"] if p["basis"] == basis), key=lambda p: p["from"])
        for a, b in zip(ps, ps[1:]):
            assert a["to"] is not None and a["to"] < b["from"], (a, b)


def test_bonus_placed_in_service_periods_are_contiguous():
    # 2017-09-28 through 2026-12-31 with no gap (§168(k)(6)(A)(i)-(v)).
    ps = sorted((p for p in bonus()["periods"] if p["basis"] == "placed_in_service"), key=lambda p: p["from"])
    assert ps[0]["from"] == D(2017, 9, 28)
    for a, b in zip(ps, ps[1:]):
        assert b["from"] - a["to"] == datetime.timedelta(days=1), (a, b)
    assert ps[-1]["to"] == D(2026, 12, 31)
