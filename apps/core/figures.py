"""Per-row figures as correlated subqueries, for pages that list many people with
counts beside each (the advisors' caseload). Each figure is its own scalar
subquery grouped by the outer row, so several compose on one queryset without
joins multiplying its rows, and a page of rows is one query.

Sorting a whole population on such a figure is different: the database runs the
subquery once per row before it can sort (20,000 index probes for an office). A
RowsFigure remembers the rows it is computed over, so `RowsFigureOrder` can page through
the population in the figure's order with grouped queries over those rows instead,
and compute every figure for the page's rows only.

A page's rows carry many figures, several over the same table (a student's contacts,
their conversations, their follow-ups). `FiguresTogether` computes the figures over
one table in one correlated subquery instead of one each: one pass over the outer
row's rows, each figure an aggregate with its own FILTER, the results returned as
one JSON array and set on each row as its attributes.
"""

import functools
from collections.abc import Callable

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    JSONField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, JSONArray
from django.db.models.query import ModelIterable


class InSubquery(Expression):
    """`field IN (subquery)` as a filter, asked of PostgreSQL as `field =
    ANY(ARRAY(subquery))`: the subquery runs once, into an array, and the outer
    rows are read by that array through the field's index. As an IN (a semi-join)
    the planner may instead walk another index of the outer table in the page's
    order and probe the subquery for every row it passes: for an advisor's 500
    students sorted by name, 1,500 of an office of 20,000 (200 of a tenth of it)
    before the first 50 are found, work that grows with the office."""

    conditional = True

    def __init__(self, field: str, queryset: QuerySet):
        super().__init__(output_field=BooleanField())
        self.lhs, self.subquery = F(field), Subquery(queryset)

    def get_source_expressions(self):
        return [self.lhs, self.subquery]

    def set_source_expressions(self, exprs):
        self.lhs, self.subquery = exprs

    def as_sql(self, compiler, connection, template="%s IN %s"):
        lhs, lhs_params = compiler.compile(self.lhs)
        rhs, rhs_params = compiler.compile(self.subquery)
        return template % (lhs, rhs), (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


def subquery_count(qs: QuerySet, *, per: str) -> Expression:
    """How many rows of `qs` (already filtered on `OuterRef`) each outer row has,
    0 when none. `per` is the field `qs` is filtered on (the outer row's key)."""
    rows = qs.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def subquery_latest(qs: QuerySet, field: str, *, per: str) -> Expression:
    """The greatest `field` of the outer row's rows of `qs`, None when none. Max, not
    ORDER BY ... DESC LIMIT 1: the databases disagree on where NULLs sort."""
    return Subquery(qs.order_by().values(per).annotate(m=Max(field)).values("m"))


class RowsFigure(Coalesce):
    """A figure over each outer row's rows of `rows` (not filtered on the outer row:
    this adds `per = OuterRef("pk")`): how many there are (`of` None), or the
    greatest `of` among them; `default` for an outer row without any. Keeps `rows`
    and `per` for `exists` and for RowsFigureOrder, which needs every row with
    rows to have a figure above `default` (true of a count, 1 or more).

    With `where`, the figure is over `rows.filter(where)`, and `rows` (all of the
    table's rows) and `where` are kept too, so that FiguresTogether can compute it
    with the other figures over the same table as a FILTER of one pass."""

    def __init__(
        self,
        rows: QuerySet,
        *,
        per: str,
        of: str | None = None,
        default: int = 0,
        where: Q | None = None,
    ):
        self.base, self.where = (rows, where) if where is not None else (None, None)
        if where is not None:
            rows = rows.filter(where)
        self.rows, self.per, self.of, self.default = rows, per, of, default
        self.aggregate = Count("pk") if of is None else Max(of)
        correlated = rows.filter(**{per: OuterRef("pk")})
        if of is None:
            figure = correlated.order_by().values(per).annotate(n=self.aggregate).values("n")
        else:
            # The greatest as the first in descending order: an index on (per, of)
            # answers it with one entry.
            figure = correlated.order_by(F(of).desc(nulls_last=True)).values(of)[:1]
        super().__init__(
            Subquery(figure, output_field=IntegerField()),
            Value(default),
            output_field=IntegerField(),
        )

    def equals(self, value: int) -> Q:
        """Where a greatest-`of` figure is `value`, as semi-joins: a row of that
        value and none above it (or no rows at all, for the default)."""
        if value == self.default:
            return ~Q(self.exists())
        if self.of is None:
            raise ValueError("equals() is for a greatest-of figure, not a count")
        mine = self.rows.filter(**{self.per: OuterRef("pk")})
        return Q(Exists(mine.filter(**{self.of: value}))) & ~Q(
            Exists(mine.filter(**{f"{self.of}__gt": value}))
        )

    def exists(self) -> Exists:
        """True where the outer row has rows (a count above 0): a semi-join the
        database answers for a whole population at once, where `figure > 0` asks
        the subquery once per row."""
        return Exists(self.rows.filter(**{self.per: OuterRef("pk")}))


class FigureFrom(Func):
    """A figure that is a function of another figure of the same row (`source`). In
    SQL it is `expression`, for a queryset annotated with it on its own;
    FiguresTogether, which reads `source` from an array, works it out in Python
    with `function` instead of asking the database again."""

    template = "%(expressions)s"

    def __init__(self, expression: Expression, *, source: str, function: Callable):
        super().__init__(expression)
        self.source, self.function = source, function


class FiguresTogether:
    """`figures` (name → expression, what a queryset would be annotated with) with
    the RowsFigures that have a `where` computed together, one correlated subquery
    per table and `per`: one pass over the outer row's rows of that table, each
    figure an aggregate with its own FILTER, the figures returned as one JSON array.
    Every other figure is annotated as it is. `annotate(queryset)` gives rows (model
    instances) that carry every figure as an attribute, as if each had been
    annotated on its own. A filter or sort on a figure still names the figure
    itself (alias it): the array is read only for the rows returned."""

    def __init__(self, figures: dict[str, Expression]):
        groups: dict[tuple, list[tuple[str, RowsFigure]]] = {}
        self.annotations = {}
        for name, figure in figures.items():
            if isinstance(figure, RowsFigure) and figure.where is not None:
                groups.setdefault((figure.base.model, figure.per), []).append((name, figure))
            else:
                self.annotations[name] = figure
        layout, unpacked = [], set()
        for i, members in enumerate(groups.values()):
            if len(members) == 1:
                name, figure = members[0]
                self.annotations[name] = figure
                continue
            key = f"figures_together_{i}"
            self.annotations[key] = _together(members)
            layout.append((key, tuple((name, figure.default) for name, figure in members)))
            unpacked.update(name for name, _figure in members)
        derived = tuple(
            (name, figure.source, figure.function)
            for name, figure in self.annotations.items()
            if isinstance(figure, FigureFrom) and figure.source in unpacked
        )
        for name, _source, _function in derived:
            del self.annotations[name]
        self.iterable = _unpacking(tuple(layout), derived) if layout else None

    def annotate(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.annotate(**self.annotations)
        if self.iterable is not None:
            # The ORM's own model iteration, each row then given its figures from
            # the arrays (core.statements runs the same `finish_row`).
            queryset._iterable_class = self.iterable
        return queryset


class _FiguresArray(JSONArray):
    """Django's JSONArray without its check that the database stores JSON, which
    SQLite answers with a query of its own the first time a connection is asked
    (one query more on some page, depending on what ran before it): every database
    this project runs on does."""

    def as_sql(self, compiler, connection, **extra_context):
        return Func.as_sql(self, compiler, connection, **extra_context)


def _together(members: list[tuple[str, RowsFigure]]) -> Subquery:
    first = members[0][1]
    rows = first.base.filter(**{first.per: OuterRef("pk")}).order_by().values(first.per)
    aggregates = [
        Count("pk", filter=figure.where)
        if figure.of is None
        else Max(figure.of, filter=figure.where)
        for _name, figure in members
    ]
    return Subquery(
        rows.annotate(figures=_FiguresArray(*aggregates)).values("figures"),
        output_field=JSONField(),
    )


@functools.cache
def _unpacking(layout: tuple, derived: tuple) -> type[ModelIterable]:
    """A model iterable that sets each figure of the arrays named in `layout`
    ((annotation, ((figure, default), ...)), ...) on the row, its default where
    the outer row has no rows or the aggregate is NULL (a greatest of none), then
    each figure of `derived` ((figure, source, function), ...) from its source."""

    def finish_row(row) -> None:
        fields = row.__dict__
        for key, members in layout:
            values = fields.pop(key) or ()
            for position, (name, default) in enumerate(members):
                value = values[position] if position < len(values) else None
                fields[name] = default if value is None else value
        for name, source, function in derived:
            fields[name] = function(fields[source])

    class FiguresUnpacked(ModelIterable):
        def __iter__(self):
            for row in super().__iter__():
                finish_row(row)
                yield row

    FiguresUnpacked.finish_row = staticmethod(finish_row)
    return FiguresUnpacked


class RowsFigureOrder:
    """`population` ordered on `figure` (then on pk, as `order_by(figure, "pk")`
    would, its default for a row without any), sliceable and countable as a Paginator
    expects. A slice finds its pks with at most three queries, none of them per
    row: the population's rows with rows of the figure, grouped and sorted on it,
    then the others by pk (before them when ascending), and, only when the page
    starts past the first group, how many that group has. `rows_for(pks)` then
    returns the page's rows (their figures annotated), in any order."""

    def __init__(
        self,
        population: QuerySet,
        figure: RowsFigure,
        *,
        descending: bool,
        rows_for: Callable[[list[int]], QuerySet],
    ):
        self.population, self.figure, self.descending = population, figure, descending
        self.rows_for = rows_for

    def count(self) -> int:
        return self.population.count()

    def __len__(self) -> int:
        return self.count()

    def _counted(self) -> QuerySet:
        per = self.figure.per
        rows = self.figure.rows.filter(**{f"{per}__in": self.population.values("pk")})
        return (
            rows.order_by()
            .values(per)
            .annotate(n=self.figure.aggregate)
            .order_by("-n" if self.descending else "n", per)
            .values_list(per, flat=True)
        )

    def _without(self) -> QuerySet:
        without = self.population.filter(~self.figure.exists())
        return without.order_by("pk").values_list("pk", flat=True)

    def pks(self, start: int, stop: int) -> list[int]:
        # Descending: every row with a count comes before the rows without one;
        # ascending, after them.
        first, then = (
            (self._counted(), self._without())
            if self.descending
            else (self._without(), self._counted())
        )
        head = list(first[start:stop])
        need = (stop - start) - len(head)
        if need <= 0:
            return head
        offset = 0 if head else max(start - first.count(), 0)
        return head + list(then[offset : offset + need])

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("RowsFigureOrder takes a slice without a step")
        start = key.start or 0
        stop = key.stop if key.stop is not None else self.count()
        pks = self.pks(start, stop)
        if not pks:
            return []
        found = {row.pk: row for row in self.rows_for(pks)}
        return [found[pk] for pk in pks if pk in found]
