"""The decimal context: formulas compute at 40 digits, every other action in the
caller's own context, and an evaluation leaves the caller's context as it found
it, whether it ends with a result, a refusal or a failing rule (actions.py:
a compute firing leaves its 40-digit context current for the next one, and
every other action and the end of the run set the caller's back)."""
import decimal
from pathlib import Path
from decimal import Decimal

import pytest

import recapture
from conftest import EXAMPLES
from recapture.errors import RecaptureError


def _evaluate_keeps_the_context(source):
    before = decimal.getcontext()
    prec = before.prec
    try:
        recapture.evaluate(source)
    except RecaptureError:
        pass
    after = decimal.getcontext()
    assert after is before and after.prec == prec


@pytest.mark.parametrize("name", ["forum-rental-sale", "installment-sale", "exchange-with-boot",
                                  "equipment-sale", "duplex-held-16-years"])
def test_an_evaluation_leaves_the_callers_context_as_it_was(name):
    _evaluate_keeps_the_context(EXAMPLES / f"{name}.yaml")


CORPORATION_SELLING_A_HOME = (Path(__file__).parent / "fixtures" / "corporation-home-sale-121.yaml").read_text()


def test_a_refused_evaluation_leaves_it_too():
    # refused by a rule (§121(a) is an individual's exclusion) after other rules computed
    with pytest.raises(RecaptureError, match="121"):
        recapture.evaluate(CORPORATION_SELLING_A_HOME)
    _evaluate_keeps_the_context(CORPORATION_SELLING_A_HOME)


def test_a_caller_at_other_precision_gets_the_same_figures_and_keeps_it():
    # the engine's formulas compute at 40 digits whatever the caller's precision; its
    # other arithmetic (depreciation tables, the gain ordering) in the caller's context,
    # as it always did: at 50 digits these figures, all in cents, are the same
    want = recapture.evaluate(EXAMPLES / "duplex-held-16-years.yaml").to_json()
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        got = recapture.evaluate(EXAMPLES / "duplex-held-16-years.yaml").to_json()
        assert decimal.getcontext() is ctx and ctx.prec == 50
    assert got == want
    assert Decimal(1) / Decimal(3) == Decimal("0.3333333333333333333333333333")  # 28 digits again
