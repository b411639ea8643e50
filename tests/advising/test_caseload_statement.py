"""The caseload page's statement, compiled once per shape of query and then only
bound (apps.core.statements via advising.selectors._caseload_statement_rows), is
exactly the SQL and parameters the ORM makes for every filter, flag, stage, sort,
scope and page, bound with other inputs than those it was compiled with."""

import itertools
from datetime import UTC, datetime

from django.db import connection

from apps.advising import selectors
from apps.advising.selectors import (
    FLAG_JOB_ASK,
    FLAG_MISSED_THANKS,
    FLAG_NO_TARGETS,
    FLAG_STALLED,
    FLAG_UNASSIGNED,
    GROUPED_SORTS,
    SCOPE_MINE,
    SCOPE_OFFICE,
    SORTS,
    CaseloadQuery,
)
from apps.core.figures import RowsFigureOrder
from apps.core.statements import StatementRows, statement_build

FIRST = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 9, 8, 30, 12, 345678, tzinfo=UTC)
SORTED_IN_ONE_QUERY = [key for key in SORTS if key not in GROUPED_SORTS]
FLAGS = ["", FLAG_STALLED, FLAG_MISSED_THANKS, FLAG_NO_TARGETS, FLAG_JOB_ASK, FLAG_UNASSIGNED]


def _queries():
    """Every sort both ways; every flag in either scope; every set of the other
    filters with each kind of stage (none, the default's semi-join, another)."""
    for sort, descending in itertools.product(SORTED_IN_ONE_QUERY, [False, True]):
        yield CaseloadQuery(sort=sort, descending=descending)
    for scope, flag in itertools.product([SCOPE_MINE, SCOPE_OFFICE], FLAGS):
        yield CaseloadQuery(scope=scope, flag=flag, sort="activity", descending=True)
    for search, programme, year, field, stage in itertools.product(
        [False, True], [False, True], [False, True], [False, True], ["", "declined", "met"]
    ):
        yield CaseloadQuery(
            scope=SCOPE_OFFICE,
            search="Sam" if search else "",
            programme="Economics" if programme else "",
            year=2027 if year else None,
            field_id=7 if field else None,
            stage=stage,
            flag=FLAG_MISSED_THANKS,
            sort="stage",
        )


def _other(query: CaseloadQuery) -> CaseloadQuery:
    """The same shape with other values: a search with LIKE's special characters."""
    return CaseloadQuery(
        scope=query.scope,
        search="50%_off\\" if query.search else "",
        programme="Law & <Politics>" if query.programme else "",
        year=1999 if query.year is not None else None,
        field_id=123 if query.field_id is not None else None,
        stage=query.stage,
        flag=query.flag,
        sort=query.sort,
        descending=query.descending,
    )


def test_the_bound_statement_is_the_orms_for_every_shape(advisor, other_admin):
    type(other_admin.office).objects.filter(pk=other_admin.office_id).update(stalled_days=45)
    other_admin.office.refresh_from_db()
    checked = 0
    for query, (start, stop) in zip(_queries(), itertools.cycle([(0, 50), (100, 150)])):
        first = selectors.caseload_page_rows(advisor=advisor, query=query, now=FIRST)
        later = selectors.caseload_page_rows(advisor=other_admin, query=_other(query), now=LATER)
        assert isinstance(first, selectors.CaseloadPageRows)
        first, later = first.rows, later.rows
        assert isinstance(first, StatementRows)
        assert later.shape == first.shape

        def sliced(rows, start=start, stop=stop):
            return lambda values: rows.build(values)[start:stop]

        kept, _now, _params = statement_build(
            sliced(first), inputs=first.inputs, sentinels=first.sentinels, connection=connection
        )
        orm = sliced(later)(later.inputs).query.get_compiler(connection=connection).as_sql()

        assert kept is not None, query
        assert (kept.sql, kept.params(later.inputs, connection)) == (orm[0], tuple(orm[1])), query
        checked += 1
    assert checked == len(SORTED_IN_ONE_QUERY) * 2 + 2 * len(FLAGS) + 16 * 3


def test_a_grouped_sort_pages_through_the_orm(advisor):
    rows = selectors.caseload_page_rows(
        advisor=advisor, query=CaseloadQuery(sort="held"), now=FIRST
    )

    assert isinstance(rows, RowsFigureOrder)
