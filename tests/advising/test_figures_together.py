"""The caseload's figures computed together (core.figures.FiguresTogether: one pass
over a student's contacts, one over their conversations, one over their follow-ups,
each figure a FILTER of it): every figure equals the figure computed on its own,
for students with everything, some things and nothing; through the ORM and through
the kept statement; and the page's SQL reads each table once."""

import random
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising import selectors
from apps.advising.selectors import SCOPE_OFFICE, CaseloadQuery, caseload_page_rows
from apps.contacts.enums import STAGE_ORDER, stage_of_rank
from apps.contacts.services import contact_archive
from apps.core.figures import FigureFrom, FiguresTogether, RowsFigure
from apps.core.statements import statements_clear
from apps.interviews.enums import EventKind, State
from apps.interviews.models import InterviewEvent
from tests.advising.test_caseload_order import NOW, _student_with
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _shown_figures() -> dict:
    figures = selectors._figures(now=NOW, profile_joined=False)
    return {k: v for k, v in figures.items() if k not in selectors._KEPT_ON_THE_USER}


@pytest.fixture
def office_of_16(office):
    """Thirteen students with 0–3 of everything (ties, zeros), one whose only
    contact is archived (no current contact: the greatest stage of none), one
    with a conversation cancelled after its yes, and one with nothing at all."""
    rng = random.Random(20261204)
    students = [_student_with(office, n, rng) for n in range(13)]
    only_archived = _student_with(office, 13, random.Random(0))
    contact = ContactFactory(student=only_archived, full_name="Gone")
    contact_archive(student=only_archived, contact=contact)
    cancelled = _student_with(office, 14, random.Random(1))
    interview = InterviewFactory(
        student=cancelled, state=State.CANCELLED, requested_at=NOW - timedelta(days=5)
    )
    InterviewEvent.objects.create(
        interview=interview,
        kind=EventKind.CANCELLED,
        from_state=State.SCHEDULED,
        to_state=State.CANCELLED,
    )
    nothing = _student_with(office, 15, random.Random(2))
    return [*students, only_archived, cancelled, nothing]


def _each_alone(figures: dict, pks: list[int]) -> dict[int, dict]:
    rows = User.objects.filter(pk__in=pks).annotate(**figures).values("pk", *figures)
    return {row.pop("pk"): row for row in rows}


def test_together_every_figure_equals_the_figure_alone(office_of_16):
    figures = _shown_figures()
    pks = [s.pk for s in office_of_16]
    expected = _each_alone(figures, pks)

    together = FiguresTogether(figures)
    rows = list(together.annotate(User.objects.filter(pk__in=pks)))

    got = {row.pk: {name: getattr(row, name) for name in figures} for row in rows}
    assert got == expected
    # The data has what each default is for, or the test would prove little.
    assert any(v["contacts_count"] == 0 and v["furthest_stage_rank"] == -1 for v in got.values())
    assert any(v["furthest_stage"] == "" for v in got.values())
    assert any(v["accepted"] and v["held"] == 0 for v in got.values())
    assert len({v["furthest_stage"] for v in got.values()}) > 3
    # No array is left on a row.
    assert not any(name.startswith("figures_together") for name in vars(rows[0]))


def test_together_asks_one_subquery_per_table(office_of_16):
    figures = _shown_figures()
    together = FiguresTogether(figures)

    # Eleven counts over three tables become three arrays; the stage is read from
    # its rank; the programme, year and the one latest-time figure stay as they are.
    arrays = [name for name in together.annotations if name.startswith("figures_together")]
    assert len(arrays) == 3
    assert "furthest_stage" not in together.annotations
    assert "contacts_count" not in together.annotations
    assert {"programme", "graduation_year"} <= set(together.annotations)


def test_a_figure_alone_in_its_table_and_a_stage_without_its_rank_stay_in_sql(office_of_16):
    figures = _shown_figures()
    alone = {
        "held": figures["held"],
        "contacts_count": figures["contacts_count"],
        "furthest_stage": figures["furthest_stage"],
    }
    together = FiguresTogether(alone)

    assert together.iterable is None
    assert together.annotations == alone
    pks = [s.pk for s in office_of_16]
    rows = together.annotate(User.objects.filter(pk__in=pks)).values("pk", *alone)
    assert {r.pop("pk"): r for r in rows} == _each_alone(alone, pks)


def test_figure_from_compiles_as_its_expression(office_of_16):
    stage = _shown_figures()["furthest_stage"]
    assert isinstance(stage, FigureFrom)
    assert [stage_of_rank(rank) for rank in range(-1, len(STAGE_ORDER))] == ["", *STAGE_ORDER]


def test_a_count_without_where_is_not_grouped():
    from apps.contacts.models import Contact

    plain = RowsFigure(Contact.objects.filter(archived_at__isnull=True), per="owner")
    together = FiguresTogether({"a": plain, "b": plain})

    assert together.iterable is None
    assert set(together.annotations) == {"a", "b"}


def _caseload_sql(advisor, query) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(caseload_page_rows(advisor=advisor, query=query, now=NOW)[0:50])
    (sql,) = [q["sql"] for q in queries.captured_queries if "accounts_user" in q["sql"]]
    return sql


def test_the_page_reads_each_table_once(office_of_16, advisor):
    sql = _caseload_sql(advisor, CaseloadQuery(scope=SCOPE_OFFICE))

    assert len(re.findall(r'FROM "contacts_contact"', sql)) == 1
    assert len(re.findall(r'FROM "interviews_interview"', sql)) == 1
    assert len(re.findall(r'FROM "followups_followup"', sql)) == 1
    # The profile is read for the page's rows, not joined to every student sorted.
    assert "JOIN" not in sql


def test_sorted_on_a_count_the_count_is_named_alone_for_the_sort(office_of_16, advisor):
    sql = _caseload_sql(advisor, CaseloadQuery(scope=SCOPE_OFFICE, sort="contacts"))

    assert len(re.findall(r'FROM "contacts_contact"', sql)) == 2
    sql = _caseload_sql(advisor, CaseloadQuery(scope=SCOPE_OFFICE, sort="programme"))
    assert 'JOIN "students_studentprofile"' in sql


@pytest.mark.parametrize("sort", ["name", "-contacts", "stage", "-programme", "year"])
def test_the_kept_statement_gives_the_same_figures_as_the_orm(office_of_16, advisor, sort):
    statements_clear()
    query = CaseloadQuery(
        scope=SCOPE_OFFICE, sort=sort.lstrip("-"), descending=sort.startswith("-")
    )
    figures = list(_shown_figures())
    orm = selectors.caseload_for_advisor(advisor=advisor, query=query, now=NOW)
    expected = [(r.pk, *(getattr(r, f) for f in figures)) for r in orm]

    for _ in range(2):  # built the first time, then run from the kept statement
        rows = caseload_page_rows(advisor=advisor, query=query, now=NOW)
        assert isinstance(rows, selectors.CaseloadPageRows)
        got = [(r.pk, *(getattr(r, f) for f in figures)) for r in rows[0:50]]
        assert got == expected[:50]
    assert len(expected) == User.objects.filter(role=Role.STUDENT, office=advisor.office).count()
