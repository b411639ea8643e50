"""A student's contact figures for the advisor's caseload: each one exact, 0 / "" /
None for a student with nothing, never another student's, in one query for any
number of students."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from apps.accounts.models import User
from apps.contacts.enums import STAGE_ORDER, Stage
from apps.contacts.models import Contact
from apps.contacts.selectors import student_contact_figures
from apps.contacts.services import (
    contact_archive,
    contact_record_interaction,
    contact_set_stage,
    contact_target_add,
)
from tests.factories.contacts import ContactFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
KEYS = [
    "contacts_count",
    "targets",
    "furthest_stage",
    "last_contact_added_at",
    "last_interaction_at",
]


def _figures(*users) -> dict[int, dict]:
    rows = (
        User.objects.filter(pk__in=[u.pk for u in users])
        .annotate(**student_contact_figures())
        .values("pk", *KEYS)
    )
    return {row.pop("pk"): row for row in rows}


def _contact(student, *, stage=Stage.IDENTIFIED, target=False, **data):
    contact = ContactFactory(student=student, **data)
    contact_set_stage(contact=contact, stage=stage)
    if target:
        contact_target_add(student=student, contact=contact)
    return contact


@pytest.fixture
def sams_book(student, time_machine):
    """Sam's contacts, added a day apart: three current (one met, two on target
    lists), and the last one added, archived though they were keeping in touch."""
    time_machine.move_to(T0, tick=False)
    _contact(student, stage=Stage.REQUESTED, target=True)
    time_machine.move_to(T0 + timedelta(days=1), tick=False)
    met = _contact(student, stage=Stage.MET)
    time_machine.move_to(T0 + timedelta(days=2), tick=False)
    _contact(student, stage=Stage.DECLINED, target=True)
    time_machine.move_to(T0 + timedelta(days=3), tick=False)
    archived = _contact(student, stage=Stage.KEEPING_IN_TOUCH, target=True)
    contact_archive(student=student, contact=archived)
    contact_record_interaction(contact=met, at=T0 + timedelta(days=1, hours=2), what="Met")
    contact_record_interaction(contact=archived, at=T0 + timedelta(days=3, hours=1), what="Call")
    return {"met": met, "archived": archived}


def test_student_contact_figures_exact(student, sams_book):
    assert _figures(student)[student.pk] == {
        "contacts_count": 3,
        "targets": 2,
        "furthest_stage": Stage.MET,
        "last_contact_added_at": T0 + timedelta(days=3),
        "last_interaction_at": T0 + timedelta(days=3, hours=1),
    }


def test_student_contact_figures_archived_contacts_count_only_in_the_dates(student, sams_book):
    # Without the archived contact the dates fall back to the current ones: the
    # archived one is what made them later above.
    sams_book["archived"].delete()

    assert _figures(student)[student.pk] == {
        "contacts_count": 3,
        "targets": 2,
        "furthest_stage": Stage.MET,
        "last_contact_added_at": T0 + timedelta(days=2),
        "last_interaction_at": T0 + timedelta(days=1, hours=2),
    }


def test_student_contact_figures_nothing_is_zero_empty_and_none(student, student2, sams_book):
    assert _figures(student2)[student2.pk] == {
        "contacts_count": 0,
        "targets": 0,
        "furthest_stage": "",
        "last_contact_added_at": None,
        "last_interaction_at": None,
    }


def test_student_contact_figures_only_archived_contacts(student2, time_machine):
    time_machine.move_to(T0, tick=False)
    contact = _contact(student2, stage=Stage.MET, target=True)
    contact_archive(student=student2, contact=contact)

    assert _figures(student2)[student2.pk] == {
        "contacts_count": 0,
        "targets": 0,
        "furthest_stage": "",
        "last_contact_added_at": T0,
        "last_interaction_at": None,
    }


def test_student_contact_figures_never_count_another_students(
    student, student2, other_student, sams_book, time_machine
):
    time_machine.move_to(T0 + timedelta(days=10), tick=False)
    theirs = _contact(student2, stage=Stage.THANKED, target=True)
    contact_record_interaction(contact=theirs, at=T0 + timedelta(days=10), what="Thanks")
    _contact(other_student, stage=Stage.KEEPING_IN_TOUCH, target=True)

    figures = _figures(student, student2, other_student)

    assert figures[student.pk] == {
        "contacts_count": 3,
        "targets": 2,
        "furthest_stage": Stage.MET,
        "last_contact_added_at": T0 + timedelta(days=3),
        "last_interaction_at": T0 + timedelta(days=3, hours=1),
    }
    assert figures[student2.pk] == {
        "contacts_count": 1,
        "targets": 1,
        "furthest_stage": Stage.THANKED,
        "last_contact_added_at": T0 + timedelta(days=10),
        "last_interaction_at": T0 + timedelta(days=10),
    }
    assert figures[other_student.pk]["furthest_stage"] == Stage.KEEPING_IN_TOUCH


def test_stage_order_holds_every_stage_once():
    assert sorted(STAGE_ORDER) == sorted(Stage.values)
    assert STAGE_ORDER[:3] == [Stage.DECLINED, Stage.NO_RESPONSE, Stage.IDENTIFIED]
    assert STAGE_ORDER[-1] == Stage.KEEPING_IN_TOUCH


@pytest.mark.parametrize(("lower", "higher"), list(pairwise(STAGE_ORDER)))
def test_furthest_stage_is_the_higher_of_two(student, lower, higher):
    # Added in both orders, so neither insertion order nor pk decides.
    _contact(student, stage=higher)
    _contact(student, stage=lower)
    _contact(student, stage=higher)

    assert _figures(student)[student.pk]["furthest_stage"] == higher


@pytest.mark.parametrize(("lower", "higher"), list(pairwise(STAGE_ORDER)))
def test_furthest_stage_rank_is_the_higher_ones_place(student, lower, higher):
    _contact(student, stage=higher)
    _contact(student, stage=lower)

    rank = User.objects.annotate(**student_contact_figures()).get(pk=student.pk)
    assert rank.furthest_stage_rank == STAGE_ORDER.index(higher)


@pytest.mark.parametrize("stage", STAGE_ORDER)
def test_stage_rank_column_follows_every_stage_change(student, stage):
    contact = _contact(student)
    contact_set_stage(contact=contact, stage=stage)

    assert Contact.objects.values_list("stage_rank", flat=True).get(pk=contact.pk) == (
        STAGE_ORDER.index(stage)
    )


def test_furthest_stage_leaves_out_a_higher_archived_contact(student):
    _contact(student, stage=Stage.REQUESTED)
    contact_archive(student=student, contact=_contact(student, stage=Stage.KEEPING_IN_TOUCH))

    rank = User.objects.annotate(**student_contact_figures()).get(pk=student.pk)
    assert (rank.furthest_stage, rank.furthest_stage_rank) == (
        Stage.REQUESTED,
        STAGE_ORDER.index(Stage.REQUESTED),
    )


def test_furthest_stage_rank_without_contacts_is_minus_one(student):
    rank = User.objects.annotate(**student_contact_figures()).get(pk=student.pk)

    assert rank.furthest_stage_rank == -1


def test_furthest_stage_of_declined_and_no_response_is_below_identified(student):
    _contact(student, stage=Stage.NO_RESPONSE)
    _contact(student, stage=Stage.DECLINED)
    assert _figures(student)[student.pk]["furthest_stage"] == Stage.NO_RESPONSE

    _contact(student, stage=Stage.IDENTIFIED)
    assert _figures(student)[student.pk]["furthest_stage"] == Stage.IDENTIFIED


def _book(student, n):
    for i in range(n):
        contact = _contact(student, stage=STAGE_ORDER[i], target=bool(i % 2))
        contact_record_interaction(contact=contact, at=T0 + timedelta(hours=i), what="Call")


@pytest.mark.parametrize("students", [1, 3])
def test_student_contact_figures_one_query_for_any_number_of_students(
    office, student, student2, other_student, django_assert_num_queries, students
):
    people = [student, student2, other_student][:students]
    for n, person in enumerate(people, start=2):
        _book(person, n)

    with django_assert_num_queries(1):
        figures = _figures(*people)

    assert [figures[p.pk]["contacts_count"] for p in people] == [2, 3, 4][:students]
