"""recapture: the US federal tax on selling depreciated property, from
versioned tax tables, with the rule of law behind every figure.

The engine knows no law. Every rate, threshold, period, table and ordering is
data under rules/ and tables/ (shipped inside this package); this package only
loads, validates, compiles, runs, traces and reports.

    import recapture
    result = recapture.evaluate("examples/forum-rental-sale.yaml")
    result["tax"]["tax_due_to_dispositions"]
"""
__version__ = "0.2.0"

import sys as _sys  # noqa: E402
import types as _types  # noqa: E402

from . import native as _native  # noqa: E402

_native.install()  # before any hot module is imported: its compiled twin, when verified (engine/native.py)

from .api import Result, batch, evaluate, load, whatif  # noqa: E402
from .errors import RecaptureError  # noqa: E402
from . import limits  # noqa: E402

_API_NAMES = frozenset({"evaluate", "batch", "whatif"})


class _Package(_types.ModuleType):
    """`recapture.evaluate`, `.batch` and `.whatif` are the API's functions, yet
    modules of the same names sit inside the package, and importing a submodule
    sets it as an attribute of its package. Keep the functions: the modules stay
    importable by name (`from recapture.evaluate import Unsupported`)."""

    def __setattr__(self, name, value):
        if name in _API_NAMES and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package

__all__ = ["evaluate", "batch", "whatif", "load", "Result", "RecaptureError", "__version__"]
