"""Warning messages of rule files: text with `{name}` placeholders filled from
the values of the fact the rule fired on, each printed as what it is (money as
1,234.56, a date as a date: `unit` in tables/presentation/labels.yaml), never as
the facts happened to write it: 60000 and "60000.00" give the same warning.

A message may name a value of the fact (`{deferred_gain}`), or the fact's
`{id}`, and nothing else: no attributes (`{id.__class__}`), no indexes
(`{schedule[0]}`), no conversions (`{id!r}`), and no format specification
except the money format `{deferred_gain:,.2f}` (thousands separators, cents).
`rules check` reports any other placeholder as a fault of the rule file, and
the runtime renders such a placeholder as its own text, never through
`str.format`, so a rule file can neither reach the interpreter's internals nor
build a huge string."""
from __future__ import annotations

import re
import string
from decimal import Decimal

MONEY_FORMAT = ",.2f"
FORMATS = ("", MONEY_FORMAT)
MAX_VALUE_TEXT = 200          # characters of one filled-in value
MAX_MESSAGE = 2000            # characters of a whole warning

_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


class TemplateError(ValueError):
    pass


_parsed: dict = {}  # message text -> its parts (a tuple), or why it is refused (perf: one parse a text)


def parse(text: str) -> list[tuple[str, str | None, str]]:
    """[(literal text, field name or None, format spec)]; raises TemplateError
    naming the first placeholder that is not allowed."""
    key = text if type(text) is str else None
    if key is not None:
        got = _parsed.get(key)
        if got is not None:
            if type(got) is str:  # the reason it was refused
                raise TemplateError(got)
            return list(got)
    try:
        parts = _parse(text)
    except TemplateError as e:
        if key is not None and len(_parsed) < 4096:
            _parsed[key] = str(e)
        raise
    if key is not None and len(_parsed) < 4096:
        _parsed[key] = tuple(parts)
    return parts


def _parse(text: str) -> list[tuple[str, str | None, str]]:
    try:
        parts = list(string.Formatter().parse(str(text)))
    except ValueError as e:
        raise TemplateError(f"message {_short(text)}: {e} (write {{{{ and }}}} for a literal brace)") from None
    out = []
    for literal, field, spec, conversion in parts:
        if field is None:
            out.append((literal, None, ""))
            continue
        where = "{" + field + (("!" + conversion) if conversion else "") + ((":" + spec) if spec else "") + "}"
        if conversion:
            raise TemplateError(f"placeholder {where}: conversions (!r, !s, !a) are not allowed")
        if not field:
            raise TemplateError(f"placeholder {where}: name the value to print, as in {{id}}")
        if not _NAME.match(field):
            raise TemplateError(f"placeholder {_short(where)}: only a value's name may be printed "
                                "(no attributes, indexes or numbers)")
        if spec not in FORMATS:
            raise TemplateError(f"placeholder {_short(where)}: the only format allowed is the money format "
                                f"{{{field}:{MONEY_FORMAT}}}")
        out.append((literal, field, spec))
    return out


def names(text: str) -> set[str]:
    """The value names a message prints (raises TemplateError as `parse`)."""
    return {field for _, field, _ in parse(text) if field}


def render(text: str, values: dict, id: str) -> str:
    """The message with its placeholders filled; a placeholder that is not
    allowed, or names a value the fact does not have, is left as written."""
    try:
        parts = parse(text)
    except TemplateError:
        return _cap(str(text))
    out = []
    for literal, field, spec in parts:
        out.append(literal)
        if field is None:
            continue
        if field == "id":
            value = id
        elif field in values:
            value = values[field]
        else:
            out.append("{" + field + (":" + spec if spec else "") + "}")
            continue
        out.append(_cap(_format(value, spec, field if field != "id" else None), MAX_VALUE_TEXT))
    return _cap("".join(out))


def _format(value, spec, field=None):
    if spec == MONEY_FORMAT and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format(Decimal(value), MONEY_FORMAT)
    if field is not None:
        from .formats import value as by_unit
        return by_unit(field, value)
    return str(value)


def _cap(text, limit=MAX_MESSAGE):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(text, n=60):
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"
