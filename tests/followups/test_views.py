"""The follow-ups page, its actions, the nav badge and the "Meeting held" routes,
and who may use them."""

from datetime import timedelta

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from apps.contacts.services import contact_create
from apps.followups import services
from apps.followups.enums import Kind, Status
from apps.followups.models import FollowUp
from apps.followups.services import add_months
from apps.interviews import views as interview_views
from apps.interviews import views_prepare
from apps.interviews.enums import State
from apps.interviews.models import InterviewNotes
from tests.factories.interviews import InterviewFactory, mark_held
from tests.followups.conftest import ENDED, NOW

pytestmark = pytest.mark.django_db


def _meet(student, name):
    contact = contact_create(
        student=student, full_name=name, organisation="Harbour Health", email=f"{name[:3]}@x.test"
    )
    interview = InterviewFactory(
        student=student,
        contact=contact,
        state=State.SCHEDULED,
        starts_at=timezone.now() - timedelta(minutes=45),
        duration_minutes=30,
    )
    mark_held(student=student, interview=interview)
    return interview


def _ids(items):
    return [(f.kind, f.contact.full_name) for f in items]


# --- Marking held through the engine ------------------------------------------------


def test_the_meeting_held_routes_are_the_interviews_apps_own():
    # No shadowing: the buttons go to the interviews app's views, whose service
    # announces the meeting held (apps.followups.handlers makes the thank-you due).
    assert resolve(reverse("interview_complete", args=[7])).func is interview_views.complete
    assert resolve(reverse("interview_meeting_held", args=[7])).func is (views_prepare.meeting_held)
    assert reverse("interview_complete", args=[7]) == "/interviews/7/held/"
    assert reverse("interview_meeting_held", args=[7]) == "/interviews/7/meeting/held/"


def test_meeting_held_button_starts_the_thank_you(login_as, student, meeting):
    response = login_as(student).post(reverse("interview_complete", args=[meeting.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("interview_detail", args=[meeting.pk])
    meeting.refresh_from_db()
    assert meeting.state == State.COMPLETED
    assert list(FollowUp.objects.order_by("kind").values_list("kind", "due_at")) == [
        (Kind.KEEP_IN_TOUCH, add_months(NOW, 3)),
        (Kind.THANK_YOU, ENDED + timedelta(hours=24)),
    ]


def test_the_meeting_views_held_button_saves_notes_and_starts_the_thank_you(
    login_as, student, meeting
):
    response = login_as(student).post(
        reverse("interview_meeting_held", args=[meeting.pk]), {"quick_notes": "Ask Kim"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("interview_notes", args=[meeting.pk])
    assert InterviewNotes.objects.get(interview=meeting).quick_notes == "Ask Kim"
    assert FollowUp.objects.get(kind=Kind.THANK_YOU).due_at == ENDED + timedelta(hours=24)


def test_held_too_early_is_refused_and_makes_no_follow_up(login_as, student, meeting):
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=NOW + timedelta(hours=2))

    for name in ("interview_complete", "interview_meeting_held"):
        login_as(student).post(reverse(name, args=[meeting.pk]))

    assert FollowUp.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "status"),
    [("student2", 404), ("other_student", 404), ("alumni", 403), ("advisor", 403)],
)
def test_held_routes_of_another_students_meeting(request, login_as, meeting, persona, status):
    browser = login_as(request.getfixturevalue(persona))

    for name in ("interview_complete", "interview_meeting_held"):
        assert browser.post(reverse(name, args=[meeting.pk])).status_code == status

    meeting.refresh_from_db()
    assert meeting.state == State.SCHEDULED
    assert FollowUp.objects.count() == 0


# --- The page -----------------------------------------------------------------------


def test_followups_page_groups_overdue_this_week_upcoming_and_done(login_as, student, time_machine):
    overdue = _meet(student, "Olga Overdue")
    time_machine.move_to(NOW + timedelta(hours=25), tick=False)
    _meet(student, "Wes Week")
    done = _meet(student, "Dora Done")
    services.followup_complete(
        student=student,
        followup=FollowUp.objects.get(interview=done, kind=Kind.THANK_YOU),
        note="Emailed from my phone",
    )
    snoozed = FollowUp.objects.get(contact=overdue.contact, kind=Kind.KEEP_IN_TOUCH)
    services.followup_snooze(student=student, followup=snoozed, period="week")

    response = login_as(student).get(reverse("followup_list"))

    groups = response.context["groups"]
    assert response.status_code == 200
    assert _ids(groups.overdue) == [(Kind.THANK_YOU, "Olga Overdue")]
    assert _ids(groups.this_week) == [(Kind.THANK_YOU, "Wes Week")]
    assert _ids(groups.upcoming) == [
        (Kind.KEEP_IN_TOUCH, "Olga Overdue"),
        (Kind.KEEP_IN_TOUCH, "Wes Week"),
        (Kind.KEEP_IN_TOUCH, "Dora Done"),
    ]
    assert _ids(groups.done) == [(Kind.THANK_YOU, "Dora Done")]
    html = response.content.decode()
    assert "Emailed from my phone" in html
    assert "Snoozed until Wed 11 Mar 2026" in html
    assert "Was due Wed 4 Mar, 09:45 (1\xa0hour, 15\xa0minutes ago)" in html
    assert f'href="{reverse("followup_thank_you", args=[groups.this_week[0].pk])}"' in html


def test_followups_page_for_a_new_student_explains_itself(login_as, student):
    response = login_as(student).get(reverse("followup_list"))

    assert response.status_code == 200
    assert "Nothing to follow up yet" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3, 50])
