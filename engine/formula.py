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
ZERO = Decimal(0)  # Decimal(0), made once (perf: a Decimal is immutable; every use is Decimal(0)'s)


class FormulaError(Exception):
    pass


_quantize = Decimal.quantize  # perf: called unbound, the method is not looked up on each value


def round_cents(x):
    """Round half up to the cent (the forms' and tables' rounding)."""
    if type(x) is not Decimal:
        x = Decimal(x)
    return _quantize(x, CENT, ROUND_HALF_UP)  # rounding given by position: no keyword parsing (perf)


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
    tax = ZERO
    n = len(brackets)
    hi = None
    for i, b in enumerate(brackets):
        if i == 0:  # each bound converted once (hi: brackets[i]["over"])
            lo = b["over"]
            lo = lo if type(lo) is Decimal else Decimal(lo)
        else:
            lo = hi
        if i + 1 < n:
            hi = brackets[i + 1]["over"]
            hi = hi if type(hi) is Decimal else Decimal(hi)
        else:
            hi = None
        if amount <= lo:
            break
        top = amount if hi is None else min(amount, hi)
        rate = b["rate"]
        tax += (top - lo) * (rate if type(rate) is Decimal else Decimal(rate))
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
    total = ZERO
    for x in items:  # the same additions, in the same order, as sum() of Decimal(x) for each
        if x is not None:
            total += x if type(x) is Decimal else Decimal(x)
    return total


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
_ALLOWED_TYPES = frozenset(_ALLOWED)  # the parser makes these exact classes: `type(node) in` is `isinstance`


def _walk(tree) -> tuple:
    """Every node of a tree, in the order of `ast.walk` (breadth first, children in
    field order), listed once per formula for the checks here, `computes`, `names_in`
    and the baseline's analysis, which each walked the tree again. perf: `ast.walk`
    took 1.7-3.6 ms for the 272 formulas of 2025, this 0.8-1.5 ms (2026-12-01)."""
    out, i, node_type = [tree], 0, ast.AST
    while i < len(out):
        node = out[i]
        i += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                out.append(value)
            elif type(value) is list:
                out.extend(v for v in value if isinstance(v, node_type))
    return tuple(out)


# The deepest a formula's tree may be (the law's deepest is 12 levels). Evaluating it
# recurses once a level; compiled (engine/native.py) that recursion has no Python
# recursion check, so a formula may never be deep enough to need one.
MAX_DEPTH = 100


def _depth(tree) -> int:
    """Levels of a tree (the root is 1), found without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        if level > deepest:
            deepest = level
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


@lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple:
    """(the checked tree of a formula, its nodes in `ast.walk` order)."""
    try:
        tree = ast.parse(" ".join(str(text).split()), mode="eval")
    except SyntaxError as e:
        raise FormulaError(f"formula {text!r} does not parse: {e.msg}") from None
    except RecursionError:  # Python's own parser gave up on the nesting
        raise FormulaError(f"formula {text!r}: nested more than {MAX_DEPTH} levels deep") from None
    nodes = _walk(tree)
    deepest = _depth(tree)
    if deepest > MAX_DEPTH:
        raise FormulaError(f"formula {text!r}: nested {deepest} levels deep, more than {MAX_DEPTH}")
    allowed = _ALLOWED_TYPES
    for node in nodes:
        if type(node) not in allowed:
            raise FormulaError(f"formula {text!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise FormulaError(f"formula {text!r}: only these functions may be called: {', '.join(sorted(FUNCTIONS))}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise FormulaError(f"formula {text!r}: names may not start with '_'")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise FormulaError(f"formula {text!r}: constant {node.value!r} is not allowed")
    return tree, nodes


def parse(text: str) -> ast.Expression:
    """Parse and check a formula; raises FormulaError naming what is not allowed."""
    return _parsed(text)[0]


def nodes_of(text: str) -> tuple:
    """Every node of a formula's checked tree, in `ast.walk` order (raises as `parse`)."""
    return _parsed(text)[1]


def names_in(text: str) -> set[str]:
    """The top-level names a formula reads (for static checks)."""
    return {n.id for n in nodes_of(text) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}


