"""Which of the engine's modules run compiled, and the check that makes that safe.

The modules in COMPILED carry the per-fact-set work (formulas, firings, the
workbook, the lean loop over durable-rules, the result and its JSON). At build
time setup.py compiles each, unchanged, with Cython into a twin in `_compiled/`
and writes a manifest per interpreter ABI: {module: {file, sha256 of the .py
it was compiled from, of its .pxd, the modules whose .pxd it cimports}}. A
module's .pxd (workbook, actions, formula) declares some of its classes as
extension types for the twin: their attributes are then C fields, which the
compiled code reads directly (the .py stays the one source of what they do).
The twins sit where the import system never looks by itself; `install()` (run
first thing by the package) puts a finder in front of it that answers for a
module only when its twin is there for this interpreter AND the .py and .pxd
beside it are still the very files compiled AND every module it was compiled
against runs compiled too. Otherwise the .py runs: an edited source, a copy
from another build, another Python, a failed compile, or RECAPTURE_PURE_PYTHON=1
all give the Python module, never a stale twin.

The twins do exactly what the Python does (Cython compiles the same code
against the same CPython objects: Decimal, dict order, exceptions), only with
less interpreting: 22-24% fewer instructions a fact set (README, Performance).
tests/test_native.py compares both on every golden case and generated fact sets.

    python -c "import recapture; print(recapture.native.summary())"    (or status(): each module, and why not)
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
from importlib.util import spec_from_file_location

# The modules compiled (setup.py reads this list). Each must stay plain Python that
# also runs uncompiled; none may rely on its own __file__ (a twin's is in _compiled/);
# and none may recurse over data something uncompiled has not bounded first: a
# compiled function does not check Python's recursion limit, so where the Python
# raises RecursionError the twin would overflow the C stack and crash (docs/limits.md,
# "Nesting"). So `api` and `yamlio`, which turn a user's input into data (a dict that
# contains itself is refused by its RecursionError), stay Python; facts are walked
# only within limits.MAX_DEPTH, formulas within formula.MAX_DEPTH.
COMPILED = ("formula", "workbook", "actions", "adapter", "result", "evaluate", "facts", "messages",
            "tax", "review", "batch", "library", "fastschema", "limits", "errors")

ENV_PURE = "RECAPTURE_PURE_PYTHON"
PACKAGE = __package__ or "recapture"
HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "_compiled")

_status: dict[str, str] = {}


def abi() -> str:
    """This interpreter's extension suffix without its leading dot (cpython-311-x86_64-linux-gnu.so)."""
    return EXTENSION_SUFFIXES[0].lstrip(".")


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _twins() -> dict[str, str]:
    """{full module name: path of its twin} for every twin safe to load here; the
    reason for each other module goes into _status."""
    if os.environ.get(ENV_PURE, "") not in ("", "0"):
        _status.update({m: f"Python ({ENV_PURE} is set)" for m in COMPILED})
        return {}
    try:
        with open(os.path.join(FOLDER, abi() + ".json"), encoding="utf-8") as fh:
            built = json.load(fh)["compiled"]
        if not isinstance(built, dict):
            raise ValueError("not a mapping")
    except (OSError, ValueError, KeyError, TypeError):
        _status.update({m: "Python (not compiled for this Python)" for m in COMPILED})
        return {}
    found = {}
    for module in COMPILED:
        entry = built.get(module)
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            _status[module] = "Python (its compile failed or was not asked for)"
            continue
        twin = os.path.join(FOLDER, os.path.basename(entry["file"]))
        if not os.path.isfile(twin):
            _status[module] = "Python (its compiled twin is missing)"
        elif _sha256(os.path.join(HERE, module + ".py")) != entry.get("sha256"):
            _status[module] = "Python (its source changed since it was compiled: reinstall to compile it again)"
        elif _sha256(os.path.join(HERE, module + ".pxd")) != entry.get("pxd"):
            _status[module] = ("Python (its declarations, the .pxd, changed since it was compiled: "
                               "reinstall to compile it again)")
        else:
            found[module] = twin
            _status[module] = "compiled"
    # a twin compiled against another module's declarations (its classes as extension
    # types, engine/*.pxd) needs that module's own twin: beside its Python the types differ
    refused = True
    while refused:
        refused = False
        for module in list(found):
            needs = built[module].get("needs") or []
            if not (isinstance(needs, list) and all(isinstance(m, str) for m in needs)):
                needs = ["a module its manifest does not name"]
            missing = [m for m in needs if m not in found]
            if missing:
                del found[module]
                _status[module] = f"Python (it is compiled against {', '.join(missing)}, which runs as Python)"
                refused = True
    return {f"{PACKAGE}.{module}": twin for module, twin in found.items()}


class _TwinFinder:
    """A meta path finder that answers only for the verified twins."""

    def __init__(self, twins: dict[str, str]):
        self.twins = twins

    def find_spec(self, fullname, path=None, target=None):
        twin = self.twins.get(fullname)
        if twin is None:
            return None
        return spec_from_file_location(fullname, twin, loader=ExtensionFileLoader(fullname, twin))

    def invalidate_caches(self):
        pass


def install() -> None:
    """Put the finder in front of the import system (once; before any compiled module is imported)."""
    if any(isinstance(f, _TwinFinder) for f in sys.meta_path):
        return
    already = [m for m in COMPILED if f"{PACKAGE}.{m}" in sys.modules]
    twins = _twins()
    for m in already:  # cannot happen through the package, which installs first: say so rather than mix
        if twins.pop(f"{PACKAGE}.{m}", None):
            _status[m] = "Python (imported before the compiled twins were looked for)"
    if twins:
        sys.meta_path.insert(0, _TwinFinder(twins))


def status() -> dict[str, str]:
    """{module: "compiled" or "Python (why)"} as this process runs them."""
    out = {}
    for m in COMPILED:
        mod = sys.modules.get(f"{PACKAGE}.{m}")
        if mod is not None:
            loader = getattr(getattr(mod, "__spec__", None), "loader", None)
            out[m] = "compiled" if isinstance(loader, ExtensionFileLoader) else _status.get(m, "Python")
            if out[m] == "compiled" and _status.get(m) != "compiled":  # pragma: no cover - defensive
                out[m] = "compiled (unverified)"
        else:
            out[m] = _status.get(m, "Python")
    return out


def summary() -> str:
    """One line: how many of the hot modules run compiled."""
    st = status()
    n = sum(v == "compiled" for v in st.values())
    if n == len(st):
        return f"compiled (Cython): all {n} hot modules"
    if n == 0:
        reasons = sorted(set(st.values()))
        return "pure Python: " + "; ".join(r.removeprefix("Python (").rstrip(")") for r in reasons)
    return f"compiled (Cython): {n} of {len(st)} hot modules; the others Python"
