"""The follow-ups page reads its rows, and the interactions logged with the
contacts of its check-ins, in one statement compiled once per number of rows
(StatementRows): the interactions are those the ORM's sliced prefetch reads,
whether the statement is compiled now or kept from before."""

from datetime import timedelta

import pytest
from django.db.models import prefetch_related_objects

from apps.contacts.models import Contact
from apps.contacts.services import contact_create
from apps.core.statements import _statements, statements_clear
from apps.followups import selectors
from apps.followups.enums import Status
from apps.followups.models import FollowUp, Interaction
from apps.followups.selectors import _ROW_FIELDS
from tests.factories.interviews import InterviewFactory
from tests.followups.conftest import NOW

pytestmark = pytest.mark.django_db


def _contacts(student, count):
    contacts = []
    for n in range(count):
        contact = contact_create(student=student, full_name=f"Person {n}")
        # n interactions each, two of them at the same moment (the pk decides), one
        # with microseconds (shown in the <time>'s datetime).
        for k in range(n + 1):
            Interaction.objects.create(
                student=student, contact=contact, kind="call", note=f"{n}-{k}",
                occurred_at=NOW - timedelta(days=min(k, 2), microseconds=k == 1),
            )  # fmt: skip
        contacts.append(contact)
    return contacts


def _shown(contacts):
    return [[(i.kind, i.occurred_at, i.note) for i in c.recent_interactions] for c in contacts]


def _orm(contacts):
    fresh = [Contact.objects.get(pk=c.pk) for c in contacts]
    prefetch_related_objects(fresh, selectors._recent_interactions("interactions"))
    return _shown(fresh)


def _followups(student, contacts, *, kind, **values):
    pks = []
    for contact in contacts:
        if kind == "thank_you":
            interview = InterviewFactory(student=student, contact=contact, state="completed")
            values |= {"interview": interview}
        else:
            values |= {"cadence_months": 3}
        followup = FollowUp.objects.create(
            student=student, contact=contact, kind=kind, due_at=NOW, **values
        )
        pks.append(followup.pk)
    return pks


@pytest.mark.parametrize("count", [1, 3, 6])
def test_recent_interactions_are_the_orms_compiled_or_kept(
    student, student2, count, django_assert_num_queries
):
    """Each active check-in's row carries its contact's last interactions, read in
    its query, as the ORM's sliced prefetch reads them; a thank-you and a done
    check-in carry none."""
    statements_clear()
    contacts = _contacts(student, count)
    _contacts(student2, 2)
    expected = _orm(contacts)
    assert sum(map(len, expected)) == sum(min(n + 1, 3) for n in range(count))
    checkins = _followups(student, contacts, kind="keep_in_touch")
    others = [
        *_followups(student, contacts, kind="thank_you"),
        *_followups(student, contacts, kind="keep_in_touch", status=Status.DONE, done_at=NOW),
    ]
    ids = checkins + others

    with django_assert_num_queries(1):
        compiled = {row.pk: row for row in selectors._rows_shown(student_id=student.pk, ids=ids)}
    # Kept for this number of rows, not built by the ORM each time.
    assert [key[1:3] for key in _statements("default")] == [("followups.rows_shown", len(ids))]
    with django_assert_num_queries(1):
        kept = selectors._rows_shown(student_id=student.pk, ids=ids[::-1])
        kept = {row.pk: row for row in kept}

    for rows in (compiled, kept):
        assert _shown(rows[pk].contact for pk in checkins) == expected
        assert _shown(rows[pk].contact for pk in others) == [[]] * len(others)
    statements_clear()


def _row(f):
    c = f.contact
    return (
        f.kind, f.status, f.due_at, f.snoozed_until, f.cadence_months, f.done_at, f.on_time,
        f.sent_via, f.note, c.pk, c.full_name, c.organisation, c.last_interaction_at,
        c.last_interaction, c.volunteer_id,
    )  # fmt: skip


def test_rows_shown_are_the_students_own_with_contacts_from_a_kept_statement(
    student, student2, django_assert_num_queries
):
    statements_clear()
    mine = [
        FollowUp.objects.create(
            student=student, contact=contact_create(student=student, full_name=f"Mine {n}"),
            kind="keep_in_touch", due_at=NOW + timedelta(days=n),
        )
        for n in range(3)
    ]  # fmt: skip
    theirs = FollowUp.objects.create(
        student=student2, contact=contact_create(student=student2, full_name="Theirs"),
        kind="keep_in_touch", due_at=NOW,
    )  # fmt: skip
    ids = [f.pk for f in mine] + [theirs.pk]
    orm = FollowUp.objects.filter(student=student, pk__in=ids).select_related("contact")
    orm = {f.pk: _row(f) for f in orm.only(*_ROW_FIELDS[1:])}
    selectors._rows_shown(student_id=student.pk, ids=ids)

    with django_assert_num_queries(1):
        rows = selectors._rows_shown(student_id=student.pk, ids=list(reversed(ids)))
        seen = {f.pk: _row(f) for f in rows}

    assert seen == orm
    assert sorted(seen) == sorted(f.pk for f in mine)
    assert {shape[1:3] for shape in _statements("default")} == {("followups.rows_shown", 4)}
    with django_assert_num_queries(0):
        assert selectors._rows_shown(student_id=student.pk, ids=[]) == []
    statements_clear()


def test_sections_split_at_now_and_a_week_from_now(student):
    """The narrow read puts each row in its section in SQL: overdue strictly before
    now, this week from now to a week on, later from then, snoozed later whatever
    its due time; each section by due time, then id."""

    def make(name, due_at, **values):
        return FollowUp.objects.create(
            student=student, contact=contact_create(student=student, full_name=name),
            kind="keep_in_touch", due_at=due_at, **values,
        )  # fmt: skip

    tick = timedelta(microseconds=1)
    late = make("late", NOW - tick)
    now_b = make("now b", NOW)
    now_a = make("now a", NOW)
    last = make("last", NOW + selectors.DUE_SOON - tick)
    week = make("week", NOW + selectors.DUE_SOON)
    snoozed = make("snoozed", NOW - timedelta(days=3), status=Status.SNOOZED,
                   snoozed_until=NOW + timedelta(days=1))  # fmt: skip
    make("stopped", NOW, status=Status.STOPPED)

    groups = selectors.followup_groups_for_student(student=student, now=NOW)

    assert [f.pk for f in groups.overdue] == [late.pk]
    assert [f.pk for f in groups.this_week] == [now_b.pk, now_a.pk, last.pk]
    assert [f.pk for f in groups.upcoming] == [snoozed.pk, week.pk]
    assert groups.counts == {"overdue": 1, "this_week": 3, "upcoming": 2}
