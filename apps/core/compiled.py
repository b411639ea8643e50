"""A queryset's read of one row by primary key, with its SQL compiled once per
database connection instead of on every call.

`queryset.filter(pk=pk).first()` builds and compiles its query each time it runs:
for the user and office read on every signed-in request that is three times the
query's own time in PostgreSQL. `PrimaryKeyRead` compiles the same queryset the
first time it is used on a connection (so once per process for each database
alias, whatever its vendor, and from the models as they are: a field added to one
is in the SQL), keeps the SQL and the ORM's own column map, and per call binds the
id, runs the statement on the connection's cursor and builds the instances with
Django's own code for that (`Model.from_db` and the `select_related` populators of
django.db.models.query.ModelIterable). Only the SQL text and that map are kept:
every call reads the row afresh.
"""

import copy
import weakref
from collections.abc import Callable

from django.db import connections, router
from django.db.models import IntegerField, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Stands for the id while compiling: the compiled parameters must hold it exactly
# once, where each call's id goes. Within every integer column's range (a value out
# of range would make the ORM compile no query at all), and not 0 or 1, which a
# boolean parameter would equal.
_ID_PLACEHOLDER = 32_749


class PrimaryKeyRead:
    """`read.get(pk)` is `queryset().filter(pk=pk).first()`, with the SQL compiled
    once per connection. `queryset` is called when compiling (after start-up) and
    for ids the compiled statement cannot take (not an int, or out of the column's
    range: the ORM decides those as it always has). The queryset may
    `select_related` and defer fields; it reads from the router's read database
    for its model, as a manager's queryset does."""

    def __init__(self, queryset: Callable[[], QuerySet]):
        self._queryset = queryset
        self._model: type[Model] | None = None
        self._statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, pk):
        statement = self._statement()
        if not statement.takes(pk):
            return self._queryset().filter(pk=pk).first()
        return statement.get(pk)

    def takes(self, pk) -> bool:
        """Whether `row(pk)` can read this id (an int within the column's range)."""
        return self._statement().takes(pk)

    def row(self, pk) -> tuple | None:
        """The id's row as the statement reads it (converted, not yet instances),
        for a caller that keeps it and builds instances from it with `build`. Only
        for ids `takes` accepts."""
        return self._statement().row(pk)

    def build(self, row: tuple):
        """The instances of a row `row` returned, built afresh: a list or dict in it
        is copied, so that nothing built from one row is shared with another."""
        return self._statement().build(
            tuple(copy.deepcopy(v) if isinstance(v, list | dict) else v for v in row)
        )

    def _statement(self) -> "_Statement":
        if self._model is None:
            self._model = self._queryset().model
        connection = connections[router.db_for_read(self._model)]
        statement = self._statements.get(connection)
        if statement is None:
            statement = self._statements[connection] = _Statement(self._queryset(), connection)
        return statement


class _Statement:
    """One queryset compiled for one connection."""

    def __init__(self, queryset: QuerySet, connection):
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            raise ValueError("PrimaryKeyRead takes a plain queryset of model instances.")
        self.pk_field = queryset.model._meta.pk
        if not isinstance(self.pk_field, IntegerField):
            raise ValueError("PrimaryKeyRead takes a model with an integer primary key.")
        self.low, self.high = connection.ops.integer_field_range(self.pk_field.get_internal_type())
        self.connection = connection
        # As ModelIterable.__iter__ and SQLCompiler.results_iter do for each query.
        query = queryset.using(connection.alias).filter(pk=_ID_PLACEHOLDER).order_by().query
        self.compiler = query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        if self.compiler.annotation_col_map:  # annotate() and extra(select=...)
            raise ValueError("PrimaryKeyRead takes a plain queryset of model instances.")
        self.params = list(params)
        if self.params.count(_ID_PLACEHOLDER) != 1:
            raise ValueError("PrimaryKeyRead could not find where the id goes in its SQL.")
        self.id_index = self.params.index(_ID_PLACEHOLDER)
        select, klass_info = self.compiler.select, self.compiler.klass_info
        if self.compiler.has_composite_fields([column for column, *_ in select]):
            raise ValueError("PrimaryKeyRead does not read composite fields.")
        self.converters = self.compiler.get_converters(
            [column for column, *_ in select[: self.compiler.col_count]]
        )
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column.target.attname for column, *_ in select[self.start : self.end]]
        self.related_populators = get_related_populators(klass_info, select, connection.alias)

    def takes(self, pk) -> bool:
        return (
            type(pk) is int
            and (self.low is None or pk >= self.low)
            and (self.high is None or pk <= self.high)
        )

    def get(self, pk):
        row = self.row(pk)
        return None if row is None else self.build(row)

    def row(self, pk) -> tuple | None:
        params = self.params.copy()
        params[self.id_index] = self.pk_field.get_db_prep_value(pk, self.connection, prepared=True)
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = tuple(next(self.compiler.apply_converters([row], self.converters)))
        return row

    def build(self, row: tuple):
        obj = self.model.from_db(self.connection.alias, self.init_list, row[self.start : self.end])
        for populator in self.related_populators:
            populator.populate(row, obj)
        return obj