def test_followups_page_query_count(login_as, student, count, django_assert_num_queries):
    """`count` meetings held: as many thank-yous due this week and check-ins coming
    up, each section showing its first 10."""
    for i in range(count):
        contact = _meet(student, f"Person {i}").contact
        for kind in ("call", "message"):
            services.interaction_log(student=student, contact=contact, kind=kind, on=NOW.date())
    browser = login_as(student)

    # session, user with office, the active follow-ups' ids with the recently done
    # ones', the rows shown and done with their contacts and each check-in's
    # contact's logged interactions
    with django_assert_num_queries(4):
        response = browser.get(reverse("followup_list"))

    groups = response.context["groups"]
    assert len(groups.this_week) == min(count, 10)
    assert len(groups.upcoming) == min(count, 10)
    assert groups.counts == {"overdue": 0, "this_week": count, "upcoming": count}
    assert response.content.decode().count("· Message or email</li>") == min(count, 10)
    assert ('href="?section=this-week"' in response.content.decode()) is (count > 10)


@pytest.mark.parametrize("count", [1, 3, 50])
def test_followups_page_of_thank_yous_only_query_count(
    login_as, student, count, django_assert_num_queries
):
    for i in range(count):
        contact = _meet(student, f"Person {i}").contact
        services.followup_stop(
            student=student, followup=FollowUp.objects.get(contact=contact, kind=Kind.KEEP_IN_TOUCH)
        )
    browser = login_as(student)

    # session, user with office, the active and recently done ids, the rows shown
    with django_assert_num_queries(4):
        response = browser.get(reverse("followup_list"))

    assert response.context["groups"].counts == {"overdue": 0, "this_week": count, "upcoming": 0}
    assert response.content.decode().count('<li class="list-group-item" id="followup-') == min(
        count, 10
    )


@pytest.mark.parametrize("count", [1, 3, 50])
def test_one_followups_section_query_count(login_as, student, count, django_assert_num_queries):
    for i in range(count):
        _meet(student, f"Person {i}")
    browser = login_as(student)

    # session, user with office, the active follow-ups' ids, the page's rows with
    # their contacts' logged interactions
    with django_assert_num_queries(4):
        response = browser.get(reverse("followup_list") + "?section=upcoming")

    groups = response.context["groups"]
    assert [s["key"] for s in response.context["sections"]] == ["upcoming"]
    assert len(groups.upcoming) == min(count, 25)
    assert groups.this_week == []
    assert groups.done == []


def test_followups_section_pages_in_due_order(login_as, student):
    for i in range(27):
        _meet(student, f"Person {i:02}")
    browser = login_as(student)
    ordered = list(
        FollowUp.objects.filter(kind=Kind.KEEP_IN_TOUCH)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )

    overview = browser.get(reverse("followup_list"))
    first = browser.get(reverse("followup_list") + "?section=upcoming")
    second = browser.get(reverse("followup_list") + "?section=upcoming&page=2")
    unknown = browser.get(reverse("followup_list") + "?section=done")

    assert [f.pk for f in overview.context["groups"].upcoming] == ordered[:10]
    assert [f.pk for f in first.context["groups"].upcoming] == ordered[:25]
    assert [f.pk for f in second.context["groups"].upcoming] == ordered[25:]
    assert "Page 2 of 2" in second.content.decode()
    assert "See all 27" in overview.content.decode()
    assert len(unknown.context["sections"]) == 3


