"""`rules check` catches what a tax analyst can get wrong in a rule or table file
(issue 11 item 1, issue 8 item 7), each as `file:line: reason`, exit 3.

Most bad edits are made together in one copy of the law (each in its own place),
checked once, and each fault looked for with its file and line; the line is
found from the edited text itself, so the test does not depend on line numbers
that other edits of the law move. The edits that must also stop `evaluate`
(crashes of the rule engine, broken tables) are run one by one."""
import re
import shutil
from decimal import Decimal

import pytest

from conftest import EXAMPLES, ROOT
from recapture import api
from recapture import messages as templates
from recapture.errors import RecaptureError
from recapture.library import Library

# (name, file, old text, new text, file:line marker (text on the fault's line, in the edited file), fragment)
BAD_EDITS = [
    # -- types and ranges declared per table (shape:) ------------------------------------------
    ("rate written as a percent", "tables/years/2025/niit.yaml", "  rate: 0.038", "  rate: 3.8%",
     "rate: 3.8%", "'3.8%' is not a rate (a decimal fraction from 0 to 1); write 3.8% as 0.038"),
    # 0.38 is a number in [0, 1]: what makes it wrong is the shape's `fixed: IRC §1411(a)(1)`,
    # which says the rate is the same every year unless the citation names a new law
    ("a fixed rate changed in one year", "tables/years/2024/niit.yaml", "  rate: 0.038", "  rate: 0.38",
     "rate: 0.38", "niit.rate: 0.38 in 2024, but 0.038 in 2023; the amount is fixed by IRC §1411(a)(1)"),
    ("negative money", "tables/years/2023/standard_deduction.yaml", "  single: 13850", "  single: -13850",
     "single: -13850", "single: -13850 is out of range: an amount in dollars"),
    ("brackets not ascending", "tables/years/2022/ordinary_brackets.yaml",
     "    - {over: 41775, rate: 0.22}", "    - {over: 4177, rate: 0.22}",
     "{over: 0, rate: 0.10}", "bracket [2] starts over 4177, not above the bracket before it (10275): brackets ascend"),
    ("a filing status missing", "tables/years/2021/capital_loss_limit.yaml", "  married_separate: 1500\n", "",
     "  single: 3000", "values: no value for married_separate (the shape declares every filing_status: <filing_status>)"),
    ("a rate above 1", "tables/years/2020/corporate_rate.yaml", "  rate: 0.21", "  rate: 21",
     "rate: 21", "rate: 21 is out of range: a rate (a decimal fraction from 0 to 1), from 0 to 1; write 21% as 0.21"),
    ("an indexed amount going down", "tables/years/2024/ordinary_brackets.yaml",
     "    - {over: 23200, rate: 0.12}", "    - {over: 2320, rate: 0.12}",
     "over: 2320,", "ordinary_brackets.married_joint[1].over: 2320 in 2024 is below 22000 in 2023"),
    ("a misspelt value key", "tables/years/2020/passive_special_allowance.yaml", "  phaseout_rate: 0.50",
     "  phase_out_rate: 0.50", "phase_out_rate", "phase_out_rate: not declared in the table's shape"),
    ("a percentage column not summing to 100", "tables/depreciation/percentage/sl_10_half_year.yaml",
     "  2: [10.00]", "  2: [11.00]", "  1: [", "column all sums to 101.00, not 100"),
    ("a percentage cell above 100", "tables/depreciation/percentage/db200_5_half_year.yaml",
     "  1: [20.00]", "  1: [200.00]", "1: [200.00]", "rows[1][0]: 200.00 is greater than the maximum of 100"),
    ("a placeholder source", "tables/years/2019/corporate_rate.yaml", "source: IRC §11(b)", "source: TBD #",
     "source: TBD", "source: 'TBD' is a placeholder"),
    ("a year folder lacking a provision", "tables/years/2019/section_291.yaml", None, None,
     None, "tables/years/2019/section_291.yaml: missing: tax year 2019 has no section_291 table, which 2018-2026 have"),
    ("a table in force in no year", "tables/depreciation/mid_quarter_test.yaml", "unit: rate",
     "unit: rate\nin_force: {from: 2000, to: 2005}", "in_force:", "table mid_quarter_test: in force in no tax year"),
    # -- rules ---------------------------------------------------------------------------------
    ("a split flow mapping (unknown key)", "rules/tax/schedule_d.yaml",
     "{value: schedule_d_line_7 + schedule_d_line_15, line: Schedule D line 16}",
     "{value: schedule_d_line_7 + schedule_d_line_15, line: Schedule D line 16, to Form 1040 line 7}",
     "schedule_d_line_16:", "unknown key 'to Form 1040 line 7'; a set entry takes value, line; a comma inside an "
                            "unquoted value in { } starts a new key"),
    ("an unknown key in with:", "rules/tax/total.yaml", "      set:\n        total_tax: regular_tax + niit",
     "      set:\n        total_tax: regular_tax + niit\n      sett: {x: '1'}", "sett:",
     "unknown key 'sett'; action compute takes set, warn, emit"),
    ("a formula naming a value nothing provides", "rules/tax/income.yaml",
     '"max(standard_deduction, taxpayer.itemized_deductions)"', '"max(standard_deduction, taxpayer.itemised_deductions)"',
     "itemised_deductions", "the formula reads 'taxpayer.itemised_deductions': no rule, table or fact provides "
                            "'itemised_deductions' on a taxpayer"),
    ("a formula naming a table key that does not exist", "rules/tax/niit.yaml", "table.niit.rate *",
     "table.niit.rates *", "table.niit.rates", "table niit has no 'rates' in tax years 2018-2026"),
    ("two rules setting the same figure with no order", "rules/tax/total.yaml",
     "  - id: tax.due_to_dispositions.none\n",
     "  - id: tax.total_again\n    citation: Form 1040 line 24\n    priority: 760\n    when: {fact: return}\n"
     "    action: compute\n    with:\n      set:\n        total_tax: regular_tax + niit\n\n"
     "  - id: tax.due_to_dispositions.none\n", "id: tax.total_again",
     "rule tax.total_again and rule tax.total (rules/tax/total.yaml:3) both set total_tax on the same return facts"),
    ("a placeholder citation", "rules/section_1231/netting.yaml", "citation: IRC §1231(c); Form 4797 lines 8-9",
     "citation: TODO", "citation: TODO", "rule section_1231.lookback: 'TODO' is a placeholder"),
    ("a rule in force in no year", "rules/tax/niit.yaml", "  - id: tax.niit.corporations\n",
     "  - id: tax.niit.corporations\n    in_force: {from: 2030}\n", "in_force: {from: 2030}",
     "tax.niit.corporations: in force 2030-, a span with no tax year's tables (the years are 2018-2026)"),
    ("a message printing a value nothing provides", "rules/dispositions/like_kind_exchange.yaml",
     "45-day deadline {identification_deadline}", "45-day deadline {identification_deadlin}",
     ("{identification_deadlin}", -1),
     "the message prints {identification_deadlin}, which no rule, table or fact provides on a unit"),
    # -- issue 8 item 7 ------------------------------------------------------------------------
    ("a condition that is an operator", "rules/tax/income.yaml",
     "  - id: income.capital_loss_carryover\n    title: The capital loss carried to next year is the net loss less the "
     "part of the deduction taxable income absorbed\n    citation: IRC §1212(b)(1), (b)(2)(A); Schedule D instructions, "
     "Capital Loss Carryover Worksheet lines 1-4\n    priority: 702\n    when:\n      fact: return\n      all:\n"
     "        - {entity: individual}\n",
     "  - id: income.capital_loss_carryover\n    title: The capital loss carried to next year is the net loss less the "
     "part of the deduction taxable income absorbed\n    citation: IRC §1212(b)(1), (b)(2)(A); Schedule D instructions, "
     "Capital Loss Carryover Worksheet lines 1-4\n    priority: 702\n    when:\n      fact: return\n      all:\n"
     "        - {entity: individual}\n        - {$lt: 5}\n", "{$lt: 5}",
     "condition on '$lt': a field name is lower-case letters, digits and _"),
    ("an attribute in a warning template", "rules/dispositions/installment_sale.yaml",
     "{id}: the payments add up to", "{id.__class__.__mro__}: the payments add up to", ("{id.__class__.__mro__}", -1),
     "placeholder {id.__class__.__mro__}: only a value's name may be printed"),
    ("a format spec in a warning template", "rules/dispositions/like_kind_exchange.yaml",
     "{id}: {deferred_gain} of gain is deferred", "{id:>1000000000}: {deferred_gain} of gain is deferred", ("{id:>1000000000}", -1),
     "placeholder {id:>1000000000}: the only format allowed is the money format {id:,.2f}"),
]

