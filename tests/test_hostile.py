"""Issue 8: nothing a user feeds recapture breaks it. One test per defect, each
with its reproducer in tests/fixtures/hostile/ (or made here when it is too
large to keep): a result, or one line per fault naming the file, the JSON path
and the reason; exit 2 for the input's faults, 3 for the engine's; never a
traceback."""
import json
import os
import stat
import time
from decimal import Decimal

import pytest

import recapture
from recapture import api, limits
from recapture.errors import RecaptureError
from conftest import EXAMPLES, ROOT, run_cli

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def fault_of(source, **kw):
    """The (path, reason) pairs of the RecaptureError evaluating `source` raises."""
    with pytest.raises(RecaptureError) as e:
        recapture.evaluate(source, **kw)
    assert e.value.code == 2, e.value.lines
    return e.value.faults


def assert_one_line_faults(code, err, name):
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines, err
    for line in lines:
        assert line.startswith(f"{name}: "), line
        assert len(line) < len(str(name)) + 360, line


# -- 1. crashes on input ---------------------------------------------------------
@pytest.mark.parametrize("fixture, path", [
    ("huge-money.yaml", "properties[0].cost"),                # was decimal.InvalidOperation
    ("huge-money.json", "taxpayer.ordinary_income"),          # 1e400
    ("money-above-the-limit.yaml", "properties[0].disposition.sale_price"),
])
def test_money_beyond_the_largest_amount_is_a_fault_with_its_path(fixture, path):
    (where, reason), = fault_of(HOSTILE / fixture)
    assert where == path and "beyond the largest amount" in reason


def test_money_just_below_the_largest_amount_is_computed_exactly():
    # 999,999,999,999,999.99 - 900,000,000,000,000.01 = 99,999,999,999,999.98 of section 1231 gain
    r = recapture.evaluate(HOSTILE / "money-just-below-the-limit.yaml")
    p = r["properties"][0]
    assert p["amount_realized"] == Decimal("999999999999999.99")
    assert p["realized_gain"] == Decimal("99999999999999.98")


def test_money_just_below_the_largest_amount_is_written_exactly(cli):
    code, out, err = cli("evaluate", HOSTILE / "money-just-below-the-limit.yaml")
    assert code == 0, err
    assert '"amount_realized": 999999999999999.99' in out


@pytest.mark.parametrize("fixture", ["deep-900.json", "deep-900.yaml"])
def test_nesting_900_levels_is_a_fault_not_a_recursion_error(cli, fixture):
    code, out, err = cli("evaluate", HOSTILE / fixture)
    assert code == 2 and out == ""
    assert_one_line_faults(code, err, HOSTILE / fixture)
    assert "nested more than 32 levels deep (limit depth)" in err


def test_deeper_than_the_interpreter_allows_is_a_fault_too(tmp_path):
    deep = tmp_path / "deeper.json"
    deep.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (where, reason), = fault_of(deep)
    assert "nested" in reason


def test_a_lone_surrogate_is_refused_at_input_with_its_path(cli):
    code, out, err = cli("evaluate", HOSTILE / "lone-surrogate.json")
    assert code == 2 and "Traceback" not in err
    assert "lone-surrogate.json: case_id: not valid Unicode (a lone surrogate)" in err


def test_a_bad_byte_in_a_jsonl_spoils_only_its_line(cli, tmp_path):
    out, errors = tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    code, _, err = cli("batch", HOSTILE / "bad-byte.jsonl", "--output", out, "--errors", errors)
    assert code == 0, err
    lines = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and "tax" in lines[0] and "tax" in lines[2]
    assert lines[1]["error"]["reason"] == "line 1, column 38: not UTF-8 text (byte 0xe9: invalid continuation byte)"


def test_a_full_disk_in_batch_is_a_one_line_fault(cli):
    code, _, err = cli("batch", EXAMPLES / "quick-flip.yaml", "--output", "/dev/full")
    assert code == 2 and "Traceback" not in err
    assert "/dev/full: cannot write: No space left on device" in err


def test_a_full_standard_output_in_evaluate_is_a_one_line_fault():
    import subprocess
    import sys
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "recapture.cli", "evaluate", str(EXAMPLES / "quick-flip.yaml")],
                           stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "Exception ignored" not in p.stderr
    assert p.stderr.strip() == "<stdout>: No space left on device"


