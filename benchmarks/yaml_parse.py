"""How long reading every rule and table file takes, three ways (issue 10 measured
57 rule files parsed twice with pure-Python PyYAML):

- pure: PyYAML's pure-Python loader and a recursive walk for the line map (before);
- libyaml composer: libyaml's C parser and C composer, then the same walk (fast, but
  the walk expands aliases, and nothing limits nesting or alias expansion);
- recapture: libyaml's C parser and composer, then a walk without recursion that
  makes the line map and checks the limits (nesting, alias expansion, an alias into
  its own anchor) and duplicate keys before anything is constructed (engine/yamlio.py);
- recapture, events: libyaml's events composed here without recursion (the path for
  a libyaml older than 0.2.5, whose composer does not limit nesting).

    python benchmarks/yaml_parse.py [ROUNDS]

All three give the same data and line map on every file (checked first)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, SequenceNode

from recapture import yamlio

ROOT = Path(__file__).resolve().parent.parent


def _lines(node, path=(), out=None):
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        for key, value in node.value:
            k = key.value
            try:
                k = int(k) if key.tag.endswith(":int") else k
            except ValueError:
                pass
            out[path + (k,)] = key.start_mark.line + 1
            _lines(value, path + (k,), out)
    elif isinstance(node, SequenceNode):
        for i, value in enumerate(node.value):
            _lines(value, path + (i,), out)
    return out


class _CLoader(yaml.CSafeLoader):
    pass


for tag, fn in yamlio.ExactLoader.yaml_constructors.items():
    _CLoader.add_constructor(tag, fn)


def with_loader(cls):
    def parse(text):
        loader = cls(text)
        try:
            node = loader.get_single_node()
            return loader.construct_document(node), _lines(node)
        finally:
            loader.dispose()
    return parse


def events(text):
    fast, yamlio._FAST = yamlio._FAST, None
    try:
        return yamlio.parse_yaml(text, "x")
    finally:
        yamlio._FAST = fast


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    files = sorted((ROOT / "rules").rglob("*.yaml")) + sorted((ROOT / "tables").rglob("*.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    ways = {"pure PyYAML + walk": with_loader(yamlio.ExactLoader),
            "libyaml composer + walk": with_loader(_CLoader),
            "recapture": lambda t: yamlio.parse_yaml(t, "x"),
            "recapture, events": events}
    reference = [ways["pure PyYAML + walk"](t) for t in texts]
    for name, parse in ways.items():
        assert [parse(t) for t in texts] == reference, name
    print(f"{len(files)} rule and table files, {sum(map(len, texts)) / 1024:.0f} KB, libyaml "
          f"{'present' if yamlio.PARSER is not yamlio._PureParser else 'absent'}; best of {rounds}, CPU time:")
    for name, parse in ways.items():
        best = min(_time(parse, texts) for _ in range(rounds))
        print(f"  {name:<28} {best * 1000:7.1f} ms")
    return 0


def _time(parse, texts):
    t = time.process_time()  # CPU time: the machine may be busy with other work
    for text in texts:
        parse(text)
    return time.process_time() - t


if __name__ == "__main__":
    sys.exit(main())
