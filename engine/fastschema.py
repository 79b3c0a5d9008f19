"""Fast JSON-Schema validation: jsonschema-rs decides that a document is valid
(about 10 µs for a fact set, against about 1 ms for the jsonschema package);
the jsonschema package still decides every other case and words every fault.

`is_valid(schema, data)` answers True only when the full validator would find
no fault either; otherwise None ("ask the full validator"), never False. Three
things keep that promise where the two libraries read a document differently:
- a Decimal with a whole value (JSON `2.0`): jsonschema-rs takes it as an
  integer, jsonschema does not; such a document goes to the full validator;
- the year 0000: a valid RFC 3339 date for jsonschema-rs, not for Python's
  `date`; the fast schema refuses it (a narrowed copy of the schema);
- integer keys (YAML's `1:`) reach jsonschema-rs as text, unless that text is
  also a key of the mapping or a property name the schema knows; other keys
  that are not text, floats (JSON's NaN) and anything jsonschema-rs cannot
  read (unpaired surrogates, ...) go to the full validator.
Without jsonschema-rs installed, every call returns None: the full validator
alone, as before. Nothing here knows tax law.
"""
from __future__ import annotations

import copy
from decimal import Decimal

try:
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover - exercised by the no-jsonschema-rs test
    _rs = None

_validators: dict[int, object] = {}
_NOT_YEAR_0000 = {"not": {"type": "string", "pattern": "^0000"}}


def _narrow(schema):
    """A copy of the schema that also refuses what only jsonschema-rs would accept."""
    def walk(node):
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            if out.get("format") == "date":
                out["allOf"] = list(out.get("allOf", [])) + [_NOT_YEAR_0000]
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    return walk(copy.deepcopy(schema))


def _validator(schema: dict):
    key = id(schema)
    v = _validators.get(key)
    if v is None:
        try:
            v = _rs.Draft202012Validator(_narrow(schema), validate_formats=True)
        except Exception:  # noqa: BLE001 - a schema it cannot compile: the full validator decides
            v = False
        _validators[key] = v
        _validators[-key] = schema  # keep the schema alive while its id is a key
    return v


_NO, _AS_IS, _KEYS = 0, 1, 2


def _read_alike(node) -> int:
    """_NO when the document holds a value the two libraries type differently;
    _KEYS when it has integer keys (YAML's `1:`) to give jsonschema-rs as text;
    _AS_IS otherwise."""
    stack, verdict = [node], _AS_IS
    while stack:
        n = stack.pop()
        t = type(n)
        if t is dict:
            for k in n:
                if type(k) is not str:
                    if type(k) is not int:
                        return _NO
                    verdict = _KEYS
            stack.extend(n.values())
        elif t is list:
            stack.extend(n)
        elif t is Decimal or isinstance(n, Decimal):
            if not n.is_finite() or n == n.to_integral_value():
                return _NO
        elif t is float:
            return _NO
    return verdict


def _names(schema) -> set:
    """Every property name the schema mentions (properties, required, dependent...)."""
    out, stack = set(), [schema]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            for k, v in n.items():
                if k in ("properties", "dependentRequired", "dependentSchemas") and isinstance(v, dict):
                    out.update(v)
                elif k == "required" and isinstance(v, list):
                    out.update(x for x in v if isinstance(x, str))
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)
    return out


def _text_keys(node, names):
    """The document with integer keys as text, or None where that could change a verdict
    (the text is also a key of the same mapping, or a name the schema gives a rule to).
    jsonschema reads an integer key as no named property; so does jsonschema-rs then."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if type(k) is int:
                k = str(k)
                if k in node or k in names:
                    return None
            v = _text_keys(v, names)
            if v is None:
                return None
            out[k] = v
        return out
    if isinstance(node, list):
        out = []
        for v in node:
            v = _text_keys(v, names)
            if v is None:
                return None
            out.append(v)
        return out
    return node


def is_valid(schema: dict, data) -> bool | None:
    """True if `data` is valid under `schema` (a schema dict kept alive by the caller,
    e.g. an lru_cache'd one); None when only the full validator can say."""
    if _rs is None:
        return None
    v = _validator(schema)
    if not v:
        return None
    kind = _read_alike(data)
    if kind == _NO:
        return None
    if kind == _KEYS:
        data = _text_keys(data, _schema_names(schema))
        if data is None:
            return None
    try:
        return True if v.is_valid(data) else None
    except Exception:  # noqa: BLE001 - data it cannot read: the full validator decides
        return None


_name_sets: dict[int, set] = {}


def _schema_names(schema) -> set:
    names = _name_sets.get(id(schema))
    if names is None:
        names = _name_sets[id(schema)] = _names(schema)
    return names


def available() -> bool:
    return _rs is not None