def test_standard_streams_survive_what_they_cannot_encode(tmp_path):
    import subprocess
    import sys
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsencode(str(folder)) + b"/caf\xe9.yaml"  # a file name that is not UTF-8
    with open(name, "wb") as fh:
        fh.write((EXAMPLES / "quick-flip.yaml").read_bytes().replace(b"case_id: quick-flip\n", b""))
    out = tmp_path / "r.jsonl"
    p = subprocess.run([sys.executable, "-m", "recapture.cli", "batch", str(folder), "--output", str(out)],
                       capture_output=True, cwd=ROOT, timeout=120, env=dict(os.environ, PYTHONIOENCODING="ascii"))
    assert p.returncode == 0, p.stderr
    line = json.loads(out.read_bytes())
    assert line["input"].endswith("caf\\xe9.yaml") and line["case_id"] == "caf\\xe9"


# -- 2. the fault boundary ----------------------------------------------------------
def test_an_engine_fault_is_exit_3_naming_the_input_and_saying_it_is_a_bug(monkeypatch):
    import recapture.tax as tax

    def broken(facts, library):
        return {}["a bug"]
    monkeypatch.setattr(tax, "evaluate_return", broken)
    with pytest.raises(RecaptureError) as e:
        recapture.evaluate(EXAMPLES / "quick-flip.yaml")
    assert e.value.code == 3
    (line,) = e.value.lines
    assert line.startswith(f"{EXAMPLES / 'quick-flip.yaml'}: internal error at ")
    assert "KeyError" in line and "a bug in recapture, not in the input" in line


