"""A machine that cannot build durable-rules (a C extension published as source
only) is told so in one sentence, by install.sh before pip starts and by the
command at run time when the build is missing or broken; never a page of
compiler output or a traceback."""
import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, ROOT

INSTALL = ROOT / "install.sh"


def _install(tmp_path, **env):
    """install.sh with a venv folder that does not exist yet; (exit code, stderr lines)."""
    venv = tmp_path / "venv"
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "VENV": str(venv),
            "PYTHON": sys.executable}
    p = subprocess.run(["/bin/sh", str(INSTALL)], env={**base, **env}, capture_output=True, text=True, timeout=60)
    assert not venv.exists(), "the checks come before anything is installed"
    return p.returncode, p.stderr.splitlines()


def test_no_c_compiler_is_one_sentence(tmp_path):
    # a PATH with nothing on it hides gcc and cc (the script needs only sh builtins and $PYTHON)
    empty = tmp_path / "bin"
    empty.mkdir()
    code, err = _install(tmp_path, PATH=str(empty))
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith("install.sh: ") and "no C compiler" in err[0] and "apt-get install gcc" in err[0]


def test_a_compiler_that_cannot_use_the_python_headers_is_one_sentence(tmp_path):
    cc = tmp_path / "cc"
    cc.write_text("#!/bin/sh\necho 'probe.c:1:10: fatal error: Python.h: No such file or directory' >&2\n"
                  "echo 'compilation terminated.' >&2\nexit 1\n")
    cc.chmod(0o755)
    code, err = _install(tmp_path, CC=str(cc))
    assert code == 1 and len(err) == 1, err
    assert "cannot compile against the Python" in err[0] and "Python.h: No such file" in err[0]


def test_unknown_argument_is_refused():
    p = subprocess.run(["/bin/sh", str(INSTALL), "everything"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and p.stderr.strip() == "usage: ./install.sh [test]"


def _cli_without_durable(*args):
    """The command with durable-rules unimportable (as after a failed or missing build)."""
    code = ("import sys; sys.modules['durable'] = None; sys.modules['durable.engine'] = None\n"
            "sys.modules['durable_rules_engine'] = None\n"
            "from recapture.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def test_missing_rule_engine_at_run_time_is_one_sentence():
    p = _cli_without_durable("evaluate", EXAMPLES / "quick-flip.yaml")
    assert p.returncode == 1 and p.stdout == ""
    (line,) = p.stderr.splitlines()
    assert "durable-rules 2.0.28, does not import" in line and "install.sh" in line


def test_commands_that_need_no_rule_engine_still_run_without_it():
    assert _cli_without_durable("--version").returncode == 0
    assert _cli_without_durable("schema").returncode == 0
    assert _cli_without_durable("rules", "check").returncode == 0


def test_the_python_313_build_trap_names_its_fix():
    from recapture.rule_engine import RuleEngineMissing, advice
    err = ImportError("/x/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: undefined symbol: PyEval_CallObject")
    sentence = advice(err)
    assert "PyEval_CallObject" in sentence and "--no-cache-dir durable-rules==2.0.28" in sentence
    e = RuleEngineMissing(sentence)
    assert isinstance(e, ImportError) and e.code == 1 and e.lines == [sentence]
