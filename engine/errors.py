"""The command's exit codes and the one exception every layer raises for a
user's or an analyst's mistake."""

EXIT_OK, EXIT_INPUT, EXIT_RULES = 0, 2, 3

REASON_CHARS = 300  # a reason is one line of at most this many characters


def one_line(text, limit: int = REASON_CHARS) -> str:
    """A reason as one line of at most `limit` characters: line breaks and other
    control characters shown as escapes, lone surrogates replaced, the middle cut
    with an ellipsis when too long (the start says what, the end often where)."""
    text = str(text)
    if len(text) > 4 * limit:
        text = text[:2 * limit] + text[-limit:]  # never scan a megabyte to print a few hundred characters
    if not text.isprintable():
        text = "".join(c if c.isprintable() else ("\\n" if c == "\n" else f"\\x{ord(c):02x}" if ord(c) < 256
                                                  else "\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else f"\\u{ord(c):04x}")
                       for c in text)
    if len(text) > limit:
        head = limit * 2 // 3
        text = text[:head] + " ... " + text[-(limit - head - 5):]
    return text


def safe_text(text) -> str:
    """A name that any UTF-8 writer accepts: a byte that was not UTF-8 in a file name
    (held as a lone surrogate by Python) shown as `\\xNN`, any other lone surrogate
    as `\\uNNNN`."""
    text = str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for c in text:
        o = ord(c)
        out.append(c if not 0xD800 <= o <= 0xDFFF else f"\\x{o - 0xDC00:02x}" if 0xDC80 <= o <= 0xDCFF
                   else f"\\u{o:04x}")
    return "".join(out)


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
        pairs = [(p or "$", one_line(r)) for p, r in pairs]
        lines = [f"{name}: {p}: {r}" if p != "$" else f"{name}: {r}" for p, r in pairs]
        return cls(code, lines, pairs, name)


# The name the engine has always used inside; one class, two names.
Fault = RecaptureError
