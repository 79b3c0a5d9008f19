"""durable-rules, the rule engine, is a C extension built from source when it is
installed. When that build is missing or broken, say what to do in one sentence
(exit 1) instead of an ImportError traceback from deep inside an evaluation."""
from __future__ import annotations

from .errors import RecaptureError

EXIT_INSTALL = 1
REBUILD = ('CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" pip install --force-reinstall --no-deps '
           '--no-cache-dir durable-rules==2.0.28')


class RuleEngineMissing(RecaptureError, ImportError):
    """durable-rules did not import; `lines` holds the one sentence a person acts on."""

    def __init__(self, sentence: str):
        RecaptureError.__init__(self, EXIT_INSTALL, [sentence])


def advice(error: ImportError) -> str:
    """The sentence for a failed import of durable-rules' C extension."""
    reason = str(error)
    if "PyEval_CallObject" in reason:
        return ("recapture: durable-rules was built for this Python without mapping PyEval_CallObject "
                f"(removed in Python 3.13); rebuild it with: {REBUILD}")
    return (f"recapture: its rule engine, durable-rules 2.0.28, does not import ({reason}); "
            "run ./install.sh, or see README, Install")


def require() -> None:
    """Import durable-rules' C extension (all recapture uses of it: engine/adapter.py)
    once, or raise RuleEngineMissing."""
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError as e:
        raise RuleEngineMissing(advice(e)) from None