def test_actions_from_the_page(login_as, student):
    interview = _meet(student, "Ada Actions")
    browser = login_as(student)
    checkin = FollowUp.objects.get(kind=Kind.KEEP_IN_TOUCH)
    thanks = FollowUp.objects.get(kind=Kind.THANK_YOU)

    cadence = browser.post(reverse("followup_cadence", args=[checkin.pk]), {"months": "6"})
    snooze = browser.post(reverse("followup_snooze", args=[checkin.pk]), {"period": "month"})
    sent = browser.post(reverse("followup_done", args=[thanks.pk]), {"note": ""})
    stop = browser.post(reverse("followup_stop", args=[checkin.pk]))

    anchor = f"{reverse('followup_list')}#followup-"
    assert [r["Location"] for r in (cadence, snooze, sent, stop)] == [
        f"{anchor}{checkin.pk}",
        f"{anchor}{checkin.pk}",
        f"{anchor}{thanks.pk}",
        f"{anchor}{checkin.pk}",
    ]
    checkin.refresh_from_db()
    thanks.refresh_from_db()
    assert (checkin.status, checkin.cadence_months) == (Status.STOPPED, 6)
    assert (thanks.status, thanks.on_time) == (Status.DONE, True)
    assert interview.contact_id == checkin.contact_id


def test_check_in_done_from_the_page_keeps_the_note(login_as, student):
    _meet(student, "Nia Note")
    checkin = FollowUp.objects.get(kind=Kind.KEEP_IN_TOUCH)

    login_as(student).post(
        reverse("followup_done", args=[checkin.pk]), {"note": "Shared my new internship"}
    )

    checkin.refresh_from_db()
    assert (checkin.status, checkin.note) == (Status.DONE, "Shared my new internship")
    assert FollowUp.objects.get(
        kind=Kind.KEEP_IN_TOUCH, status=Status.OPEN
    ).contact.last_interaction == ("Check-in: Shared my new internship")


def test_another_students_follow_up_is_404(login_as, student, student2, other_student):
    _meet(student, "Sid Secret")
    thanks = FollowUp.objects.get(kind=Kind.THANK_YOU)
    checkin = FollowUp.objects.get(kind=Kind.KEEP_IN_TOUCH)

    for intruder in (student2, other_student):
        browser = login_as(intruder)
        assert browser.get(reverse("followup_thank_you", args=[thanks.pk])).status_code == 404
        for name, pk, data in (
            ("followup_thank_you", thanks.pk, {"action": "other"}),
            ("followup_done", thanks.pk, {}),
            ("followup_snooze", checkin.pk, {"period": "week"}),
            ("followup_stop", checkin.pk, {}),
            ("followup_cadence", checkin.pk, {"months": "1"}),
        ):
            assert browser.post(reverse(name, args=[pk]), data).status_code == 404
        assert browser.get(reverse("followup_list")).context["groups"].has_any is False

    assert list(FollowUp.objects.values_list("status", flat=True)) == [Status.OPEN, Status.OPEN]


