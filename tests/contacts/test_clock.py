"""The keep-in-touch clock is one fact on the contact (Contact.last_interaction_at),
kept by contacts.services.contact_record_interaction and moved by the interviews and
follow-ups services."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.contacts.models import Contact
from apps.contacts.services import contact_record_interaction
from apps.interviews.enums import State
from apps.interviews.services import interview_message, interview_nudge
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def _clock(contact_id):
    return Contact.objects.values_list("last_interaction_at", "last_interaction").get(pk=contact_id)


def test_the_clock_only_moves_forward(student):
    contact = ContactFactory(student=student, full_name="Jordan Lee")

    first = contact_record_interaction(contact=contact, at=NOW, what="Message")
    older = contact_record_interaction(contact=contact, at=NOW - timedelta(days=1), what="Old")

    assert (first, older) == (True, False)
    assert _clock(contact.pk) == (NOW, "Message")
    # The instance holds the clock as it is, not the older news it was given.
    assert (contact.last_interaction_at, contact.last_interaction) == (NOW, "Message")


def test_at_the_same_moment_the_later_call_wins(student):
    contact = ContactFactory(student=student, full_name="Jordan Lee")

    contact_record_interaction(contact=contact, at=NOW, what="Reply recorded")
    moved = contact_record_interaction(contact=contact, at=NOW, what="Time agreed")

    assert moved is True
    assert _clock(contact.pk) == (NOW, "Time agreed")


def test_a_long_description_is_cut_to_fit(student):
    contact = ContactFactory(student=student, full_name="Jordan Lee")

    contact_record_interaction(contact=contact, at=NOW, what="x" * 250)

    assert _clock(contact.pk) == (NOW, "x" * 200)


def test_a_message_before_any_meeting_moves_the_contacts_clock(student, alumni, time_machine):
    time_machine.move_to(NOW, tick=False)
    interview = InterviewFactory(
        student=student, volunteer=make_volunteer(alumni), state=State.REQUESTED
    )

    interview_message(actor=student, interview=interview, body="Is Tuesday good?")

    assert _clock(interview.contact_id) == (NOW, "Message")


def test_the_systems_own_reminder_is_not_an_interaction(student, alumni, time_machine):
    time_machine.move_to(NOW, tick=False)
    interview = InterviewFactory(
        student=student, volunteer=make_volunteer(alumni), state=State.REQUESTED
    )

    assert interview_nudge(interview_id=interview.pk) is True
    assert _clock(interview.contact_id) == (None, "")


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_contacts_latest_check_in_clock(student):
    """followups 0003 moves the clock from the check-ins to the contact: the latest
    one any check-in knew, and nothing for contacts without check-ins."""
    if not isinstance(settings.MIGRATION_MODULES, dict):
        pytest.skip("the suite builds its database without migrations: make test-migrations")
    before = [("contacts", "0003_volunteer_request_stats"), ("followups", "0002_interaction")]
    after = [
        ("contacts", "0004_contact_last_interaction"),
        ("followups", "0003_clock_moves_to_contact"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldContact, OldFollowUp = (
        old.get_model("contacts", "Contact"),
        old.get_model("followups", "FollowUp"),
    )
    met = OldContact.objects.create(owner_id=student.pk, full_name="Met")
    unmet = OldContact.objects.create(owner_id=student.pk, full_name="Not met")
    for at, what, status in [
        (NOW, "Meeting held", "done"),
        (NOW + timedelta(days=9), "Check-in: new job", "open"),
    ]:
        OldFollowUp.objects.create(
            student_id=student.pk,
            contact=met,
            kind="keep_in_touch",
            status=status,
            cadence_months=3,
            due_at=at + timedelta(days=90),
            last_interaction_at=at,
            last_interaction=what,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    clocks = (_clock(met.pk), _clock(unmet.pk))
    # Forward to every app's latest again, for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert clocks == ((NOW + timedelta(days=9), "Check-in: new job"), (None, ""))
