"""The interview lifecycle through its services and pages: requests, limits,
answers, scheduling and the refusals that change nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.services import user_create
from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile
from apps.interviews import services
from apps.interviews.enums import EventKind, State
from apps.interviews.models import Interview
from apps.interviews.services import TransitionError
from tests.factories.contacts import ContactFactory, make_volunteer

MESSAGE = "Dear Alex, could you spare 15 minutes for a short conversation about your path?"


def _request(student, volunteer, message=MESSAGE):
    return services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=message
    )


def _soon(hours=48):
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def _states(interview):
    return list(interview.events.values_list("kind", "from_state", "to_state"))


def test_request_to_a_volunteer_creates_contact_interview_and_email(
    student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        interview = _request(student, volunteer)

    contact = Contact.objects.get(owner=student)
    assert (interview.state, interview.contact, interview.volunteer) == (
        State.REQUESTED,
        contact,
        volunteer,
    )
    assert contact.stage == Stage.REQUESTED
    assert _states(interview) == [(EventKind.REQUESTED, State.DRAFT, State.REQUESTED)]
    assert [m.to for m in mailoutbox] == [[volunteer.user.email]]
    assert mailoutbox[0].reply_to == [student.email]
    volunteer.refresh_from_db()
    assert (volunteer.requests_in_month, volunteer.requests_received) == (1, 1)


def test_paused_volunteer_cannot_be_requested(student, volunteer):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        paused_until=timezone.localdate() + timedelta(days=10)
    )
    volunteer.refresh_from_db()

    with pytest.raises(ValidationError, match="taking a break"):
        _request(student, volunteer)
    assert Interview.objects.count() == 0


def test_volunteer_at_capacity_cannot_be_requested(student, student2, office, volunteer):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(capacity_per_month=1)
    volunteer.refresh_from_db()
    _request(student2, volunteer)
    volunteer.refresh_from_db()

    with pytest.raises(ValidationError, match="all the requests they can take this month"):
        _request(student, volunteer)
    assert Interview.objects.filter(student=student).count() == 0


def test_one_open_request_per_volunteer(student, volunteer):
    _request(student, volunteer)

    with pytest.raises(ValidationError, match="already have an open request"):
        _request(student, volunteer)
    assert Interview.objects.count() == 1


def test_student_open_request_limit(student, office, volunteer, consulting):
    office.max_open_requests = 2
    office.save()
    others = [
        make_volunteer(
            user_create(
                office=office,
                email=f"v{i}@alumni.test",
                full_name=f"V {i}",
                password="x-long-password-1",
                role="alumni",
                email_verified=True,
            ),
            fields=[consulting],
        )
        for i in range(3)
    ]
    _request(student, others[0])
    _request(student, others[1])

    with pytest.raises(ValidationError, match="the most your office allows"):
        _request(student, others[2])
    assert Interview.objects.filter(student=student).count() == 2


def test_volunteer_of_another_office_cannot_be_requested(student, other_volunteer):
    with pytest.raises(PermissionError):
        _request(student, other_volunteer)


def test_accept_with_slots_then_book_schedules_and_reveals_email(
    student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    interview = _request(student, volunteer)
    slots = [_soon(48), _soon(72)]

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_accept(
            user=volunteer.user,
            interview=interview,
            format="video",
            duration_minutes=30,
            slots=slots,
            meeting_url="https://meet.example/abc",
        )
    interview.refresh_from_db()
    contact = interview.contact
    contact.refresh_from_db()
    assert interview.state == State.ACCEPTED
    assert contact.email == volunteer.user.email
    assert list(interview.slots.values_list("starts_at", flat=True)) == slots

    second = interview.slots.order_by("starts_at")[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_book_slot(student=student, interview=interview, slot_id=second.pk)
    interview.refresh_from_db()
    contact.refresh_from_db()
    assert (interview.state, interview.starts_at, contact.stage) == (
        State.SCHEDULED,
        slots[1],
        Stage.SCHEDULED,
    )
    volunteer.refresh_from_db()
    assert volunteer.requests_answered == 1


def test_accept_with_one_time_schedules_at_once(student, volunteer):
    interview = _request(student, volunteer)

    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format="phone",
        duration_minutes=15,
        slots=[_soon()],
    )

    interview.refresh_from_db()
    assert interview.state == State.SCHEDULED
    assert [k for k, *_ in _states(interview)] == [
        EventKind.REQUESTED,
        EventKind.ACCEPTED,
        EventKind.SCHEDULED,
    ]


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ([], "Offer at least one time."),
        ("past", "Every time must be in the future."),
        ("four", "Offer at most three times."),
    ],
)
def test_accept_refuses_bad_slots_and_changes_nothing(student, volunteer, slots, message):
    interview = _request(student, volunteer)
    if slots == "past":
        slots = [timezone.now() - timedelta(hours=1)]
    elif slots == "four":
        slots = [_soon(24 * i) for i in range(1, 5)]

    with pytest.raises(ValidationError, match=message):
        services.interview_accept(
            user=volunteer.user,
            interview=interview,
            format="phone",
            duration_minutes=15,
            slots=slots,
        )
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED
    assert interview.slots.count() == 0


def test_accepting_a_withdrawn_request_is_refused(student, volunteer):
    interview = _request(student, volunteer)
    services.interview_withdraw(student=student, interview=interview)

    with pytest.raises(TransitionError, match="withdrawn"):
        services.interview_accept(
            user=volunteer.user,
            interview=interview,
            format="phone",
            duration_minutes=15,
            slots=[_soon()],
        )
    interview.refresh_from_db()
    assert interview.state == State.WITHDRAWN
    assert interview.slots.count() == 0


def test_completing_an_unscheduled_interview_is_refused(student, volunteer):
    interview = _request(student, volunteer)

    with pytest.raises(TransitionError):
        services.interview_complete(student=student, interview=interview)
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED


def test_completing_before_the_start_is_refused(student, volunteer):
    interview = _request(student, volunteer)
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format="phone",
        duration_minutes=15,
        slots=[_soon()],
    )

    with pytest.raises(TransitionError, match="not started"):
        services.interview_complete(student=student, interview=interview)


def test_complete_after_the_meeting_marks_contact_met(student, volunteer):
    interview = _request(student, volunteer)
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format="phone",
        duration_minutes=15,
        slots=[_soon()],
    )
    Interview.objects.filter(pk=interview.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    interview.refresh_from_db()

    services.interview_complete(student=student, interview=interview)

    interview.contact.refresh_from_db()
    assert (interview.state, interview.contact.stage) == (State.COMPLETED, Stage.MET)
    assert interview.held_at is not None


def test_decline_and_pause_suggests_the_next_ranked_contact(
    student, volunteer, consulting, mailoutbox, django_capture_on_commit_callbacks
):
    interview = _request(student, volunteer)
    Contact.objects.filter(pk=interview.contact_id).update(field=consulting, target_rank=1)
    ContactFactory(student=student, full_name="Nia Next", field=consulting, on_target_list=True)
    until = timezone.localdate() + timedelta(days=30)

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_decline(
            user=volunteer.user, interview=interview, note="Busy season, sorry!", pause_until=until
        )

    interview.refresh_from_db()
    volunteer.refresh_from_db()
    interview.contact.refresh_from_db()
    assert (interview.state, interview.decline_note) == (State.DECLINED, "Busy season, sorry!")
    assert volunteer.paused_until == until
    assert interview.contact.stage == Stage.DECLINED
    assert [m.to for m in mailoutbox] == [[student.email]]
    assert "Nia Next" in mailoutbox[0].body


def test_cancel_needs_a_reason(student, volunteer):
    interview = _request(student, volunteer)
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format="phone",
        duration_minutes=15,
        slots=[_soon()],
    )

    with pytest.raises(ValidationError):
        services.interview_cancel(actor=student, interview=interview, reason="  ")
    interview.refresh_from_db()
    assert interview.state == State.SCHEDULED


def test_reschedule_raises_sequence(student, volunteer):
    interview = _request(student, volunteer)
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format="phone",
        duration_minutes=15,
        slots=[_soon()],
    )

    services.interview_reschedule(
        actor=volunteer.user, interview=interview, starts_at=_soon(96), reason="Travel"
    )
    services.interview_cancel(actor=student, interview=interview, reason="Exam moved")

    interview.refresh_from_db()
    assert (interview.state, interview.sequence, interview.cancel_reason) == (
        State.CANCELLED,
        2,
        "Exam moved",
    )


def test_someone_else_cannot_act_on_the_interview(student, student2, volunteer, other_alumni):
    interview = _request(student, volunteer)

    with pytest.raises(PermissionError):
        services.interview_withdraw(student=student2, interview=interview)
    with pytest.raises(PermissionError):
        services.interview_accept(
            user=other_alumni,
            interview=interview,
            format="phone",
            duration_minutes=15,
            slots=[_soon()],
        )
    with pytest.raises(PermissionError):
        services.interview_message(actor=student2, interview=interview, body="hi")
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED


def test_own_outreach_records_reply_and_schedules(student, consulting):
    contact = ContactFactory(student=student, full_name="Tom Becker", email="tom@example.com")
    interview = services.interview_log_outreach(student=student, contact=contact, message="Hi")

    services.interview_record_reply(
        student=student,
        interview=interview,
        accepted=True,
        starts_at=_soon(),
        format="in_person",
        location="Café Nero",
    )

    interview.refresh_from_db()
    contact.refresh_from_db()
    assert (interview.state, interview.location, contact.stage) == (
        State.SCHEDULED,
        "Café Nero",
        Stage.SCHEDULED,
    )


def test_messages_thread_both_ways(
    student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    interview = _request(student, volunteer)

    with django_capture_on_commit_callbacks(execute=True):
        services.interview_message(
            actor=volunteer.user, interview=interview, body="What year are you in?"
        )
        services.interview_message(actor=student, interview=interview, body="Third year.")

    notes = list(interview.events.filter(kind=EventKind.MESSAGE).values_list("note", flat=True))
    assert notes == ["What year are you in?", "Third year."]
    assert [m.to for m in mailoutbox] == [[student.email], [volunteer.user.email]]


@pytest.mark.parametrize(
    ("message", "reason", "recorded"),
    [
        (
            "Could you refer me for a job at your firm? 15 minutes would be great.",
            "  She offered to refer me when we met at the fair.  ",
            (True, "She offered to refer me when we met at the fair."),
        ),
        ("I'm not looking for a job, just 15 minutes of your perspective.", "", (False, "")),
        # A reason with a message that does not ask for a job is not kept.
        (
            "I'm not looking for a job, just 15 minutes of your perspective.",
            "Just in case",
            (False, ""),
        ),
    ],
)
def test_the_checkers_verdict_and_the_reason_are_recorded_on_the_request_when_sent(
    student, alumni, message, reason, recorded
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=make_volunteer(alumni), message=message, job_ask_reason=reason
    )

    saved = Interview.objects.get(pk=interview.pk)
    assert (saved.job_ask_flagged, saved.job_ask_reason) == recorded


def test_an_outreach_logged_records_the_verdict_too(student):
    contact = ContactFactory(student=student)

    interview = services.interview_log_outreach(
        student=student,
        contact=contact,
        message="Are you hiring? A 15 minute call?",
        job_ask_reason="I had already sent it from my phone.",
    )

    saved = Interview.objects.get(pk=interview.pk)
    assert (saved.job_ask_flagged, saved.job_ask_reason) == (
        True,
        "I had already sent it from my phone.",
    )
