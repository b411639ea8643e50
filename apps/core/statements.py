"""A queryset's SQL compiled once per process and shape, then only its parameters
bound: for pages whose query is costly to build and compile in the ORM (the
caseload's 14 correlated subqueries cost more CPU in Django than in PostgreSQL).

`StatementRows` stands for a queryset of model rows (sliceable, as a Paginator
takes it). The caller names the query's *shape* (everything that changes its SQL:
which filters are set, the sort, the slice) and the *inputs* bound as parameters
(ids, times, search text), and gives the function that builds the queryset from
them. The first time a shape is seen, the queryset is built and compiled twice, with
the real inputs and with sentinel values no real input has, and each parameter of
the sentinel statement is traced to the input it came from (or kept as a constant).
Only if binding the real inputs that way gives exactly the ORM's SQL and parameters
is the statement kept; later requests of that shape bind their inputs and run it,
without building or compiling anything. A shape whose statement does not check out
is built by the ORM every time, as before.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

# Statements kept per thread (a connection is per thread) and per database alias:
# the least recently used go first.
STATEMENTS_KEPT = 256

_local = threading.local()


@dataclass(frozen=True)
class Statement:
    """A compiled statement and what turns its rows into model instances."""

    sql: str
    # Per parameter: ("const", value) | ("input", name) | ("like", name, head, tail).
    slots: tuple
    model: type | None
    init_list: tuple[str, ...]
    model_start: int
    model_end: int
    annotations: tuple[tuple[str, int], ...]
    converters: dict
    # select_related's objects, each built from its columns of the row and set on
    # the row's instance by Django's own populators (as ModelIterable does).
    related_populators: tuple = ()
    # What a row is: "model" (an instance), or as values() ("dicts", keyed by
    # `names`), values_list() ("tuples") and values_list(flat=True) ("flat") give it.
    kind: str = "model"
    names: tuple[str, ...] = ()
    col_count: int = 0
    # What the queryset's model iterable does to each instance after the ORM built
    # it (its `finish_row`, as core.figures.FiguresTogether's), or None.
    finish_row: Callable | None = None

    def params(self, inputs: dict, connection) -> tuple:
        out = []
        for slot in self.slots:
            if slot[0] == "const":
                out.append(slot[1])
            elif slot[0] == "input":
                out.append(_prepared(inputs[slot[1]], connection))
            else:
                _kind, name, head, tail = slot
                out.append(head + connection.ops.prep_for_like_query(inputs[name]) + tail)
        return tuple(out)

    def rows(self, params: tuple, connection, using: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        if self.kind != "model":
            return self._values(fetched, connection)
        objects = []
        converters = self.converters.items()
        for row in fetched:
            if converters:
                row = list(row)
                for position, (functions, expression) in converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            obj = self.model.from_db(using, self.init_list, row[self.model_start : self.model_end])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            if self.finish_row is not None:
                self.finish_row(obj)
            objects.append(obj)
        return objects

    def _values(self, fetched: list, connection) -> list:
        """The rows as values()/values_list() give them: only the selected columns
        (not an ORDER BY column the SQL had to select), converted as the ORM
        converts them."""
        converters = self.converters.items()
        rows = []
        for row in fetched:
            row = list(row[: self.col_count])
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            rows.append(row)
        if self.kind == "flat":
            return [row[0] for row in rows]
        if self.kind == "dicts":
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        return [tuple(row) for row in rows]


def _values_kind(queryset: QuerySet) -> tuple[str, tuple[str, ...]]:
    """What values()/values_list() rows a queryset gives, and their names, when they
    come in the SQL's column order (else NotAStatement: the ORM reorders them)."""
    query = queryset.query
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    if queryset._fields and queryset._iterable_class is not ValuesIterable:
        fields = (
            *queryset._fields,
            *(name for name in query.annotation_select if name not in queryset._fields),
        )
        if fields != names:
            raise NotAStatement
    kinds = {ValuesIterable: "dicts", ValuesListIterable: "tuples", FlatValuesListIterable: "flat"}
    return kinds[queryset._iterable_class], names


def _prepared(value, connection):
    """An input as the ORM passes it to the driver (a datetime is adapted by the
    backend: SQLite takes text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _compiled(queryset: QuerySet, connection):
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


def _slots(params: tuple, sentinels: dict, connection) -> tuple:
    # An input left empty (no search, no year) is part of the shape, not a parameter.
    prepared = [
        (name, _prepared(value, connection))
        for name, value in sentinels.items()
        if value is not None and value != ""
    ]
    slots = []
    for param in params:
        found = next((name for name, value in prepared if param == value), None)
        if found is not None:
            slots.append(("input", found))
            continue
        like = next(
            (
                name
                for name, value in prepared
                if isinstance(value, str) and isinstance(param, str) and value in param
            ),
            None,
        )
        if like is not None:
            head, _sentinel, tail = param.partition(sentinels[like])
            slots.append(("like", like, head, tail))
        else:
            slots.append(("const", param))
    return tuple(slots)


class NotAStatement(Exception):
    """The queryset's rows are not model instances read by one query alone."""


