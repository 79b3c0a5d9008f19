"""The Python API (`import recapture`), the one door below the command line: a
path, a YAML or JSON text, or a dict gives the very bytes `recapture evaluate`
prints, whatever Python types the dict holds (datetime.date or text dates; int,
float, str or Decimal money, a float taken through its shortest repr); a
mistake raises RecaptureError with the (JSON path, reason) pairs the command
prints."""
import contextlib
import copy
import datetime as dt
import io
import json
import shutil
from decimal import Decimal

import pytest
import yaml

import recapture
from conftest import EXAMPLES, ROOT
from recapture import cli
from recapture.facts import MONEY_KEYS

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
IDS = [p.stem for p in EXAMPLE_FILES]
# money fields whose keys are not fixed names: a year's lookback loss, an allocation's parts
MONEY_MAPS = {"section_1231_lookback_losses", "allocation"}


def _main(*args):
    """What the `recapture` command prints (its console script is cli.main): (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def _cli_json(path):
    code, out, err = _main("evaluate", path)
    assert code == 0, err
    return out


def _money_as(node, convert, key=None):
    """A copy of a fact dict with every money figure turned by `convert`."""
    if isinstance(node, dict):
        return {k: (convert(v) if (k in MONEY_KEYS or key in MONEY_MAPS) and isinstance(v, (int, Decimal))
                    and not isinstance(v, bool) else _money_as(v, convert, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_money_as(v, convert) for v in node]
    return node


def _dates_as_text(node):
    if isinstance(node, dict):
        return {k: _dates_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_as_text(v) for v in node]
    return node.isoformat() if isinstance(node, dt.date) else node


@pytest.fixture(scope="module")
def cli_output():
    return {p.stem: _cli_json(p) for p in EXAMPLE_FILES}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=IDS)
def test_every_input_form_gives_the_clis_bytes(path, cli_output):
    want = cli_output[path.stem]
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)  # unquoted dates come back as datetime.date
    assert any(isinstance(v, dt.date) for v in _walk(data)), "the examples' dates are YAML dates"
    forms = {
        "Path": path,
        "str path": str(path),
        "YAML text": text,
        "YAML bytes": text.encode("utf-8"),
        "JSON text": json.dumps(data, default=str),
        "dict, datetime.date dates": data,
        "dict, text dates": _dates_as_text(data),
        "dict, str money": _money_as(data, lambda v: f"{v:.2f}"),
        "dict, float money": _money_as(data, float),
        "dict, Decimal money": _money_as(data, Decimal),
        "dict, int money": _money_as(data, int),
    }
    for form, value in forms.items():
        got = recapture.evaluate(value).to_json() + "\n"
        assert got == want, f"{form} differs from `recapture evaluate {path.name}`"


def _walk(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)
    else:
        yield node


def test_a_float_goes_through_its_shortest_repr():
    """0.1 as a float is 0.1000000000000000055511151231257827...; money takes the
    shortest text that reads back as the same float, so 40500.1 is 40500.10 exactly."""
    data = yaml.safe_load((EXAMPLES / "forum-rental-sale.yaml").read_text())
    as_float = copy.deepcopy(data)
    as_float["properties"][0]["disposition"]["selling_expenses"] = 40500.1
    as_text = copy.deepcopy(data)
    as_text["properties"][0]["disposition"]["selling_expenses"] = "40500.10"
    a, b = recapture.evaluate(as_float), recapture.evaluate(as_text)
    assert a.to_json() == b.to_json()
    # 675,000 - 40,500.10 = 634,499.90
    assert a["properties"][0]["amount_realized"] == Decimal("634499.90")
    assert recapture.load(as_float)["properties"][0]["disposition"]["selling_expenses"] == Decimal("40500.1")


def test_a_float_with_fractions_of_a_cent_is_refused_not_rounded():
    data = yaml.safe_load((EXAMPLES / "quick-flip.yaml").read_text())
    data["properties"][0]["cost"] = 0.1 + 0.2 + 310000  # 310000.3 in decimal, but not as a float sum
    data["properties"][0]["disposition"]["selling_expenses"] = 0.1 + 0.2  # 0.30000000000000004
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(data)
    assert e.value.code == 2
    assert ("properties[0].disposition.selling_expenses", "0.30000000000000004 has fractions of a cent") in e.value.faults


BAD = {
    "schema_version": 1, "case_id": "bad", "tax_year": 2025,
    "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": "lots"},
    "properties": [{"id": "h", "asset_class": "residential_rental", "acquired": dt.date(2020, 1, 1), "cost": 100000,
                    "disposition": {"type": "sale", "date": "2025-13-01", "sale_price": 120000, "colour": "red"}}],
}


def test_an_invalid_dict_raises_recapture_error_with_the_json_paths(tmp_path):
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(BAD)
    err = e.value
    assert err.code == 2 and err.name == "bad"
    paths = [p for p, _ in err.faults]
    assert paths == ["properties[0].disposition", "properties[0].disposition.date", "taxpayer.ordinary_income"]
    assert all(line.startswith("bad: ") for line in err.lines)
    # the same pairs the command prints for the same facts in a file, one line each on stderr
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(BAD, sort_keys=False))
    code, out, stderr = _main("evaluate", f)
    assert code == 2 and out == ""
    assert stderr.splitlines() == [f"{f}: {p}: {r}" for p, r in err.faults]
    with pytest.raises(recapture.RecaptureError) as by_path:
        recapture.evaluate(f)
    assert by_path.value.faults == err.faults and by_path.value.lines == stderr.splitlines()


@pytest.mark.parametrize("value, reason", [
    (42, "cannot read facts from a int"),
    ("no-such-file.yaml", "no such file"),
    ("schema_version: [1", "not valid YAML"),
    ('{"schema_version": 1,', "not valid JSON"),
    ("- a list\n- not a mapping\n", "a fact file is a mapping"),
])
def test_other_mistakes_are_recapture_errors(value, reason):
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(value)
    assert e.value.code == 2 and reason in str(e.value)


def test_an_unreadable_rules_folder_is_exit_3(tmp_path):
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(EXAMPLES / "quick-flip.yaml", rules_dir=tmp_path)
    assert e.value.code == 3


def test_rules_dir_reaches_an_analysts_fork(tmp_path):
    fork = tmp_path / "fork"
    for top in ("rules", "tables"):
        shutil.copytree(ROOT / top, fork / top)
    path = EXAMPLES / "duplex-held-16-years.yaml"
    assert recapture.evaluate(path, rules_dir=fork).to_json() == recapture.evaluate(path).to_json()
    niit = fork / "tables" / "years" / "2025" / "niit.yaml"
    niit.write_text(niit.read_text().replace("rate: 0.038", "rate: 0.05"))
    recapture.api._libraries.pop(str(fork), None)  # a library is built once per folder per process
    shipped, forked = recapture.evaluate(path), recapture.evaluate(path, rules_dir=fork)
    assert forked["tax"]["niit"] != shipped["tax"]["niit"]


def test_tax_year_replaces_the_files():
    path = EXAMPLES / "small-rental-2020.yaml"
    assert recapture.evaluate(path, tax_year=2020).to_json() == recapture.evaluate(path).to_json()
    with pytest.raises(recapture.RecaptureError) as e:
        recapture.evaluate(path, tax_year=2021)  # the sale (2020-01-20) is then before the tax year
    assert e.value.faults[0][0] == "properties[0].disposition.date"


def test_the_result_is_a_dict_of_exact_figures_with_its_reports():
    path = EXAMPLES / "duplex-held-16-years.yaml"
    r = recapture.evaluate(path)
    assert isinstance(r, dict) and isinstance(r, recapture.Result)
    assert isinstance(r["tax"]["tax_due_to_dispositions"], Decimal)
    assert json.loads(r.to_json(), parse_float=Decimal) == json.loads(_cli_json(path), parse_float=Decimal)
    assert r.explain() == _main("explain", path)[1]
    assert r.explain("markdown") == _main("explain", path, "--format", "markdown")[1]
    assert r.summary() + "\n" == _main("evaluate", path, "--format", "text")[1]


def test_repr_html_is_a_readable_table():
    r = recapture.evaluate(EXAMPLES / "installment-sale.yaml")
    h = r._repr_html_()
    assert h.startswith("<table") and h.endswith("</table>")
    # the law's names and money as money, never field names or bare numbers
    assert "Tax due to the dispositions" in h and "22,309.68" in h
    assert "Gain recognized this year" in h and "95,798.67" in h
    assert "Gain deferred to later payment years" in h and "383,194.68" in h
    assert "tax_due_to_dispositions" not in h and "recognized_gain" not in h
    odd = recapture.Result(dict(r, case_id="<b>&co</b>"))
    assert "&lt;b&gt;&amp;co&lt;/b&gt;" in odd._repr_html_()


def test_load_gives_the_normalised_facts():
    facts = recapture.load(EXAMPLES / "quick-flip.yaml")
    p = facts["properties"][0]
    assert p["cost"] == Decimal("310000") and p["placed_in_service"] == "2024-08-01"
    assert p["disposition"]["related_party"] is False  # a default filled


def test_batch_keeps_going_past_a_bad_input_in_input_order(cli_output):
    out = list(recapture.batch([str(EXAMPLES), BAD, EXAMPLES / "quick-flip.yaml"]))
    names = [n for n, _ in out]
    assert names == [str(p) for p in EXAMPLE_FILES] + ["bad", str(EXAMPLES / "quick-flip.yaml")]
    for (name, r), path in zip(out, EXAMPLE_FILES):
        assert isinstance(r, recapture.Result) and r.to_json() + "\n" == cli_output[path.stem]
    assert isinstance(out[-2][1], recapture.RecaptureError) and out[-2][1].code == 2
    assert out[-1][1].to_json() + "\n" == cli_output["quick-flip"]


def test_whatif_evaluates_every_combination():
    path = EXAMPLES / "duplex-held-16-years.yaml"
    rows = recapture.whatif(path, {"properties[0].disposition.sale_price": [1700000, 1800000]})
    assert [s["vary"] for s in rows] == ["properties[0].disposition.sale_price=1700000",
                                         "properties[0].disposition.sale_price=1800000"]
    assert rows[1]["result"]["tax"] == recapture.evaluate(path)["tax"]
    lower, higher = (s["result"]["tax"]["tax_due_to_dispositions"] for s in rows)
    assert lower < higher
    # the same from a dict and from YAML text
    data = yaml.safe_load(path.read_text())
    for value in (data, path.read_text()):
        again = recapture.whatif(value, ["properties[0].disposition.sale_price=1700000,1800000"])
        assert [s["result"]["tax"] for s in again] == [s["result"]["tax"] for s in rows]


def test_the_api_functions_survive_importing_their_namesake_modules():
    import importlib
    for name in ("evaluate", "batch", "whatif"):
        module = importlib.import_module(f"recapture.{name}")
        assert callable(getattr(recapture, name)) and not isinstance(getattr(recapture, name), type(module))
