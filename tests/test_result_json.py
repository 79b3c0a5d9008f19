"""The result writer: orjson when installed, a pure-Python writer otherwise, with
the same bytes either way, and money written as JSON numbers (whole values
without decimals, others as their shortest exact text)."""
import json
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from conftest import EXAMPLES
from recapture import api, result
from recapture.result import decimal_text, dumps_pure, to_json, to_json_line

SAMPLES = {
    "case_id": "tést \"quoted\" \\ \n\t\x01 \u2028 😀", "empty": {}, "none": [], "nested": [{}, [], [[]], {"a": []}],
    "flags": [True, False, None], "ints": [0, -1, 2 ** 62, 7], "tuple": (1, "x"),
    3: "int key", "money": [Decimal("0"), Decimal("-0.00"), Decimal("1234.50"), Decimal("0.10"), Decimal("-12.34"),
                           Decimal("100"), Decimal("1E+3"), Decimal("0.001"), Decimal("123456789012.34"),
                           Decimal("0.3333333333333333333333333333333333333333"), Decimal("2.5E-7")],
}


def _json_module(obj, **kw):
    """What the engine wrote before its own writer: json.dumps of `_plain(obj)`."""
    return json.dumps(result._plain(obj), ensure_ascii=False, **kw)


@pytest.mark.parametrize("indent,separators", [(2, None), (None, None), (None, (",", ":"))])
def test_the_pure_writer_gives_the_json_modules_bytes(indent, separators):
    obj = {k: v for k, v in SAMPLES.items() if k != "money"}
    assert dumps_pure(obj, indent=indent, separators=separators) == _json_module(obj, indent=indent,
                                                                                separators=separators)


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_both_writers_give_the_same_bytes_for_every_example(name, monkeypatch):
    r = dict(api.evaluate(EXAMPLES / f"{name}.yaml"))
    fast_pretty, fast_line = to_json(r), to_json_line(r)
    monkeypatch.setattr(result, "_orjson", None)
    assert to_json(r) == fast_pretty == dumps_pure(r, indent=2)
    assert to_json_line(r) == fast_line == dumps_pure(r, separators=(",", ":"))
    assert json.loads(fast_line) == json.loads(fast_pretty)


def test_what_orjson_refuses_is_written_by_the_pure_writer():
    obj = {"big": 2 ** 80, 5: "int key", "m": Decimal("1.5")}
    assert to_json_line(obj) == dumps_pure(obj, separators=(",", ":")) == '{"big":1208925819614629174706176,"5":"int key","m":1.5}'


def test_an_object_json_cannot_write_is_a_type_error():
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        to_json({"x": {1}})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        dumps_pure({"x": {1}})


@pytest.mark.parametrize("text,expected", [
    ("0", "0"), ("-0.00", "0"), ("1234.50", "1234.5"), ("0.10", "0.1"), ("-12.34", "-12.34"), ("100", "100"),
    ("1E+3", "1000"), ("100.00", "100"), ("-0.5", "-0.5"), ("0.001", "0.001"), ("999999999999999", "999999999999999"),
    ("123456789012.34", "123456789012.34"),
])
def test_money_is_written_as_its_shortest_text(text, expected):
    assert decimal_text(Decimal(text)) == expected
    assert json.loads(expected) == float(Decimal(text))


@pytest.mark.parametrize("text", ["0", "-0", "0.00", "-0.00", "0E+3", "-0E+3", "0E-10", "-0E-30", "0.0000"])
def test_every_zero_is_written_0_by_every_writer(text):
    # the orjson path writes a zero without looking at its text (result._fragment)
    z = Decimal(text)
    assert decimal_text(z) == "0"
    assert to_json_line({"z": z}) == dumps_pure({"z": z}, separators=(",", ":")) == '{"z":0}'


def test_money_is_exact_at_any_size():
    assert to_json_line({"m": Decimal("1234567890123456.78")}) == '{"m":1234567890123456.78}'
    assert to_json_line({"m": Decimal("1234567890123456")}) == '{"m":1234567890123456}'
    assert to_json_line({"m": Decimal("-98765432109876543210.01")}) == '{"m":-98765432109876543210.01}'
    third = Decimal(1) / Decimal(3) * Decimal("1e0")
    assert json.loads(to_json_line({"m": third}), parse_float=Decimal)["m"] == third
    assert decimal_text(Decimal("2.5E-7")) == "2.5e-07"  # the float's own text, already exact
    assert decimal_text(Decimal("1.000000000000000000001")) == "1.000000000000000000001"


def test_normal_money_is_written_as_before():
    # below 10**15 and up to 15 significant digits: the text a float gave before
    money = {"money": SAMPLES["money"][:-2] + [Decimal("999999999999999"), Decimal("0.0001"), Decimal("0.00001")]}
    assert dumps_pure(money, indent=2) == _json_module(money, indent=2) == to_json(money)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_every_decimal_reads_back_exactly(d):
    for text in (decimal_text(d), to_json_line([d])[1:-1], dumps_pure([d])[1:-1]):
        assert Decimal(text) == d
        assert json.loads(text, parse_float=Decimal) == d
