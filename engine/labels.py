"""The names reports print for a result's figures: data in
tables/presentation/labels.yaml (the law's and the forms' own words), read from
the same rules folder as the law. A figure with no label prints its field name."""
from __future__ import annotations

from functools import lru_cache

LABELS_TABLE = ("tables", "presentation", "labels.yaml")


@lru_cache(maxsize=8)
def _labels(root: str) -> dict:
    from pathlib import Path

    from .yamlio import parse_yaml
    path = Path(root).joinpath(*LABELS_TABLE)
    try:
        data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except Exception:  # noqa: BLE001 - labels are presentation; a missing file prints field names
        return {}
    return (data or {}).get("values") or {}


def _root(root=None) -> str:
    from .library import root_text
    return root_text(root)


def label(name: str, root=None) -> str:
    """'unrecaptured_section_1250' -> 'Unrecaptured §1250 gain (25% max)'."""
    entry = _labels(_root(root)).get(name)
    return entry["label"] if entry else name


def form_line(name: str, root=None) -> str | None:
    """The form line a figure is carried to, where the labels name one."""
    entry = _labels(_root(root)).get(name)
    return entry.get("line") if entry else None


def unit(name: str, root=None) -> str | None:
    """What a figure is (usd, year, date, days, percent, rate, text), where the labels say."""
    entry = _labels(_root(root)).get(name)
    return entry.get("unit") if entry else None


def label_in(name: str, context: str, root=None) -> str:
    """The label of `name` in one context (`replacement_basis.death`), else its own label."""
    entry = _labels(_root(root)).get(f"{name}.{context}")
    return entry["label"] if entry else label(name, root)


def form_line_in(name: str, context: str, root=None) -> str | None:
    entry = _labels(_root(root)).get(f"{name}.{context}")
    return entry.get("line") if entry else form_line(name, root)
