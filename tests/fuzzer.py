"""A seeded mutator of the example fact sets: the hostile inputs of issue 8
(dropped fields, wrong types, huge numbers, odd dates, unicode, deep nesting,
many properties, broken bytes), as .jsonl lines. Used by tests/test_fuzz.py
(2,000 lines through `batch`, 200 through the API) and benchmarks/fuzz.py
(20,000+). Deterministic for a given seed."""
from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

ODD_NUMBERS = [0, -1, -0.0, 1e400, -1e400, 1e-400, 10 ** 30, 2 ** 63, 2 ** 64 + 1, 0.001, 123456789012345.678,
               999999999999999.99, 1e15, 3.14159, "12.5", "1e5", "", " ", "NaN", "-", "1,000", "0x10", True, None,
               [], {}, "\u0661\u0662", 7, 2018, 2026, 1900, 2200, 1899, 2201]
ODD_TEXT = ["", " ", "\ud800", "\udfff", "\u0000", "\n", "caf\u00e9", "\u202e", "=SUM(A1)", "a" * 300,
            "x" * 70, "\U0001F600", "../../etc/passwd", "{", "null", "2025-02-30", "2025-13-01", "0000-01-01",
            "9999-12-31", "2025-1-1", "20250101", "-2025-01-01", "2025-06-15T00:00:00"]
ODD_DATES = ["2025-02-29", "2024-02-29", "2025-02-30", "1986-12-31", "1987-01-01", "2000-01-01", "2026-12-31",
             "2027-01-01", "2017-09-27", "2017-09-28", "2023-01-01", "1900-01-01", "2025-06-15", "2025-12-31"]
ENUMS = ["individual", "c_corporation", "single", "married_joint", "married_separate", "head_of_household",
         "residential_rental", "nonresidential_real", "land", "land_improvement", "personal_5yr", "personal_7yr",
         "qualified_improvement", "sale", "installment_sale", "like_kind_exchange", "death", "gift",
         "home_sale_121", "none", "gds", "ads", "mid_quarter", "half_year", "rental_real_estate", "other_passive"]


def examples() -> list[dict]:
    from recapture.yamlio import parse_yaml
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        data, _ = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        out.append(_jsonable(data))
    return out


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral() else float(v)
    return v


def _paths(doc, most_depth=12):
    """Every (container, key) in a document, down to `most_depth` levels."""
    stack = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= most_depth:
            continue
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else ()
        for k in keys:
            yield node, k
            stack.append((node[k], depth + 1))


def _mutate(doc, rng: random.Random):
    spots = list(_paths(doc))
    if not spots:
        return
    container, key = rng.choice(spots)
    op = rng.randrange(14)
    if op == 0 and isinstance(container, dict):
        del container[key]                                   # a dropped field
    elif op == 1:
        container[key] = rng.choice(ODD_NUMBERS)             # a wrong type or an odd number
    elif op == 2:
        container[key] = rng.choice(ODD_TEXT)                # odd text and unicode
    elif op == 3:
        container[key] = rng.choice(ODD_DATES)               # odd dates
    elif op == 4:
        container[key] = rng.choice(ENUMS)                   # another enum value
    elif op == 5 and isinstance(container[key], (int, float)) and not isinstance(container[key], bool):
        container[key] = container[key] * rng.choice([-1, 0, 2, 10, 1000, 10 ** 12, 10 ** 20])
    elif op == 6:
        container[key] = f"__deep_{rng.choice([5, 31, 33, 60, 200, 900, 5000])}__"  # deep nesting, made in text
    elif op == 7 and isinstance(container, dict):
        container[rng.choice(["extra", "cost ", "Cost", "\ud800", "x" * 1200, "tax_year"])] = 1  # unknown fields
    elif op == 8 and isinstance(container[key], list) and container[key]:
        container[key] = container[key] * rng.choice([2, 3])  # duplicates (ids used twice)
    elif op == 9 and isinstance(container[key], list):
        container[key] = []
    elif op == 10 and isinstance(container[key], dict):
        container[key] = list(container[key].values())       # a list for a mapping
    elif op == 11:
        container[key] = None
    elif op == 12 and isinstance(container[key], str) and len(container[key]) == 10 and container[key][:4].isdigit():
        y = int(container[key][:4]) + rng.choice([-40, -1, 1, 2, 30])  # a date moved by years
        container[key] = f"{max(y, 0):04d}" + container[key][4:]
    elif op == 13:
        container[key] = str(container[key])                  # numbers as text, lists as text


def _many_properties(doc, rng, n):
    props = doc.get("properties")
    if isinstance(props, list) and props and isinstance(props[0], dict):
        doc["properties"] = [dict(copy.deepcopy(props[0]), id=f"p{i}-{rng.randrange(10 ** 9)}") for i in range(n)]


def lines(n: int, seed: int = 8) -> list[bytes]:
    """n .jsonl lines (no blank ones): about a fifth the examples unchanged or
    slightly varied, the rest mutated; some broken at the byte level."""
    rng = random.Random(seed)
    base = examples()
    out = []
    for i in range(n):
        doc = copy.deepcopy(rng.choice(base))
        doc["case_id"] = f"fuzz-{i}"
        roll = rng.random()
        if roll < 0.25:  # a valid variation: other income, share, price
            tp = doc.get("taxpayer") or {}
            tp["ordinary_income"] = rng.randrange(0, 900000)
            for p in doc.get("properties") or []:
                if rng.random() < 0.3:
                    p["ownership_share"] = rng.choice([0.25, 0.5, 1])
                d = p.get("disposition") or {}
                if "sale_price" in d and not d.get("allocation") and not d.get("installment") and rng.random() < 0.5:
                    d["sale_price"] = rng.randrange(0, 3 * int(p.get("cost", 1)) + 1)
        else:
            for _ in range(rng.choice([1, 1, 2, 3, 5])):
                _mutate(doc, rng)
            if rng.random() < 0.01:
                _many_properties(doc, rng, rng.choice([2001, 40]))
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5, separators=(",", ":"), allow_nan=True)
        while '"__deep_' in text:
            at = text.index('"__deep_')
            end = text.index('__"', at) + 3
            n = int(text[at + 8:end - 3])
            half = rng.randrange(n + 1)
            opening = "[" * half + '{"k":' * (n - half)
            closing = "}" * (n - half) + "]" * half
            text = text[:at] + opening + "1" + closing + text[end:]
        raw = text.encode("utf-8", "surrogatepass")
        roll = rng.random()
        if roll < 0.03:
            raw = raw[:rng.randrange(1, max(2, len(raw)))]     # truncated
        elif roll < 0.05:
            at = rng.randrange(len(raw))
            raw = raw[:at] + bytes([rng.choice([0xff, 0xc3, 0x80, 0xed])]) + raw[at:]  # a bad byte
        elif roll < 0.06:
            raw = b"\xef\xbb\xbf" + raw                          # a byte-order mark
        elif roll < 0.07:
            raw = raw.replace(b":", b"=", 1)                     # not JSON
        raw = raw.replace(b"\n", b" ").replace(b"\r", b" ")
        if not raw.strip():
            raw = b"{"
        out.append(raw)
    return out


def write(path, n: int, seed: int = 8) -> int:
    with open(path, "wb") as fh:
        for raw in lines(n, seed):
            fh.write(raw + b"\n")
    return n
