"""schemas/rule-facts.schema.json declares what a rule can see (the facts a `when`
tests, the values a formula reads); `rules check` trusts it to find dead rules
and names nothing provides. Here the engine's own layout of every example is
held to it, and the outputs `rules check` predicts for each action are held to
what the actions set in the trace."""
import json

import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import EXAMPLES, ROOT
from recapture import api, lint
from recapture.evaluate import layout
from recapture.library import Library

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _validator(fact_type):
    rule_facts = json.loads((ROOT / "schemas" / "rule-facts.schema.json").read_text())
    facts = json.loads((ROOT / "schemas" / "facts.schema.json").read_text())
    registry = Registry().with_resources([
        ("facts.schema.json", Resource.from_contents(facts)),
        ("https://recapture.dev/schemas/facts.schema.json", Resource.from_contents(facts)),
    ])
    schema = dict(rule_facts["$defs"][fact_type], **{"$defs": rule_facts["$defs"]})
    schema["$id"] = "https://recapture.dev/schemas/rule-facts.schema.json"
    return jsonschema.Draft202012Validator(schema, registry=registry)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_the_layout_of_each_example_is_what_rules_check_expects(path):
    facts = api.load(path)
    law = Library().load_year(facts["tax_year"])
    book, engine_facts = layout(facts, law)
    types, kinds, _ = lint.vocabulary()
    for fact in engine_facts:
        ft = types[fact["type"]]
        errors = [e.message for e in _validator(fact["type"]).iter_errors(fact)]
        assert not errors, (fact, errors)
        undeclared = set(fact) - ft.declared - {"type", "id"}
        assert not undeclared, f"{fact['type']} facts carry {undeclared}: declare them in schemas/rule-facts.schema.json"
    for entity in book.entities.values():
        if entity.kind == "baseline":
            continue
        unknown = set(entity.values) - kinds[entity.kind].values
        assert not unknown, f"{entity.kind} values {unknown}: add them to x-values in schemas/rule-facts.schema.json"
        assert set(entity.links) <= set(kinds[entity.kind].links), entity.links


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_what_each_rule_sets_is_what_rules_check_predicts(path):
    from recapture.library import _read
    lib = Library()
    predicted = {}
    for rf in (_read(lib.root, p) for p in lib.rule_files()):
        for r in lint._rules_of([rf]):
            predicted[r.id] = set(r.sets)
    result = api.evaluate(path)
    for entry in result["trace"]:
        assert set(entry["set"]) <= predicted[entry["rule"]], (entry["rule"], set(entry["set"]) - predicted[entry["rule"]])


def test_dead_rule_reasoning():
    assert lint.never_matches([{"asset_class": "residential_rental"}, {"asset_class": "land"}], "asset")
    assert lint.never_matches([{"asset_class": {"in": []}}], "asset")
    assert lint.never_matches([{"placed_in_service": {"gte": "2018-01-01"}}, {"placed_in_service": {"lt": "2018-01-01"}}],
                              "asset")
    assert lint.never_matches([{"convention": {"exists": False}}, {"convention": "half_year"}], "asset")
    assert lint.never_matches([{"disposed": {"exists": False}}], "asset")          # every asset fact has it
    assert lint.never_matches([{"ads_recovery_years": {"gt": 4}}, {"ads_recovery_years": {"lt": 5}}], "asset")
    assert not lint.never_matches([{"ads_recovery_years": {"gt": 4}}, {"ads_recovery_years": {"lte": 5}}], "asset")
    assert not lint.never_matches([{"convention": {"exists": False}}], "asset")   # optional: may be absent
    assert not lint.never_matches([{"placed_in_service": {"gte": "1987-01-01"}},
                                   {"placed_in_service": {"lt": "2018-01-01"}}], "asset")
    assert not lint.never_matches([{"filing_status": "none"}], "return")          # a corporation's
    assert lint.never_matches([{"filing_status": "married_jointly"}], "return")


def test_every_condition_rules_check_accepts_compiles_and_matches():
    """What `rules check` lets through, the adapter compiles and durable-rules runs: each operator
    on a field, in one ruleset, against facts that match and facts that do not."""
    from recapture.adapter import Ruleset, compile_pattern
    from recapture.library import RuleFile

    cases = [  # (condition, value that matches, value that does not)
        ({"f": "a"}, "a", "b"), ({"f": True}, True, False), ({"f": 5}, 5, 6),
        ({"f": {"eq": "a"}}, "a", "b"), ({"f": {"neq": "a"}}, "b", "a"),
        ({"f": {"lt": "2018-01-01"}}, "2017-12-31", "2018-01-01"), ({"f": {"lte": 5}}, 5, 6),
        ({"f": {"gt": 5}}, 6, 5), ({"f": {"gte": "2018-01-01"}}, "2018-01-01", "2017-12-31"),
        ({"f": {"in": ["a", "b"]}}, "b", "c"), ({"f": {"exists": True}}, "x", None),
        ({"f": {"exists": False}}, None, "x"), ({"f": {"gte": 1, "lt": 3}}, 2, 3),
    ]
    rf = RuleFile("rules/x.yaml", "sha256:0", {}, {})
    for cond, _, _ in cases:
        assert lint.condition_faults(rf, ["when", "all"], [cond], None, against_facts=False) == [], cond
    assert lint.condition_faults(rf, ["when", "all"], [{"$lt": 5}], None, against_facts=False)
    assert lint.condition_faults(rf, ["when", "all"], [{"f": {"lt": [1]}}], None, against_facts=False)
    assert lint.condition_faults(rf, ["when", "all"], [{"f": {"in": [{"x": 1}]}}], None, against_facts=False)

    fired = []
    rules = [{"id": f"r{i}", "priority": 1, "pattern": compile_pattern("t", [cond]),
              "action": (lambda i: lambda ctx, fact, c: fired.append((i, fact["id"])))(i)}
             for i, (cond, _, _) in enumerate(cases)]
    ruleset = Ruleset("lint_operators", rules)
    facts = []
    for i, (_, yes, no) in enumerate(cases):
        for tag, v in (("yes", yes), ("no", no)):
            fact = {"type": "t", "id": f"{i}-{tag}"}
            if v is not None:
                fact["f"] = v
            facts.append(fact)

    class Ctx:
        errors, refusals = [], []
    ruleset.run(facts, Ctx())
    assert Ctx.errors == []
    for i in range(len(cases)):
        assert (i, f"{i}-yes") in fired, cases[i]
        assert (i, f"{i}-no") not in fired, cases[i]
