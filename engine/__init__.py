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

# batch and whatif are also the names of modules: load those first, so that importing them
# later (as api.batch() and api.whatif() do) never replaces these functions with the modules.
from . import batch as _batch_module, whatif as _whatif_module  # noqa: E402,F401
from .api import Result, batch, evaluate, load, whatif  # noqa: E402
from .errors import RecaptureError  # noqa: E402

__all__ = ["evaluate", "batch", "whatif", "load", "Result", "RecaptureError", "__version__"]
