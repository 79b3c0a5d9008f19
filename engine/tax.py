"""A return: the fact set evaluated twice, with and without its dispositions,
so that the rules can state the tax due to the dispositions."""
from __future__ import annotations

from .evaluate import run, without_dispositions
from .library import Library
from .result import assemble


def evaluate_return(facts: dict, library: Library | None = None) -> dict:
    library = library or Library()
    baseline = None
    if any(p["disposition"]["type"] != "none" for p in facts["properties"]):
        baseline = run(without_dispositions(facts), library)
    book = run(facts, library, baseline=baseline)
    return assemble(facts, book)