@pytest.mark.parametrize("persona", ["alumni", "advisor", "office_admin", "other_admin"])
def test_other_roles_are_403(request, login_as, student, persona):
    _meet(student, "Rita Roles")
    thanks = FollowUp.objects.get(kind=Kind.THANK_YOU)
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(reverse("followup_list")).status_code == 403
    assert browser.get(reverse("followups_badge")).status_code == 403
    assert browser.get(reverse("followup_thank_you", args=[thanks.pk])).status_code == 403
    assert browser.post(reverse("followup_done", args=[thanks.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(nobody):
    response = nobody.get(reverse("followup_list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_check_in_has_no_thank_you_page(login_as, student):
    _meet(student, "Kit Check")
    checkin = FollowUp.objects.get(kind=Kind.KEEP_IN_TOUCH)

    assert (
        login_as(student).get(reverse("followup_thank_you", args=[checkin.pk])).status_code == 404
    )


# --- The nav badge ------------------------------------------------------------------


def test_nav_entry_loads_the_count_due_this_week(login_as, student, time_machine):
    _meet(student, "Ben Badge")
    _meet(student, "Bea Badge")
    browser = login_as(student)

    page = browser.get(reverse("student_home"))
    badge = browser.get(reverse("followups_badge"))

    html = page.content.decode()
    assert (
        '<a class="nav-link" href="/followups/">Follow-ups <span hx-get="/followups/badge/" '
        'hx-trigger="load" hx-swap="outerHTML"></span></a>'
    ) in html
    assert badge.content.decode().strip() == (
        '<span class="badge rounded-pill text-bg-warning ms-1">2'
        '<span class="visually-hidden"> follow-ups due this week</span></span>'
    )


def test_nav_badge_counts_one_cheap_query(login_as, student, django_assert_num_queries):
    _meet(student, "Cal Count")
    browser = login_as(student)

    # session, user with office, the count
    with django_assert_num_queries(3):
        response = browser.get(reverse("followups_badge"))

    assert ">1<" in response.content.decode()


def test_nav_badge_is_empty_when_nothing_is_due(login_as, student):
    assert login_as(student).get(reverse("followups_badge")).content.decode().strip() == ""


def test_other_roles_have_no_follow_ups_entry(login_as, alumni):
    page = login_as(alumni).get(reverse("inbox"))

    assert "/followups/" not in page.content.decode()


# --- The thank-you panel on the interview page ---------------------------------------


def test_held_interview_page_loads_the_thank_you_panel(login_as, student, meeting):
    held = _meet(student, "Pia Panel")
    browser = login_as(student)

    page = browser.get(reverse("interview_detail", args=[held.pk])).content.decode()
    panel = browser.get(reverse("interview_thank_you_panel", args=[held.pk]))

    assert f'hx-get="/interviews/{held.pk}/thank-you/" hx-trigger="load"' in page
    followup = FollowUp.objects.get(interview=held, kind=Kind.THANK_YOU)
    html = panel.content.decode()
    assert "Send it by Wed 4 Mar, 09:45" in html  # in the student's zone, New York
    assert f'href="/followups/{followup.pk}/thank-you/"' in html


def test_thank_you_panel_says_how_and_when_it_went(login_as, student, time_machine):
    held = _meet(student, "Dan Done")
    followup = FollowUp.objects.get(interview=held, kind=Kind.THANK_YOU)
    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    services.followup_complete(student=student, followup=followup)

    html = login_as(student).get(reverse("interview_thank_you_panel", args=[held.pk])).content
    assert "Sent another way, marked on Tue 3 Mar, 12:00 · on time." in html.decode()


def test_thank_you_panel_of_a_late_one_says_so(login_as, student, time_machine):
    held = _meet(student, "Lou Late")
    time_machine.move_to(NOW + timedelta(days=2), tick=False)

    html = login_as(student).get(reverse("interview_thank_you_panel", args=[held.pk])).content
    assert "It was due Wed 4 Mar, 09:45. Late is still far better than never." in html.decode()


def test_thank_you_panel_is_the_students_own(login_as, student, student2, other_student, alumni):
    held = _meet(student, "Own Olive")
    url = reverse("interview_thank_you_panel", args=[held.pk])

    assert login_as(student2).get(url).status_code == 404
    assert login_as(other_student).get(url).status_code == 404
    assert login_as(alumni).get(url).status_code == 403


def test_thank_you_panel_is_empty_for_an_interview_without_one(login_as, student, meeting):
    response = login_as(student).get(reverse("interview_thank_you_panel", args=[meeting.pk]))

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_acting_from_a_section_page_comes_back_to_that_page(login_as, student):
    for i in range(27):
        _meet(student, f"Person {i:02}")
    browser = login_as(student)
    page = reverse("followup_list") + "?section=upcoming&page=2"
    response = browser.get(page)
    [checkin] = response.context["groups"].upcoming[-1:]

    html = response.content.decode()
    snoozed = browser.post(
        reverse("followup_snooze", args=[checkin.pk]), {"period": "week", "next": page}
    )
    elsewhere = browser.post(
        reverse("followup_stop", args=[checkin.pk]), {"next": "https://evil.test/"}
    )

    assert f'<input type="hidden" name="next" value="{page.replace("&", "&amp;")}">' in html
    assert snoozed["Location"] == f"{page}#followup-{checkin.pk}"
    assert elsewhere["Location"] == f"{reverse('followup_list')}#followup-{checkin.pk}"
    assert 'name="next"' not in browser.get(reverse("followup_list")).content.decode()