def test_in_batch_an_engine_fault_is_an_error_line_and_the_batch_goes_on(tmp_path):
    import subprocess
    import sys
    out = tmp_path / "r.jsonl"
    inputs = [str(EXAMPLES / n) for n in ("quick-flip.yaml", "equipment-sale.yaml", "small-rental-2020.yaml")]
    env = dict(os.environ, RECAPTURE_TEST_WORKER_HOOK=f"raise:{inputs[1]}")
    p = subprocess.run([sys.executable, "-m", "recapture.cli", "batch", *inputs, "--output", str(out), "--strict"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert [("tax" in l) for l in lines] == [True, False, True]
    assert "internal error" in lines[1]["error"]["reason"] and "a bug in recapture" in lines[1]["error"]["reason"]
    assert p.returncode == 3 and "1 of them faults of the rules or the engine" in p.stderr


def test_api_inputs_that_are_not_files_are_faults_too():
    d = {}
    d["self"] = d
    (where, reason), = fault_of(d)
    assert "contains itself" in reason
    (where, reason), = fault_of(b'{"schema_version": 1, "case_id": "caf\xe9"}')
    assert "not UTF-8" in reason and "line 1, column 38" in reason
    (where, reason), = fault_of("schema_version: 1\nx: &a [*a]\n")
    assert "alias inside its own anchor" in reason


# -- 4. absurd results: faults (exit 2, path, citation) or warnings ----------------
@pytest.mark.parametrize("fixture, path, words", [
    ("claimed-over-cost.yaml", "properties[0].depreciation_claimed", "IRC §167(c)(1)"),
    ("section-179-and-bonus-each-the-cost.yaml", "properties[0].bonus_depreciation", "§168(k)(1)"),
    ("section-1017-on-zero-cost.yaml", "properties[0].debt_discharge_basis_reduction", "§1017"),
    ("improvement-after-sale.yaml", "properties[0].improvements[0].placed_in_service", "§1016(a)(1)"),
    ("gift-with-price.yaml", "properties[0].disposition.sale_price", "IRC §1015"),
    ("death-with-price.yaml", "properties[0].disposition.sale_price", "IRC §1014"),
    ("installment-payments-over-price.yaml", "properties[0].disposition.installment.payments", "Form 6252"),
    ("exchange-received-before-transfer.yaml", "properties[0].disposition.exchange.received_date",
     "Rev. Proc. 2000-37"),
])
def test_impossible_facts_are_faults_with_path_and_citation(fixture, path, words):
    (where, reason), = fault_of(HOSTILE / fixture)
    assert where == path and words in reason


def test_an_exchange_identified_before_the_transfer_is_a_warning():
    # Treas. Reg. §1.1031(k)-1(c)(2): replacement property named in the written
    # exchange agreement before the end of the identification period counts as
    # identified, so the exchange stands; the reader is told what it rests on.
    r = recapture.evaluate(HOSTILE / "exchange-identified-in-2000.yaml")
    assert any("identified on 2000-01-01, before the transfer" in w and "1.1031(k)-1(c)(2)" in w
               for w in r["warnings"])


def test_basis_reduced_below_zero_by_computed_depreciation_is_a_fault():
    # cost 100,000 (land 0), section 1017 reduction 95,000: the allowable
    # depreciation of 2022-2025 on top of it would leave the basis below zero
    facts = {"schema_version": 1, "tax_year": 2025,
             "taxpayer": {"entity": "individual", "filing_status": "single"},
             "properties": [{"id": "m", "asset_class": "personal_7yr", "acquired": "2022-03-01", "cost": 100000,
                             "debt_discharge_basis_reduction": 95000,
                             "disposition": {"type": "sale", "date": "2025-02-15", "sale_price": 75000}}]}
    (where, reason), = fault_of(facts)
    assert where == "properties[0]" and "never reduced below zero" in reason


def test_an_improvement_named_like_a_part_of_every_property_is_a_fault():
    from recapture.yamlio import load_document
    data, _ = load_document(EXAMPLES / "llc-share-with-improvements.yaml")
    data["properties"][0]["improvements"][0]["id"] = "land"
    (where, reason), = fault_of(data)
    assert where == "properties[0].improvements[0].id" and "names a part of every property" in reason


# -- 5. resource exhaustion -------------------------------------------------------
def test_billion_laughs_in_a_fact_file_is_refused_at_once():
    t = time.perf_counter()
    (where, reason), = fault_of(HOSTILE / "billion-laughs.yaml")
    assert "YAML aliases repeat more than 1000 nodes (limit yaml_aliases" in reason
    assert time.perf_counter() - t < 5  # was 53 s and 5.9 GB


def test_billion_laughs_in_a_rule_file_fails_rules_check_with_file_and_line(cli, tmp_path):
    import shutil
    law = tmp_path / "law"
    shutil.copytree(ROOT / "rules", law / "rules")
    shutil.copytree(ROOT / "tables", law / "tables")
    (law / "rules" / "tax" / "laughs.yaml").write_text((HOSTILE / "billion-laughs.yaml").read_text())
    code, out, err = cli("rules", "check", "--rules-dir", law)
    assert code == 3 and "Traceback" not in err
    assert "rules/tax/laughs.yaml:5: YAML aliases repeat more than 1000 nodes" in err


def test_a_huge_string_is_not_echoed_whole(tmp_path):
    big = tmp_path / "big-string.yaml"
    big.write_text((EXAMPLES / "quick-flip.yaml").read_text().replace("case_id: quick-flip", "case_id: " + "x" * 9_000_000))
    (where, reason), = fault_of(big)
    assert where == "case_id" and len(reason) < 300 and "limit string_chars" in reason


def test_a_file_beyond_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(limits.current().file_bytes + 1)
    t = time.perf_counter()
    (where, reason), = fault_of(big)
    assert "more than the limit of 10,000,000 (limit file_bytes)" in reason
    assert time.perf_counter() - t < 1


def test_too_many_properties_are_refused_before_the_schema_looks(tmp_path):
    from recapture.yamlio import load_document
    data, _ = load_document(EXAMPLES / "equipment-sale.yaml")
    prop = data["properties"][0]
    data["properties"] = [dict(prop, id=f"m{i}") for i in range(2001)]
    t = time.perf_counter()
    (where, reason), = fault_of(data)
    assert where == "properties" and "more than the limit of 2,000 (limit properties)" in reason
    assert time.perf_counter() - t < 2  # 490,000 properties ran for minutes


def test_limits_are_settable_and_a_bad_setting_is_a_clear_fault(cli):
    code, _, err = cli("evaluate", EXAMPLES / "quick-flip.yaml", "--limit", "depth=2")
    lines = (EXAMPLES / "quick-flip.yaml").read_text(encoding="utf-8").splitlines()
    first_property = lines.index("  - id: flip") + 1  # the line the fault names
    assert code == 2 and (f"quick-flip.yaml: properties[0]: line {first_property}: nested more than 2 levels deep "
                          "(limit depth)") in err
    code, _, err = cli("evaluate", EXAMPLES / "quick-flip.yaml", "--limit", "wheels=4")
    assert code == 2 and "a limit is NAME=NUMBER" in err and "Traceback" not in err
    small = limits.current().with_(properties=0)
    (where, reason), = fault_of(EXAMPLES / "quick-flip.yaml", limits=small)
    assert "limit properties" in reason


def test_nesting_may_not_be_allowed_deeper_than_max_depth(cli):
    # beyond limits.MAX_DEPTH parsers crash and the compiled walks have no recursion check
    code, out, err = cli("evaluate", EXAMPLES / "quick-flip.yaml", "--limit", f"depth={limits.MAX_DEPTH + 1}")
    assert code == 2 and out == "" and f"at most {limits.MAX_DEPTH} levels" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = cli("evaluate", EXAMPLES / "quick-flip.yaml", "--limit", f"depth={limits.MAX_DEPTH}")
    assert code == 0 and '"tax"' in out
    with pytest.raises(limits.LimitError, match="at most"):
        limits.current().with_(depth=10 ** 6)


def test_a_bad_limits_variable_is_a_clear_fault(tmp_path):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "recapture.cli", "evaluate", str(EXAMPLES / "quick-flip.yaml")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=dict(os.environ, RECAPTURE_LIMITS="depth=deep"))
    assert p.returncode == 2 and "RECAPTURE_LIMITS" in p.stderr and "Traceback" not in p.stderr


# -- YAML: libyaml when present, the same data and lines as the pure parser ---------
def test_libyaml_and_the_pure_parser_give_the_same_data_and_lines(monkeypatch):
    from recapture import yamlio
    files = sorted((ROOT / "rules").rglob("*.yaml")) + sorted((ROOT / "tables").rglob("*.yaml"))[:40] \
        + sorted(EXAMPLES.glob("*.yaml"))
    fast = [yamlio.parse_yaml(f.read_text(encoding="utf-8"), f.name) for f in files]
    monkeypatch.setattr(yamlio, "PARSER", yamlio._PureParser)
    pure = [yamlio.parse_yaml(f.read_text(encoding="utf-8"), f.name) for f in files]
    assert fast == pure


def test_a_key_given_twice_is_a_fault_naming_both_lines():
    text = (EXAMPLES / "quick-flip.yaml").read_text().replace("    cost: 310000\n", "    cost: 310000\n    cost: 31000\n")
    first = text.splitlines().index("    cost: 310000") + 1
    (where, reason), = fault_of(text)
    assert where == "properties[0].cost" and f"line {first + 1}: key given twice (first at line {first})" in reason


def test_yaml_tags_never_run_code():
    (where, reason), = fault_of("schema_version: !!python/object/apply:os.system [echo hi]\n")
    assert "could not determine a constructor" in reason


# -- 6. batch inputs ------------------------------------------------------------------
def _batch(cli, tmp_path, *inputs, **kw):
    out = tmp_path / "r.jsonl"
    code, _, err = cli("batch", *inputs, "--output", out, *sum(([f"--{k}", str(v)] for k, v in kw.items()), []))
    assert code == 0 and "Traceback" not in err, err
    return [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]


def test_fifos_devices_dangling_and_outside_links_are_error_lines_never_read(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text((EXAMPLES / "quick-flip.yaml").read_text())
    os.mkfifo(folder / "b-fifo.yaml")                       # a glob matching a FIFO hung
    (folder / "c-dangling.yaml").symlink_to(folder / "nowhere.yaml")
    secret = tmp_path / "secret.yaml"                      # as root, /etc/shadow was read
    secret.write_text((EXAMPLES / "quick-flip.yaml").read_text())
    (folder / "d-outside.yaml").symlink_to(secret)
    (folder / "e-inside.yaml").symlink_to(folder / "a.yaml")
    (folder / "f-folder.yaml").mkdir()
    for inputs in ([folder], [str(folder / "*.yaml")]):
        lines = _batch(cli, tmp_path, *inputs, "/dev/null")
        reasons = {l["input"].rsplit("/", 1)[-1]: l.get("error", {}).get("reason") for l in lines}
        assert reasons == {
            "a.yaml": None,
            "b-fifo.yaml": "is a FIFO (named pipe), not a regular file (not read)",
            "c-dangling.yaml": "a dangling symbolic link (its target does not exist; not followed)",
            "d-outside.yaml": "a symbolic link that leads out of the input folder (not followed)",
            "e-inside.yaml": None,
            "f-folder.yaml": "is a folder, not a regular file (not read)",
            "null": "is a character device, not a regular file (not read)",
        }, inputs


def test_a_glob_that_matches_nothing_is_one_error_line(cli, tmp_path):
    lines = _batch(cli, tmp_path, str(tmp_path / "none-*.yaml"), EXAMPLES / "quick-flip.yaml")
    assert lines[0]["error"]["reason"] == "no file matches" and "tax" in lines[1]


def test_a_jsonl_line_beyond_the_size_limit_is_skipped_unheld(cli, tmp_path):
    src = tmp_path / "in.jsonl"
    good = json.dumps({"schema_version": 1, "tax_year": 2025, "properties": [],
                       "taxpayer": {"entity": "individual", "filing_status": "single"}})
    src.write_text(good + "\n" + '{"case_id": "' + "x" * 5000 + '"}\n' + good + "\n")
    lines = _batch(cli, tmp_path, src, limit="file_bytes=1000")
    assert [l.get("error", {}).get("reason") for l in lines] == [
        None, "a line of more than 1,000 bytes (limit file_bytes)", None]


# -- evaluate - ---------------------------------------------------------------------------
def test_evaluate_reads_standard_input_named_stdin(cli):
    text = (EXAMPLES / "quick-flip.yaml").read_text()
    code, out, err = cli("evaluate", "-", input=text)
    _, from_file, _ = cli("evaluate", EXAMPLES / "quick-flip.yaml")
    assert code == 0 and json.loads(out) == json.loads(from_file)
    code, out, err = cli("evaluate", "-", input=text.replace("entity: individual", "entity: person"))
    assert code == 2 and err.startswith("<stdin>: taxpayer.entity: 'person' is not one of")
    code, out, err = cli("explain", "-", input=text)
    assert code == 0 and "quick-flip" in out


# -- the same faults on every YAML path: libyaml's composer + checks, libyaml events, pure ------
LAUGHS = (HOSTILE / "billion-laughs.yaml").read_text()


@pytest.fixture(params=["libyaml", "libyaml events", "pure"])
def yaml_path(request, monkeypatch):
    from recapture import yamlio
    if request.param != "libyaml":
        monkeypatch.setattr(yamlio, "_FAST", None)
    if request.param == "pure":
        monkeypatch.setattr(yamlio, "PARSER", yamlio._PureParser)
    return yamlio


@pytest.mark.parametrize("text, fragment", [
    (LAUGHS, "line 5: YAML aliases repeat more than 1000 nodes (limit yaml_aliases"),
    ("a: &x [1, *x]\n", "alias inside its own anchor"),
    ("a: 1\nb: 2\na: 3\n", "a: line 3: key given twice (first at line 1)"),
    ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 40)) + "  " * 40 + "- x\n", "nested more than 32 levels"),
    ("a: [" * 40 + "]" * 40, "nested more than 32 levels deep (limit depth)"),
    ("a: *nowhere\n", "undefined alias"),
    ("a: 1\n---\nb: 2\n", "found another document"),
    ("x: !!python/name:os.system\n", "could not determine a constructor"),
    ("x: 1" + "0" * 5000 + "\n", "a number of 5001 digits"),
])
def test_hostile_yaml_is_refused_the_same_way_on_every_path(yaml_path, text, fragment):
    from recapture.yamlio import InputError
    with pytest.raises(InputError) as e:
        yaml_path.parse_yaml(text, "f.yaml")
    assert fragment in str(e.value)


def test_aliases_within_the_limit_are_read_on_every_path(yaml_path):
    data, lines = yaml_path.parse_yaml("base: &b {x: 1, y: 2}\ncopy: *b\nmerged: {<<: *b, z: 3}\n", "f.yaml")
    assert data == {"base": {"x": 1, "y": 2}, "copy": {"x": 1, "y": 2}, "merged": {"x": 1, "y": 2, "z": 3}}
    assert lines[("merged", "z")] == 3
