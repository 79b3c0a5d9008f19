"""Reading YAML and JSON exactly: numbers become Decimal, dates stay ISO text,
and every value keeps the line it came from (for `file:line` errors)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import yaml


class InputError(Exception):
    """A user's mistake in an input file: reported as one line, never a traceback."""

    def __init__(self, file, path, reason):
        super().__init__(f"{file}: {path}: {reason}" if path else f"{file}: {reason}")
        self.file, self.path, self.reason = str(file), path, reason

    def as_dict(self):
        return {"path": self.path or "$", "reason": self.reason}


class ExactLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimal and whose dates are left as text."""


def _decimal(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except Exception:  # .inf, .nan
        raise yaml.constructor.ConstructorError(None, None, f"not a finite number: {text}", node.start_mark)


ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _lines(node, path=(), out=None):
    """Map each JSON path (a tuple of keys and indexes) to its 1-based line."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            try:
                k = int(k) if key.tag.endswith(":int") else k
            except ValueError:
                pass
            out[path + (k,)] = key.start_mark.line + 1
            _lines(value, path + (k,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _lines(value, path + (i,), out)
    return out


def parse_yaml(text: str, name: str):
    """Return (data, lines). Raises InputError naming the line of a syntax error."""
    try:
        loader = ExactLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise InputError(name, None, f"{line}not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InputError(name, None, f"not valid YAML: {e}") from None
    return data, (_lines(node) if node is not None else {})


def parse_json(text: str, name: str):
    try:
        return json.loads(text, parse_float=Decimal), {}
    except json.JSONDecodeError as e:
        raise InputError(name, None, f"line {e.lineno}: not valid JSON: {e.msg}") from None


def read_text(path: Path, name: str | None = None) -> str:
    name = name or str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(name, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, None, "is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(name, None, f"cannot read: {e}") from None


def load_document(path: Path, name: str | None = None):
    """Load a JSON or YAML file (by its ending; YAML otherwise): (data, lines)."""
    name = name or str(path)
    text = read_text(path, name)
    if str(path).endswith(".json"):
        return parse_json(text, name)
    return parse_yaml(text, name)


def json_path(parts) -> str:
    """('properties', 0, 'cost') -> 'properties[0].cost'"""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "$"
