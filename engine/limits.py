"""How much one input may ask of the engine. Every limit has a default chosen
so that no real fact set comes near it, and each can be raised or lowered:

    recapture evaluate big.yaml --limit properties=5000 --limit file_bytes=50000000
    RECAPTURE_LIMITS="properties=5000,seconds=300" recapture batch ...
    recapture.limits.configure(properties=5000)          # from Python

An input beyond a limit is refused with exit 2 and a one-line reason naming the
limit and how to raise it; nothing is read, parsed or evaluated past it.
docs/limits.md explains each default.

The largest amount of money is not a setting: it is where exact arithmetic
stops being guaranteed (`MAX_MONEY` in facts.py). Nor is the deepest nesting
beyond MAX_DEPTH: past it, parsers crash, and the engine's walks over the facts
(compiled, engine/native.py, so without Python's recursion check) would too."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

ENV = "RECAPTURE_LIMITS"
MAX_DEPTH = 200  # `depth` may be raised up to this; the schema's deepest field is 7 levels down


class LimitError(ValueError):
    """A limit setting that is not NAME=NUMBER with a known name, or beyond what it may be."""


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 10_000_000      # one fact file, one .jsonl line, standard input
    properties: int = 2_000           # properties + improvements + activities in a fact set; items in any list
    depth: int = 32                   # levels of nesting (the schema's deepest field is 7 levels down)
    string_chars: int = 1_000         # characters in any text or key (ids are at most 64, case_id 200)
    yaml_aliases: int = 1_000         # YAML nodes repeated through aliases (an alias of a 10-node map counts 10)
    seconds: float = 60.0             # one input in `batch` (a 2,000-property fact set takes about 5 s)

    def __post_init__(self):
        if self.depth > MAX_DEPTH:
            raise LimitError(f"depth={self.depth}: nesting is limited to at most {MAX_DEPTH} levels (the schema's "
                             "deepest field is 7 levels down; deeper nesting crashes parsers)")

    def with_(self, **changes) -> "Limits":
        return replace(self, **changes)


DEFAULT = Limits()
NAMES = tuple(f.name for f in fields(Limits))
HELP = {
    "file_bytes": "bytes in one fact file, .jsonl line or standard input",
    "properties": "properties, improvements and activities in one fact set (and items in any one list)",
    "depth": "levels of nesting in a fact file or rule file",
    "string_chars": "characters in any text value or key of a fact file",
    "yaml_aliases": "YAML nodes that aliases may repeat in one document (fact files and rule files)",
    "seconds": "seconds one input may take in `batch` before its worker is stopped",
}


def parse(specs, base: Limits | None = None) -> Limits:
    """`["properties=5000", "seconds=120"]` (or one comma-separated text) applied to `base`."""
    base = base or DEFAULT
    if isinstance(specs, str):
        specs = [s for s in specs.split(",") if s.strip()]
    changes = {}
    for spec in specs:
        name, sep, value = str(spec).partition("=")
        name = name.strip()
        if not sep or name not in NAMES:
            raise LimitError(f"{spec!r}: a limit is NAME=NUMBER, NAME one of {', '.join(NAMES)}")
        try:
            number = float(value) if name == "seconds" else int(value.replace("_", ""))  # float ok: a time limit
        except ValueError:
            raise LimitError(f"{spec!r}: {value.strip()!r} is not a number") from None
        if not number > 0:
            raise LimitError(f"{spec!r}: a limit is greater than 0")
        changes[name] = number
    return replace(base, **changes)


_current: Limits | None = None


def current() -> Limits:
    """The limits in force in this process: the defaults, then RECAPTURE_LIMITS, then `configure`."""
    global _current
    if _current is None:
        try:
            _current = parse(os.environ.get(ENV, ""), DEFAULT)
        except LimitError as e:
            from .errors import EXIT_INPUT, RecaptureError
            raise RecaptureError(EXIT_INPUT, [f"{ENV}: {e}"]) from None
    return _current


def configure(limits: Limits | None = None, **changes) -> Limits:
    """Set the limits of this process (a Limits, or changes to the current ones); returns them."""
    global _current
    _current = replace(limits or current(), **changes)
    return _current