class Scope:
    """What a formula can see. Subclasses resolve names and attributes and record reads.

    `local`: a scope may offer a dict of names it resolves first and without
    side effects other than recording each read in `self.reads` (a dict; names
    of lists and mappings are not recorded); compiled formulas then read those
    directly. None: every name goes through `name()`. (A dict, not any mapping:
    the compiled twin of this module reads it as one, engine/native.py.)"""

    __slots__ = ()  # subclasses may keep their attributes in slots (perf: the per-firing scopes do)
    local = None
    # optionally a method (name, attr, local, reads) -> exactly what `attribute(<the value of
    # name>, attr)` gives (name read as a compiled formula reads it; local and reads as the
    # closures are given them, see compile_fast): one call for `x.y` instead of two
    name_attribute = None

    def name(self, name: str):
        raise NotImplementedError

    def attribute(self, obj, attr: str):
        if isinstance(obj, dict):
            if attr not in obj:
                raise FormulaError(f"no {attr!r} in {sorted(obj)}")
            return obj[attr]
        raise FormulaError(f"cannot read .{attr} of {type(obj).__name__}")


def evaluate(text, scope: Scope):
    """The value of a formula for a scope, at 40 significant digits (the caller's
    decimal context otherwise). Compiled once per text (see `compile_formula`)."""
    fn = _COMPILED.get(text)
    if fn is None:
        fn = compile_formula(text)
    with localcontext() as ctx:
        ctx.prec = 40
        return fn(scope)


def interpret(text, scope: Scope):
    """The reference interpreter: walks the formula's tree on every call. The compiled
    closures of `compile_formula` must give exactly what this gives (tests compare them)."""
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


# -- compiled formulas --------------------------------------------------------
# Each formula is parsed and checked once, then turned into nested Python
# closures, one per node of its tree, that do exactly what `_eval` does for that
# node (same order of evaluation, same reads, same errors), without walking the
# tree or dispatching on node types at run time. No eval or exec: the closures
# are fixed Python functions; the formula only chooses which ones are nested.
_COMPILED: dict[str, object] = {}
_CONSTANTS = {"true": True, "false": False, "null": None}
# functions whose result does not depend on the decimal context (no rounding inside)
_EXACT = {"min", "max", "count", "any", "all", "text", "last_date", "year", "month", "quarter", "add_years",
          "add_days", "days_between", "days_within", "period_value", "bracket_start"}


@lru_cache(maxsize=8192)
def computes(text) -> bool:
    """Whether a formula's value may depend on the decimal context: arithmetic,
    a sign, or a function that rounds. False for formulas that only name,
    compare and choose values (and for formulas that do not parse: they raise
    the same error in any context)."""
    try:
        nodes = nodes_of(text)
    except FormulaError:
        return False
    for n in nodes:
        if isinstance(n, ast.BinOp) or (isinstance(n, ast.UnaryOp) and not isinstance(n.op, ast.Not)):
            return True
        if isinstance(n, ast.Call) and n.func.id not in _EXACT:
            return True
    return False


_MISSING = object()
_FAST: dict[str, object] = {}


def compile_formula(text):
    """A callable(scope) giving the formula's value (without setting the decimal
    context: `evaluate` does that). A formula that does not parse or is not
    allowed compiles to a callable that raises its FormulaError, as `_eval` would."""
    fn = _COMPILED.get(text)
    if fn is not None:
        return fn
    fast = compile_fast(text)

    def fn(scope):
        local = scope.local
        return fast(scope, local, scope.reads if local is not None else None)
    if len(_COMPILED) < 65536:
        _COMPILED[text] = fn
    return fn


def compile_fast(text):
    """The same formula as a callable(scope, local, reads), where `local` is
    `scope.local` and `reads` is `scope.reads` (None when local is None): what the
    closures pass each other, so that a name is read without looking the scope's
    attributes up again (perf). A compute rule's firing calls it this way."""
    fn = _FAST.get(text)
    if fn is not None:
        return fn
    try:
        fn = _compile(parse(text).body)
    except FormulaError as e:
        message = str(e)

        def fn(scope, local, reads):
            raise FormulaError(message)
    if len(_FAST) < 65536:
        _FAST[text] = fn
    return fn


def _num_fast(v):
    t = type(v)
    if t is Decimal or t is str:
        return v
    return _num(v)


