"""The installable distribution, as a user gets it.

`python -m build` makes the sdist, then the wheel from that unpacked sdist, so a
file the sdist forgets is missing from the wheel too: one build proves both. The
wheel goes into a fresh venv in a temporary folder and the command runs from
another folder, with nothing of this checkout on its path: it must find its law
(rules/, tables/, schemas/) inside the installed package, and `--rules-dir` or
RECAPTURE_RULES_DIR must still point it at an analyst's fork.

Kept fast: the venv is made without pip (this interpreter's pip installs into it
with `--python`), and durable-rules, a C extension, is built once and then taken
from pip's wheel cache."""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import recapture
from conftest import EXAMPLES, ROOT

# durable-rules 2.0.28 on Python 3.13 (README, "Install"); harmless on 3.11/3.12
CPPFLAGS = "-DPyEval_CallObject=PyObject_CallObject"


def _run(cmd, cwd, env=None, timeout=600):
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "RECAPTURE_RULES_DIR", "VIRTUAL_ENV", "PYTHONHOME", "RECAPTURE_PURE_PYTHON")}
    env["CPPFLAGS"] = (env.get("CPPFLAGS", "") + " " + CPPFLAGS).strip()
    env.update(extra)
    return env


def _dependencies():
    """The wheel's run-time dependencies, as pyproject.toml declares them."""
    import tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist and the wheel, built as a release would be, and a fresh venv with
    the wheel installed. To save time, the venv and the wheel's dependencies are
    installed while the build runs; the wheel then goes in with --no-deps.
    Returns (wheel, sdist, bin folder of the venv)."""
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.fail("the wheel test needs `build`: pip install -e '.[test]' (the test extra has it)")
    out = tmp_path_factory.mktemp("dist")
    building = subprocess.Popen([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT,
                                env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        venv = tmp_path_factory.mktemp("venv")
        _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv)
        pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet",
               "--disable-pip-version-check"]
        _run(pip + _dependencies(), cwd=venv, env=_clean_env())
        log, _ = building.communicate(timeout=600)
    finally:
        if building.poll() is None:
            building.kill()
    assert building.returncode == 0, f"python -m build failed:\n{log[-3000:]}"
    (wheel,) = out.glob("recapture-*.whl")
    (sdist,) = out.glob("recapture-*.tar.gz")
    _run(pip + ["--no-deps", wheel], cwd=venv, env=_clean_env())
    return wheel, sdist, venv / "bin"


@pytest.fixture(scope="module")
def dist(built):
    return built[:2]


@pytest.fixture(scope="module")
def installed(built):
    return built[2]


@pytest.fixture
def elsewhere(tmp_path):
    """A folder that is not the checkout, holding a copy of one example."""
    shutil.copy(EXAMPLES / "duplex-held-16-years.yaml", tmp_path / "duplex.yaml")
    return tmp_path


def _law_files(base: Path):
    return {p.relative_to(base).as_posix() for top in ("rules", "tables", "schemas")
            for p in (base / top).rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_carries_the_whole_law(dist):
    wheel, _ = dist
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("recapture/") for n in names if n.startswith(("recapture/rules/", "recapture/tables/",
                                                                           "recapture/schemas/"))}
    assert shipped == _law_files(ROOT)
    assert "recapture/cli.py" in names and "recapture/api.py" in names
    assert not any(n.startswith("engine/") for n in names), "the import package is recapture, not engine"


def test_the_wheel_carries_the_compiled_twins(dist):
    # the hot modules compiled by Cython (setup.py) beside their sources, with the
    # manifest engine/native.py checks them against
    from recapture import native
    wheel, _ = dist
    names = set(zipfile.ZipFile(wheel).namelist())
    abi = native.abi()
    manifest = json.loads(zipfile.ZipFile(wheel).read(f"recapture/_compiled/{abi}.json"))["compiled"]
    assert sorted(manifest) == sorted(native.COMPILED)
    for module in native.COMPILED:
        assert f"recapture/_compiled/{module}.{abi}" in names and f"recapture/{module}.py" in names


def test_the_sdist_carries_every_tracked_file(dist):
    _, sdist = dist
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout (an unpacked sdist): nothing to compare with")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    with tarfile.open(sdist) as t:
        top = t.getnames()[0].split("/")[0]
        packed = {n.removeprefix(top + "/") for n in t.getnames()}
    missing = sorted(f for f in tracked if f not in packed and (ROOT / f).exists())
    assert not missing, f"MANIFEST.in leaves out {missing}"


def test_installed_command_runs_from_another_folder(installed, elsewhere):
    bin_ = installed
    env = _clean_env()
    v = _run([bin_ / "recapture", "--version"], cwd=elsewhere, env=env)
    assert v.stdout.strip() == f"recapture {recapture.__version__}"
    where = _run([bin_ / "python", "-c", "import recapture, recapture.paths as p; print(recapture.__file__); "
                  "print(p.LAW_ROOT)"], cwd=elsewhere, env=env).stdout.split()
    assert all(str(ROOT) not in w for w in where), f"the installed package must not read the checkout: {where}"

    # evaluate: the same bytes as the checkout gives (the same law, the same version)
    got = _run([bin_ / "recapture", "evaluate", "duplex.yaml"], cwd=elsewhere, env=env).stdout
    want = recapture.evaluate(elsewhere / "duplex.yaml", name="duplex.yaml").to_json() + "\n"
    assert got == want

    # compiled, and the same bytes as its own Python modules give
    how = _run([bin_ / "python", "-c", "import recapture; print(recapture.native.summary())"], cwd=elsewhere,
               env=env).stdout.strip()
    assert how.startswith("compiled (Cython): all "), how
    pure = _run([bin_ / "recapture", "evaluate", "duplex.yaml"], cwd=elsewhere,
                env=_clean_env(RECAPTURE_PURE_PYTHON="1")).stdout
    assert pure == got

    text = _run([bin_ / "recapture", "evaluate", "duplex.yaml", "--format", "text"], cwd=elsewhere, env=env).stdout
    assert "Tax due to the dispositions" in text

    report = _run([bin_ / "recapture", "explain", "duplex.yaml"], cwd=elsewhere, env=env).stdout
    assert report.startswith("AUDIT REPORT: duplex-held-16-years") and "rules/recapture/" in report

    check = _run([bin_ / "recapture", "rules", "check"], cwd=elsewhere, env=env).stdout
    assert check.startswith("ok: ") and "2025" in check

    schema = _run([bin_ / "recapture", "schema"], cwd=elsewhere, env=env).stdout
    assert json.loads(schema) == json.loads((ROOT / "schemas" / "facts.schema.json").read_text(encoding="utf-8"))


def test_installed_command_reads_an_analysts_fork(installed, elsewhere):
    """A fork of the law with the 2025 NIIT rate changed from 3.8% to 5% (a what-if an
    analyst might make): --rules-dir and RECAPTURE_RULES_DIR both reach it."""
    bin_ = installed
    fork = elsewhere / "fork"
    for top in ("rules", "tables"):
        shutil.copytree(ROOT / top, fork / top)
    niit = fork / "tables" / "years" / "2025" / "niit.yaml"
    # an analyst's change of a fixed rate names the law that changed it (rules check insists)
    niit.write_text(niit.read_text(encoding="utf-8").replace("rate: 0.038", "rate: 0.05")
                    .replace('rate: {type: rate, fixed: "IRC §1411(a)(1)"}',
                             'rate: {type: rate, fixed: "IRC §1411(a)(1) as amended by a hypothetical law"}'),
                    encoding="utf-8")

    # the shipped law's figures: the same bytes installed or here (the test above)
    shipped = json.loads(recapture.evaluate(elsewhere / "duplex.yaml").to_json())
    by_option = json.loads(_run([bin_ / "recapture", "evaluate", "duplex.yaml", "--rules-dir", fork],
                                cwd=elsewhere, env=_clean_env()).stdout)
    by_env = json.loads(_run([bin_ / "recapture", "evaluate", "duplex.yaml"], cwd=elsewhere,
                             env=_clean_env(RECAPTURE_RULES_DIR=str(fork))).stdout)
    assert shipped["tax"]["niit"] > 0
    # the NIIT is rate x the smaller of NII and MAGI over the threshold, so it scales by 5 / 3.8
    for forked in (by_option, by_env):
        assert forked["rules"]["version"] != shipped["rules"]["version"]
        assert abs(forked["tax"]["niit"] - shipped["tax"]["niit"] * 5 / 3.8) < 0.01
    check = _run([bin_ / "recapture", "rules", "check", "--rules-dir", fork], cwd=elsewhere, env=_clean_env()).stdout
    assert check.startswith("ok: ")
