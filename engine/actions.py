"""The fixed library of actions a rule may name. Each is generic arithmetic
over the workbook, driven by the rule's `with:` parameters; none holds a
figure of law. Every action records what it read and what it set."""
from __future__ import annotations

from decimal import Decimal, getcontext, setcontext

from .formula import ZERO, FormulaError, compile_fast, compile_formula, computes, parse, round_cents
from .messages import render as render_message
from .workbook import Entity, EntityScope, Workbook


class Firing(EntityScope):
    """One rule firing on one entity: evaluates formulas, records reads and sets.
    It is also the scope its formulas see (one object per firing, not two)."""

    __slots__ = ("ctx", "rule", "sets", "lines")

    def __init__(self, ctx, rule, entity):
        # EntityScope.__init__(self, ctx.book, entity), inlined: one firing, one call
        self.book, self.entity, self.reads, self._extra, self.local = ctx.book, entity, {}, {}, entity.values
        self.ctx, self.rule = ctx, rule
        self.sets = {}
        self.lines = {}

    @property
    def scope(self):
        return self

    def eval(self, formula, **extra):
        self.extra = extra
        try:
            fn = compile_formula(formula)  # evaluate(formula, self), in the run's 40-digit context
            ctx = self.ctx
            if getattr(ctx, "decimal_is_40", False):  # a compute firing left it current (see _bound_compute)
                return fn(self)
            base, dec = _context40(ctx)
            setcontext(dec)
            try:
                return fn(self)
            finally:
                setcontext(base)
        finally:
            self.extra = {}

    def set(self, name, value, line=None):
        rule: dict = self.rule  # typed (perf)
        declared = rule.get("_sets")  # perf: what sets_of() declared (the baseline relies on it)
        if declared is not None and name not in declared:
            raise FormulaError(f"action {self.rule.get('action')} set {name!r}, which actions.sets_of() does not "
                               "declare for it: add it there")
        self.entity.values[name] = value
        self.sets[name] = value
        if line:
            self.lines[name] = line

    def record(self):
        # the firing is over: its reads, sets and lines go into the trace as they are
        rule = self.rule
        entry = {"rule": rule["id"], "citation": rule["citation"], "file": rule["file"],
                 "version": rule["version"], "entity": self.entity.id,
                 "read": self.reads, "set": self.sets}
        if self.lines:
            entry["lines"] = self.lines
        self.ctx.book.trace.append(entry)


def _entity(ctx, fact: dict):  # fact typed (perf): the adapter hands every action a dict
    return ctx.book.entities[fact.get("of", fact["id"])]


# -- compute ---------------------------------------------------------------
def compute(ctx, rule, fact, closure):
    """with: {set: {name: formula | {value: formula, line: form line}},
              warn: [{when: formula, message: text with {name}}],
              emit: {type: fact type, fields: {field: formula}}}"""
    params = rule.get("with") or {}
    f = Firing(ctx, rule, _entity(ctx, fact))
    try:
        for name, spec in (params.get("set") or {}).items():
            formula, line = (spec["value"], spec.get("line")) if isinstance(spec, dict) else (spec, None)
            f.set(name, f.eval(formula), line)
        for w in params.get("warn") or []:
            if f.eval(w["when"]):
                # named values of the fact only, never str.format (engine/templates.py)
                ctx.book.warn(render_message(w["message"], f.entity.values, f.entity.id))
        if params.get("emit"):
            _emit(f, params["emit"], closure)
    finally:
        f.record()


def _emit(f, spec, closure):
    from .adapter import assert_derived
    fact = {"type": spec["type"], "id": f"{spec['type']}:{f.entity.id}", "of": f.entity.id}
    for name, formula in (spec.get("fields") or {}).items():
        value = f.eval(formula)
        if isinstance(value, Decimal):
            if value != value.to_integral():
                raise FormulaError(f"emit field {name!r}: only text, booleans and whole numbers enter the rule engine")
            value = int(value)
        fact[name] = value
    assert_derived(closure, fact)


