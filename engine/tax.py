"""A return: the fact set evaluated twice, with and without its dispositions,
so that the rules can state the tax due to the dispositions."""
from __future__ import annotations

from .evaluate import EvaluationError, Unsupported, run, without_dispositions
from .library import Library
from .result import assemble


def evaluate_return(facts: dict, library: Library | None = None) -> dict:
    library = library or Library()
    if not any(p["disposition"]["type"] != "none" for p in facts["properties"]):
        return assemble(facts, run(facts, library))
    other = without_dispositions(facts)
    # The return without the dispositions runs only the rules its total needs
    # (evaluate.baseline_rules): the same total, fewer firings. Whenever a run
    # refuses or fails, the full baseline runs as before, so that its refusals and
    # errors (which came first) are reported word for word.
    try:
        baseline = run(other, library, reduced=True)
    except (Unsupported, EvaluationError):
        baseline = run(other, library)  # refuses or fails with the full baseline's own faults
    try:
        book = run(facts, library, baseline=baseline)
    except (Unsupported, EvaluationError):
        run(other, library)  # raises the baseline's own faults, which come first
        raise
    return assemble(facts, book)
