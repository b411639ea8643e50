"""The thank-you: due a day after the meeting, three reminders, drafted from the
notes, sent from Fieldnotes or marked sent another way, on time or late."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_claim_due, outbox_deliver, outbox_send_due
from apps.followups import services
from apps.followups.enums import Kind, SentVia, Status
from apps.followups.models import FollowUp
from apps.followups.selectors import first_sentence, thank_you_draft
from apps.interviews.enums import State
from apps.interviews.models import InterviewNotes
from tests.factories.interviews import mark_held
from tests.followups.conftest import ENDED, NOW

pytestmark = pytest.mark.django_db

Sent = OutboundEmail.Status


def _rows(interview):
    return list(
        OutboundEmail.objects.filter(dedupe_key__startswith=f"thanks:{interview.pk}:")
        .order_by("due_at")
        .values_list("dedupe_key", "kind", "due_at", "status")
    )


def _held(student, interview, capture):
    with capture(execute=True):
        return mark_held(student=student, interview=interview)


# --- Marking the meeting held -------------------------------------------------------


def test_mark_held_makes_one_thank_you_and_three_reminders(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    meeting.refresh_from_db()
    assert meeting.state == State.COMPLETED
    assert list(FollowUp.objects.filter(kind=Kind.THANK_YOU).values_list("pk", flat=True)) == [
        followup.pk
    ]
    # The meeting ended 15 minutes ago and was marked held now: the day counts from
    # its end (the interviewee's day); the first reminder, due at the end, goes now.
    assert (followup.status, followup.due_at, followup.interview_id) == (
        Status.OPEN,
        ENDED + timedelta(hours=24),
        meeting.pk,
    )
    assert _rows(meeting) == [
        (f"thanks:{meeting.pk}:start", "followups/thanks_start", ENDED, Sent.SENT),
        (
            f"thanks:{meeting.pk}:4h",
            "followups/thanks_4h",
            ENDED + timedelta(hours=20),
            Sent.PENDING,
        ),
        (
            f"thanks:{meeting.pk}:lapsed",
            "followups/thanks_lapsed",
            ENDED + timedelta(hours=24),
            Sent.PENDING,
        ),
    ]
    [message] = mailoutbox
    assert message.to == ["sam@northfield.test"]
    assert message.subject == "Send your thank-you to Alex Alumni within 24 hours"
    assert f"http://127.0.0.1:8000/followups/{followup.pk}/thank-you/" in message.body
    assert "Best sent by Wednesday 4 March, 09:45 (America/New_York)." in message.body
    assert message.alternatives[0][1] == "text/html"


def test_marking_held_late_does_not_move_the_deadline_and_skips_a_past_last_call(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    # Marked held 23 hours after the meeting ended (08:45 in New York): one hour of
    # the day is left, and the last call (due at 05:45) has passed.
    time_machine.move_to(ENDED + timedelta(hours=23), tick=False)

    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    assert followup.due_at == ENDED + timedelta(hours=24)
    assert [(key, status) for key, _k, _due, status in _rows(meeting)] == [
        (f"thanks:{meeting.pk}:start", Sent.SENT),
        (f"thanks:{meeting.pk}:lapsed", Sent.PENDING),
    ]
    [message] = mailoutbox
    assert "Best sent by Wednesday 4 March, 09:45 (America/New_York)." in message.body


def test_marking_held_after_the_window_leaves_only_the_lapse_and_records_late(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    time_machine.move_to(ENDED + timedelta(days=2), tick=False)

    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    services.followup_complete(student=student, followup=followup)

    # Only the lapse is news: "it is not too late", at once.
    assert [(key, status) for key, _k, _due, status in _rows(meeting)] == [
        (f"thanks:{meeting.pk}:lapsed", Sent.SENT),
    ]
    assert [m.subject for m in mailoutbox] == ["It is not too late to thank Alex Alumni"]
    followup.refresh_from_db()
    assert followup.on_time is False


def test_thank_you_is_due_a_day_after_the_end_when_marked_held_during_the_meeting(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    meeting.starts_at = NOW - timedelta(minutes=10)
    meeting.save()

    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    ends = NOW + timedelta(minutes=20)
    assert followup.due_at == ends + timedelta(hours=24)
    assert [(key, due) for key, _k, due, _s in _rows(meeting)] == [
        (f"thanks:{meeting.pk}:start", ends),
        (f"thanks:{meeting.pk}:4h", ends + timedelta(hours=20)),
        (f"thanks:{meeting.pk}:lapsed", ends + timedelta(hours=24)),
    ]
    assert mailoutbox == []


def test_thank_you_window_follows_the_office(
    student, meeting, office, office_admin, django_capture_on_commit_callbacks
):
    from apps.accounts.services import office_update_settings

    office_update_settings(admin=office_admin, office=office, thank_you_hours=48)
    student.refresh_from_db()

    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    assert followup.due_at == ENDED + timedelta(hours=48)
    assert [key for key, *_rest in _rows(meeting)] == [
        f"thanks:{meeting.pk}:start",
        f"thanks:{meeting.pk}:4h",
        f"thanks:{meeting.pk}:lapsed",
    ]


def test_marking_held_twice_is_refused_and_makes_nothing_more(
    student, meeting, django_capture_on_commit_callbacks
):
    _held(student, meeting, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError):
        mark_held(student=student, interview=meeting)

    assert FollowUp.objects.filter(kind=Kind.THANK_YOU).count() == 1
    assert len(_rows(meeting)) == 3


def test_a_meeting_that_has_not_started_cannot_be_marked_held(student, meeting):
    meeting.starts_at = NOW + timedelta(hours=1)
    meeting.save()

    with pytest.raises(ValidationError):
        mark_held(student=student, interview=meeting)

    assert FollowUp.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_reminders_come_once_each_however_often_the_sweep_runs(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    _held(student, meeting, django_capture_on_commit_callbacks)

    # The last call falls at 06:00 in New York: it waits for 08:00.
    time_machine.move_to(NOW + timedelta(hours=20), tick=False)
    night = [outbox_send_due(), outbox_send_due()]
    time_machine.move_to(NOW + timedelta(hours=22), tick=False)
    morning = [outbox_send_due(), outbox_send_due()]
    time_machine.move_to(NOW + timedelta(hours=24), tick=False)
    lapsed = [outbox_send_due(), outbox_send_due()]

    assert night == [{"deferred": 1}, {}]
    assert morning == [{"sent": 1}, {}]
    assert lapsed == [{"sent": 1}, {}]
    assert [m.subject for m in mailoutbox] == [
        "Send your thank-you to Alex Alumni within 24 hours",
        "A few hours left to thank Alex Alumni",
        "It is not too late to thank Alex Alumni",
    ]
    assert [status for *_rest, status in _rows(meeting)] == [Sent.SENT, Sent.SENT, Sent.SENT]
    assert OutboundEmail.objects.get(dedupe_key=f"thanks:{meeting.pk}:4h").sent_at == (
        NOW + timedelta(hours=22)
    )


# --- Sending it ---------------------------------------------------------------------


def _send(student, followup, capture, **kwargs):
    with capture(execute=True):
        return services.followup_thank_you_send(
            student=student,
            followup=followup,
            subject=kwargs.get("subject", "Thank you, Alex"),
            body=kwargs.get("body", "Dear Alex,\n\nThank you for your time.\n\nSam"),
        )


def test_thank_you_sent_from_fieldnotes_comes_from_the_platform_under_the_students_name(
    student, alumni, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    _send(student, followup, django_capture_on_commit_callbacks)

    [note] = mailoutbox
    assert note.from_email == "Sam Student via Fieldnotes <no-reply@fieldnotes.localhost>"
    assert note.to == ["alex@alumni.test"]
    assert note.cc == ["sam@northfield.test"]
    assert note.reply_to == ["sam@northfield.test"]
    assert note.subject == "Thank you, Alex"
    assert note.body.startswith("Dear Alex,\n\nThank you for your time.\n\nSam\n")
    assert "List-Unsubscribe" not in note.extra_headers
    message = note.message()
    assert message["From"] == "Sam Student via Fieldnotes <no-reply@fieldnotes.localhost>"
    assert message["Cc"] == "sam@northfield.test"
    assert message["Reply-To"] == "sam@northfield.test"
    assert OutboundEmail.objects.get(dedupe_key=f"thanks-note:{meeting.pk}").status == Sent.SENT


def test_thank_you_sent_records_on_time_cancels_reminders_and_marks_the_contact_thanked(
    student, meeting, django_capture_on_commit_callbacks, time_machine
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    time_machine.move_to(NOW + timedelta(hours=3), tick=False)

    _send(student, followup, django_capture_on_commit_callbacks)

    followup.refresh_from_db()
    assert (followup.status, followup.done_at, followup.on_time, followup.sent_via) == (
        Status.DONE,
        NOW + timedelta(hours=3),
        True,
        SentVia.FIELDNOTES,
    )
    assert [status for *_rest, status in _rows(meeting)] == [
        Sent.SENT,
        Sent.CANCELLED,
        Sent.CANCELLED,
    ]
    assert Contact.objects.get(pk=meeting.contact_id).stage == Stage.THANKED


def test_thank_you_sent_after_the_window_is_late(
    student, meeting, django_capture_on_commit_callbacks, time_machine
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    time_machine.move_to(ENDED + timedelta(hours=24, seconds=1), tick=False)

    _send(student, followup, django_capture_on_commit_callbacks)

    followup.refresh_from_db()
    assert (followup.on_time, followup.done_at) == (False, ENDED + timedelta(hours=24, seconds=1))


def test_thank_you_sent_exactly_at_the_deadline_is_on_time(
    student, meeting, django_capture_on_commit_callbacks, time_machine
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    time_machine.move_to(ENDED + timedelta(hours=24), tick=False)

    services.followup_complete(student=student, followup=followup)

    followup.refresh_from_db()
    assert followup.on_time is True


def test_thank_you_cannot_be_sent_twice(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    _send(student, followup, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError):
        services.followup_thank_you_send(
            student=student, followup=followup, subject="Again", body="Again"
        )

    assert OutboundEmail.objects.filter(kind="followups/thank_you_note").count() == 1


def test_a_volunteers_private_address_is_not_shown_to_the_student(
    student, volunteer, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(share_email_on_accept=False)
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    _send(student, followup, django_capture_on_commit_callbacks)

    note, copy = mailoutbox
    assert (note.to, note.cc, note.reply_to) == (
        ["alex@alumni.test"],
        [],
        ["sam@northfield.test"],
    )
    assert (copy.to, copy.cc, copy.subject) == (
        ["sam@northfield.test"],
        [],
        "Copy: Thank you, Alex",
    )
    assert "alex@alumni.test" not in copy.body
    assert "This is a copy of the thank-you you sent to Alex Alumni through Fieldnotes." in (
        copy.body
    )


def test_thank_you_to_a_contact_off_the_platform_goes_to_their_address(
    student, own_meeting, django_capture_on_commit_callbacks, mailoutbox
):
    followup = _held(student, own_meeting, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    _send(student, followup, django_capture_on_commit_callbacks, subject="Thank you, Jordan")

    [note] = mailoutbox
    assert (note.to, note.cc) == (["jordan@harbour.test"], ["sam@northfield.test"])


def test_thank_you_without_an_address_must_be_sent_another_way(
    student, own_meeting, django_capture_on_commit_callbacks
):
    Contact.objects.filter(pk=own_meeting.contact_id).update(email="")
    followup = _held(student, own_meeting, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refused:
        services.followup_thank_you_send(
            student=student, followup=followup, subject="Thanks", body="Thanks"
        )

    assert refused.value.messages == [
        "There is no email address for Jordan Lee. Send your thank-you another way "
        "and mark it sent."
    ]
    followup.refresh_from_db()
    assert followup.status == Status.OPEN


def test_marking_sent_another_way_cancels_the_pending_reminders(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)

    services.followup_complete(student=student, followup=followup, note="Called her")
    time_machine.move_to(NOW + timedelta(hours=25), tick=False)
    swept = outbox_send_due()

    followup.refresh_from_db()
    assert (followup.status, followup.sent_via, followup.on_time, followup.note) == (
        Status.DONE,
        SentVia.OTHER,
        True,
        "Called her",
    )
    assert [status for *_rest, status in _rows(meeting)] == [
        Sent.SENT,
        Sent.CANCELLED,
        Sent.CANCELLED,
    ]
    assert swept == {}
    assert mailoutbox == []


def test_a_reminder_already_claimed_when_it_is_sent_another_way_is_stopped_by_the_guard(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox, time_machine
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    time_machine.move_to(NOW + timedelta(hours=20), tick=False)
    # A worker claimed the 4-hour reminder just before the student clicked.
    [(claimed, attempt)] = outbox_claim_due()
    services.followup_complete(student=student, followup=followup)

    assert outbox_deliver(claimed, attempt=attempt) == "cancelled"
    row = OutboundEmail.objects.get(pk=claimed)
    assert (row.dedupe_key, row.status, row.last_error) == (
        f"thanks:{meeting.pk}:4h",
        Sent.CANCELLED,
        "follow-up done",
    )


def test_stopping_a_thank_you_cancels_its_reminders(
    student, meeting, django_capture_on_commit_callbacks
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    services.followup_stop(student=student, followup=followup)

    followup.refresh_from_db()
    assert (followup.status, followup.on_time) == (Status.STOPPED, None)
    assert [status for *_rest, status in _rows(meeting)] == [
        Sent.SENT,
        Sent.CANCELLED,
        Sent.CANCELLED,
    ]


def test_a_thank_you_cannot_be_snoozed(student, meeting, django_capture_on_commit_callbacks):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError):
        services.followup_snooze(student=student, followup=followup, period="week")


def test_another_students_follow_up_cannot_be_touched(
    student, student2, meeting, django_capture_on_commit_callbacks
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)

    with pytest.raises(PermissionError):
        services.followup_complete(student=student2, followup=followup)


# --- The draft ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Join the **analytics** guild. Then speak up.", "Join the analytics guild."),
        ("- Long hours in March\n- Good pay", "Long hours in March"),
        ("\n\n  1. Read the trade press! Daily.", "Read the trade press!"),
        ("", ""),
    ],
)
def test_first_sentence(text, sentence):
    assert first_sentence(text) == sentence


def test_draft_quotes_the_first_sentence_of_the_advice(
    student, meeting, django_capture_on_commit_callbacks
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    InterviewNotes.objects.create(
        interview=meeting,
        advice="Join the **analytics** guild. Then speak up.",
        information="Long hours in March.",
    )

    draft = thank_you_draft(followup=followup, student=student)

    assert draft.subject == "Thank you for our conversation"
    assert draft.quoted_from == "advice"
    assert draft.body == (
        "Dear Alex,\n\n"
        "Thank you for taking the time to talk with me on Tuesday 3 March about your work at "
        "Acme Analytics. Your advice stayed with me: “Join the analytics guild.” "
        "I am already acting on it.\n\n"
        "I will let you know how my search goes.\n\n"
        "With thanks and best wishes,\nSam Student\nsam@northfield.test"
    )


def test_draft_falls_back_to_the_information_then_to_a_prompt(
    student, own_meeting, django_capture_on_commit_callbacks
):
    followup = _held(student, own_meeting, django_capture_on_commit_callbacks)

    bare = thank_you_draft(followup=followup, student=student)
    InterviewNotes.objects.create(interview=own_meeting, information="- Long hours in March")
    informed = thank_you_draft(followup=followup, student=student)

    assert bare.quoted_from == ""
    assert "[Name one specific thing you learned" in bare.body
    assert informed.quoted_from == "information"
    assert "One thing you told me stays with me: “Long hours in March”" in informed.body
    assert "about your work at Harbour Health." in informed.body


def test_the_compose_page_sends_the_edited_draft(
    login_as, student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    followup = _held(student, meeting, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    url = reverse("followup_thank_you", args=[followup.pk])
    browser = login_as(student)

    page = browser.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post(
            url, {"action": "send", "subject": "Thank you!", "body": "Dear Alex, thanks."}
        )

    assert page.status_code == 200
    assert page.context["form"].initial["body"].startswith("Dear Alex,")
    assert "Send from Fieldnotes" in page.content.decode()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("followup_list")
    [note] = mailoutbox
    assert (note.subject, note.to) == ("Thank you!", ["alex@alumni.test"])


def test_the_compose_page_marks_sent_another_way(login_as, student, meeting):
    followup = mark_held(student=student, interview=meeting)

    response = login_as(student).post(
        reverse("followup_thank_you", args=[followup.pk]), {"action": "other"}
    )

    followup.refresh_from_db()
    assert response.status_code == 302
    assert (followup.status, followup.sent_via) == (Status.DONE, SentVia.OTHER)


def test_the_compose_page_refuses_an_empty_message(login_as, student, meeting):
    followup = mark_held(student=student, interview=meeting)

    response = login_as(student).post(
        reverse("followup_thank_you", args=[followup.pk]),
        {"action": "send", "subject": "", "body": ""},
    )

    assert response.status_code == 400
    followup.refresh_from_db()
    assert followup.status == Status.OPEN