# -- depreciation from a percentage table -------------------------------------
def depreciate_from_percentage_table(ctx, rule, fact, closure):
    """with: {table: name | tables: {convention: name} with convention: formula
              | table_named: formula giving the name,
              conventions: name of the conventions table, basis: formula,
              placed_in_service: formula, disposed_on: formula (null if kept),
              through_year: formula, prefix: text before every name set (default none),
              no_deduction_when: formula (true: no year is deducted, the schedule is empty)}
    Year n's deduction is basis x rows[n][column] / 100, rounded to cents;
    nothing beyond the basis. In the year of disposition it is that row x
    min(1, periods in service / periods the row covers), the periods read from
    the table (recovery_period, convention) and the conventions table
    (periods_per_year p, fraction_of_period f): in service in the column's
    period c, row 1 covers p - (c - 1) - (1 - f) periods, each later row p,
    and the last row what is left of recovery_period x p; in its last year the
    asset is in service (period of disposition - 1 + f) periods. Sets (after the
    prefix): schedule, table_depreciation, disposition_year_depreciation,
    recovery_year_of_disposition, depreciation_table."""
    p = rule["with"]
    f = Firing(ctx, rule, _entity(ctx, fact))
    try:
        use_40_digits(ctx)  # the formulas up to through_year, in one switch of context (perf)
        tables = ctx.book.law.tables
        convention = f.eval(p["convention"]) if "convention" in p else None
        if "table" in p:
            name = p["table"]
        elif "tables" in p:
            name = p["tables"][convention]
        else:
            name = f.eval(p["table_named"])
        table = tables[name]
        f.scope.reads[f"table:{name}"] = table.file
        conv = tables[p["conventions"]].values[table.doc["convention"]]
        f.scope.reads[f"table:{p['conventions']}"] = tables[p["conventions"]].file
        basis = f.eval(p["basis"])
        placed = f.eval(p["placed_in_service"])
        disposed = f.eval(p["disposed_on"]) if p.get("disposed_on") else None
        last_year = int(disposed[:4]) if disposed else int(f.eval(p["through_year"]))
        use_base_context(ctx)  # the table's arithmetic, in the run's own context as always
        column = _column(table, conv, placed)
        rows = table.values
        per_year = Decimal(str(conv["periods_per_year"]))
        fraction = Decimal(str(conv["fraction_of_period"]))
        first_covers = per_year - (_period_of(placed, conv) - 1) - (1 - fraction)
        all_periods = Decimal(str(table.doc["recovery_period"])) * per_year

        def covers(n):  # periods of the recovery period that row n covers
            if n == 1:
                return first_covers
            return max(min(per_year, all_periods - first_covers - (n - 2) * per_year), ZERO)

        schedule, total, in_disposal_year, recovery_year = [], ZERO, ZERO, None
        first_year = int(placed[:4])
        no_deduction = bool(f.eval(p["no_deduction_when"])) if p.get("no_deduction_when") else False
        for y in range(first_year, last_year + 1):
            n = y - first_year + 1
            row = rows[n] if n in rows else rows.get(str(n))
            if row is None or basis <= 0 or no_deduction:
                break
            rate = row[column]
            amount = basis * (rate if type(rate) is Decimal else Decimal(str(rate))) / 100
            if disposed and y == last_year:
                recovery_year = n
                in_service = _period_of(disposed, conv) - 1 + fraction
                covered = covers(n)
                if covered > 0 and in_service < covered:
                    amount = amount * in_service / covered
            amount = min(round_cents(amount), basis - total)
            total += amount
            schedule.append({"year": y, "amount": amount})
            if disposed and y == last_year:
                in_disposal_year = amount
        prefix = p.get("prefix", "")
        f.set(prefix + "depreciation_table", name)
        f.set(prefix + "schedule", schedule)
        f.set(prefix + "table_depreciation", total)
        f.set(prefix + "disposition_year_depreciation", in_disposal_year)
        f.set(prefix + "recovery_year_of_disposition", Decimal(recovery_year) if recovery_year else None)
    finally:
        f.record()


