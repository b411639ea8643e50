"""Logging an interaction with a met contact by hand (a message, a call, a coffee):
kept as history, and the keep-in-touch clock restarts from it at once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.contacts.services import contact_create
from apps.core.models import OutboundEmail
from apps.followups import reminders, services
from apps.followups.enums import Kind, Status
from apps.followups.models import FollowUp, Interaction
from apps.followups.services import add_months
from apps.interviews import services as interview_services
from apps.interviews.services.notes import interview_notes_save
from tests.factories.interviews import mark_held
from tests.followups.conftest import NOW

pytestmark = pytest.mark.django_db

Sent = OutboundEmail.Status
# Monday 23 March 2026, 11:00 in New York (EDT, UTC-4): twenty days after the meeting.
LATER = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def met(student, meeting):
    """The meeting with Alex Alumni, marked held now (3 March)."""
    mark_held(student=student, interview=meeting)
    return meeting


@pytest.fixture
def contact(met):
    return met.contact


def _checkin(contact) -> FollowUp:
    return FollowUp.objects.get(contact=contact, kind=Kind.KEEP_IN_TOUCH)


def _clock(contact):
    checkin = _checkin(contact)
    contact.refresh_from_db()
    return (checkin.status, checkin.due_at, contact.last_interaction_at, contact.last_interaction)


def _history(contact):
    return list(
        Interaction.objects.filter(contact=contact).values_list("kind", "occurred_at", "note")
    )


def _url(contact):
    return reverse("interaction_log", args=[contact.pk])


def _messages(response):
    return [str(m) for m in response.context["messages"]]


# --- Logging ------------------------------------------------------------------------


def test_logging_today_resets_the_clock_from_now(login_as, student, contact, time_machine):
    time_machine.move_to(LATER, tick=False)

    response = login_as(student).post(
        _url(contact),
        {"kind": "call", "on": "2026-03-23", "note": "  Told her about  the offer "},
        follow=True,
    )

    checkin = _checkin(contact)
    assert response.redirect_chain == [(f"{reverse('followup_list')}#followup-{checkin.pk}", 302)]
    assert _messages(response) == [
        "Logged. The next check-in with Alex Alumni is due on 23 June 2026."
    ]
    assert _history(contact) == [("call", LATER, "Told her about the offer")]
    assert _clock(contact) == (
        Status.OPEN,
        add_months(LATER, 3),
        LATER,
        "Call: Told her about the offer",
    )


def test_logging_an_earlier_day_counts_from_midday_in_the_students_zone(
    login_as, student, contact, time_machine
):
    time_machine.move_to(LATER, tick=False)

    login_as(student).post(_url(contact), {"kind": "message", "on": "2026-03-20", "note": ""})

    # Friday 20 March, 12:00 in New York.
    at = datetime(2026, 3, 20, 16, 0, tzinfo=UTC)
    assert _history(contact) == [("message", at, "")]
    assert _clock(contact) == (Status.OPEN, add_months(at, 3), at, "Message or email")


def test_today_is_the_students_today(login_as, student, contact, time_machine):
    # 23:30 on Monday 23 March in New York is already Tuesday in UTC.
    late = datetime(2026, 3, 24, 3, 30, tzinfo=UTC)
    time_machine.move_to(late, tick=False)
    browser = login_as(student)

    form = browser.get(_url(contact)).context["form"]
    tomorrow = browser.post(_url(contact), {"kind": "call", "on": "2026-03-24"})
    today = browser.post(_url(contact), {"kind": "call", "on": "2026-03-23"})

    assert form["on"].value() == date(2026, 3, 23)
    assert tomorrow.status_code == 400
    assert today.status_code == 302
    assert _history(contact) == [("call", late, "")]


def test_an_interaction_older_than_the_last_one_is_kept_but_moves_nothing(
    login_as, student, contact, time_machine
):
    time_machine.move_to(LATER, tick=False)
    services.keep_in_touch_touch(contact=contact, at=LATER, what="Message")

    response = login_as(student).post(
        _url(contact),
        {"kind": "in_person", "on": "2026-03-10", "note": "Ran into her"},
        follow=True,
    )

    assert _messages(response) == [
        "Logged. You were in touch with Alex Alumni more recently, so the next check-in "
        "stays on 23 June 2026."
    ]
    assert _history(contact) == [
        ("in_person", datetime(2026, 3, 10, 16, 0, tzinfo=UTC), "Ran into her")
    ]
    assert _clock(contact) == (Status.OPEN, add_months(LATER, 3), LATER, "Message")


def test_logging_cancels_a_waiting_reminder_and_wakes_a_snoozed_check_in(
    student, contact, time_machine
):
    due = add_months(NOW, 3)
    time_machine.move_to(due, tick=False)
    reminders.checkin_reminders_create()
    services.followup_snooze(student=student, followup=_checkin(contact), period="week")
    snoozed = _clock(contact)[0]
    time_machine.move_to(due + timedelta(days=2), tick=False)

    logged = services.interaction_log(
        student=student, contact=contact, kind="message", on=date(2026, 6, 5)
    )

    assert snoozed == Status.SNOOZED
    assert logged.moved is True
    assert _clock(contact) == (
        Status.OPEN,
        add_months(due + timedelta(days=2), 3),
        due + timedelta(days=2),
        "Message or email",
    )
    assert list(
        OutboundEmail.objects.filter(kind="followups/checkin").values_list("status", flat=True)
    ) == [Sent.CANCELLED]


def test_stopped_check_ins_keep_the_history_and_stay_stopped(
    login_as, student, contact, time_machine
):
    services.followup_stop(student=student, followup=_checkin(contact))
    time_machine.move_to(LATER, tick=False)

    response = login_as(student).post(
        _url(contact), {"kind": "call", "on": "2026-03-23"}, follow=True
    )

    assert response.redirect_chain == [(reverse("contact_detail", args=[contact.pk]), 302)]
    assert _messages(response) == [
        "Logged. Check-ins with Alex Alumni are stopped; they start again after your next meeting."
    ]
    assert _history(contact) == [("call", LATER, "")]
    # The stopped check-in is not due again; the contact's clock still knows the call.
    assert _clock(contact) == (Status.STOPPED, add_months(NOW, 3), LATER, "Call")


def test_a_meeting_held_through_the_interviews_service_has_check_ins_to_log_against(
    student, meeting, time_machine
):
    interview_services.interview_complete(student=student, interview=meeting)
    time_machine.move_to(LATER, tick=False)

    services.interaction_log(
        student=student, contact=meeting.contact, kind="call", on=date(2026, 3, 23)
    )

    assert list(
        FollowUp.objects.filter(kind=Kind.KEEP_IN_TOUCH).values_list(
            "status", "due_at", "contact__last_interaction"
        )
    ) == [(Status.OPEN, add_months(LATER, 3), "Call")]


def test_a_call_logged_for_an_earlier_day_leaves_the_interviews_apps_newer_news(
    student, contact, met, time_machine
):
    time_machine.move_to(LATER, tick=False)
    interview_notes_save(student=student, interview=met, advice="Join the society.")
    time_machine.move_to(LATER + timedelta(hours=1), tick=False)

    logged = services.interaction_log(
        student=student, contact=contact, kind="call", on=date(2026, 3, 20)
    )

    assert logged.moved is False
    assert _clock(contact) == (Status.OPEN, add_months(LATER, 3), LATER, "Notes updated")


# --- Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "call", "on": "2026-03-24"}, "on"),  # tomorrow
        ({"kind": "call", "on": "2021-03-01"}, "on"),  # more than five years ago
        ({"kind": "call", "on": "23/03/2026x"}, "on"),
        ({"kind": "call", "on": ""}, "on"),
        ({"kind": "", "on": "2026-03-23"}, "kind"),
        ({"kind": "fax", "on": "2026-03-23"}, "kind"),
        ({"kind": "call", "on": "2026-03-23", "note": "x" * 301}, "note"),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(
    login_as, student, contact, time_machine, data, field
):
    time_machine.move_to(LATER, tick=False)
    before = _clock(contact)

    response = login_as(student).post(_url(contact), data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert _history(contact) == []
    assert _clock(contact) == before


def test_the_service_refuses_what_the_form_would(student, student2, contact, time_machine):
    time_machine.move_to(LATER, tick=False)

    with pytest.raises(ValidationError):
        services.interaction_log(
            student=student, contact=contact, kind="call", on=date(2026, 3, 24)
        )
    with pytest.raises(ValidationError):
        services.interaction_log(student=student, contact=contact, kind="fax", on=date(2026, 3, 23))
    with pytest.raises(PermissionError):
        services.interaction_log(
            student=student2, contact=contact, kind="call", on=date(2026, 3, 23)
        )
    assert _history(contact) == []


# --- Who may ------------------------------------------------------------------------


def test_the_form_shows_the_clock_and_the_last_few_logged(login_as, student, contact, time_machine):
    for day, note in ((16, "first"), (17, "second"), (18, "third"), (19, "fourth")):
        time_machine.move_to(datetime(2026, 3, day, 15, 0, tzinfo=UTC), tick=False)
        services.interaction_log(
            student=student, contact=contact, kind="message", on=date(2026, 3, day), note=note
        )

    response = login_as(student).get(_url(contact))

    assert response.status_code == 200
    assert [i.note for i in response.context["recent"]] == ["fourth", "third", "second"]
    body = response.content.decode()
    assert "Log an interaction with Alex Alumni" in body
    assert "Last contact: Message or email: fourth, 19 Mar 2026." in body


def test_an_unmet_contact_has_no_log(login_as, student):
    contact = contact_create(student=student, full_name="Nell New", organisation="Kestrel")
    browser = login_as(student)

    assert browser.get(_url(contact)).status_code == 404
    assert browser.post(_url(contact), {"kind": "call", "on": "2026-03-03"}).status_code == 404
    assert Interaction.objects.count() == 0


def test_another_students_or_offices_contact_is_404(login_as, contact, student2, other_student):
    for intruder in (student2, other_student):
        browser = login_as(intruder)
        assert browser.get(_url(contact)).status_code == 404
        assert browser.post(_url(contact), {"kind": "call", "on": "2026-03-03"}).status_code == 404

    assert Interaction.objects.count() == 0


@pytest.mark.parametrize("persona", ["alumni", "advisor", "office_admin", "other_admin"])
def test_other_roles_are_403(request, login_as, contact, persona):
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(_url(contact)).status_code == 403
    assert browser.post(_url(contact), {"kind": "call", "on": "2026-03-03"}).status_code == 403
    assert Interaction.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(nobody, contact):
    response = nobody.post(_url(contact), {"kind": "call", "on": "2026-03-03"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Interaction.objects.count() == 0


# --- Where it is reached from -------------------------------------------------------


def test_the_follow_ups_page_links_each_check_in_and_shows_what_was_logged(
    login_as, student, contact, time_machine
):
    time_machine.move_to(LATER, tick=False)
    services.interaction_log(
        student=student, contact=contact, kind="call", on=date(2026, 3, 23), note="Quick catch-up"
    )

    body = login_as(student).get(reverse("followup_list")).content.decode()

    assert f'href="{_url(contact)}"' in body
    assert "23 Mar 2026</time> · Call: Quick catch-up" in body


def test_the_contact_page_links_a_met_contact_and_comes_back_to_it(
    login_as, student, contact, time_machine
):
    time_machine.move_to(LATER, tick=False)
    detail = reverse("contact_detail", args=[contact.pk])
    browser = login_as(student)

    page = browser.get(detail).content.decode()
    response = browser.post(_url(contact), {"kind": "call", "on": "2026-03-23", "next": detail})
    elsewhere = browser.post(
        _url(contact), {"kind": "call", "on": "2026-03-23", "next": "https://evil.test/"}
    )

    assert f'href="{_url(contact)}?next={detail}"' in page
    assert response["Location"] == detail
    assert elsewhere["Location"] == f"{reverse('followup_list')}#followup-{_checkin(contact).pk}"


def test_the_contact_page_of_an_unmet_contact_has_no_link(login_as, student):
    contact = contact_create(student=student, full_name="Nell New", organisation="Kestrel")

    page = login_as(student).get(reverse("contact_detail", args=[contact.pk])).content.decode()

    assert reverse("interaction_log", args=[contact.pk]) not in page
