"""Fact fields by their dotted path, as `whatif --vary` and the strategy files name them.

    taxpayer.ordinary_income
    properties[0].disposition.date        a list item by index
    properties.0.disposition.date         the same
    properties.duplex.disposition.date    a list item by its `id`
    taxpayer_by_year.2026.ordinary_income

Setting a field that the fact file leaves out (a default) creates it, as long as
the facts schema has such a field; every fault is a `PathError` with a reason a
person can act on ("properties has no item with id 'dupex'; its ids are duplex")."""
from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\[(\d+|\*)\]|([^.\[\]]+)")


class PathError(Exception):
    """A field path that does not name a field of the fact set."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def parse(path: str) -> list:
    """'properties[0].cost' -> ['properties', 0, 'cost']; '[*]' is the wildcard '*'."""
    text = (path or "").strip()
    if not text:
        raise PathError(path, "empty field path")
    parts, pos = [], 0
    for m in _TOKEN.finditer(text):
        gap = text[pos:m.start()]
        if gap not in ("", ".") or (gap == "" and pos and m.group(2) is not None):
            raise PathError(path, f"cannot read the field path near {text[pos:]!r}")
        pos = m.end()
        if m.group(1) is not None:
            parts.append("*" if m.group(1) == "*" else int(m.group(1)))
        else:
            parts.append(m.group(2))
    if pos != len(text) or text.endswith("."):
        raise PathError(path, f"cannot read the field path near {text[pos:]!r}")
    return parts


def text(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if value is None:
        return "empty (null)"
    return type(value).__name__


def _index(items: list, part, where: str, path: str) -> int:
    """The index a path part names in a list: an int, digits, or an item's `id`."""
    if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
        i = int(part)
        if i >= len(items):
            raise PathError(path, f"{where} has {len(items)} item{'s' if len(items) != 1 else ''}; there is no [{i}]")
        return i
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == part:
            return i
    known = ", ".join(str(x) for x in ids if x is not None) or "none"
    hint = difflib.get_close_matches(str(part), [str(x) for x in ids if x is not None], n=1)
    return _raise(path, f"{where} has no item with id {part!r}; its ids are {known}"
                  + (f" (did you mean {hint[0]}?)" if hint else ""))


def _raise(path, reason):
    raise PathError(path, reason)


def resolve(data, path: str, create: bool = False):
    """(container, key) of the field a path names; with `create`, missing mappings on
    the way are made. Raises PathError."""
    parts = parse(path)
    if "*" in parts:
        raise PathError(path, "a wildcard [*] cannot be set from --vary")
    obj, done = data, []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = text(done) or "the fact set"
        if isinstance(obj, list):
            key = _index(obj, part, where, path)
        elif isinstance(obj, dict):
            key = str(part)
            if key not in obj:
                # YAML reads `2026:` as the number 2026: match keys by their text
                match = [k for k in obj if str(k) == key]
                if match:
                    key = match[0]
        else:
            raise PathError(path, f"{where} is {_describe(obj)}, which has no field {part!r}")
        if last:
            return obj, key
        try:
            nxt = obj[key]
        except (KeyError, IndexError):
            if not create or not isinstance(obj, dict):
                raise PathError(path, f"{where} has no field {part!r}") from None
            nxt = obj[key] = {}
        if nxt is None and create and isinstance(obj, dict):
            nxt = obj[key] = {}
        obj = nxt
        done.append(key)
    raise PathError(path, "empty field path")  # pragma: no cover - parse() refuses it


def get(data, path: str):
    obj, key = resolve(data, path)
    try:
        return obj[key]
    except (KeyError, IndexError):
        raise PathError(path, f"{text(parse(path)[:-1]) or 'the fact set'} has no field {key!r}") from None


def assign(data, path: str, value, schema: dict | None = None):
    """Set the field a path names (creating mappings on the way); with `schema`, a
    field the facts schema does not have is refused, with the nearest name."""
    if schema is not None:
        check_schema_path(schema, path, data)
    obj, key = resolve(data, path, create=True)
    obj[key] = value


def remove(data, path: str):
    """Delete the field a path names, if it is there."""
    try:
        obj, key = resolve(data, path)
    except PathError:
        return
    if isinstance(obj, dict):
        obj.pop(key, None)


# -- the facts schema along a path ----------------------------------------------
def _deref(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target = schema
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _children(schema, node):
    """Every sub-schema a value may be described by (anyOf/oneOf/allOf branches included)."""
    node = _deref(schema, node)
    out = [node]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []) if isinstance(node, dict) else []:
            out += _children(schema, sub)
            if isinstance(sub, dict):
                for branch in ("then", "else"):
                    if branch in sub:
                        out += _children(schema, sub[branch])
    return out


def check_schema_path(schema: dict, path: str, data=None):
    """Raise PathError when the facts schema has no field at `path`."""
    parts = parse(path)
    nodes = [schema]
    done = []
    for part in parts:
        where = text(done) or "the fact set"
        nxt, names = [], set()
        for node in (c for n in nodes for c in _children(schema, n)):
            if not isinstance(node, dict):
                continue
            if "items" in node and (isinstance(part, int) or isinstance(part, str)):
                # a list: an index, digits or an id all name an item
                nxt.append(node["items"])
                continue
            props = node.get("properties") or {}
            names |= set(props)
            if str(part) in props:
                nxt.append(props[str(part)])
            elif isinstance(node.get("additionalProperties"), dict):
                nxt.append(node["additionalProperties"])
        if not nxt:
            hint = difflib.get_close_matches(str(part), sorted(names), n=1)
            known = f"; its fields are {', '.join(sorted(names))}" if names and not hint else ""
            raise PathError(path, f"{where} has no field {part!r}"
                            + (f" (did you mean {hint[0]}?)" if hint else known))
        nodes = nxt
        done.append(part)
