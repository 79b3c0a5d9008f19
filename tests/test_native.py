"""The compiled twins of the hot modules (engine/native.py, setup.py): an install
runs them, they give the very bytes the Python gives, and a twin is never used
for a source that is not the one it was compiled from."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import recapture
from conftest import EXAMPLES, ROOT
from recapture import native

PURE = os.environ.get(native.ENV_PURE, "") not in ("", "0")
MANIFEST = Path(native.FOLDER) / (native.abi() + ".json")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", native.ENV_PURE, "RECAPTURE_RULES_DIR")}
    env.update(extra)
    return env


def test_an_install_runs_the_hot_modules_compiled():
    if PURE:
        pytest.skip(f"{native.ENV_PURE} is set: this run tests the Python modules")
    assert MANIFEST.exists(), (f"the install compiled nothing ({MANIFEST} is missing): the engine runs at Python "
                               "speed; install with Cython and a C compiler (./install.sh), or set "
                               f"{native.ENV_PURE}=1 to test the pure build")
    for module in native.COMPILED:
        __import__(f"recapture.{module}")
    assert native.status() == {m: "compiled" for m in native.COMPILED}, native.status()
    assert native.summary() == f"compiled (Cython): all {len(native.COMPILED)} hot modules"
    built = json.loads(MANIFEST.read_text(encoding="utf-8"))["compiled"]
    assert sorted(built) == sorted(native.COMPILED)


def test_the_python_modules_give_the_recorded_bytes():
    # tests/test_fidelity.py checks this process (compiled where built); here the same
    # golden cases and 500 generated fact sets, in process and through `recapture batch`,
    # with every twin refused
    p = subprocess.run([sys.executable, str(ROOT / "tests" / "fidelity.py")], cwd=ROOT,
                       env=_env(**{native.ENV_PURE: "1"}), capture_output=True, text=True, timeout=900)
    assert p.returncode == 0 and "no differences from the stored digests" in p.stdout, p.stdout[-3000:] + p.stderr


@pytest.fixture
def copy_of_the_package(tmp_path):
    """The installed package (twins and manifest included) copied elsewhere, its law beside it."""
    if not MANIFEST.exists():
        pytest.skip("not compiled here")
    pkg = tmp_path / "site" / "recapture"
    shutil.copytree(Path(native.HERE), pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for top in ("rules", "tables", "schemas"):
        if not (pkg / top).exists():
            (pkg / top).symlink_to(ROOT / top, target_is_directory=True)
    shutil.copy(EXAMPLES / "duplex-held-16-years.yaml", tmp_path / "duplex.yaml")
    return tmp_path


def _status_and_result(where: Path, **env):
    code = ("import json, recapture\n"
            "from recapture import native\n"
            "r = recapture.evaluate('duplex.yaml', name='duplex.yaml').to_json()\n"
            "print(json.dumps([native.status(), recapture.__file__, r]))")
    p = subprocess.run([sys.executable, "-c", code], cwd=where, capture_output=True, text=True, timeout=120,
                       env=_env(PYTHONPATH=str(where / "site"), RECAPTURE_NO_CACHE="1", **env))
    assert p.returncode == 0, p.stderr
    status, file, result = json.loads(p.stdout)
    assert file.startswith(str(where)), file  # the copy ran, not the install
    return status, result


def _want():
    return recapture.evaluate(EXAMPLES / "duplex-held-16-years.yaml", name="duplex.yaml").to_json()


def test_an_edited_source_runs_as_python_not_as_its_stale_twin(copy_of_the_package):
    where = copy_of_the_package
    status, result = _status_and_result(where)
    assert set(status.values()) == {"compiled"} and result == _want()

    messages = where / "site" / "recapture" / "messages.py"
    messages.write_text(messages.read_text(encoding="utf-8") + "\n# an edit after the build\n", encoding="utf-8")
    status, result = _status_and_result(where)
    assert status.pop("messages").startswith("Python (its source changed since it was compiled")
    assert set(status.values()) == {"compiled"}
    assert result == _want()


def test_a_twin_compiled_against_a_module_running_as_python_runs_as_python(copy_of_the_package):
    # workbook's twin is compiled against formula's declarations (Scope an extension type),
    # actions' against workbook's: beside the other's Python their types would not match
    where = copy_of_the_package
    compiled = where / "site" / "recapture" / "_compiled"
    next(compiled.glob(f"formula.{native.abi()}")).unlink()
    status, result = _status_and_result(where)
    assert status.pop("formula") == "Python (its compiled twin is missing)"
    assert status.pop("workbook") == "Python (it is compiled against formula, which runs as Python)"
    assert status.pop("actions") == "Python (it is compiled against workbook, which runs as Python)"
    assert set(status.values()) == {"compiled"} and result == _want()


def test_a_manifest_naming_what_a_twin_needs_in_a_foreign_way_runs_it_as_python(copy_of_the_package):
    where = copy_of_the_package
    manifest = where / "site" / "recapture" / "_compiled" / (native.abi() + ".json")
    built = json.loads(manifest.read_text(encoding="utf-8"))
    built["compiled"]["workbook"]["needs"] = 5
    manifest.write_text(json.dumps(built), encoding="utf-8")
    status, result = _status_and_result(where)
    assert status.pop("workbook") == ("Python (it is compiled against a module its manifest does not name, "
                                      "which runs as Python)")
    assert status.pop("actions") == "Python (it is compiled against workbook, which runs as Python)"
    assert set(status.values()) == {"compiled"} and result == _want()


def test_edited_declarations_run_as_python(copy_of_the_package):
    where = copy_of_the_package
    pxd = where / "site" / "recapture" / "workbook.pxd"
    pxd.write_text(pxd.read_text(encoding="utf-8") + "\n# an edit after the build\n", encoding="utf-8")
    status, result = _status_and_result(where)
    assert status.pop("workbook").startswith("Python (its declarations, the .pxd, changed since it was compiled")
    assert status.pop("actions") == "Python (it is compiled against workbook, which runs as Python)"
    assert set(status.values()) == {"compiled"} and result == _want()


def test_a_missing_or_foreign_build_runs_as_python(copy_of_the_package):
    where = copy_of_the_package
    compiled = where / "site" / "recapture" / "_compiled"
    twin = next(compiled.glob(f"messages.{native.abi()}"))
    twin.unlink()
    status, result = _status_and_result(where)
    assert status.pop("messages") == "Python (its compiled twin is missing)"
    assert set(status.values()) == {"compiled"} and result == _want()

    (compiled / (native.abi() + ".json")).write_text("{not json", encoding="utf-8")
    status, result = _status_and_result(where)
    assert set(status.values()) == {"Python (not compiled for this Python)"} and result == _want()

    status, result = _status_and_result(where, **{native.ENV_PURE: "1"})
    assert set(status.values()) == {f"Python ({native.ENV_PURE} is set)"} and result == _want()
