"""docs/api.md and the README's Python example run as written (from the repo's
root), and the README starts with the two commands a fresh machine needs."""
import re

import pytest

from conftest import EXAMPLES, ROOT

API = ROOT / "docs" / "api.md"
README = ROOT / "README.md"


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("i", range(len(_python_blocks(API))))
def test_every_code_block_of_the_api_page_runs(i, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(_python_blocks(API)[i], f"docs/api.md block {i + 1}", "exec"), {})


def test_the_readmes_python_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    (block,) = _python_blocks(README)
    exec(compile(block, "README.md", "exec"), {})
    assert "2 [('taxpayer', \"'filing_status' is a required property\")]" in capsys.readouterr().out


def test_the_readme_starts_with_the_two_commands_of_a_fresh_machine():
    text = README.read_text(encoding="utf-8")
    first, second = re.findall(r"```sh\n(.*?)\n```", text, re.S)[:2]
    assert first.startswith("./install.sh && ") and "recapture evaluate examples/" in first
    example = re.search(r"examples/[\w.-]+\.yaml", first).group(0)
    assert (ROOT / example).is_file()
    assert second == "./install.sh test && .venv/bin/python -m pytest"
    assert text.index(first) < text.index("## ")  # at the very top, before any section
    assert "../shared" not in text and "shared/" not in text
    # CI runs the README's install command
    assert "./install.sh test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readmes_sample_output_is_what_the_command_prints(cli):
    text = README.read_text(encoding="utf-8")
    sample = re.search(r"\$ recapture evaluate (examples/\S+) --format text\n(.*?)```", text, re.S)
    code, out, _ = cli("evaluate", sample.group(1), "--format", "text")
    assert code == 0
    # the law version in the title changes with every edit of rules/ or tables/: compare the rest
    strip = lambda s: re.sub(r"law version [0-9a-f]{12}", "law version …", s)  # noqa: E731
    assert strip(out) == strip(sample.group(2)), "README's sample is stale: paste the new output"