# a rule that can never match: replace the condition of schedule_d.capital_loss_limit
NEVER = ("rules/tax/schedule_d.yaml", "  - id: schedule_d.capital_loss_limit", "        - {entity: individual}",
         "        - {entity: individul}")


def _apply(root, file, old, new):
    p = root / file
    if old is None:
        p.unlink()
        return
    text = p.read_text(encoding="utf-8")
    assert old in text, f"{file}: the text to edit is gone: {old[:60]!r}"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(root, file, marker):
    """The line of the first line of `file` holding the marker text (marker: text, or (text, offset))."""
    text, offset = marker if isinstance(marker, tuple) else (marker, 0)
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, l in enumerate(lines) if text in l) + offset


def copy_law(dst):
    shutil.copytree(ROOT / "rules", dst / "rules")
    shutil.copytree(ROOT / "tables", dst / "tables")
    return dst


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One copy of the law with every bad edit of BAD_EDITS, and the faults `rules check` finds."""
    root = copy_law(tmp_path_factory.mktemp("broken"))
    for _, file, old, new, _, _ in BAD_EDITS:
        _apply(root, file, old, new)
    # a rule that can never match: the condition of schedule_d.capital_loss_limit misspelt
    p = root / NEVER[0]
    head, _, tail = p.read_text(encoding="utf-8").partition(NEVER[1])
    assert NEVER[2] in tail
    p.write_text(head + NEVER[1] + tail.replace(NEVER[2], NEVER[3], 1), encoding="utf-8")
    # a condition comparing a text field with a number
    _apply(root, "rules/dispositions/home_sale_121.yaml", "        - {disposition_type: home_sale_121}\n",
           "        - {disposition_type: home_sale_121}\n        - {disposition_type: {lt: 5}}\n")
    return root, Library(root).check()


@pytest.mark.parametrize("edit", BAD_EDITS, ids=lambda e: e[0])
def test_each_bad_edit_is_reported_with_file_and_line(broken, edit):
    root, faults = broken
    name, file, old, new, marker, fragment = edit
    if marker is None:            # a missing file: named without a line
        assert any(f.startswith(fragment) for f in faults), "\n".join(faults)
        return
    where = f"{file}:{_line(root, file, marker)}:"
    hits = [f for f in faults if f.startswith(where) and fragment in f]
    assert hits, f"no fault starting {where} with {fragment!r}; faults:\n" + "\n".join(faults)


def test_a_rule_that_can_never_match_is_reported(broken):
    root, faults = broken
    line = _line(root, NEVER[0], "id: schedule_d.capital_loss_limit")
    assert any(f.startswith(f"{NEVER[0]}:") and "rule schedule_d.capital_loss_limit can never match: entity is never "
               "'individul'" in f for f in faults), "\n".join(faults)
    # the fault points at the rule's `when`, a few lines below its id
    hit = next(f for f in faults if "schedule_d.capital_loss_limit can never match" in f)
    assert line <= int(hit.split(":")[1]) <= line + 6


def test_a_condition_of_the_wrong_type_is_reported(broken):
    root, faults = broken
    line = _line(root, "rules/dispositions/home_sale_121.yaml", "{disposition_type: {lt: 5}}")
    assert any(f.startswith(f"rules/dispositions/home_sale_121.yaml:{line}:") and "condition on disposition_type: lt on "
               "a field that is one of" in f for f in faults), "\n".join(faults)


def test_every_fault_names_a_file_and_line(broken):
    _, faults = broken
    for f in faults:
        assert re.match(r"^(rules|tables)/[^:]+(:\d+)?: ", f), f


def test_the_shipped_rules_are_clean():
    assert Library().check() == []


def test_rules_check_cli_exit_3_and_ok(cli, broken):
    root, _ = broken
    code, out, err = cli("rules", "check", "--rules-dir", root)
    assert code == 3 and "Traceback" not in err
    assert len(err.strip().splitlines()) >= 20
    code, out, err = cli("rules", "check")
    assert code == 0 and out.startswith("ok: "), err


# -- edits that must stop `evaluate` too (load-time checks) -------------------------------
DUPLEX = EXAMPLES / "duplex-held-16-years.yaml"


def _evaluate_fault(root, path=DUPLEX):
    try:
        api.evaluate(path, rules_dir=root)
    except RecaptureError as e:
        return e
    raise AssertionError("evaluated a broken law")


def test_condition_that_is_an_operator_stops_check_and_evaluate(tmp_path):
    # issue 8: `all: [{$lt: 5}]` passed rules check and failed inside durable-rules
    root = copy_law(tmp_path)
    _apply(root, "rules/tax/total.yaml", "        - {disposes: true}", "        - {disposes: true}\n        - {$lt: 5}")
    line = _line(root, "rules/tax/total.yaml", "{$lt: 5}")
    faults = Library(root).check()
    assert any(f.startswith(f"rules/tax/total.yaml:{line}: condition on '$lt'") for f in faults), faults
    e = _evaluate_fault(root)
    assert e.code == 3 and any(f"rules/tax/total.yaml:{line}:" in line_ for line_ in e.lines), e.lines


def test_a_50000_term_formula_is_a_fault_not_a_recursion_error(tmp_path):
    root = copy_law(tmp_path)
    big = " + ".join(["regular_tax"] * 50_000)
    _apply(root, "rules/tax/total.yaml", "total_tax: regular_tax + niit", f'total_tax: "{big}"')
    faults = Library(root).check()
    assert any(f.startswith(f"rules/tax/total.yaml:11: formula of {len(big):,} characters; at most 2,000") for f in faults), \
        [f[:120] for f in faults]
    assert _evaluate_fault(root).code == 3


def test_a_formula_nested_too_deep_is_a_fault(tmp_path):
    root = copy_law(tmp_path)
    _apply(root, "rules/tax/total.yaml", "total_tax: regular_tax + niit", f'total_tax: "{"-" * 100}niit"')
    faults = Library(root).check()
    assert any(f.startswith("rules/tax/total.yaml:11: formula") and "nested more than 40 deep" in f for f in faults), faults


def test_a_percentage_table_with_a_row_deleted_stops_evaluate(tmp_path):
    # issue 8: evaluate exited 0 with 14,562.72 of depreciation instead of 32,724.54
    root = copy_law(tmp_path)
    file = "tables/depreciation/percentage/gds_27_5_sl_mid_month.yaml"
    text = (root / file).read_text()
    row5 = next(l for l in text.splitlines() if l.startswith("  5: ["))
    _apply(root, file, row5 + "\n", "")
    line = _line(root, file, "  6: [")
    faults = Library(root).check()
    assert f"{file}:{line}: rows.6: recovery year 5 missing: the rows run 1, 2, 3, ... without a gap" in faults, faults
    e = _evaluate_fault(root)
    assert e.code == 3 and any(f"{file}:{line}: rows.6: recovery year 5 missing" in l for l in e.lines), e.lines


def test_a_percentage_table_missing_its_last_row_fails_the_column_sums(tmp_path):
    root = copy_law(tmp_path)
    file = "tables/depreciation/percentage/gds_27_5_sl_mid_month.yaml"
    text = (root / file).read_text()
    row29 = next(l for l in text.splitlines() if l.startswith("  29: ["))
    _apply(root, file, row29 + "\n", "")
    faults = Library(root).check()
    assert any(f.startswith(f"{file}:") and "column 7 sums to 99.848, not 100" in f for f in faults), faults


def test_a_percentage_table_missing_a_month_column_stops_evaluate(tmp_path):
    # issue 8: exit 3 with `ValueError: '12' is not in list` and no file:line
    root = copy_law(tmp_path)
    file = "tables/depreciation/percentage/gds_27_5_sl_mid_month.yaml"
    p = root / file
    text = p.read_text().replace("columns: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", "columns: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]")
    text = re.sub(r"(\n  \d+: \[[^\]\n]*), [\d.]+\]", r"\1]", text)
    p.write_text(text)
    line = _line(root, file, "columns:")
    faults = Library(root).check()
    assert any(f.startswith(f"{file}:{line}: columns: 11 columns, but the mid_month convention has 12 periods a year")
               for f in faults), faults
    e = _evaluate_fault(root)
    assert e.code == 3 and any("11 columns, but the mid_month convention has 12 periods" in l for l in e.lines), e.lines
    assert not any("not in list" in l for l in e.lines)


def test_a_missing_tables_years_folder_is_a_clear_fault(tmp_path, cli):
    root = copy_law(tmp_path)
    shutil.rmtree(root / "tables" / "years")
    faults = Library(root).check()
    assert "tables/years: no tax year folders (each tax year's tables go in tables/years/<year>/)" in faults
    code, _, err = cli("evaluate", DUPLEX, "--rules-dir", root)
    assert code == 3 and "tables/years: no tax year folders" in err and "Traceback" not in err
    code, _, err = cli("rules", "check", "--rules-dir", root)
    assert code == 3 and "tables/years: no tax year folders" in err and "Traceback" not in err


# -- warning templates at run time ----------------------------------------------------------
def test_templates_print_named_values_only():
    values = {"deferred_gain": Decimal("12345.678"), "basis": Decimal("100")}
    # a value prints by its unit in tables/presentation/labels.yaml: deferred_gain is money
    # (thousands separators; a figure the law has not rounded keeps every digit)
    assert templates.render("{id}: {deferred_gain} deferred", values, "property:a") == "property:a: 12,345.678 deferred"
    assert templates.render("{deferred_gain:,.2f}", values, "x") == "12,345.68"
    # not allowed: left as written, never passed to str.format
    assert templates.render("{id.__class__.__mro__}", values, "x") == "{id.__class__.__mro__}"
    assert templates.render("{id:>1000000000}", values, "x") == "{id:>1000000000}"
    assert templates.render("{id!r} {0} {basis[0]}", values, "x") == "{id!r} {0} {basis[0]}"
    assert templates.render("{missing} of {basis}", values, "x") == "{missing} of 100"
    assert len(templates.render("{basis}", {"basis": "x" * 10_000}, "x")) <= templates.MAX_VALUE_TEXT
    for bad in ("{id.__class__}", "{id:>9}", "{id!s}", "{}", "{0}", "{a[1]}", "{unclosed"):
        with pytest.raises(templates.TemplateError):
            templates.parse(bad)


def test_a_shipped_warning_prints_as_before():
    # tests/golden/exchange-with-boot.yaml: the deferral warning names the property and figures
    result = api.evaluate(EXAMPLES / "exchange-with-boot.yaml")
    assert any(w.startswith("property:") and " of gain is deferred into the replacement property, whose basis is "
               in w for w in result["warnings"]), result["warnings"]


# -- rules check never fails itself -------------------------------------------------------
_ODD = [None, 0, -1, "x", "", True, [], {}, [1, 2], {"a": 1}, "{id.x}", "$lt", "3.8%", 10 ** 30, "2018-01-01",
        {"lt": [1]}, {"in": {"a": 1}}, {"$lt": 5}, "a + ", "(" * 50]


def _mutate(rng, node):
    import copy
    paths = []

    def walk(n, p):
        paths.append(p)
        if isinstance(n, dict):
            for k, v in n.items():
                walk(v, p + [k])
        elif isinstance(n, list):
            for i, v in enumerate(n):
                walk(v, p + [i])
    walk(node, [])
    p = rng.choice(paths[1:])
    parent = node
    for k in p[:-1]:
        parent = parent[k]
    r = rng.random()
    if r < 0.5:
        parent[p[-1]] = copy.deepcopy(rng.choice(_ODD))
    elif r < 0.7 and isinstance(parent, dict):
        del parent[p[-1]]
    elif isinstance(parent, dict):
        parent[str(rng.choice(_ODD))[:10] or "k"] = copy.deepcopy(rng.choice(_ODD))
    else:
        parent.append(copy.deepcopy(rng.choice(_ODD)))


def test_rules_check_reports_mutated_files_and_never_raises(tmp_path):
    """Seeded mutations of rule and table files (wrong types, deleted keys, odd keys): `rules check`
    returns faults, each with its file, and never a traceback (a longer run of 1,400 found none)."""
    import random
    import yaml as pyyaml
    rng = random.Random(20261201)
    root = copy_law(tmp_path)
    files = sorted(root.rglob("*.yaml"))
    for _ in range(30):
        f = rng.choice(files)
        original = f.read_text(encoding="utf-8")
        data = pyyaml.safe_load(original)
        for _ in range(rng.randint(1, 3)):
            _mutate(rng, data)
        f.write_text(pyyaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        faults = Library(root).check()
        assert all(isinstance(x, str) and re.match(r"^(rules|tables)/", x) for x in faults), faults
        f.write_text(original, encoding="utf-8")
