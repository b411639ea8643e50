"""A page of the caseload sorted on a count (caseload_page_rows, through
core.figures.RowsFigureOrder) holds exactly the rows, in exactly the order and
with exactly the figures, of the whole caseload queryset, on every page, both
ways, with filters; and its queries do not grow with the office."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising.selectors import (
    GROUPED_SORTS,
    SCOPE_MINE,
    SCOPE_OFFICE,
    CaseloadQuery,
    caseload_for_advisor,
    caseload_page_rows,
)
from apps.advising.services import assignments_add
from apps.contacts.enums import STAGE_ORDER
from apps.contacts.selectors import student_contact_figures
from apps.contacts.services import contact_set_stage
from apps.core.figures import RowsFigureOrder
from apps.followups.enums import Kind, Status
from apps.followups.models import FollowUp
from apps.interviews.enums import State
from apps.students.selectors import student_profile_get
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
URL = "/advising/"
FIGURES = [*GROUPED_SORTS.values(), "contacts_count", "furthest_stage_rank"]
STATES = [State.REQUESTED, State.ACCEPTED, State.COMPLETED, State.DECLINED, State.DRAFT]


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _thank_you(interview, *, status, on_time=None, due_in_hours):
    FollowUp.objects.create(
        student=interview.student,
        contact=interview.contact,
        interview=interview,
        kind=Kind.THANK_YOU,
        due_at=NOW + timedelta(hours=due_in_hours),
        status=status,
        done_at=NOW - timedelta(hours=1) if status == Status.DONE else None,
        on_time=on_time,
    )


def _student_with(office, n: int, rng: random.Random):
    """A student with 0–3 of each thing, so that every count has ties and zeros."""
    student = UserFactory(office=office, email=f"s{n:02}@northfield.test", full_name=f"S {n:02}")
    if n % 3 == 0:
        profile = student_profile_get(user=student)
        profile.programme = "History"
        profile.save()
    for i in range(rng.randint(0, 3)):
        contact = ContactFactory(
            student=student, full_name=f"C {i}", on_target_list=rng.random() < 0.5
        )
        contact_set_stage(contact=contact, stage=rng.choice(STAGE_ORDER))
    for _ in range(rng.randint(0, 3)):
        state = rng.choice(STATES)
        interview = InterviewFactory(
            student=student,
            state=state,
            requested_at=None if state == State.DRAFT else NOW - timedelta(days=3),
            job_ask_flagged=rng.random() < 0.3,
        )
        if state == State.COMPLETED:
            status = rng.choice([Status.DONE, Status.OPEN])
            _thank_you(
                interview,
                status=status,
                on_time=rng.choice([True, False]) if status == Status.DONE else None,
                due_in_hours=rng.choice([-30, 5]),
            )
    return student


@pytest.fixture
def office_of_13(office):
    rng = random.Random(20261203)
    return [_student_with(office, n, rng) for n in range(13)]


def _figures(row) -> tuple:
    return (row.pk, *(getattr(row, name) for name in FIGURES), row.furthest_stage)


def _paged(rows, *, size: int) -> list:
    total = rows.count()
    out = []
    for start in range(0, total, size):
        out.extend(rows[start : start + size])
    return out


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(GROUPED_SORTS))
def test_every_count_sort_pages_exactly_as_the_queryset_orders(
    office_of_13, advisor, sort, descending
):
    query = CaseloadQuery(scope=SCOPE_OFFICE, sort=sort, descending=descending)
    whole = list(caseload_for_advisor(advisor=advisor, query=query, now=NOW))
    rows = caseload_page_rows(advisor=advisor, query=query, now=NOW)

    assert isinstance(rows, RowsFigureOrder)
    # The data has ties and students without rows for this figure, or the test
    # would prove little.
    values = [getattr(row, GROUPED_SORTS[sort]) for row in whole]
    assert 0 in values, values
    assert len(set(values)) < len(values), values
    for size in (1, 2, 3, 5, 50):
        assert [_figures(r) for r in _paged(rows, size=size)] == [_figures(r) for r in whole]


@pytest.mark.parametrize(
    "query",
    [
        CaseloadQuery(scope=SCOPE_OFFICE, sort="held", descending=True, flag="missed_thank_you"),
        CaseloadQuery(scope=SCOPE_OFFICE, sort="contacts", flag="no_targets"),
        CaseloadQuery(scope=SCOPE_OFFICE, sort="requests", flag="job_ask", descending=True),
        CaseloadQuery(scope=SCOPE_OFFICE, sort="targets", search="S 1"),
        CaseloadQuery(scope=SCOPE_OFFICE, sort="held", stage="identified"),
        CaseloadQuery(scope=SCOPE_MINE, sort="missing", descending=True),
        CaseloadQuery(scope=SCOPE_OFFICE, sort="stage", descending=True, programme="History"),
    ],
    ids=["missed", "no-targets", "job-ask", "search", "stage", "mine", "programme"],
)
def test_filters_and_scope_page_exactly_as_the_queryset(office_of_13, office_admin, advisor, query):
    assignments_add(
        admin=office_admin, advisor_id=advisor.pk, student_ids=[s.pk for s in office_of_13[::2]]
    )
    whole = list(caseload_for_advisor(advisor=advisor, query=query, now=NOW))
    rows = caseload_page_rows(advisor=advisor, query=query, now=NOW)

    assert whole, "the filter leaves someone, or the test would prove little"
    assert rows.count() == len(whole)
    assert [_figures(r) for r in _paged(rows, size=2)] == [_figures(r) for r in whole]


@pytest.mark.parametrize("sort", ["activity", "contacts", "stage", "name"])
def test_the_other_sorts_page_the_queryset(office_of_13, advisor, sort):
    query = CaseloadQuery(scope=SCOPE_OFFICE, sort=sort, descending=True)

    rows = caseload_page_rows(advisor=advisor, query=query, now=NOW)

    assert [r.pk for r in rows] == [
        r.pk for r in caseload_for_advisor(advisor=advisor, query=query, now=NOW)
    ]
    assert not isinstance(rows, RowsFigureOrder)


def test_a_slice_with_a_step_is_refused(office_of_13, advisor):
    rows = caseload_page_rows(
        advisor=advisor, query=CaseloadQuery(scope=SCOPE_OFFICE, sort="held"), now=NOW
    )

    with pytest.raises(TypeError):
        rows[0:4:2]


def _busy(office, n: int, *, held: bool):
    student = UserFactory(office=office, email=f"b{n}@northfield.test", full_name=f"B {n:03}")
    if held:
        InterviewFactory(student=student, state=State.COMPLETED, requested_at=NOW)
    return student


@pytest.mark.parametrize(
    ("held", "idle", "page", "queries"),
    [
        # Session, user, the programmes and fields of the filters, has-caseload, the
        # count; then the students with a count, sorted (a full page ends there) ...
        (60, 0, 1, 8),
        (600, 0, 1, 8),
        # ... or, when they run out on the page, the first students without one ...
        (1, 2, 1, 9),
        (3, 50, 1, 9),
        # ... or, on a page past them all, how many there are and the ones without.
        (3, 60, 2, 10),
        (3, 600, 5, 10),
    ],
)
def test_a_page_sorted_on_a_count_costs_the_same_queries_for_any_office(
    office, advisor, login_as, django_assert_num_queries, held, idle, page, queries
):
    for n in range(held):
        _busy(office, n, held=True)
    for n in range(held, held + idle):
        _busy(office, n, held=False)
    browser = login_as(advisor)

    # ... and last, every figure of the page's own rows.
    with django_assert_num_queries(queries):
        response = browser.get(URL, {"sort": "-held", "page": page})

    assert response.status_code == 200
    shown = [s.held for s in response.context["page"].object_list]
    assert len(shown) == min(50, held + idle - 50 * (page - 1))
    assert shown == sorted(shown, reverse=True)


@pytest.mark.parametrize("stage", STAGE_ORDER)
def test_the_stage_filter_keeps_exactly_the_students_whose_furthest_stage_it_is(
    office_of_13, advisor, stage
):
    everyone = caseload_for_advisor(
        advisor=advisor, query=CaseloadQuery(scope=SCOPE_OFFICE), now=NOW
    )
    expected = [s.pk for s in everyone if s.furthest_stage == stage]

    filtered = caseload_for_advisor(
        advisor=advisor, query=CaseloadQuery(scope=SCOPE_OFFICE, stage=stage), now=NOW
    )

    assert [s.pk for s in filtered] == expected


def test_the_stage_filter_is_met_by_someone_in_the_data(office_of_13, advisor):
    everyone = caseload_for_advisor(
        advisor=advisor, query=CaseloadQuery(scope=SCOPE_OFFICE), now=NOW
    )

    # Enough stages appear, with students without contacts too, for the test above.
    stages = {s.furthest_stage for s in everyone}
    assert "" in stages and len(stages) >= 5, stages


@pytest.mark.parametrize("descending", [False, True])
def test_a_greatest_of_figure_pages_in_its_order_too(office_of_13, advisor, descending):
    """RowsFigureOrder on the furthest stage (a Max, -1 without contacts), which the
    caseload sorts with its subquery: the order is the same either way."""
    query = CaseloadQuery(scope=SCOPE_OFFICE, sort="stage", descending=descending)
    whole = list(caseload_for_advisor(advisor=advisor, query=query, now=NOW))
    figure = student_contact_figures()["furthest_stage_rank"]
    rows = RowsFigureOrder(
        User.objects.filter(office=advisor.office, role=Role.STUDENT),
        figure,
        descending=descending,
        rows_for=lambda pks: User.objects.filter(pk__in=pks),
    )

    assert -1 in [s.furthest_stage_rank for s in whole]
    for size in (1, 3, 50):
        assert [r.pk for r in _paged(rows, size=size)] == [r.pk for r in whole]


def test_equals_is_for_a_greatest_of_figure():
    from apps.contacts.models import Contact
    from apps.core.figures import RowsFigure

    with pytest.raises(ValueError):
        RowsFigure(Contact.objects.all(), per="owner").equals(2)
