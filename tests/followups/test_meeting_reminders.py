"""Meeting reminders: a day before, to both sides, with the questions and the link
or place; once per version of the meeting; dropped when it moves or is cancelled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_send_due
from apps.followups import reminders
from apps.followups.enums import Kind
from apps.followups.models import FollowUp
from apps.interviews import services as interview_services
from apps.interviews.enums import State
from tests.factories.interviews import InterviewFactory, add_questions
from tests.followups.conftest import NOW

pytestmark = pytest.mark.django_db

Sent = OutboundEmail.Status
STARTS = NOW + timedelta(hours=24, minutes=30)  # Wednesday 4 March, 10:30 in New York


@pytest.fixture
def upcoming(student, volunteer):
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=STARTS,
        duration_minutes=30,
        format="video",
        meeting_url="https://meet.example.test/abc",
    )
    add_questions(interview, "How did you start?", "What is hard?", "Who else should I ask?")
    return interview


def _rows():
    return list(
        OutboundEmail.objects.filter(kind="followups/meeting")
        .order_by("pk")
        .values_list("dedupe_key", "due_at", "status")
    )


def test_meetings_more_than_25_hours_away_get_no_reminder_yet(upcoming):
    type(upcoming).objects.filter(pk=upcoming.pk).update(
        starts_at=NOW + timedelta(hours=25, minutes=1)
    )

    assert reminders.meeting_reminders_create() == 0


def test_one_reminder_per_side_due_a_day_before_however_often_the_sweep_runs(
    upcoming, student, alumni
):
    first = reminders.meeting_reminders_create()
    second = reminders.meeting_reminders_create()

    assert (first, second) == (2, 0)
    due = STARTS - timedelta(hours=24)
    assert _rows() == [
        (f"meeting:{upcoming.pk}:0:{student.pk}", due, Sent.PENDING),
        (f"meeting:{upcoming.pk}:0:{alumni.pk}", due, Sent.PENDING),
    ]


def test_sweep_made_reminders_are_filed_under_the_recipients_office(upcoming, office):
    reminders.meeting_reminders_create()

    # As for an email queued one at a time: office pages scope the outbox by office_id.
    assert list(
        OutboundEmail.objects.filter(kind="followups/meeting").values_list("office_id", flat=True)
    ) == [office.pk, office.pk]


def test_a_meeting_booked_less_than_a_day_ahead_is_reminded_now(upcoming, student):
    type(upcoming).objects.filter(pk=upcoming.pk).update(starts_at=NOW + timedelta(hours=3))

    reminders.meeting_reminders_create()

    assert [due for _key, due, _status in _rows()] == [NOW, NOW]


def test_reminders_carry_the_time_the_link_and_the_questions_shared_or_not(
    upcoming, time_machine, mailoutbox
):
    reminders.meeting_reminders_create()
    time_machine.move_to(STARTS - timedelta(hours=24), tick=False)

    assert outbox_send_due() == {"sent": 2}
    to_student, to_volunteer = sorted(mailoutbox, key=lambda m: m.to[0] != "sam@northfield.test")
    assert to_student.to == ["sam@northfield.test"]
    assert to_student.subject == (
        "Reminder: your conversation with Alex Alumni, Wednesday 4 March, 10:30"
    )
    assert "When: Wednesday 4 March 2026, 10:30 (America/New_York)" in to_student.body
    assert "Link: https://meet.example.test/abc" in to_student.body
    assert (
        "Your questions, most important first:\n"
        "1. How did you start?\n2. What is hard?\n3. Who else should I ask?\n"
    ) in to_student.body
    assert f"http://127.0.0.1:8000/interviews/{upcoming.pk}/" in to_student.body
    assert to_volunteer.to == ["alex@alumni.test"]
    assert to_volunteer.subject == (
        "Reminder: your conversation with Sam Student, Wednesday 4 March, 10:30"
    )
    assert "How did you start?" not in to_volunteer.body
    assert f"http://127.0.0.1:8000/inbox/{upcoming.pk}/" in to_volunteer.body
    for message in mailoutbox:
        assert message.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/u/")
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_volunteer_sees_the_questions_once_shared(upcoming, time_machine, mailoutbox):
    type(upcoming).objects.filter(pk=upcoming.pk).update(questions_shared_at=timezone.now())

    reminders.meeting_reminders_create()
    time_machine.move_to(STARTS - timedelta(hours=24), tick=False)
    outbox_send_due()

    [to_volunteer] = [m for m in mailoutbox if m.to == ["alex@alumni.test"]]
    assert (
        "The questions Sam would like to ask:\n"
        "1. How did you start?\n2. What is hard?\n3. Who else should I ask?\n"
    ) in to_volunteer.body


def test_a_meeting_off_the_platform_reminds_only_the_student(student, own_meeting):
    type(own_meeting).objects.filter(pk=own_meeting.pk).update(starts_at=NOW + timedelta(hours=5))

    reminders.meeting_reminders_create()

    assert [key for key, _due, _status in _rows()] == [f"meeting:{own_meeting.pk}:0:{student.pk}"]


def test_a_reschedule_makes_a_new_reminder_and_the_stale_one_is_dropped(
    upcoming, student, alumni, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    reminders.meeting_reminders_create()
    moved_to = STARTS + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        interview_services.interview_reschedule(
            actor=student, interview=upcoming, starts_at=moved_to, reason="Clash with a lecture"
        )
    mailoutbox.clear()
    time_machine.move_to(moved_to - timedelta(hours=25), tick=False)
    made = reminders.meeting_reminders_create()
    again = reminders.meeting_reminders_create()
    time_machine.move_to(moved_to - timedelta(hours=24), tick=False)
    delivered = outbox_send_due()

    assert (made, again) == (2, 0)
    assert delivered == {"cancelled": 2, "sent": 2}
    assert _rows() == [
        (f"meeting:{upcoming.pk}:0:{student.pk}", STARTS - timedelta(hours=24), Sent.CANCELLED),
        (f"meeting:{upcoming.pk}:0:{alumni.pk}", STARTS - timedelta(hours=24), Sent.CANCELLED),
        (f"meeting:{upcoming.pk}:1:{student.pk}", moved_to - timedelta(hours=24), Sent.SENT),
        (f"meeting:{upcoming.pk}:1:{alumni.pk}", moved_to - timedelta(hours=24), Sent.SENT),
    ]
    assert set(
        OutboundEmail.objects.filter(status=Sent.CANCELLED, kind="followups/meeting").values_list(
            "last_error", flat=True
        )
    ) == {"meeting moved"}
    assert sorted(m.to[0] for m in mailoutbox) == ["alex@alumni.test", "sam@northfield.test"]
    assert all("11:30" in m.subject for m in mailoutbox)


def test_a_cancelled_meeting_is_not_reminded(
    upcoming, student, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    reminders.meeting_reminders_create()
    with django_capture_on_commit_callbacks(execute=True):
        interview_services.interview_cancel(
            actor=student, interview=upcoming, reason="I took another offer of advice"
        )
    mailoutbox.clear()
    time_machine.move_to(STARTS - timedelta(hours=24), tick=False)

    assert reminders.meeting_reminders_create() == 0
    assert outbox_send_due() == {"cancelled": 2}
    assert mailoutbox == []
    assert set(OutboundEmail.objects.filter(kind="followups/meeting").values_list(
        "last_error", flat=True)) == {"interview cancelled"}  # fmt: skip


def test_the_reminders_sweep_task_makes_meeting_and_check_in_reminders_once(
    upcoming, student, own_meeting
):
    from apps.followups.tasks import followups_reminders_sweep
    from apps.interviews.services import interview_complete

    # Its thank-you is due the moment it is held: nothing is left for a sweep.
    interview_complete(student=student, interview=own_meeting)
    thank_yous = FollowUp.objects.filter(interview=own_meeting, kind=Kind.THANK_YOU).count()

    first = followups_reminders_sweep()
    again = followups_reminders_sweep()

    assert thank_yous == 1
    assert first == {"meetings": 2, "checkins": 0}
    assert again == {"meetings": 0, "checkins": 0}
