"""A fact set's workbook (its entities, values and trace) is freed as soon as its
result is dropped: no reference cycle holds it for the cyclic garbage collector
(engine/evaluate.py, `layout`: in the compiled twin, nested functions that called
each other made one). With one, that memory waited for the next collection
instead of being reused at once. Both tests failed on the compiled build of
2f87d30."""
import gc
from pathlib import Path

import recapture
from recapture.batch import Job, run_item

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def _collected_after(run) -> int:
    run()  # the law loaded and every cache filled first
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        run()
        return gc.collect()
    finally:
        if enabled:
            gc.enable()


def test_evaluating_the_examples_leaves_nothing_for_the_garbage_collector():
    def run():
        for p in EXAMPLES:
            recapture.evaluate(p)
    assert EXAMPLES and _collected_after(run) == 0


def test_a_batch_line_leaves_nothing_for_the_garbage_collector():
    job = Job()

    def run():
        for i, p in enumerate(EXAMPLES[:3]):
            run_item((f"example-{i}", "file", str(p)), job)
    assert _collected_after(run) == 0
