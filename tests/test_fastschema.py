"""The fast schema path: jsonschema-rs may only ever say "valid" where the
jsonschema package finds no fault; every fault is still worded by jsonschema,
the same with or without jsonschema-rs."""
import copy
import random
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from recapture import fastschema
from recapture.facts import _validator, parse_facts, schema, schema_errors
from recapture.yamlio import parse_json

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from factgen import fact_set, jsonl_line  # noqa: E402

pytestmark = pytest.mark.skipif(not fastschema.available(), reason="jsonschema-rs not installed")

BAD_VALUES = ["", "x", "0000-01-01", "2023-02-29", "2024-13-01", "2024-01-01\n", -1, 0, 2, 1.5, Decimal("2.0"),
              Decimal("0.5"), Decimal("-3.25"), Decimal("1E+2"), True, None, [], {}, "12.345", "-5", "1e3",
              "a" * 300, "rental one", "gds", "none", "sale", 2 ** 70, float("nan")]


def _mutate(r: random.Random, node, depth=0):
    """A copy of the fact set with one value changed, removed or added somewhere."""
    if isinstance(node, dict) and node and (depth == 0 or r.random() < 0.75):
        key = r.choice(sorted(node, key=str))
        roll = r.random()
        out = dict(node)
        if roll < 0.15:
            del out[key]
        elif roll < 0.22:
            out[r.choice(["extra", "Type", "id", "date"])] = r.choice(BAD_VALUES)
        elif roll < 0.55 or not isinstance(node[key], (dict, list)):
            out[key] = r.choice(BAD_VALUES)
        else:
            out[key] = _mutate(r, node[key], depth + 1)
        return out
    if isinstance(node, list) and node:
        i = r.randrange(len(node))
        out = list(node)
        out[i] = _mutate(r, node[i], depth + 1) if isinstance(node[i], (dict, list)) else r.choice(BAD_VALUES)
        return out
    return r.choice(BAD_VALUES)


def _data(facts):
    data, _ = parse_json(jsonl_line(facts), "x")
    return data


def test_fast_valid_only_where_jsonschema_finds_no_fault():
    r = random.Random(7)
    full = _validator()
    fast = agree_invalid = 0
    for i in range(1500):
        data = _data(fact_set(i))
        if i % 3:
            for _ in range(r.randint(1, 3)):
                data = _mutate(r, data)
        verdict = fastschema.is_valid(schema(), copy.deepcopy(data))
        errors = list(full.iter_errors(data))
        if verdict:
            fast += 1
            assert not errors, (i, [e.message for e in errors])
        elif errors:
            agree_invalid += 1
    assert fast > 400 and agree_invalid > 500  # both paths really exercised


@pytest.mark.parametrize("change,where", [
    (lambda d: d.__setitem__("tax_year", Decimal("2025.0")), "tax_year"),
    (lambda d: d["properties"][0].__setitem__("acquired", "0000-01-01"), "properties[0].acquired"),
    (lambda d: d["properties"][0].__setitem__("cost", -5), "properties[0].cost"),
    (lambda d: d["taxpayer"].__setitem__("entity", "trust"), "taxpayer.entity"),
])
def test_faults_are_worded_the_same_with_or_without_the_fast_path(change, where, monkeypatch):
    data = _data(fact_set(3))
    change(data)
    with_fast = [(e.path, e.reason) for e in schema_errors(copy.deepcopy(data), "f.json")]
    monkeypatch.setattr(fastschema, "_rs", None)
    without = [(e.path, e.reason) for e in schema_errors(copy.deepcopy(data), "f.json")]
    assert with_fast == without and with_fast and with_fast[0][0] == where


def test_valid_input_is_normalised_the_same_without_the_fast_path(monkeypatch):
    def outcome(i):  # the normalised facts, or the fault of a generated set the fact checks refuse
        try:
            return parse_facts(_data(fact_set(i)), f"g{i}.json")
        except Exception as e:  # noqa: BLE001 - compared, not raised
            return (type(e).__name__, str(e))
    facts = [outcome(i) for i in range(40)]
    assert sum(isinstance(f, dict) for f in facts) >= 30
    monkeypatch.setattr(fastschema, "_rs", None)
    assert facts == [outcome(i) for i in range(40)]
