"""Reading YAML and JSON exactly and safely: numbers become Decimal, dates stay
ISO text, every value keeps the line it came from (for `file:line` errors),
and no input can make the reader run away.

- Files are read as bytes, at most `limits.file_bytes` of them, without
  blocking on a FIFO, then decoded as strict UTF-8 (a bad byte is a fault
  naming its line and column).
- YAML is parsed with libyaml (`CSafeLoader`'s C parser) when PyYAML has it,
  with the pure-Python parser otherwise; the nodes are composed here, without
  recursion, so that nesting is limited (`limits.depth`), aliases can repeat
  at most `limits.yaml_aliases` nodes (a "billion laughs" document is refused
  after a few hundred nodes, not after 5 GB), an alias never points into its
  own anchor, and a key given twice in one mapping is a fault.
- Only safe construction: tags never run code.
- JSON: NaN and Infinity are refused (not JSON), integers too long for Python's
  int are read as Decimal, nesting beyond the interpreter's stack is a fault."""
from __future__ import annotations

import json
import os
import re
import stat
from decimal import Decimal
from pathlib import Path

import yaml
from yaml import events as ev
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import one_line
from .limits import DEFAULT, Limits, current


class InputError(Exception):
    """A user's mistake in an input file: reported as one line, never a traceback."""

    def __init__(self, file, path, reason):
        reason = one_line(reason)
        super().__init__(f"{file}: {path}: {reason}" if path else f"{file}: {reason}")
        self.file, self.path, self.reason = str(file), path, reason

    def as_dict(self):
        return {"path": self.path or "$", "reason": self.reason}


