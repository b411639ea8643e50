"""Keep in touch: every met contact gets check-ins on a cadence; any interaction
resets the clock; a check-in is done (with a note), snoozed or stopped."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.services import office_update_settings
from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.core.events import event_announce
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_send_due
from apps.followups import reminders, services
from apps.followups.enums import Delivery, Kind, Status
from apps.followups.models import FollowUp
from apps.followups.notifications import notification_preference_update
from apps.followups.services import add_months
from apps.interviews import services as interview_services
from apps.interviews.enums import EventKind, State
from apps.interviews.events import InterviewActivity
from apps.interviews.models import InterviewEvent
from apps.interviews.services.notes import interview_notes_save
from tests.factories.interviews import InterviewFactory, mark_held
from tests.followups.conftest import ENDED, NOW

pytestmark = pytest.mark.django_db

Sent = OutboundEmail.Status
THREE_MONTHS = datetime(2026, 6, 3, 15, 0, tzinfo=UTC)


def _checkins(contact_id):
    """Each check-in with the contact, oldest first, and the contact's clock (what
    the last interaction was, the same on every row)."""
    return list(
        FollowUp.objects.filter(contact_id=contact_id, kind=Kind.KEEP_IN_TOUCH)
        .order_by("pk")
        .values_list("status", "due_at", "cadence_months", "contact__last_interaction")
    )


def _checkin(contact_id) -> FollowUp:
    return FollowUp.objects.get(
        contact_id=contact_id, kind=Kind.KEEP_IN_TOUCH, status__in=[Status.OPEN, Status.SNOOZED]
    )


@pytest.fixture
def met(student, meeting):
    """The meeting with Alex Alumni, marked held now."""
    mark_held(student=student, interview=meeting)
    return meeting


@pytest.mark.parametrize(
    ("at", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2026, 11, 30, 9, tzinfo=UTC), 3, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (datetime(2026, 3, 3, 9, tzinfo=UTC), 12, datetime(2027, 3, 3, 9, tzinfo=UTC)),
        (datetime(2027, 11, 29, 9, tzinfo=UTC), 3, datetime(2028, 2, 29, 9, tzinfo=UTC)),
    ],
)
def test_add_months(at, months, expected):
    assert add_months(at, months) == expected


def test_a_held_meeting_starts_check_ins_on_the_offices_cadence(met):
    assert _checkins(met.contact_id) == [(Status.OPEN, THREE_MONTHS, 3, "Meeting held")]


def test_the_office_default_cadence_applies(student, meeting, office, office_admin):
    office_update_settings(admin=office_admin, office=office, keep_in_touch_months=6)
    student.refresh_from_db()

    mark_held(student=student, interview=meeting)

    assert _checkins(meeting.contact_id) == [
        (Status.OPEN, datetime(2026, 9, 3, 15, 0, tzinfo=UTC), 6, "Meeting held")
    ]


def test_check_in_reminder_is_created_once_however_often_the_sweep_runs(
    met, time_machine, mailoutbox
):
    time_machine.move_to(THREE_MONTHS + timedelta(minutes=5), tick=False)

    first = reminders.checkin_reminders_create()
    second = reminders.checkin_reminders_create()
    # Even a sweep that lost track (reminded_at) queues nothing twice: the dedupe key.
    FollowUp.objects.update(reminded_at=None)
    third = reminders.checkin_reminders_create()
    sent = outbox_send_due()

    assert (first, second, third) == (1, 0, 1)
    key = f"checkin:{met.contact_id}:2026-06-03"
    assert list(OutboundEmail.objects.filter(kind="followups/checkin").values_list(
        "dedupe_key", "status")) == [(key, Sent.SENT)]  # fmt: skip
    assert sent["sent"] >= 1
    [message] = [m for m in mailoutbox if m.subject == "Time to check in with Alex Alumni"]
    assert (
        "It is time to get back in touch with Alex Alumni. "
        "Your last contact: Meeting held, on 3 March 2026."
    ) in message.body
    assert f"http://127.0.0.1:8000/followups/#followup-{_checkin(met.contact_id).pk}" in (
        message.body
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_reminder_before_a_check_in_is_due(met, time_machine):
    time_machine.move_to(THREE_MONTHS - timedelta(minutes=1), tick=False)

    assert reminders.checkin_reminders_create() == 0
    assert OutboundEmail.objects.filter(kind="followups/checkin").count() == 0


def test_check_in_done_records_the_note_and_schedules_the_next(met, student, time_machine):
    time_machine.move_to(THREE_MONTHS + timedelta(days=2), tick=False)
    reminders.checkin_reminders_create()
    checkin = _checkin(met.contact_id)

    services.followup_complete(
        student=student, followup=checkin, note="Told her about the internship offer"
    )

    done_at = THREE_MONTHS + timedelta(days=2)
    assert _checkins(met.contact_id) == [
        (Status.DONE, THREE_MONTHS, 3, "Check-in: Told her about the internship offer"),
        (
            Status.OPEN,
            add_months(done_at, 3),
            3,
            "Check-in: Told her about the internship offer",
        ),
    ]
    checkin.refresh_from_db()
    assert (checkin.note, checkin.done_at) == ("Told her about the internship offer", done_at)
    assert Contact.objects.get(pk=met.contact_id).stage == Stage.KEEPING_IN_TOUCH
    assert OutboundEmail.objects.get(kind="followups/checkin").status == Sent.CANCELLED


@pytest.mark.parametrize(
    ("period", "until"),
    [
        ("week", THREE_MONTHS + timedelta(days=7)),
        ("month", datetime(2026, 7, 3, 15, 0, tzinfo=UTC)),
    ],
)
def test_snoozed_check_in_comes_back_when_the_snooze_ends(
    met, student, time_machine, period, until
):
    time_machine.move_to(THREE_MONTHS, tick=False)
    reminders.checkin_reminders_create()
    checkin = _checkin(met.contact_id)

    services.followup_snooze(student=student, followup=checkin, period=period)
    checkin.refresh_from_db()
    snoozed = (checkin.status, checkin.snoozed_until, checkin.due_at)
    time_machine.move_to(until - timedelta(minutes=1), tick=False)
    early = reminders.checkin_reminders_create()
    time_machine.move_to(until, tick=False)
    back = reminders.checkin_reminders_create()
    checkin.refresh_from_db()

    assert snoozed == (Status.SNOOZED, until, until)
    assert (early, back) == (0, 1)
    assert (checkin.status, checkin.snoozed_until, checkin.due_at) == (Status.OPEN, None, until)
    assert list(
        OutboundEmail.objects.filter(kind="followups/checkin")
        .order_by("pk")
        .values_list("dedupe_key", "status")
    ) == [
        (f"checkin:{met.contact_id}:2026-06-03", Sent.CANCELLED),
        (f"checkin:{met.contact_id}:{until.date().isoformat()}", Sent.PENDING),
    ]


def test_stopped_check_ins_stay_stopped(met, student, time_machine):
    checkin = _checkin(met.contact_id)

    services.followup_stop(student=student, followup=checkin)
    touched = services.keep_in_touch_touch(contact=met.contact, at=NOW + timedelta(days=1))
    time_machine.move_to(THREE_MONTHS + timedelta(days=1), tick=False)
    created = reminders.checkin_reminders_create()

    assert touched is None
    assert created == 0
    # Not due again; the contact's clock still knows of the interaction.
    assert _checkins(met.contact_id) == [(Status.STOPPED, THREE_MONTHS, 3, "Interaction")]


def test_a_new_meeting_after_a_stop_starts_check_ins_again(met, student, volunteer, time_machine):
    services.followup_stop(student=student, followup=_checkin(met.contact_id))
    later = NOW + timedelta(days=40)
    time_machine.move_to(later, tick=False)
    again = InterviewFactory(
        student=student, contact=met.contact, state=State.SCHEDULED,
        starts_at=later - timedelta(minutes=30), duration_minutes=15,
    )  # fmt: skip

    mark_held(student=student, interview=again)

    assert _checkins(met.contact_id) == [
        (Status.STOPPED, THREE_MONTHS, 3, "Meeting held"),
        (Status.OPEN, add_months(later, 3), 3, "Meeting held"),
    ]


def test_touch_resets_the_clock_and_an_older_touch_changes_nothing(met):
    later = NOW + timedelta(days=20)

    services.keep_in_touch_touch(contact=met.contact, at=later, what="Message")
    services.keep_in_touch_touch(contact=met.contact, at=NOW + timedelta(days=5), what="Old")

    assert _checkins(met.contact_id) == [(Status.OPEN, add_months(later, 3), 3, "Message")]


def test_sending_the_thank_you_resets_the_clock(met, student, time_machine):
    thanks = FollowUp.objects.get(kind=Kind.THANK_YOU)
    time_machine.move_to(NOW + timedelta(hours=5), tick=False)

    services.followup_complete(student=student, followup=thanks)

    assert _checkins(met.contact_id) == [
        (Status.OPEN, add_months(NOW + timedelta(hours=5), 3), 3, "Thank-you sent")
    ]


def test_a_touch_after_the_reminder_was_queued_drops_the_reminder(met, time_machine):
    time_machine.move_to(THREE_MONTHS + timedelta(hours=1), tick=False)
    reminders.checkin_reminders_create()

    services.keep_in_touch_touch(contact=met.contact, at=THREE_MONTHS + timedelta(hours=1))

    assert OutboundEmail.objects.get(kind="followups/checkin").status == Sent.CANCELLED


def test_cadence_is_adjustable_per_contact_and_kept_for_the_next_check_in(
    met, student, time_machine
):
    checkin = _checkin(met.contact_id)

    services.keep_in_touch_set_cadence(student=student, followup=checkin, months=12)
    time_machine.move_to(datetime(2027, 3, 4, 15, 0, tzinfo=UTC), tick=False)
    services.followup_complete(student=student, followup=_checkin(met.contact_id))

    assert _checkins(met.contact_id) == [
        (Status.DONE, datetime(2027, 3, 3, 15, 0, tzinfo=UTC), 12, "Check-in"),
        (Status.OPEN, datetime(2028, 3, 4, 15, 0, tzinfo=UTC), 12, "Check-in"),
    ]
    with pytest.raises(ValidationError):
        services.keep_in_touch_set_cadence(
            student=student, followup=_checkin(met.contact_id), months=2
        )


def test_the_interviews_apps_activity_moves_the_clock_at_once(met, student, time_machine):
    message_at = NOW + timedelta(days=10)
    notes_at = NOW + timedelta(days=12)
    time_machine.move_to(message_at, tick=False)
    _message(met, student)
    after_message = _checkins(met.contact_id)
    time_machine.move_to(notes_at, tick=False)
    interview_notes_save(student=student, interview=met, advice="Read more.")

    assert after_message == [(Status.OPEN, add_months(message_at, 3), 3, "Message")]
    assert _checkins(met.contact_id) == [(Status.OPEN, add_months(notes_at, 3), 3, "Notes updated")]


def test_a_meeting_marked_held_has_its_thank_you_due_in_the_same_transaction(
    student, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    # The interviews service alone, as every "Meeting held" button calls it: no
    # sweep, no follow-ups view in between.
    with django_capture_on_commit_callbacks(execute=True):
        interview_services.interview_complete(student=student, interview=meeting)

    thanks = FollowUp.objects.get(kind=Kind.THANK_YOU)
    assert (thanks.interview_id, thanks.status, thanks.due_at) == (
        meeting.pk,
        Status.OPEN,
        ENDED + timedelta(hours=24),
    )
    assert _checkins(meeting.contact_id) == [(Status.OPEN, THREE_MONTHS, 3, "Meeting held")]
    assert [m.subject for m in mailoutbox] == ["Send your thank-you to Alex Alumni within 24 hours"]


def test_a_failing_thank_you_undoes_the_meeting_held(student, meeting, monkeypatch):
    # One transaction: a meeting is never held without its thank-you.
    def broken(**kwargs):
        raise RuntimeError("the follow-ups engine failed")

    monkeypatch.setattr(services, "reminder_queue", broken)

    with pytest.raises(RuntimeError):
        interview_services.interview_complete(student=student, interview=meeting)

    meeting.refresh_from_db()
    assert (meeting.state, meeting.held_at) == (State.SCHEDULED, None)
    assert FollowUp.objects.count() == 0
    assert Contact.objects.get(pk=meeting.contact_id).stage != Stage.MET


# --- The clock at send time: interactions the interviews app recorded -----------------
#
# The interviews services announce each interaction, and the clock moves in the same
# transaction: a reminder already queued is cancelled, none is made for a clock that
# has moved.


@pytest.fixture
def met_own(student, own_meeting):
    """The meeting with Jordan Lee (off the platform), marked held now."""
    mark_held(student=student, interview=own_meeting)
    return own_meeting


def _message(interview, student):
    """A message on an open request to the same person (made directly: its own
    events are not the point)."""
    request = InterviewFactory(student=student, contact=interview.contact, state=State.REQUESTED)
    interview_services.interview_message(actor=student, interview=request, body="Quick update")


def _notes(interview, student):
    interview_notes_save(student=student, interview=interview, advice="Talk to the data team.")


def _new_request(interview, student):
    interview_services.interview_log_outreach(
        student=student, contact=interview.contact, message="Could we talk again?"
    )


def _new_meeting(interview, student):
    again = interview_services.interview_log_outreach(
        student=student, contact=interview.contact, message="Could we talk again?"
    )
    interview_services.interview_record_reply(
        student=student,
        interview=again,
        accepted=True,
        starts_at=THREE_MONTHS + timedelta(days=7),
        format="phone",
    )


INTERACTIONS = {
    "message": (_message, "Message"),
    "notes": (_notes, "Notes updated"),
    "new request": (_new_request, "Request sent"),
    "new meeting": (_new_meeting, "Time agreed"),
}


def _checkin_emails(mailoutbox):
    return [m.subject for m in mailoutbox if m.subject.startswith("Time to check in")]


@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_an_interaction_minutes_before_the_check_in_is_due_means_no_reminder(
    met_own, student, time_machine, mailoutbox, interaction
):
    act, what = INTERACTIONS[interaction]
    talked_at = THREE_MONTHS - timedelta(minutes=10)
    time_machine.move_to(talked_at, tick=False)
    act(met_own, student)
    time_machine.move_to(THREE_MONTHS + timedelta(minutes=1), tick=False)

    created = reminders.checkin_reminders_create()
    outbox_send_due()

    assert created == 0
    assert OutboundEmail.objects.filter(kind="followups/checkin").count() == 0
    assert _checkin_emails(mailoutbox) == []
    assert _checkins(met_own.contact_id) == [(Status.OPEN, add_months(talked_at, 3), 3, what)]


@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_an_interaction_after_the_reminder_was_queued_stops_it_at_send_time(
    met_own, student, time_machine, mailoutbox, interaction
):
    act, what = INTERACTIONS[interaction]
    time_machine.move_to(THREE_MONTHS, tick=False)
    created = reminders.checkin_reminders_create()
    talked_at = THREE_MONTHS + timedelta(minutes=2)
    time_machine.move_to(talked_at, tick=False)
    act(met_own, student)
    time_machine.move_to(THREE_MONTHS + timedelta(minutes=3), tick=False)

    outbox_send_due()

    assert created == 1
    row = OutboundEmail.objects.get(kind="followups/checkin")
    assert (row.status, row.last_error) == (Sent.CANCELLED, "keep-in-touch clock reset")
    assert _checkin_emails(mailoutbox) == []
    assert _checkins(met_own.contact_id) == [(Status.OPEN, add_months(talked_at, 3), 3, what)]


def test_without_an_interaction_the_check_in_reminder_still_goes(
    met_own, student, meeting, time_machine, mailoutbox
):
    time_machine.move_to(THREE_MONTHS - timedelta(minutes=10), tick=False)
    # Neither a message to someone else nor a timeline entry that is not the
    # student talking to Jordan counts.
    _message(meeting, student)
    event_announce(
        InterviewActivity.of(
            InterviewEvent.objects.create(interview=met_own, actor=None, kind=EventKind.NUDGED)
        )
    )
    time_machine.move_to(THREE_MONTHS + timedelta(minutes=1), tick=False)

    created = reminders.checkin_reminders_create()
    outbox_send_due()

    assert created == 1
    row = OutboundEmail.objects.get(kind="followups/checkin")
    assert (row.dedupe_key, row.status) == (f"checkin:{met_own.contact_id}:2026-06-03", Sent.SENT)
    assert _checkin_emails(mailoutbox) == ["Time to check in with Jordan Lee"]
    assert _checkins(met_own.contact_id) == [(Status.OPEN, THREE_MONTHS, 3, "Meeting held")]


def test_a_message_after_the_meeting_moves_the_next_check_in_with_it(
    met_own, student, time_machine, mailoutbox
):
    message_at = NOW + timedelta(days=10)
    time_machine.move_to(message_at, tick=False)
    _message(met_own, student)
    time_machine.move_to(THREE_MONTHS + timedelta(days=1), tick=False)
    early = reminders.checkin_reminders_create()
    time_machine.move_to(datetime(2026, 9, 1, 15, 0, tzinfo=UTC), tick=False)

    late = reminders.checkin_reminders_create()
    outbox_send_due()

    assert (early, late) == (0, 1)
    assert _checkins(met_own.contact_id) == [(Status.OPEN, add_months(message_at, 3), 3, "Message")]
    row = OutboundEmail.objects.get(kind="followups/checkin")
    assert (row.dedupe_key, row.status) == (f"checkin:{met_own.contact_id}:2026-06-13", Sent.SENT)
    [message] = [m for m in mailoutbox if m.subject == "Time to check in with Jordan Lee"]
    assert "Your last contact: Message, on 13 March 2026." in message.body


def test_the_digest_leaves_out_a_check_in_with_someone_just_talked_to(
    met_own, student, time_machine, mailoutbox
):
    notification_preference_update(user=student, delivery=Delivery.DIGEST)
    thanked_at = NOW + timedelta(hours=1)
    time_machine.move_to(thanked_at, tick=False)
    services.followup_complete(student=student, followup=FollowUp.objects.get(kind=Kind.THANK_YOU))
    # Due 3 June, 12:00 in New York; she writes at 07:30 and the digest is at 08:00.
    assert _checkin(met_own.contact_id).due_at == add_months(thanked_at, 3)
    talked_at = datetime(2026, 6, 3, 11, 30, tzinfo=UTC)
    time_machine.move_to(talked_at, tick=False)
    _message(met_own, student)
    time_machine.move_to(datetime(2026, 6, 3, 12, 0, tzinfo=UTC), tick=False)

    made = reminders.digests_create()

    assert made == 0
    assert _checkins(met_own.contact_id) == [(Status.OPEN, add_months(talked_at, 3), 3, "Message")]
