"""The validated law cached on disk (engine/lawcache.py): the same law as a fresh
build, rebuilt when a file changes, a corrupt or foreign file ignored and
rewritten, concurrent processes safe, and `--no-cache` honoured."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT
from recapture import lawcache
from recapture.library import Library, _LOADED

EXAMPLE = EXAMPLES / "forum-rental-sale.yaml"


def _same_law(a, b):
    assert a.year == b.year and a.files == b.files and a.version == b.version
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        ta, tb = a.tables[name], b.tables[name]
        assert (ta.name, ta.file, ta.values, ta.doc) == (tb.name, tb.file, tb.values, tb.doc)
        assert repr(ta.values) == repr(tb.values)  # the same types (Decimal exponents, int keys) too
    assert [(r, rf.path, rf.sha256) for r, rf in a.rules] == [(r, rf.path, rf.sha256) for r, rf in b.rules]
    assert repr([r for r, _ in a.rules]) == repr([r for r, _ in b.rules])
    assert [(o, rf.path, rf.sha256) for o, rf in a.ordering] == [(o, rf.path, rf.sha256) for o, rf in b.ordering]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("RECAPTURE_CACHE", str(folder))
    monkeypatch.delenv("RECAPTURE_NO_CACHE", raising=False)
    _LOADED.clear()
    yield folder
    _LOADED.clear()


@pytest.fixture
def law(tmp_path):
    """A copy of the shipped law to edit."""
    root = tmp_path / "law"
    for part in ("rules", "tables"):
        shutil.copytree(ROOT / part, root / part)
    return root


def test_the_cached_law_is_the_law_built_from_the_files(cache):
    lib = Library()
    years = [lib.years()[0], lib.years()[len(lib.years()) // 2], lib.years()[-1]]
    for year in years:
        fresh = lib._load_year(year)
        _LOADED.clear()
        first = Library().load_year(year)  # builds and writes the cache
        _LOADED.clear()
        cached = Library().load_year(year)  # reads it
        _same_law(fresh, first)
        _same_law(fresh, cached)
    assert len(list(cache.glob("law-*.json"))) == len(years)


def test_a_changed_rule_file_rebuilds_the_cache(cache, law):
    Library(law).load_year(2025)
    (before,) = cache.glob("law-*.json")
    path = law / "rules" / "tax" / "total.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Total tax = regular tax", "Total tax, so regular tax"),
                    encoding="utf-8")
    _LOADED.clear()
    again = Library(law).load_year(2025)
    (after,) = cache.glob("law-*.json")  # rebuilt under a new key; the stale file removed
    assert after != before
    assert any(r["title"].startswith("Total tax, so regular tax") for r, _ in again.rules)
    _LOADED.clear()
    _same_law(Library(law)._load_year(2025), Library(law).load_year(2025))


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],                                         # cut short
    lambda text: "not json at all",
    lambda text: json.dumps(dict(json.loads(text), format=lawcache.FORMAT + 1)),  # another format
    lambda text: json.dumps(dict(json.loads(text), key="0" * 64)),              # another key
    lambda text: json.dumps(dict(json.loads(text), law={"year": 2025})),        # a law of another shape
])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rewritten(cache, damage):
    fresh = Library()._load_year(2025)
    Library().load_year(2025)
    (path,) = cache.glob("law-*.json")
    good = path.read_text(encoding="utf-8")
    path.write_text(damage(good), encoding="utf-8")
    _LOADED.clear()
    _same_law(fresh, Library().load_year(2025))
    assert path.read_text(encoding="utf-8") == good  # rewritten whole


def _evaluate(env, *extra):
    return subprocess.Popen([sys.executable, "-m", "recapture.cli", "evaluate", str(EXAMPLE), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)


def test_processes_starting_together_all_succeed(cache):
    env = dict(os.environ, RECAPTURE_CACHE=str(cache))
    procs = [_evaluate(env) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e for _, e in outs]
    assert len({o for o, _ in outs}) == 1
    (path,) = cache.glob("law-*.json")
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == lawcache.FORMAT
    assert not list(cache.glob(".law-*"))  # no temporary file left behind
    warm = _evaluate(env)
    assert warm.communicate(timeout=120)[0] == outs[0][0] and warm.returncode == 0


def test_no_cache_neither_reads_nor_writes(cache):
    env = dict(os.environ, RECAPTURE_CACHE=str(cache))
    p = _evaluate(env, "--no-cache")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert not cache.exists() or not list(cache.iterdir())


def test_an_unwritable_cache_folder_only_costs_time(cache):
    cache.write_text("a file where the folder should be", encoding="utf-8")
    _same_law(Library()._load_year(2024), Library().load_year(2024))
