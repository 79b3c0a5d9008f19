"""The command explains itself: every option of every command has a help text,
every command shows examples, and the examples that use only the repo's own
files run as written."""
import argparse
import shlex

import pytest

from conftest import ROOT, run_cli
from recapture import cli


def _commands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sp in action.choices.items():
                yield prefix + (name,), sp
                yield from _commands(sp, prefix + (name,))


COMMANDS = list(_commands(cli.parser()))


@pytest.mark.parametrize("path, sp", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_has_help_and_the_command_examples(path, sp):
    for action in sp._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        assert action.help and len(action.help) > 10, (path, action.dest)
    has_tools = any(isinstance(a, argparse._SubParsersAction) for a in sp._actions)
    if not has_tools:  # `rules` itself only lists its tools
        assert sp.epilog and sp.epilog.startswith("examples:") and "recapture " in sp.epilog, path


def _runnable_examples():
    """Example lines that read only files of this repo and write nothing outside a temp folder."""
    for key, text in cli.EXAMPLES.items():
        for line in text.splitlines()[1:]:
            line = line.strip()
            if not line.startswith("recapture ") or line.endswith("\\"):
                continue
            line = line.split("  (")[0]              # a comment after the command
            line = line.split(" | ")[0].split(" > ")[0]  # what a pipe or a redirect would receive
            if "(" in line or line.startswith("cat "):
                continue
            words = shlex.split(line)[1:]
            if any(w.startswith(("~", "clients", "tcp:", "my-cases", "facts.")) or w.endswith(".jsonl") for w in words):
                continue
            if "--rules-dir" in words or "--confirm" in words or "--output" in words or any("2027" in w for w in words):
                continue
            yield key, words


EXAMPLES = list(_runnable_examples())


@pytest.mark.parametrize("key, words", EXAMPLES, ids=[" ".join(w) for _, w in EXAMPLES])
def test_the_examples_run_as_written(key, words):
    code, out, err = run_cli(*words)
    assert code == 0, err
    assert out.strip()


def test_enough_examples_are_run():
    assert {k for k, _ in EXAMPLES} >= {"evaluate", "explain", "whatif", "schema", "test-cases", "rules check",
                                       "rules list", "rules diff"}
