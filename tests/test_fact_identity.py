"""durable-rules identifies a fact by a 32-bit FNV-1a hash of its `id` (notes
§11): two different ids with one hash made the engine refuse the second fact.
The adapter never hands the engine an id made from user text: each fact of a
session gets a counter id whose hash differs from every other in the session,
and results and trace still name every entity by the user's own ids."""
import copy

from recapture import api
from recapture.adapter import Ruleset, Session, _engine_id, compile_pattern, fnv1a_32

# Two property ids whose engine ids used to collide: "property:<id>" hashes alike.
A, B = "rental-e5ihmj8v9w", "rental-jxumvvs2yn"


def _facts(ids):
    return {"schema_version": 1, "tax_year": 2025, "case_id": "collide",
            "taxpayer": {"entity": "individual", "filing_status": "single", "ordinary_income": 90000},
            "properties": [{"id": pid, "asset_class": "residential_rental", "acquired": "2015-03-01",
                            "cost": 300000 + 1000 * i, "land_value": 60000,
                            "disposition": {"type": "sale", "date": "2025-06-30", "sale_price": 420000}}
                           for i, pid in enumerate(ids)]}


def test_the_hash_is_the_engines():
    # the C engine's own collision, reproduced: these two ids were refused together
    assert fnv1a_32(f"property:{A}") == fnv1a_32(f"property:{B}")
    assert fnv1a_32(A) != fnv1a_32(B)
    assert fnv1a_32("") == 0x811C9DC5


def test_two_property_ids_with_one_hash_both_evaluate():
    r = api.evaluate(_facts([A, B]))
    assert [p["id"] for p in r["properties"]] == [A, B]
    assert all(p["realized_gain"] > 0 for p in r["properties"])
    entities = {s["entity"] for s in r["trace"]}
    assert f"property:{A}" in entities and f"property:{B}" in entities
    # each property alone gives the same figures as in the pair
    for i, pid in enumerate([A, B]):
        alone = api.evaluate(_facts([pid]) | {"properties": [_facts([A, B])["properties"][i]]})
        assert alone["properties"][0]["realized_gain"] == r["properties"][i]["realized_gain"]


def test_a_file_of_many_properties_with_colliding_ids():
    # FNV-1a keeps a collision when the same text follows: 300 pairs of colliding ids
    ids = [f"{base}-{k}" for k in range(300) for base in (A, B)]
    assert all(fnv1a_32(f"property:{ids[2 * k]}") == fnv1a_32(f"property:{ids[2 * k + 1]}") for k in range(300))
    r = api.evaluate(_facts(ids))
    assert [p["id"] for p in r["properties"]] == ids
    assert all(p["recognized_gain"] is not None for p in r["properties"])
    assert not any("rejected" in w for w in r["warnings"])


def test_a_session_never_hands_out_two_ids_with_one_hash():
    s = Session(None, "12345")
    hashes = set(s.hashes)
    for i in range(30000):
        out = s.engine_fact({"type": "asset", "id": f"asset:{i}"})
        h = fnv1a_32(out["id"])
        assert h not in hashes
        hashes.add(h)
    # the session state's own id ("sid-<sid>") is never given to a fact either
    for sid in ("1", "77", "123456"):
        state_hash = fnv1a_32(f"sid-{sid}")
        s = Session(None, sid)
        assert all(fnv1a_32(s.engine_fact({"id": f"x{i}"})["id"]) != state_hash for i in range(2000))


def test_the_engine_ids_are_counters_not_user_text():
    assert all(_engine_id(i).startswith("f") and _engine_id(i)[1:].isdigit() for i in range(100))


def test_actions_see_the_facts_own_ids_and_duplicates_are_still_reported():
    seen = []
    rules = [{"id": "r", "priority": 1, "pattern": compile_pattern("asset", []),
              "action": lambda ctx, fact, c: seen.append(fact["id"])}]
    rs = Ruleset("identity_check", rules)

    class Ctx:
        errors = []
    ctx = Ctx()
    rs.run([{"type": "asset", "id": f"asset:property:{A}"}, {"type": "asset", "id": f"asset:property:{B}"}], ctx)
    assert sorted(seen) == sorted([f"asset:property:{A}", f"asset:property:{B}"]) and ctx.errors == []
    ctx.errors = []
    rs.run([{"type": "asset", "id": "same"}, {"type": "asset", "id": "same"}], ctx)
    assert ctx.errors == ["input rejected by the rule engine: MessageObservedException"]


def test_input_is_not_changed():
    facts = _facts([A, B])
    before = copy.deepcopy(facts)
    api.evaluate(facts)
    assert facts == before
