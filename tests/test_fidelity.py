"""Byte-identical results: every golden case and the first 500 fact sets of the
benchmark's generator give exactly the bytes recorded in tests/fidelity/digests.json
(`recapture evaluate`'s JSON, the fault lines of a refused input, and the line
`recapture batch` writes). A change of a figure on purpose is regenerated with
`python tests/fidelity.py --write`, in a commit of its own."""
import fidelity


def test_golden_cases_give_the_recorded_bytes():
    old = fidelity.stored()
    new = {"golden": fidelity.golden_cases()}
    diff = fidelity.differences({"golden": old["golden"]}, new)
    assert not diff, "\n".join(diff) + "\n(an intended change? python tests/fidelity.py --write, in its own commit)"


def test_generated_fact_sets_give_the_recorded_bytes():
    old = fidelity.stored()
    assert old["seed"] == fidelity.DEFAULT_SEED and old["generated"] == fidelity.GENERATED
    new = {"generated_cases": fidelity.generated_cases(old["generated"], old["seed"])}
    diff = fidelity.differences({"generated_cases": old["generated_cases"]}, new)
    assert not diff, "\n".join(diff[:40]) + f"\n{len(diff)} cases differ" + \
        "\n(an intended change? python tests/fidelity.py --write, in its own commit)"


def test_the_generator_is_stable():
    # the i-th fact set does not depend on how many are asked for, nor on the machine
    a = fidelity.fact_set(123)
    assert fidelity.fact_set(123) == a
    assert fidelity.jsonl_line(a).startswith('{"schema_version":1,"case_id":"gen-20261-123"')
