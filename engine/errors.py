"""The command's exit codes and the one exception every layer raises for a
user's or an analyst's mistake."""

EXIT_OK, EXIT_INPUT, EXIT_RULES = 0, 2, 3


class RecaptureError(Exception):
    """A failure a person can act on: an exit code (2 invalid input, 3 invalid
    rules or tables), one line per fault for stderr, and the same faults as
    (JSON path, reason) pairs for machine-readable error lines.

    `faults` is a list of (path, reason); `lines` the text a user reads;
    `name` the input the faults belong to (a file name, `<stdin>`, ...)."""

    def __init__(self, code, lines, faults=None, name=None):
        super().__init__("\n".join(lines))
        self.code, self.lines, self.name = code, list(lines), name
        self.faults = list(faults) if faults else [("$", line) for line in lines]

    @classmethod
    def of(cls, code, name, pairs):
        """A fault of input `name`: pairs of (JSON path or None, reason)."""
        pairs = [(p or "$", r) for p, r in pairs]
        lines = [f"{name}: {p}: {r}" if p != "$" else f"{name}: {r}" for p, r in pairs]
        return cls(code, lines, pairs, name)


# The name the engine has always used inside; one class, two names.
Fault = RecaptureError
