"""The values of one fact set while it is evaluated: entities (the taxpayer,
each asset, each sale unit, each property, each activity), their values, the
links between them, the audit trail and the warnings. No law here."""
from __future__ import annotations

from decimal import Decimal

from .formula import FormulaError, Scope, _num


class Entity:
    __slots__ = ("id", "kind", "values", "links")

    def __init__(self, id, kind, values=None, links=None):
        self.id, self.kind = id, kind
        self.values = dict(values or {})
        self.links = dict(links or {})

    def __repr__(self):
        return f"<{self.kind} {self.id}>"


class TableView:
    """Tables of the tax year, as the formula name `table`."""

    def __init__(self, tables):
        self.tables = tables


class Workbook:
    __slots__ = ("law", "tax_year", "entities", "trace", "warnings", "errors", "tables", "_kinds", "components")
    PLURALS = {"assets": "asset", "units": "unit", "properties": "property", "activities": "activity"}

    def __init__(self, law, tax_year):
        self.law, self.tax_year = law, tax_year
        self.entities: dict[str, Entity] = {}
        self.trace: list[dict] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.tables = TableView(law.tables)
        self._kinds: dict[str, list] = {}

    def add(self, entity: Entity) -> Entity:
        self.entities[entity.id] = entity
        self._kinds.clear()
        return entity

    def kind(self, kind):
        kinds: dict = self._kinds  # typed (perf): the compiled twin reads it without a method call
        found = kinds.get(kind)
        if found is None:
            found = kinds[kind] = [e for e in self.entities.values() if e.kind == kind]
        return list(found)

    def get(self, id):
        return self.entities[id]

    def warn(self, text):
        if text not in self.warnings:
            self.warnings.append(text)


_NOT_LINKED = object()
_PLURALS = Workbook.PLURALS


class EntityScope(Scope):
    """Names a formula sees when a rule fires on `entity`; records every read."""

    __slots__ = ("book", "entity", "reads", "_extra", "local")  # perf: one of these per firing

    def __init__(self, book: Workbook, entity: Entity, extra=None):
        self.book, self.entity, self.reads = book, entity, {}
        self._extra = extra or {}
        self.local = None if extra else entity.values

    @property
    def extra(self):
        return self._extra

    @extra.setter
    def extra(self, value):
        # names given for one evaluation shadow the entity's own; while there are
        # none, compiled formulas read the entity's values directly (Scope.local)
        self._extra = value or {}
        self.local = None if value else self.entity.values

    def _read(self, entity, name):
        if name not in entity.values:
            raise FormulaError(f"{entity.kind} {entity.id!r} has no value {name!r} (yet)")
        value = entity.values[name]
        if not isinstance(value, (list, dict)):
            self.reads[f"{entity.id}.{name}" if entity is not self.entity else name] = value
        return value

    def name(self, name):
        if self._extra and name in self._extra:
            return self._extra[name]
        e = self.entity
        values = e.values
        if name in values:  # _read(e, name), inlined: the commonest read of all
            value = values[name]
            if not isinstance(value, (list, dict)):
                self.reads[name] = value
            return value
        if name in e.links:
            link = e.links[name]
            entities = self.book.entities
            return [entities[i] for i in link] if isinstance(link, list) else entities[link]
        if name == "taxpayer":
            return self.book.get("taxpayer")
        if name in Workbook.PLURALS:
            return self.book.kind(Workbook.PLURALS[name])
        if name == "table":
            return self.book.tables
        if name == "tax_year":
            return Decimal(self.book.tax_year)
        raise FormulaError(f"{e.kind} {e.id!r} has no value {name!r} (yet)")

    def name_attribute(self, base, attr, values, read):
        """`base.attr`, as a compiled formula reads it: the name as `name` would give
        it (own values first, reads recorded), then its attribute (see Scope). `values`
        and `read` are this scope's local and reads (formula.compile_fast). (The annotated locals are
        dicts: the compiled twin reads them as such.)"""
        local: dict = values
        reads: dict = read
        if local is not None:  # no extra names: `name(base)` is own values, links, then the rest
            if base in local:
                obj = local[base]
                if not isinstance(obj, (list, dict)):
                    reads[base] = obj
            else:
                # perf: the commonest other bases (a link, `taxpayer`, `table`) without
                # the chain of tests in `name`, in its order; the rest through it
                links: dict = self.entity.links
                link = links.get(base, _NOT_LINKED)
                many = None  # a list of entities: the attribute of each
                if type(link) is str:
                    entities: dict = self.book.entities
                    obj = entities[link]
                elif type(link) is list:
                    entities: dict = self.book.entities
                    many = [entities[i] for i in link]
                elif link is not _NOT_LINKED:
                    obj = self.name(base)
                elif base == "taxpayer":
                    entities: dict = self.book.entities
                    obj = entities["taxpayer"]
                elif base == "table":
                    tables: dict = self.book.tables.tables
                    table = tables.get(attr)
                    if table is None:
                        raise FormulaError(f"no table {attr!r} for tax year {self.book.tax_year}")
                    reads[f"table:{attr}"] = table.file
                    return table.values
                elif base in _PLURALS:  # every entity of a kind (`name` would give them)
                    many = self.book.kind(_PLURALS[base])
                else:
                    obj = self.name(base)
                if many is not None:
                    # linked entities (`units.x`) or all of a kind (`activities.x`): the
                    # attribute of each, as `attribute` reads it (errors and reads in the
                    # same order); `_read` written out for each (calling it costs 1% of a
                    # fact set's instructions)
                    me = self.entity
                    out = []
                    for o in many:
                        values: dict = o.values
                        if attr not in values:
                            raise FormulaError(f"{o.kind} {o.id!r} has no value {attr!r} (yet)")
                        value = values[attr]
                        if not isinstance(value, (list, dict)):
                            reads[f"{o.id}.{attr}" if o is not me else attr] = value
                        out.append(value)
                    return out
        else:
            reads = self.reads
            obj = self.name(base)
        if isinstance(obj, (int, float)):
            obj = _num(obj)
        if type(obj) is Entity:  # _read(obj, attr), inlined
            e: Entity = obj  # typed (perf): an extension type in the twin (workbook.pxd)
            values: dict = e.values
            if attr not in values:
                raise FormulaError(f"{e.kind} {e.id!r} has no value {attr!r} (yet)")
            value = values[attr]
            if not isinstance(value, (list, dict)):
                reads[f"{e.id}.{attr}" if e is not self.entity else attr] = value
            return value
        return self.attribute(obj, attr)

    def attribute(self, obj, attr):
        if isinstance(obj, Entity):
            return self._read(obj, attr)
        if isinstance(obj, list):
            for o in obj:
                if not isinstance(o, Entity):
                    break
            else:  # a list of entities (or an empty one): the attribute of each
                return [self._read(o, attr) for o in obj]
        if isinstance(obj, TableView):
            table = obj.tables.get(attr)
            if table is None:
                raise FormulaError(f"no table {attr!r} for tax year {self.book.tax_year}")
            self.reads[f"table:{attr}"] = table.file
            return table.values
        return super().attribute(obj, attr)
