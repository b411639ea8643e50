"""Per-row figures as correlated subqueries, for pages that list many people with
counts beside each (the advisors' caseload). Each figure is its own scalar
subquery grouped by the outer row, so several compose on one queryset without
joins multiplying its rows, and a page of rows is one query."""

from django.db.models import Count, Expression, IntegerField, Max, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def subquery_count(qs: QuerySet, *, per: str) -> Expression:
    """How many rows of `qs` (already filtered on `OuterRef`) each outer row has,
    0 when none. `per` is the field `qs` is filtered on (the outer row's key)."""
    rows = qs.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def subquery_latest(qs: QuerySet, field: str, *, per: str) -> Expression:
    """The greatest `field` of the outer row's rows of `qs`, None when none. Max, not
    ORDER BY ... DESC LIMIT 1: the databases disagree on where NULLs sort."""
    return Subquery(qs.order_by().values(per).annotate(m=Max(field)).values("m"))