# -- construction: exact numbers, dates as text ---------------------------
def _decimal(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except Exception:
        value = None
    if value is None or not value.is_finite():  # .inf, .nan
        raise yaml.constructor.ConstructorError(None, None, f"not a finite number: {text[:40]}", node.start_mark)
    return value


def _int(loader, node):
    text = loader.construct_scalar(node)
    if len(text) > 40:  # beyond any amount or year; Python refuses int() of 4,300+ digits
        raise yaml.constructor.ConstructorError(None, None, f"a number of {len(text)} digits", node.start_mark)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


def _text(loader, node):
    return loader.construct_scalar(node)


class ExactConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor whose floats are Decimal and whose dates are left as text."""


class ExactLoader(yaml.SafeLoader):
    """The pure-Python loader with exact construction (usable with `yaml.load`).
    `parse_yaml` adds the limits; prefer it for anything a user gives."""


for _cls in (ExactConstructor, ExactLoader):
    _cls.add_constructor("tag:yaml.org,2002:float", _decimal)
    _cls.add_constructor("tag:yaml.org,2002:int", _int)
    _cls.add_constructor("tag:yaml.org,2002:timestamp", _text)


class _PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                  ExactConstructor, yaml.resolver.Resolver):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        ExactConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


try:
    from yaml.cyaml import CParser as _LibYAML
except ImportError:  # PyYAML built without libyaml
    _LibYAML = None
if _LibYAML is not None:
    class _CParser(_LibYAML, ExactConstructor, yaml.resolver.Resolver):
        def __init__(self, stream):
            _LibYAML.__init__(self, stream)
            ExactConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
    PARSER = _CParser
else:
    PARSER = _PureParser


def _libyaml_limits_nesting() -> bool:
    """libyaml 0.2.5 and later refuse nesting beyond 1,000 levels; before, its composer
    (recursive C) could exhaust the stack, so events are composed here instead."""
    try:
        from yaml._yaml import get_version
        return tuple(get_version()) >= (0, 2, 5)
    except Exception:  # noqa: BLE001 - any doubt: compose here
        return False


# libyaml's composer (the fastest correct way: its nodes, then `_walk`) when it limits
# nesting; libyaml's events composed by `_compose` otherwise; the pure parser without libyaml.
_FAST = PARSER if PARSER is not _PureParser and _libyaml_limits_nesting() else None


# -- composition with limits -----------------------------------------------
# A collection being composed is a list: [node, path, items, mapping?, key part
# for the next value (None: a key comes next), size in nodes with aliases
# expanded, keys seen {(tag, text): line}, anchor].
_NODE, _PATH, _ITEMS, _MAP, _NEXT, _SIZE, _KEYS, _ANCHOR = range(8)


def _key_part(node):
    """A mapping key as the line map names it: ints for int keys (years), the text otherwise."""
    if type(node) is not ScalarNode:
        return "<key>"
    if node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value)
        except ValueError:
            pass
    return node.value


def _compose(loader, name, limits: Limits):
    """The document's root node and its line map {path tuple: 1-based line}, built
    from the parser's events without recursion, within the limits."""
    get, resolve = loader.get_event, loader.resolve
    get()  # stream start
    if isinstance(get(), ev.StreamEndEvent):
        return None, {}
    Scalar, Alias, SeqStart, MapStart = ev.ScalarEvent, ev.AliasEvent, ev.SequenceStartEvent, ev.MappingStartEvent
    SeqEnd, MapEnd, DocEnd = ev.SequenceEndEvent, ev.MappingEndEvent, ev.DocumentEndEvent
    anchors, sizes, lines = {}, {}, {}
    stack = []
    top = None
    repeated = 0
    max_depth, max_repeated = limits.depth, limits.yaml_aliases
    while True:
        e = get()
        cls = type(e)
        if cls is SeqEnd or cls is MapEnd:
            node = top[_NODE]
            node.end_mark = e.end_mark
            items = top[_ITEMS]
            node.value = list(zip(items[0::2], items[1::2])) if top[_MAP] else items
            size = top[_SIZE]
            if top[_ANCHOR] is not None:
                anchors[top[_ANCHOR]] = node
                sizes[id(node)] = size
            stack.pop()
            top = stack[-1] if stack else None
            path = None  # its line was recorded when it began
        elif cls is Scalar or cls is Alias or cls is SeqStart or cls is MapStart:
            # where this node goes: the path of a value, None for a mapping key
            if top is None:
                path = ()
            elif top[_MAP]:
                path = None if top[_NEXT] is None else top[_PATH] + (top[_NEXT],)
            else:
                path = top[_PATH] + (len(top[_ITEMS]),)
            if cls is Scalar:
                tag = e.tag
                if tag is None or tag == "!":
                    tag = resolve(ScalarNode, e.value, e.implicit)
                node = ScalarNode(tag, e.value, e.start_mark, e.end_mark, style=e.style)
                size = 1
                if e.anchor is not None:
                    _new_anchor(anchors, e)
                    anchors[e.anchor] = node
                    sizes[id(node)] = 1
            elif cls is Alias:
                node = anchors.get(e.anchor)
                if node is None:
                    raise yaml.composer.ComposerError(
                        None, None, f"found undefined alias {e.anchor[:40]!r} (or an alias inside its own anchor)",
                        e.start_mark)
                size = sizes[id(node)]
                repeated += size
                if repeated > max_repeated:
                    raise InputError(name, None, f"line {e.start_mark.line + 1}: YAML aliases repeat more than "
                                     f"{max_repeated} nodes (limit yaml_aliases; a document that expands "
                                     f"itself like this is refused)")
            else:
                where = path if path is not None else top[_PATH]
                if len(stack) >= max_depth:
                    raise InputError(name, json_path(where), f"line {e.start_mark.line + 1}: nested more than "
                                     f"{max_depth} levels deep (limit depth)")
                mapping = cls is MapStart
                kind = MappingNode if mapping else SequenceNode
                tag = e.tag
                if tag is None or tag == "!":
                    tag = resolve(kind, None, e.implicit)
                node = kind(tag, [], e.start_mark, None, flow_style=e.flow_style)
                if e.anchor is not None:
                    _new_anchor(anchors, e)  # defined when the collection ends: no alias into itself
                if path is not None:
                    lines[path] = e.start_mark.line + 1
                frame = [node, where, [], mapping, None, 1, {} if mapping else None, e.anchor]
                if top is not None:  # attached now, so that its parent sees the key or index taken
                    _attach(top, node, 0, name)
                stack.append(frame)
                top = frame
                continue
            if path is not None:
                lines[path] = e.start_mark.line + 1
        elif cls is DocEnd:
            break
        else:  # cannot happen with a conforming parser
            raise yaml.composer.ComposerError(None, None, f"unexpected {cls.__name__}", e.start_mark)
        if top is None:
            root = node
        elif cls is SeqEnd or cls is MapEnd:
            top[_SIZE] += size  # the collection was attached when it began; now its size is known
        else:
            _attach(top, node, size, name)
    last = get()
    if not isinstance(last, ev.StreamEndEvent):
        raise yaml.composer.ComposerError(None, None, "expected a single document, but found another document",
                                          last.start_mark)
    return root, lines


def _new_anchor(anchors, e):
    if e.anchor in anchors:
        raise yaml.composer.ComposerError(None, None, f"found duplicate anchor {e.anchor[:40]!r}", e.start_mark)


def _attach(top, node, size, name):
    """`node` into the collection `top`: the next item, key or value."""
    top[_ITEMS].append(node)
    top[_SIZE] += size
    if not top[_MAP]:
        return
    if top[_NEXT] is not None:  # a value: a key comes next
        top[_NEXT] = None
        return
    part = _key_part(node)
    if type(node) is ScalarNode and node.value != "<<":
        keys = top[_KEYS]
        k = (node.tag, node.value)
        if k in keys:
            raise InputError(name, json_path(top[_PATH] + (part,)), f"line {node.start_mark.line + 1}: key given "
                             f"twice (first at line {keys[k]})")
        keys[k] = node.start_mark.line + 1
    top[_NEXT] = part


def _walk(root, name, limits: Limits):
    """The line map of a composed document (libyaml's C composer), checked as `_compose`
    checks while composing: nesting within `limits.depth`, at most `limits.yaml_aliases`
    nodes repeated through aliases, no alias inside its own anchor (the C composer makes
    such a document a cycle), no key twice in a mapping. Without recursion; nothing is
    constructed until this has passed, so a document made to expand never does."""
    lines = {}
    sizes = {}          # id(node) -> its size in nodes, aliases expanded, once it is walked
    walking = set()     # ids of the collections being walked (the current path)
    accs = []           # the size so far of each collection being walked
    repeated = 0
    max_depth, max_repeated = limits.depth, limits.yaml_aliases
    stack = [(root, (), None, 0)]  # (node, path, True at its end, the line it is used on)
    while stack:
        node, path, done, used_on = stack.pop()
        if done is not None:  # the end of a collection: its size is known
            size = accs.pop()
            sizes[id(node)] = size
            walking.discard(id(node))
            if accs:
                accs[-1] += size
            continue
        key = id(node)
        if key in sizes:  # seen before: an alias (on its key's line, or its sequence's first line)
            lines[path] = used_on + 1
            size = sizes[key]
            repeated += size
            if repeated > max_repeated:
                raise InputError(name, None, f"line {used_on + 1}: YAML aliases repeat more than "
                                 f"{max_repeated} nodes (limit yaml_aliases; a document that expands itself like "
                                 f"this is refused)")
            if accs:
                accs[-1] += size
            continue
        if key in walking:
            raise InputError(name, json_path(path), f"line {node.start_mark.line + 1}: not valid YAML: an alias "
                                                    f"inside its own anchor")
        lines[path] = node.start_mark.line + 1
        kind = type(node)
        if kind is ScalarNode:
            sizes[key] = 1
            if accs:
                accs[-1] += 1
            continue
        if len(accs) >= max_depth:
            raise InputError(name, json_path(path), f"line {node.start_mark.line + 1}: nested more than "
                             f"{max_depth} levels deep (limit depth)")
        walking.add(key)
        accs.append(1)
        stack.append((node, path, True, 0))
        if kind is MappingNode:
            seen = {}
            children = []
            for k, v in node.value:
                part = _key_part(k)
                if type(k) is ScalarNode and k.value != "<<":
                    kk = (k.tag, k.value)
                    if kk in seen:
                        raise InputError(name, json_path(path + (part,)), f"line {k.start_mark.line + 1}: key "
                                         f"given twice (first at line {seen[kk]})")
                    seen[kk] = k.start_mark.line + 1
                    accs[-1] += 1
                else:
                    children.append((k, path, None, k.start_mark.line))  # a collection or alias as a key
                children.append((v, path + (part,), None, k.start_mark.line))
            stack.extend(reversed(children))
        else:
            line = node.start_mark.line
            stack.extend(reversed([(v, path + (i,), None, line) for i, v in enumerate(node.value)]))
    return lines


def parse_yaml(text: str, name: str, limits: Limits | None = None):
    """Return (data, lines). Raises InputError naming the line of a syntax error
    or of the limit an input goes beyond. Without `limits`, the default limits
    (rule files are read so: a user's --limit never changes how the law loads)."""
    limits = limits or DEFAULT
    _check_text(text, name, limits)
    try:
        loader = PARSER(text)
        try:
            if PARSER is _FAST:  # libyaml composes (it limits nesting to 1,000 itself); checked here
                node = loader.get_single_node()
                lines = _walk(node, name, limits) if node is not None else {}
            else:
                node, lines = _compose(loader, name, limits)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise InputError(name, None, f"{line}not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InputError(name, None, f"not valid YAML: {e}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as e:
        raise InputError(name, None, f"not valid YAML: {type(e).__name__}: {e}") from None
    return data, lines


# -- JSON ------------------------------------------------------------------
def _no_constant(text):
    raise ValueError(f"{text} is not a JSON number")


def _json_int(text):
    return int(text) if len(text) <= 40 else Decimal(text)


# what json.loads(text, parse_float=..., ...) makes afresh for every call, made once (perf)
_JSON = json.JSONDecoder(parse_float=Decimal, parse_int=_json_int, parse_constant=_no_constant)


def parse_json(text: str, name: str, limits: Limits | None = None):
    limits = limits or DEFAULT
    _check_text(text, name, limits)
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _JSON.decode(text), {}
    except json.JSONDecodeError as e:
        raise InputError(name, None, f"line {e.lineno}: not valid JSON: {e.msg}") from None
    except RecursionError:
        raise InputError(name, None, f"nested more than {limits.depth} levels deep (limit depth)") from None
    except ValueError as e:
        raise InputError(name, None, f"not valid JSON: {e}") from None


def parse_document(text: str, name: str, limits: Limits | None = None, as_json: bool | None = None):
    """JSON or YAML: by `as_json`, else JSON when the text starts with `{`."""
    if as_json is None:
        as_json = text.lstrip().startswith("{")
    return (parse_json if as_json else parse_yaml)(text, name, limits)


# -- text and bytes --------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text, name, limits):
    if len(text) > limits.file_bytes:
        raise InputError(name, None, f"{len(text):,} characters, more than the limit of {limits.file_bytes:,} "
                                     f"(limit file_bytes)")
    m = None if text.isascii() else _SURROGATE.search(text)  # perf: an ASCII text has no surrogate to find
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise InputError(name, None, f"line {line}: not valid Unicode (a lone surrogate, U+{ord(m.group()):04X})")


def decode(raw: bytes, name: str) -> str:
    """Strict UTF-8 (a byte-order mark is dropped); a bad byte is a fault naming its line and column."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(name, None, f"line {line}, column {column}: not UTF-8 text "
                                     f"(byte 0x{raw[e.start]:02x}: {e.reason})") from None
    return text[1:] if text.startswith("\ufeff") else text


def file_kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_bytes(path, name: str | None = None, limits: Limits | None = None, regular_only: bool = False) -> bytes:
    """The bytes of a file, at most `limits.file_bytes`. Opening never blocks (a FIFO
    without a writer); with `regular_only`, anything but a regular file is refused
    unread (a FIFO, a device, a socket)."""
    limits = limits or current()
    name = name or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(name, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, None, "is a folder, not a file") from None
    except OSError as e:
        raise InputError(name, None, f"cannot read: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        kind = file_kind(st.st_mode)
        if kind == "a folder":
            raise InputError(name, None, "is a folder, not a file")
        if kind and regular_only:
            raise InputError(name, None, f"is {kind}, not a regular file (not read)")
        if not kind and st.st_size > limits.file_bytes:
            raise InputError(name, None, f"{st.st_size:,} bytes, more than the limit of {limits.file_bytes:,} "
                                         f"(limit file_bytes)")
        if kind:  # a pipe or device the user named: read it, blocking, but never beyond the limit
            os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limits.file_bytes:
            chunk = os.read(fd, min(1 << 20, limits.file_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limits.file_bytes:
            raise InputError(name, None, f"more than the limit of {limits.file_bytes:,} bytes (limit file_bytes)")
        return b"".join(chunks)
    except OSError as e:
        raise InputError(name, None, f"cannot read: {e.strerror}") from None
    finally:
        os.close(fd)


def read_stream(stream, name: str, limits: Limits | None = None) -> bytes:
    """At most `limits.file_bytes` bytes of a binary stream (standard input)."""
    limits = limits or current()
    try:
        raw = stream.read(limits.file_bytes + 1)
    except OSError as e:
        raise InputError(name, None, f"cannot read: {e.strerror}") from None
    if len(raw) > limits.file_bytes:
        raise InputError(name, None, f"more than the limit of {limits.file_bytes:,} bytes (limit file_bytes)")
    return raw


def read_text(path: Path, name: str | None = None, limits: Limits | None = None) -> str:
    name = name or str(path)
    return decode(read_bytes(path, name, limits), name)


def load_document(path: Path, name: str | None = None, limits: Limits | None = None, regular_only: bool = False):
    """Load a JSON or YAML file (by its ending; YAML otherwise): (data, lines), within
    `limits` (the process's limits by default: this reads a user's files)."""
    name = name or str(path)
    limits = limits or current()
    text = decode(read_bytes(path, name, limits, regular_only), name)
    if str(path).endswith(".json"):
        return parse_json(text, name, limits)
    return parse_yaml(text, name, limits)


def _part(key) -> str:
    text = str(key)
    if len(text) > 40:
        text = text[:37] + "..."
    return _SURROGATE.sub("\ufffd", text)


def json_path(parts) -> str:
    """('properties', 0, 'cost') -> 'properties[0].cost' (a key longer than 40 characters is cut)."""
    out = ""
    for p in parts:
        if isinstance(p, int) and not isinstance(p, bool):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + _part(p)
    return out or "$"
