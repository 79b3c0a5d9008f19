"""A small, safe formula language for rule files.

Formulas are text such as ``min(max(gain_left, 0), depreciation_total)``. They
are parsed with ``ast.parse`` and *interpreted* node by node from a whitelist;
nothing is ever passed to eval/exec, and only the functions in FUNCTIONS can be
called. Every value a formula reads is recorded, for the audit trail.
"""
from __future__ import annotations

import ast
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache

CENT = Decimal("0.01")


class FormulaError(Exception):
    pass


def round_cents(x):
    """Round half up to the cent (the forms' and tables' rounding)."""
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def _date(s):
    return dt.date.fromisoformat(str(s))


def _add_years(s, n):
    d = _date(s)
    try:
        return d.replace(year=d.year + int(n)).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year + int(n), day=28).isoformat()


def _tax_on(amount, brackets):
    """Tax on `amount` by a bracket list [{over, rate}, ...], exactly (no table steps)."""
    amount = Decimal(amount)
    tax = Decimal(0)
    for i, b in enumerate(brackets):
        lo = Decimal(b["over"])
        hi = Decimal(brackets[i + 1]["over"]) if i + 1 < len(brackets) else None
        if amount <= lo:
            break
        top = amount if hi is None else min(amount, hi)
        tax += (top - lo) * Decimal(b["rate"])
    return tax


def _bracket_start(brackets, index):
    return Decimal(brackets[int(index)]["over"])


def _period_value(periods, *dates):
    """The value of a dated table ([{from, to, value, basis}]): the first period whose
    own date (its `basis`: `acquired` = the first date given, `placed_in_service` = the
    last) falls within it; None if none does."""
    for p in periods:
        date = dates[0] if p.get("basis") == "acquired" else dates[-1]
        if str(p["from"]) <= str(date) and (p.get("to") is None or str(date) <= str(p["to"])):
            return Decimal(p["value"])
    return None


def _sum(*args):
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    return sum((Decimal(x) for x in items if x is not None), Decimal(0))


def _min(*args):
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    return min(items)


def _max(*args):
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    return max(items)


def _sum_matching(entities, field, key, value):
    """Sum of `field` over the entities whose `key` equals `value`."""
    return sum((Decimal(e.values.get(field) or 0) for e in entities if e.values.get(key) == value), Decimal(0))


def _sum_years(mapping, first, last):
    """Sum of a {year: amount} mapping over the years first..last."""
    return sum((Decimal(v) for k, v in (mapping or {}).items() if int(first) <= int(k) <= int(last)), Decimal(0))


def _sum_of(rows, key):
    """Sum of `key` over a list of mappings (e.g. the principal of each payment)."""
    return sum((Decimal(r[key]) for r in rows or []), Decimal(0))


def _days_within(periods, start, end):
    """Days of the periods [{from, to}] that fall between start and end."""
    lo, hi = _date(start), _date(end)
    total = 0
    for p in periods or []:
        a, b = max(_date(p["from"]), lo), min(_date(p["to"]), hi)
        total += max((b - a).days, 0)
    return Decimal(total)


def _last_date(periods, key):
    return max((str(p[key]) for p in periods or []), default=None)


FUNCTIONS = {
    "days_within": _days_within,
    "last_date": _last_date,
    "sum_of": _sum_of,
    "sum_matching": _sum_matching,
    "sum_years": _sum_years,
    "min": _min, "max": _max, "sum": _sum, "abs": abs, "count": len,
    "round_cents": round_cents,
    "tax_on": _tax_on, "bracket_start": _bracket_start, "period_value": _period_value,
    "year": lambda s: Decimal(_date(s).year),
    "month": lambda s: Decimal(_date(s).month),
    "quarter": lambda s: Decimal((_date(s).month - 1) // 3 + 1),
    "add_years": _add_years,
    "add_days": lambda s, n: (_date(s) + dt.timedelta(days=int(n))).isoformat(),
    "days_between": lambda a, b: Decimal((_date(b) - _date(a)).days),
    "text": lambda x: str(x),
    "any": lambda xs: any(xs), "all": lambda xs: all(xs),
}

_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}
_CMPS = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Not, ast.BoolOp, ast.And, ast.Or,
            ast.Compare, ast.IfExp, ast.Call, ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.Constant,
            ast.List, ast.Tuple, *_BINOPS, *_CMPS)


@lru_cache(maxsize=4096)
def parse(text: str) -> ast.Expression:
    """Parse and check a formula; raises FormulaError naming what is not allowed."""
    try:
        tree = ast.parse(" ".join(str(text).split()), mode="eval")
    except SyntaxError as e:
        raise FormulaError(f"formula {text!r} does not parse: {e.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise FormulaError(f"formula {text!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise FormulaError(f"formula {text!r}: only these functions may be called: {', '.join(sorted(FUNCTIONS))}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise FormulaError(f"formula {text!r}: names may not start with '_'")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise FormulaError(f"formula {text!r}: constant {node.value!r} is not allowed")
    return tree


def names_in(text: str) -> set[str]:
    """The top-level names a formula reads (for static checks)."""
    return {n.id for n in ast.walk(parse(text)) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}


class Scope:
    """What a formula can see. Subclasses resolve names and attributes and record reads."""

    def name(self, name: str):
        raise NotImplementedError

    def attribute(self, obj, attr: str):
        if isinstance(obj, dict):
            if attr not in obj:
                raise FormulaError(f"no {attr!r} in {sorted(obj)}")
            return obj[attr]
        raise FormulaError(f"cannot read .{attr} of {type(obj).__name__}")


def evaluate(text, scope: Scope):
    with localcontext() as ctx:
        ctx.prec = 40
        return _eval(parse(text).body, scope)


def _num(v):
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, int) and not isinstance(v, bool):
        return Decimal(v)
    return v


def _eval(node, scope):
    if isinstance(node, ast.Constant):
        return _num(node.value)
    if isinstance(node, ast.Name):
        if node.id in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[node.id]
        return _num(scope.name(node.id))
    if isinstance(node, ast.Attribute):
        return _num(scope.attribute(_eval(node.value, scope), node.attr))
    if isinstance(node, ast.Subscript):
        obj, key = _eval(node.value, scope), _eval(node.slice, scope)
        if isinstance(obj, dict):
            for k in (key, str(key), int(key) if isinstance(key, Decimal) and key == key.to_integral() else None):
                if k is not None and k in obj:
                    return _num(obj[k])
            raise FormulaError(f"no key {key!r} in {sorted(map(str, obj))}")
        if isinstance(obj, (list, tuple)):
            return _num(obj[int(key)])
        raise FormulaError(f"cannot index {type(obj).__name__}")
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, scope), _eval(node.right, scope)
        if isinstance(node.op, ast.Div) and b == 0:
            raise FormulaError("division by zero")
        return _BINOPS[type(node.op)](a, b)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, scope)
        return -v if isinstance(node.op, ast.USub) else (+v if isinstance(node.op, ast.UAdd) else not v)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            for v in node.values:
                if not _eval(v, scope):
                    return False
            return True
        return any(_eval(v, scope) for v in node.values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, scope)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, scope)
            if not _CMPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body, scope) if _eval(node.test, scope) else _eval(node.orelse, scope)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, scope) for e in node.elts]
    if isinstance(node, ast.Call):
        args = [_eval(a, scope) for a in node.args]
        try:
            return _num(FUNCTIONS[node.func.id](*args))
        except FormulaError:
            raise
        except Exception as e:
            raise FormulaError(f"{node.func.id}(): {e}") from None
    raise FormulaError(f"{type(node).__name__} is not allowed")