# Every closure below is called as fn(scope, local, reads) (see compile_fast). The
# annotated locals are dicts: the compiled twin of this module (engine/native.py)
# then reads and sets them with direct calls. (Not the parameters: the twin would
# refuse None for an annotated one.)
def _compile(node):  # noqa: C901 - one branch per allowed node type, as in _eval
    if isinstance(node, ast.Constant):
        value = _num(node.value)
        return lambda scope, local, reads: value
    if isinstance(node, ast.Name):
        ident = node.id
        if ident in _CONSTANTS:
            value = _CONSTANTS[ident]
            return lambda scope, local, reads: value

        def name(scope, local, reads):
            if local is not None:
                values: dict = local
                v = values.get(ident, _MISSING)
                if v is not _MISSING:
                    t = type(v)
                    if t is Decimal or t is str or t is bool or v is None:
                        read: dict = reads
                        read[ident] = v
                        return v
                    if not isinstance(v, (list, dict)):
                        read: dict = reads
                        read[ident] = v
                    return _num(v)
            v = scope.name(ident)
            t = type(v)
            if t is Decimal or t is str:
                return v
            if t is int or t is float or isinstance(v, (int, float)):
                return _num(v)
            return v  # what _num gives back unchanged: lists, entities, tables, booleans, null
        return name
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id not in _CONSTANTS:
        base_fn, base, attr = _compile(node.value), node.value.id, node.attr

        def attribute_of_name(scope, local, reads):
            hook = scope.name_attribute
            v = (hook(base, attr, local, reads) if hook is not None
                 else scope.attribute(base_fn(scope, local, reads), attr))
            t = type(v)
            if t is Decimal or t is str:
                return v
            if t is int or t is float or isinstance(v, (int, float)):
                return _num(v)
            return v
        return attribute_of_name
    if isinstance(node, ast.Attribute):
        inner, attr = _compile(node.value), node.attr

        def attribute(scope, local, reads):
            v = scope.attribute(inner(scope, local, reads), attr)
            t = type(v)
            if t is Decimal or t is str:
                return v
            if t is int or t is float or isinstance(v, (int, float)):
                return _num(v)
            return v  # what _num gives back unchanged: lists, entities, tables, booleans, null
        return attribute
    if isinstance(node, ast.Subscript):
        obj_f, key_f = _compile(node.value), _compile(node.slice)

        def subscript(scope, local, reads):
            obj, key = obj_f(scope, local, reads), key_f(scope, local, reads)
            if type(obj) is dict and type(key) is str and key in obj:  # the first key tried below, found
                return _num(obj[key])
            if isinstance(obj, dict):
                for k in (key, str(key), int(key) if isinstance(key, Decimal) and key == key.to_integral() else None):
                    if k is not None and k in obj:
                        return _num(obj[k])
                raise FormulaError(f"no key {key!r} in {sorted(map(str, obj))}")
            if isinstance(obj, (list, tuple)):
                return _num(obj[int(key)])
            raise FormulaError(f"cannot index {type(obj).__name__}")
        return subscript
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub) and isinstance(node.left, ast.BinOp) \
            and type(node.left.op) in (ast.Add, ast.Sub):
        # a + b - c + d: one closure for the chain, evaluated left to right as the tree is
        chain, n = [], node
        while isinstance(n, ast.BinOp) and type(n.op) in (ast.Add, ast.Sub):
            chain.append((type(n.op) is ast.Add, _compile(n.right)))
            n = n.left
        head = _compile(n)
        chain.reverse()

        def add_chain(scope, local, reads):
            acc = head(scope, local, reads)
            for plus, f in chain:
                acc = acc + f(scope, local, reads) if plus else acc - f(scope, local, reads)
            return acc
        return add_chain
    if isinstance(node, ast.BinOp):
        left, right = _compile(node.left), _compile(node.right)
        op = type(node.op)
        if op is ast.Add:
            return lambda scope, local, reads: left(scope, local, reads) + right(scope, local, reads)
        if op is ast.Sub:
            return lambda scope, local, reads: left(scope, local, reads) - right(scope, local, reads)
        if op is ast.Mult:
            return lambda scope, local, reads: left(scope, local, reads) * right(scope, local, reads)
        if op is ast.Div:
            def div(scope, local, reads):
                a, b = left(scope, local, reads), right(scope, local, reads)
                if b == 0:
                    raise FormulaError("division by zero")
                return a / b
            return div
        fn = _BINOPS[op]
        return lambda scope, local, reads: fn(left(scope, local, reads), right(scope, local, reads))
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda scope, local, reads: -operand(scope, local, reads)
        if isinstance(node.op, ast.UAdd):
            return lambda scope, local, reads: +operand(scope, local, reads)
        return lambda scope, local, reads: not operand(scope, local, reads)
    if isinstance(node, ast.BoolOp):
        values = [_compile(v) for v in node.values]
        if isinstance(node.op, ast.And):
            def all_of(scope, local, reads):
                for v in values:
                    if not v(scope, local, reads):
                        return False
                return True
            return all_of

        def any_of(scope, local, reads):
            for v in values:
                if v(scope, local, reads):
                    return True
            return False
        return any_of
    if isinstance(node, ast.Compare):
        first = _compile(node.left)
        pairs = [(_CMPS[type(op)], _compile(comp)) for op, comp in zip(node.ops, node.comparators)]
        if len(pairs) == 1:
            (cmp, second), = pairs
            return lambda scope, local, reads: True if cmp(first(scope, local, reads), second(scope, local, reads)) \
                else False

        def compare(scope, local, reads):
            left = first(scope, local, reads)
            for cmp, comp in pairs:
                right = comp(scope, local, reads)
                if not cmp(left, right):
                    return False
                left = right
            return True
        return compare
    if isinstance(node, ast.IfExp):
        test, body, orelse = _compile(node.test), _compile(node.body), _compile(node.orelse)
        return lambda scope, local, reads: body(scope, local, reads) if test(scope, local, reads) \
            else orelse(scope, local, reads)
    if isinstance(node, (ast.List, ast.Tuple)):
        elts = [_compile(e) for e in node.elts]
        return lambda scope, local, reads: [e(scope, local, reads) for e in elts]
    if isinstance(node, ast.Call):
        fname = node.func.id
        func = FUNCTIONS[fname]
        args = [_compile(a) for a in node.args]
        if func in (_min, _max) and len(args) == 2:  # min(a, b) / max(a, b): no list, no unpacking
            first, second = args
            # what the builtins do for two items: max keeps a unless b > a, min unless b < a
            # (the same comparison, operands in the same order, so the same errors)
            if func is _max:
                def call2(scope, local, reads):
                    a, b = first(scope, local, reads), second(scope, local, reads)
                    try:
                        v = b if b > a else a
                    except Exception as e:
                        raise FormulaError(f"{fname}(): {e}") from None
                    return v if type(v) is Decimal else _num(v)
            else:
                def call2(scope, local, reads):
                    a, b = first(scope, local, reads), second(scope, local, reads)
                    try:
                        v = b if b < a else a
                    except Exception as e:
                        raise FormulaError(f"{fname}(): {e}") from None
                    return v if type(v) is Decimal else _num(v)
            return call2
        if func is _sum and len(args) == 1:
            (only,) = args

            def sum1(scope, local, reads):  # sum(list): _sum's additions, without the argument tuple
                v = only(scope, local, reads)
                try:
                    if type(v) is list:
                        total = ZERO
                        for x in v:
                            if x is not None:
                                total += x if type(x) is Decimal else Decimal(x)
                        return total
                    return _num(_sum(v))
                except FormulaError:
                    raise
                except Exception as e:
                    raise FormulaError(f"{fname}(): {e}") from None
            return sum1
        if len(args) == 1:
            (only,) = args

            def call1(scope, local, reads):
                v = only(scope, local, reads)
                try:
                    return _num(func(v))
                except FormulaError:
                    raise
                except Exception as e:
                    raise FormulaError(f"{fname}(): {e}") from None
            return call1

        def call(scope, local, reads):
            values = [a(scope, local, reads) for a in args]
            try:
                return _num(func(*values))
            except FormulaError:
                raise
            except Exception as e:
                raise FormulaError(f"{fname}(): {e}") from None
        return call
    message = f"{type(node).__name__} is not allowed"

    def not_allowed(scope, local, reads):
        raise FormulaError(message)
    return not_allowed
