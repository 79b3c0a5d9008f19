import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

# property tests run PROPERTY_SCALE times their usual number of examples (default 1):
# `PROPERTY_SCALE=50 python -m pytest tests/test_invariants.py tests/test_tax.py` searches deeper
PROPERTY_SCALE = max(1, int(__import__("os").environ.get("PROPERTY_SCALE", "1") or 1))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"  # the project's own example fact files


def run_cli(*args, input=None):
    """Run the installed command as a user would; returns (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "recapture.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT, input=input, timeout=120)
    return p.returncode, p.stdout, p.stderr


def get_path(obj, path: str):
    """'properties[0].components.section_1231' -> value"""
    import re
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        obj = obj[int(part[1:-1])] if part.startswith("[") else obj[part]
    return obj


def assert_components_add_up(result):
    for p in result["properties"]:
        if p["recognized_gain"] is None:
            continue
        assert sum(p["components"].values(), Decimal(0)) == p["recognized_gain"], p["id"]
        for u in p["units"]:
            assert sum(u["components"].values(), Decimal(0)) == u["recognized_gain"], u["id"]


@pytest.fixture
def cli():
    return run_cli


# perf: the tests' law cache (engine/lawcache.py) lives in a folder of this run, never the user's
def _private_law_cache():
    import atexit
    import os
    import shutil
    import tempfile
    folder = tempfile.mkdtemp(prefix="recapture-test-cache-")
    os.environ["RECAPTURE_CACHE"] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


_private_law_cache()
