"""The command's exit codes and the fault every command raises for them."""

EXIT_OK, EXIT_INPUT, EXIT_RULES = 0, 2, 3


class Fault(Exception):
    """A user-facing failure: an exit code and one line per fault for stderr."""

    def __init__(self, code, lines):
        super().__init__("\n".join(lines))
        self.code, self.lines = code, lines
