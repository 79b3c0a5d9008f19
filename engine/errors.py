"""The command's exit codes and the fault every command raises for them."""

EXIT_OK, EXIT_INPUT, EXIT_RULES = 0, 2, 3


class Fault(Exception):
    """A user-facing failure: an exit code, one line per fault for stderr, and the
    same faults as (JSON path, reason) pairs for machine-readable error lines."""

    def __init__(self, code, lines, faults=None):
        super().__init__("\n".join(lines))
        self.code, self.lines = code, lines
        self.faults = faults or [("$", line) for line in lines]
