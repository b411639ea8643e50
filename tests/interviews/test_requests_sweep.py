"""The periodic sweep over unanswered requests: one polite nudge to the volunteer
after the office's nudge days, and after 14 days the request lapses and the
student hears about it, with the next person on their list."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.accounts.services import office_update_settings
from apps.contacts.enums import Format, Stage
from apps.interviews import selectors, services
from apps.interviews.enums import EventKind, State
from apps.interviews.models import Interview
from tests.factories.contacts import ContactFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Could you spare 15 minutes to tell me how you got into consulting?"


@pytest.fixture(autouse=True)
def _volunteers_daytime(time_machine):
    # The nudge is a reminder: in the volunteer's quiet hours (21:00-08:00 in New
    # York) it waits for the morning. Run at 10:00 there, whatever the real hour.
    time_machine.move_to(datetime(2026, 3, 3, 15, 0, tzinfo=UTC), tick=True)


@pytest.fixture
def requested(student, volunteer):
    return services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=MESSAGE
    )


def _asked_ago(interview, **delta) -> None:
    Interview.objects.filter(pk=interview.pk).update(
        requested_at=timezone.now() - timedelta(**delta)
    )


def _nudges(interview) -> int:
    return interview.events.filter(kind=EventKind.NUDGED).count()


# --- Nudge --------------------------------------------------------------------------


def test_nudge_is_due_after_the_offices_nudge_days_not_before(requested):
    _asked_ago(requested, days=6, hours=23)
    assert selectors.interviews_due_for_nudge() == []

    _asked_ago(requested, days=7, minutes=1)
    assert selectors.interviews_due_for_nudge() == [requested.pk]


def test_nudge_follows_the_offices_own_setting(requested, office, office_admin):
    office_update_settings(admin=office_admin, office=office, request_nudge_days=3)
    _asked_ago(requested, days=3, minutes=1)

    assert selectors.interviews_due_for_nudge() == [requested.pk]


def test_nudge_is_sent_once_even_when_run_twice(
    requested, alumni, django_capture_on_commit_callbacks, mailoutbox
):
    _asked_ago(requested, days=8)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.interview_nudge(interview_id=requested.pk)
        second = services.interview_nudge(interview_id=requested.pk)

    assert (first, second) == (True, False)
    assert selectors.interviews_due_for_nudge() == []
    assert _nudges(requested) == 1
    [message] = mailoutbox
    assert message.to == [alumni.email]
    assert message.subject == "A reminder: Sam Student is waiting for your answer"
    assert f"http://127.0.0.1:8000/inbox/{requested.pk}/" in message.body
    assert "This is the only reminder we send." in message.body
    assert message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    "change",
    [
        lambda i, s, a: services.interview_withdraw(student=s, interview=i),
        lambda i, s, a: services.interview_decline(user=a, interview=i),
        lambda i, s, a: services.interview_accept(
            user=a, interview=i, format=Format.PHONE, duration_minutes=15,
            slots=[timezone.now() + timedelta(days=3), timezone.now() + timedelta(days=4)],
        ),
    ],
    ids=["withdrawn", "declined", "accepted"],
)  # fmt: skip
def test_an_answered_request_is_never_nudged(change, requested, student, alumni, mailoutbox):
    _asked_ago(requested, days=8)
    change(requested, student, alumni)

    assert selectors.interviews_due_for_nudge() == []
    assert services.interview_nudge(interview_id=requested.pk) is False
    assert _nudges(requested) == 0


# --- Expiry -------------------------------------------------------------------------


def test_expiry_is_due_after_14_days(requested):
    _asked_ago(requested, days=13, hours=23)
    assert selectors.interviews_due_for_expiry() == []

    _asked_ago(requested, days=14, minutes=1)
    assert selectors.interviews_due_for_expiry() == [requested.pk]


def test_expiry_tells_the_student_and_marks_the_contact_no_response(
    requested, student, consulting, django_capture_on_commit_callbacks, mailoutbox
):
    jordan = ContactFactory(
        student=student, full_name="Jordan Lee", field=consulting, on_target_list=True
    )
    _asked_ago(requested, days=15)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.interview_expire(interview_id=requested.pk)
        second = services.interview_expire(interview_id=requested.pk)

    assert (first, second) == (True, False)
    requested.refresh_from_db()
    requested.contact.refresh_from_db()
    assert requested.state == State.EXPIRED
    assert requested.contact.stage == Stage.NO_RESPONSE
    assert list(requested.events.filter(kind=EventKind.EXPIRED).values_list(
        "from_state", "to_state")) == [(State.REQUESTED, State.EXPIRED)]  # fmt: skip
    [message] = mailoutbox
    assert message.to == [student.email]
    assert message.subject == "No answer from Alex Alumni: your request has closed"
    assert "Next on your list for Consulting: Jordan Lee" in message.body
    assert f"http://127.0.0.1:8000/interviews/request/contact/{jordan.pk}/" in message.body
    assert f"http://127.0.0.1:8000/interviews/{requested.pk}/" in message.body
    assert "Jordan Lee" in message.alternatives[0][0]


def test_a_request_due_to_lapse_is_not_nudged_first(requested):
    _asked_ago(requested, days=15)

    assert selectors.interviews_due_for_nudge() == []
