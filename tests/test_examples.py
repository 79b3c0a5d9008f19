"""The repo's own example fact files (examples/): each says in its comment what
situation it is and the headline figures worked by hand, and those figures are
what the engine gives (the full arithmetic is in the golden case named there)."""
import re
from decimal import Decimal

import pytest

import recapture
from conftest import EXAMPLES, ROOT

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
FIGURE = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2}\b")


def _values(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "trace":
                yield from _values(v)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v)
    elif isinstance(node, Decimal):
        yield node


def _comment(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line[1:].strip() for line in lines[:next(i for i, line in enumerate(lines) if not line.startswith("#"))]]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_the_comments_headline_figures_are_the_engines(path):
    comment = _comment(path)
    start = next(i for i, line in enumerate(comment) if line.startswith("Headline figures, worked by hand"))
    golden = re.search(r"tests/golden/[\w.-]+\.yaml", comment[start]).group(0)
    assert (ROOT / golden).is_file(), golden
    figures = [Decimal(f.replace(",", "")) for line in comment[start + 1:] for f in FIGURE.findall(line)]
    assert len(figures) >= 6
    engine = set(_values(recapture.evaluate(path)))
    missing = [f for f in figures if f not in engine]
    assert not missing, f"{path.name}: figures in the comment the engine does not give: {missing}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_the_comment_says_the_situation_and_names_nothing_outside_the_repo(path):
    text = "\n".join(_comment(path))
    assert "../shared" not in text and "shared/" not in text
    assert re.search(r"tax year \d{4}|Tax year \d{4}|in tax year|tax year", text)
    assert len(_comment(path)) >= 10
