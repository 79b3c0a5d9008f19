#!/bin/sh
# Install recapture from this folder into a virtual environment.
#
#   ./install.sh            the command and the library:  .venv/bin/recapture
#   ./install.sh test       the same plus what the tests need (pytest, hypothesis, dask, build)
#   PYTHON=python3.13 ./install.sh     another Python (3.11, 3.12 or 3.13)
#   VENV=.venv-3.13 ./install.sh       another folder for the venv
#
# durable-rules 2.0.28, the rule engine, is published as source only: pip
# compiles it, which needs a C compiler and the Python headers. This script
# checks for both first and, if one is missing, says so in one sentence instead
# of letting pip print a page of compiler output. On Python 3.13 the build
# needs PyEval_CallObject (removed in 3.13) mapped to PyObject_CallObject at
# compile time; the CPPFLAGS below do that, and are harmless on 3.11 and 3.12.
#
# The same compiler builds the engine's hot modules with Cython (setup.py,
# engine/native.py: about 45 s on two cores); they run a fact set in about a
# fifth less time, and the Python modules stay the fallback. The install is
# editable: a module edited afterwards runs as Python until ./install.sh again.
# RECAPTURE_PURE_PYTHON=1 ./install.sh skips that compile.
set -eu
case "$0" in */*) cd "${0%/*}" ;; esac
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
case "${1:-}" in
  "") TARGET="." ;;
  test) TARGET=".[test]" ;;
  *) echo "usage: ./install.sh [test]" >&2; exit 2 ;;
esac
command -v "$PY" >/dev/null 2>&1 || { echo "install.sh: no $PY here; recapture needs Python 3.11, 3.12 or 3.13 (PYTHON=/path/to/python3 ./install.sh)" >&2; exit 1; }

# 1. The Python, and (unless durable-rules is already built in the venv) the compiler and headers.
NEED_BUILD=1
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import durable.engine" >/dev/null 2>&1; then NEED_BUILD=0; fi
"$PY" - "$NEED_BUILD" <<'PYCHECK' || exit 1
import os, shlex, shutil, subprocess, sys, sysconfig, tempfile
def stop(sentence):
    print("install.sh: " + sentence, file=sys.stderr)
    sys.exit(1)
v = sys.version_info
if v < (3, 11):
    stop(f"recapture needs Python 3.11 or newer, and {sys.executable} is {v.major}.{v.minor}; "
         "PYTHON=python3.13 ./install.sh picks another.")
if sys.argv[1] == "1":
    hint = ("Debian/Ubuntu: apt-get install gcc python3-dev; Fedora: dnf install gcc python3-devel; "
            "macOS: xcode-select --install")
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    if not cc or shutil.which(cc[0]) is None:
        stop(f"recapture's rule engine, durable-rules 2.0.28, is compiled from source and there is no C compiler "
             f"({cc[0] if cc else 'cc'} is not on PATH): install one ({hint}) and run ./install.sh again.")
    include = sysconfig.get_paths()["include"]
    if not os.path.isfile(os.path.join(include, "Python.h")):
        stop(f"recapture's rule engine, durable-rules 2.0.28, is compiled from source and the headers of "
             f"Python {v.major}.{v.minor} are missing (no Python.h in {include}): install them ({hint}) and run ./install.sh again.")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("#include <Python.h>\nint probe(void) { return PY_MAJOR_VERSION; }\n")
        p = subprocess.run(cc + ["-I", include, "-c", src, "-o", os.path.join(tmp, "probe.o")],
                           capture_output=True, text=True)
        if p.returncode != 0:
            first = (p.stderr.strip().splitlines() or ["no message"])[0]
            stop(f"{' '.join(cc)} cannot compile against the Python {v.major}.{v.minor} headers ({first}), "
                 f"so durable-rules 2.0.28 cannot be built: install a working compiler and the headers ({hint}).")
PYCHECK

# 2. The venv and the install (pip takes durable-rules from its wheel cache after the first build).
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
export CPPFLAGS="${CPPFLAGS:-} -DPyEval_CallObject=PyObject_CallObject"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$TARGET"

# 3. A wheel of durable-rules cached by an earlier build without the mapping imports
# badly on 3.13 (undefined symbol: PyEval_CallObject): rebuild it once, uncached.
if ! "$VENV/bin/python" -c "import durable.engine" >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps --no-cache-dir durable-rules==2.0.28
fi
"$VENV/bin/python" -c "import sys
from recapture.rule_engine import RuleEngineMissing, require
try: require()
except RuleEngineMissing as e: sys.exit(str(e))" || exit 1
echo "install.sh: recapture $("$VENV/bin/python" -c 'import recapture; print(recapture.__version__)') installed in $VENV ($("$VENV/bin/python" -V); engine $("$VENV/bin/python" -c 'import recapture; print(recapture.native.summary())')); run $VENV/bin/recapture --help, or . $VENV/bin/activate first"