def statement_build(
    build: Callable[[dict], QuerySet], *, inputs: dict, sentinels: dict, connection
) -> tuple[Statement | None, Statement, tuple]:
    """The statement of `build(inputs)` to keep (None when the sentinels' statement,
    bound with `inputs`, is not exactly the ORM's), the one to run now, and its
    parameters."""
    queryset = build(inputs)
    values_iterables = (ValuesIterable, ValuesListIterable, FlatValuesListIterable)
    # A model iterable of its own is kept when all it adds is a `finish_row` for each
    # instance (core.figures.FiguresTogether).
    finish_row = getattr(queryset._iterable_class, "finish_row", None)
    model_iterable = queryset._iterable_class is ModelIterable or (
        finish_row is not None and issubclass(queryset._iterable_class, ModelIterable)
    )
    if (
        not (model_iterable or queryset._iterable_class in values_iterables)
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
    ):
        # prefetch_related(), a related manager's queryset and named tuples need the
        # ORM's own iteration.
        raise NotAStatement
    kind, names = "model", ()
    if not model_iterable:
        kind, names = _values_kind(queryset)
    compiler, sql, params = _compiled(queryset, connection)
    converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
    if kind == "model":
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        now = Statement(
            sql=sql,
            slots=tuple(("const", p) for p in params),
            model=klass_info["model"],
            init_list=tuple(f[0].target.attname for f in compiler.select[start:end]),
            model_start=start,
            model_end=end,
            annotations=tuple((compiler.annotation_col_map or {}).items()),
            converters=converters,
            related_populators=tuple(
                get_related_populators(klass_info, compiler.select, connection.alias)
            ),
            finish_row=finish_row,
        )
    else:
        now = Statement(
            sql=sql,
            slots=tuple(("const", p) for p in params),
            model=None,
            init_list=(),
            model_start=0,
            model_end=0,
            annotations=(),
            converters=converters,
            kind=kind,
            names=names,
            col_count=compiler.col_count,
        )
    if compiler.query.extra_select:
        return None, now, params
    try:
        _compiler, sentinel_sql, sentinel_params = _compiled(build(sentinels), connection)
    except EmptyResultSet:
        return None, now, params
    kept = replace(now, slots=_slots(sentinel_params, sentinels, connection))
    if sentinel_sql != sql or not _same_params(kept.params(inputs, connection), params):
        return None, now, params
    return kept, now, params


def _same_params(a: tuple, b: tuple) -> bool:
    """Parameters equal one by one; psycopg's Json and Jsonb (a JSON field's value on
    PostgreSQL) wrap a value without comparing by it, so they are compared by what
    they wrap and their type."""
    return len(a) == len(b) and all(
        x == y or (type(x) is type(y) and type(x).__name__ in ("Json", "Jsonb") and x.obj == y.obj)
        for x, y in zip(a, b, strict=True)
    )


def _statements(using: str) -> OrderedDict:
    kept = getattr(_local, "statements", None)
    if kept is None:
        kept = _local.statements = {}
    return kept.setdefault(using, OrderedDict())


def statements_clear() -> None:
    """Forget every statement kept by this thread (tests)."""
    _local.statements = {}


class StatementRows:
    """What `build(inputs)` would return, sliceable as a Paginator takes it (and
    countable and iterable, as the queryset): each slice is `build(inputs)[start:stop]`
    run from its shape's kept statement.
    `shape` must tell apart every query whose SQL differs for the same inputs."""

    def __init__(
        self,
        *,
        shape: tuple,
        build: Callable[[dict], QuerySet],
        inputs: dict[str, Any],
        sentinels: dict[str, Any],
        using: str = "default",
    ):
        self.shape, self.build, self.inputs, self.sentinels = shape, build, inputs, sentinels
        self.using = using

    def count(self) -> int:
        return self.build(self.inputs).count()

    def __iter__(self):
        return iter(self.rows(0, None))

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("StatementRows takes a slice without a step")
        return self.rows(key.start or 0, key.stop)

    def rows(self, start: int, stop: int | None) -> list:
        connection = connections[self.using]
        kept = _statements(self.using)
        shape = (connection.vendor, *self.shape, start, stop)
        statement = kept.get(shape)
        if statement is not None:
            kept.move_to_end(shape)
            return statement.rows(statement.params(self.inputs, connection), connection, self.using)

        def sliced(values):
            return self.build(values)[start:stop]

        try:
            to_keep, statement, params = statement_build(
                sliced, inputs=self.inputs, sentinels=self.sentinels, connection=connection
            )
        except NotAStatement:
            return list(sliced(self.inputs))
        except EmptyResultSet:
            # What the ORM knows is empty without asking (an empty slice): no query,
            # as the ORM makes none.
            return []
        if to_keep is not None:
            kept[shape] = to_keep
            while len(kept) > STATEMENTS_KEPT:
                kept.popitem(last=False)
        return statement.rows(params, connection, self.using)


def rows_for_ids(
    *,
    shape: tuple,
    ids,
    build: Callable[[dict, list], QuerySet],
    inputs: dict[str, Any] | None = None,
    sentinels: dict[str, Any] | None = None,
) -> list:
    """`build(values, ids)` read for a list of ids (a page's rows, their threads, their
    students), each id bound as its own parameter: compiled once per process for
    each number of ids. `inputs` and `sentinels` are the query's other inputs. No ids,
    no query."""
    ids = list(ids)
    if not ids:
        return []
    slots = [f"id_{i}" for i in range(len(ids))]
    return StatementRows(
        shape=(*shape, len(ids)),
        build=lambda values: build(values, [values[slot] for slot in slots]),
        inputs={**(inputs or {}), **dict(zip(slots, ids, strict=True))},
        # Ids no row has, and none of the other inputs' sentinels, to trace each
        # parameter to its input.
        sentinels={
            **(sentinels or {}),
            **{slot: 2_100_000_001 + 2 * i for i, slot in enumerate(slots)},
        },
    )[0:None]