def _period_of(date, conv):
    month = int(date[5:7])
    per = 12 // int(conv["periods_per_year"])
    return Decimal((month - 1) // per + 1)


def _column(table, conv, placed):
    cols = [str(c) for c in table.doc["columns"]]
    if len(cols) == 1:
        return 0
    key = str(int(_period_of(placed, conv)))
    return cols.index(key)


# -- the ordering of gain components ---------------------------------------
def take_gain_component(ctx, rule, fact, closure):
    """with: {component, limit: formula, takes: gain_only | gain_or_loss, left: name, line}
    gain_only: the smaller of the gain not yet characterized (if positive) and
    the limit; gain_or_loss: all that is left, a loss included."""
    p: dict = rule["with"]  # typed (perf)
    f = Firing(ctx, rule, _entity(ctx, fact))
    try:
        left_name = p.get("left", "gain_left")
        left = f.eval(left_name)
        if p.get("takes", "gain_only") == "gain_or_loss":
            amount = left
        else:
            amount = min(max(left, ZERO), max(f.eval(str(p["limit"])), ZERO))
        f.set(p["component"], amount, p.get("line"))
        if type(left) is Decimal and type(amount) is Decimal:
            # `left - amount` in the run's own context, named, so that no context is switched
            # for it (perf; bind() leaves this action in whichever context it finds)
            f.set(left_name, _run_context(ctx).subtract(left, amount))
        else:  # what `left - amount` gives (or raises), as it always did
            use_base_context(ctx)
            f.set(left_name, left - amount)
    finally:
        f.record()


# -- a gain spread over payments, filling buckets in order -----------------
def spread_over_payments(ctx, rule, fact, closure):
    """with: {payments: formula -> [{year, principal}], ratio: formula,
              buckets: [{name, capacity: formula}] (the last takes the rest),
              this_year: formula, schedule: name of the list to set}
    Each payment's gain is principal x ratio, rounded to cents; it fills the
    buckets in order, each up to what is left of its capacity. Sets, for the
    payments of `this_year`, `<bucket>_this_year`, and `gain_this_year`,
    `gain_after_this_year`."""
    p = rule["with"]
    f = Firing(ctx, rule, _entity(ctx, fact))
    try:
        payments = f.eval(p["payments"])
        ratio = f.eval(p["ratio"])
        this_year = int(f.eval(p["this_year"]))
        buckets = [(b["name"], f.eval(b["capacity"]) if "capacity" in b else None) for b in p["buckets"]]
        left = {name: cap for name, cap in buckets}
        rows, now, later = [], {name: ZERO for name, _ in buckets}, ZERO
        for pay in payments:
            gain = round_cents(Decimal(pay["principal"]) * ratio)
            row = {"year": int(pay["year"]), "principal": Decimal(pay["principal"]), "gain": gain}
            rest = gain
            for name, cap in buckets:
                take = rest if left[name] is None else max(min(rest, left[name]), ZERO)
                if left[name] is not None:
                    left[name] -= take
                row[name] = take
                rest -= take
            rows.append(row)
            if row["year"] == this_year:
                for name, _ in buckets:
                    now[name] += row[name]
            elif row["year"] > this_year:
                later += gain
        f.set(p.get("schedule", "installment_schedule"), rows)
        for name, _ in buckets:
            f.set(f"{name}_this_year", now[name])
        f.set("gain_this_year", sum(now.values(), ZERO))
        f.set("gain_after_this_year", later)
    finally:
        f.record()


# -- refusing what the engine does not encode ---------------------------------
def refuse(ctx, rule, fact, closure):
    """with: {field, message, when: optional formula}: the facts ask for something outside the encoded law;
    the fact file is refused (exit 2) with the message and the rule's citation."""
    p = rule["with"]
    e = _entity(ctx, fact)
    f = Firing(ctx, rule, e)
    if "when" in p and not f.eval(p["when"]):
        return  # the rule's pattern matched but its formula condition does not hold
    where = e.values.get("json_path") or f"{e.kind} {e.id}"
    ctx.refusals.append((f"{where}.{p['field']}" if p.get("field") else where, f"{p['message']} ({rule['citation']})"))
    f.record()


ACTIONS = {
    "refuse": refuse,
    "spread_over_payments": spread_over_payments,
    "compute": compute,
    "depreciate_from_percentage_table": depreciate_from_percentage_table,
    "take_gain_component": take_gain_component,
}

# Actions that set the decimal context themselves where it matters (bind() does not
# set the run's own context before them): the gain ordering names its context for its
# one subtraction; the percentage tables compute their formulas at 40 digits, then
# switch to the run's own context for the table's arithmetic.
CONTEXT_FREE = frozenset({take_gain_component, depreciate_from_percentage_table})

_REQUIRED = {
    "compute": [],
    "depreciate_from_percentage_table": ["conventions", "basis", "placed_in_service", "through_year"],
    "take_gain_component": ["component", "limit"],
    "refuse": ["message"],
    "spread_over_payments": ["payments", "ratio", "buckets", "this_year"],
}
_FORMULAS = {
    "depreciate_from_percentage_table": ["convention", "table_named", "basis", "placed_in_service", "disposed_on",
                                         "through_year"],
    "take_gain_component": ["limit"],
    "spread_over_payments": ["payments", "ratio", "this_year"],
    "refuse": ["when"],
}


def check_params(action, params):
    """Static faults in a rule's `with:`: [(path within with, reason)]."""
    faults = []
    for key in _REQUIRED.get(action, []):
        if key not in params:
            faults.append(((), f"action {action} needs `{key}`"))
    if action == "depreciate_from_percentage_table" and not ({"table", "tables", "table_named"} & set(params)):
        faults.append(((), "action depreciate_from_percentage_table needs `table`, `tables` or `table_named`"))
    formulas = [((k,), params[k]) for k in _FORMULAS.get(action, []) if k in params]
    if action == "compute":
        for name, spec in (params.get("set") or {}).items():
            formulas.append((("set", name), spec["value"] if isinstance(spec, dict) else spec))
        for i, w in enumerate(params.get("warn") or []):
            formulas.append((("warn", i, "when"), w.get("when", "")))
        for name, spec in ((params.get("emit") or {}).get("fields") or {}).items():
            formulas.append((("emit", "fields", name), spec))
        unknown = set(params) - {"set", "warn", "emit"}
        if unknown:
            faults.append(((), f"compute takes set, warn, emit; not {', '.join(sorted(unknown))}"))
    for where, formula in formulas:
        try:
            parse(str(formula))
        except FormulaError as e:
            faults.append((where, str(e)))
    return faults


# -- binding a rule to its action (perf) -------------------------------------
def bind(rule):
    """The callable(ctx, fact, closure) that runs `rule`'s action. A `compute` rule
    gets its `with:` read once here (formulas compiled, lines known) and its
    formulas evaluated in one 40-digit decimal context per firing instead of one
    per formula; what it reads, sets, warns and records is exactly `compute`'s."""
    action = ACTIONS[rule["action"]]
    if action is compute:
        try:
            return _bound_compute(rule)
        except Exception:  # noqa: BLE001 - a malformed `with:`: let compute report it when it fires
            pass

    if action in CONTEXT_FREE:
        return lambda ctx, fact, closure: action(ctx, rule, fact, closure)

    def run(ctx, fact, closure):
        use_base_context(ctx)  # what it computes itself, it computes in the run's own context
        action(ctx, rule, fact, closure)
    return run


def _bound_compute(rule):
    params = rule.get("with") or {}
    sets = []
    for name, spec in (params.get("set") or {}).items():
        formula, line = (spec["value"], spec.get("line")) if isinstance(spec, dict) else (spec, None)
        sets.append((name, compile_fast(formula), line))
    warns = [(compile_fast(w["when"]), w["message"]) for w in params.get("warn") or []]
    emit = params.get("emit")
    texts = [spec["value"] if isinstance(spec, dict) else spec for spec in (params.get("set") or {}).values()]
    # formulas that only name, compare and choose values do no arithmetic: no decimal
    # context to set for them (their result could not differ)
    arithmetic = any(computes(t) for t in texts + [w["when"] for w in params.get("warn") or []])
    # a rule that computes nothing but writes a warning or a fact writes it in the run's own context
    plain = not arithmetic and bool(warns or emit)
    # the firing's trace entry, its keys in their order: copied, then its own values set
    # (perf: a copy of a made mapping is a fraction of building it key by key)
    template: dict = {"rule": rule["id"], "citation": rule["citation"], "file": rule["file"],
                      "version": rule["version"], "entity": None, "read": None, "set": None}

    def run(ctx, fact: dict, closure):  # fact: typed (perf), the dict the adapter hands every action
        # typed (perf): in the compiled twin these are extension types (workbook.pxd,
        # actions.pxd), whose attributes below are C fields read without a lookup
        book: Workbook = ctx.book
        entities: dict = book.entities
        entity: Entity = entities[fact.get("of", fact["id"])]  # _entity(), inlined
        f: Firing = Firing(ctx, rule, entity)
        # Firing.set, inlined (its names are these); typed, the compiled twin sets them directly
        values: dict = entity.values
        done: dict = f.sets
        lines: dict = f.lines
        reads: dict = f.reads  # the scope's local is `values`, with no extra names (formula.compile_fast)
        try:
            if arithmetic:
                # what `evaluate` sets for each formula, set once and left current for the
                # firings after this one (perf: setting a decimal context costs ~2,300
                # instructions); every other action, and the run's end, set the run's own
                # context back (use_base_context) before anything computes in it
                use_40_digits(ctx)
            elif plain:
                use_base_context(ctx)
            for name, fn, line in sets:
                value = fn(f, values, reads)
                values[name] = value
                done[name] = value
                if line:
                    lines[name] = line
            for when, message in warns:
                if when(f, values, reads):
                    book.warn(render_message(message, entity.values, entity.id))
            if emit:
                use_base_context(ctx)
                _emit(f, emit, closure)
        finally:  # f.record(), inlined
            entry = template.copy()
            entry["entity"] = entity.id
            entry["read"] = reads
            entry["set"] = done
            if lines:
                entry["lines"] = lines
            book.trace.append(entry)
    return run


def use_40_digits(ctx):
    """The run's 40-digit context current (and left so), as a compute firing leaves it."""
    if not getattr(ctx, "decimal_is_40", False):
        base, dec = _context40(ctx)
        setcontext(dec)
        try:
            ctx.decimal_is_40 = True
        except AttributeError:  # a context object without the slot: switch back at once
            setcontext(base)


def _run_context(ctx):
    """The run's own decimal context (the caller's), whichever is current."""
    return ctx._decimal40[0] if getattr(ctx, "decimal_is_40", False) else getcontext()


def use_base_context(ctx):
    """The run's own decimal context current again, if a compute firing left the
    40-digit one current: before any action but a compute computes on its own (in
    the context it always computed in), and when the run ends (evaluate.run)."""
    if getattr(ctx, "decimal_is_40", False):
        setcontext(ctx._decimal40[0])
        ctx.decimal_is_40 = False


def _context40(ctx):
    """(the caller's decimal context, a copy of it at 40 digits), made once per run:
    what `evaluate` (localcontext) makes afresh for every formula. The flags a copy
    gathers from one firing to the next never change a result."""
    base = getcontext()
    made = getattr(ctx, "_decimal40", None)
    if made is None or made[0] is not base:
        dec = base.copy()
        dec.prec = 40
        made = (base, dec)
        try:
            ctx._decimal40 = made
        except AttributeError:
            pass
    return made


# -- what each action may set (perf: the baseline's dependency analysis) -------
# The names an action sets, from its rule's `with:` alone. The tax without the
# dispositions runs only the rules its total depends on (evaluate.py), found
# from these names and the names formulas read; every firing checks that it
# sets nothing undeclared (Firing.set), and tests check these lists against the
# f.set(...) calls above. A new action, or a new f.set in one, must be added here.
DEPRECIATION_SETS = ("depreciation_table", "schedule", "table_depreciation", "disposition_year_depreciation",
                     "recovery_year_of_disposition")


def sets_of(rule) -> set | None:
    """The value names `rule`'s action may set; None when not known (then the rule is always kept)."""
    p = rule.get("with") or {}
    action = rule.get("action")
    try:
        if action == "compute":
            return set(p.get("set") or {})
        if action == "take_gain_component":
            return {p["component"], p.get("left", "gain_left")}
        if action == "depreciate_from_percentage_table":
            return {str(p.get("prefix") or "") + name for name in DEPRECIATION_SETS}
        if action == "spread_over_payments":
            return ({p.get("schedule", "installment_schedule"), "gain_this_year", "gain_after_this_year"}
                    | {f"{b['name']}_this_year" for b in p["buckets"]})
        if action == "refuse":
            return set()
    except (KeyError, TypeError):
        return None
    return None
