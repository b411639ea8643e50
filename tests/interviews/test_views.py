import html
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import Approval, Role
from apps.accounts.services import user_create, user_update_profile
from apps.contacts.enums import Format, Stage
from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import volunteer_stats_record_request
from apps.interviews import services
from apps.interviews.enums import Channel, EventKind, State
from apps.interviews.models import Interview, TimeSlot
from apps.interviews.request_check import request_text_check
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory
from tests.factories.students import FieldFactory, student_profile_set

# A day the forms accept for a meeting (within core.dates.HORIZON).
SOON = (date.today() + timedelta(days=30)).isoformat()
GOOD = "Dear Alex, I study economics. Could you spare 15 minutes for a short call about your path?"


def _alumni(office, email, full_name, *, fields=(), approval=Approval.APPROVED):
    user = UserFactory(
        office=office, email=email, full_name=full_name, role=Role.ALUMNI, approval=approval
    )
    return make_volunteer(user, fields=fields)


def _text(response) -> str:
    """The page as a reader sees it: entities decoded."""
    return html.unescape(response.content.decode())


def _heading(response) -> str:
    return html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode()).group(1))


def _local(moment, zone) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def _codes(text):
    return [w["code"] for w in request_text_check(text)]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        (GOOD, []),
        ("Do you have any open positions? Could we talk for 15 minutes?", ["job_ask"]),
        ("Could you refer me for a role on your team? A 15-minute call?", ["job_ask"]),
        ("I'd love to learn about your work. Could we meet sometime?", ["no_short_ask"]),
        ("word " * 151 + "15 minutes", ["too_long"]),
        ("I am not looking for a job, just advice. 15 minutes?", []),
        ("I'm not asking you to hire me. Could we talk for 15 minutes?", []),
    ],
)
def test_request_text_check(text, codes):
    assert _codes(text) == codes


def test_request_page_prefills_the_template_and_sends(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    browser = login_as(student)
    page = browser.get(reverse("interview_request_volunteer", args=[volunteer.pk]))
    prefilled = page.context["form"].initial["message"]

    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post(
            reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": prefilled}
        )

    interview = Interview.objects.get()
    assert prefilled.startswith("Dear Alex,")
    assert "15 minutes" in prefilled and "Consulting" in prefilled
    assert _codes(prefilled) == []
    assert sent["Location"] == reverse("interview_detail", args=[interview.pk])
    assert [m.to for m in mailoutbox] == [[volunteer.user.email]]


def test_request_check_returns_warnings_partial(login_as, student):
    response = login_as(student).get(
        reverse("interview_request_check"), {"message": "Are you hiring? 15 minutes?"}
    )

    assert response.status_code == 200
    assert 'data-warning="job_ask"' in response.content.decode()


def test_request_to_a_volunteer_at_capacity_is_refused_with_similar_suggestions(
    login_as, student, volunteer, office, consulting
):
    # Until the audit this test also asserted that a paused volunteer's page was a
    # 404; a paused volunteer is now refused like this one (see the tests below).
    similar = _alumni(office, "sim@alumni.test", "Sim Ilar", fields=[consulting])
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(capacity_per_month=1)
    volunteer.refresh_from_db()
    volunteer_stats_record_request(profile=volunteer)

    refused = login_as(student).post(
        reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": GOOD}
    )

    assert refused.status_code == 409
    assert "Alex Alumni has had all the requests they can take this month." in _text(refused)
    assert [v.pk for v in refused.context["similar"]] == [similar.pk]
    assert Interview.objects.count() == 0


def test_request_with_empty_message_is_400(login_as, student, volunteer):
    response = login_as(student).post(
        reverse("interview_request_volunteer", args=[volunteer.pk]), {"message": ""}
    )

    assert response.status_code == 400
    assert Interview.objects.count() == 0


def test_other_office_volunteer_request_page_is_404(login_as, student, other_volunteer):
    assert (
        login_as(student)
        .get(reverse("interview_request_volunteer", args=[other_volunteer.pk]))
        .status_code
        == 404
    )


def test_interview_pages_of_another_student_are_404(
    login_as, student, student2, other_student, volunteer
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    for intruder in (student2, other_student):
        browser = login_as(intruder)
        assert browser.get(reverse("interview_detail", args=[interview.pk])).status_code == 404
        for name in (
            "interview_withdraw",
            "interview_book",
            "interview_complete",
            "interview_cancel",
            "interview_message",
            "interview_no_show",
        ):
            assert (
                browser.post(
                    reverse(name, args=[interview.pk]), {"reason": "x", "body": "x", "slot": "1"}
                ).status_code
                == 404
            )
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED


def test_inbox_shows_only_requests_to_this_volunteer(
    login_as, student, volunteer, office, consulting, other_alumni
):
    mine = services.interview_request_volunteer(student=student, volunteer=volunteer, message=GOOD)
    someone = make_volunteer(
        user_create(
            office=office,
            email="else@alumni.test",
            full_name="Else",
            password="x-long-password-1",
            role="alumni",
            email_verified=True,
        ),
        fields=[consulting],
    )
    theirs = services.interview_request_volunteer(student=student, volunteer=someone, message=GOOD)

    response = login_as(volunteer.user).get(reverse("inbox"))

    items = [row.pk for g in response.context["groups"] for row in g["items"]]
    assert items == [mine.pk]
    assert (
        login_as(volunteer.user).get(reverse("inbox_detail", args=[theirs.pk])).status_code == 404
    )
    assert login_as(other_alumni).get(reverse("inbox_detail", args=[mine.pk])).status_code == 404


def test_inbox_detail_never_shows_the_students_notes(login_as, student, volunteer):
    from apps.interviews.models import InterviewNotes

    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    InterviewNotes.objects.create(interview=interview, advice="SECRET-ADVICE")

    page = login_as(volunteer.user).get(reverse("inbox_detail", args=[interview.pk]))

    assert "SECRET-ADVICE" not in page.content.decode()


def test_accept_form_with_past_time_is_400_and_changes_nothing(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    past = timezone.localtime(timezone.now() - timedelta(days=1))

    response = login_as(volunteer.user).post(
        reverse("inbox_accept", args=[interview.pk]),
        {
            "format": "phone",
            "duration_minutes": "15",
            "slot1_0": past.strftime("%Y-%m-%d"),
            "slot1_1": "10:00",
        },
    )

    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()
    interview.refresh_from_db()
    assert interview.state == State.REQUESTED


def test_accept_form_two_slots_then_student_books(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    day = (timezone.localdate() + timedelta(days=3)).strftime("%Y-%m-%d")

    accepted = login_as(volunteer.user).post(
        reverse("inbox_accept", args=[interview.pk]),
        {
            "format": "video",
            "duration_minutes": "30",
            "meeting_url": "meet.example/xyz",
            "slot1_0": day,
            "slot1_1": "10:00",
            "slot2_0": day,
            "slot2_1": "14:30",
        },
    )
    slot = interview.slots.order_by("starts_at").last()
    booked = login_as(student).post(
        reverse("interview_book", args=[interview.pk]), {"slot": slot.pk}
    )

    interview.refresh_from_db()
    assert accepted.status_code == 302
    assert booked.status_code == 302
    assert (interview.state, interview.starts_at, interview.meeting_url) == (
        State.SCHEDULED,
        slot.starts_at,
        "https://meet.example/xyz",
    )


def test_decline_from_the_inbox(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    login_as(volunteer.user).post(
        reverse("inbox_decline", args=[interview.pk]), {"note": "Not this month"}
    )

    interview.refresh_from_db()
    assert (interview.state, interview.decline_note) == (State.DECLINED, "Not this month")


@pytest.mark.parametrize("persona", ["alumni", "advisor"])
def test_student_interview_pages_are_for_students(login_as, request, persona):
    browser = login_as(request.getfixturevalue(persona))
    assert browser.get(reverse("interview_list")).status_code == 403


@pytest.mark.parametrize("persona", ["student", "advisor"])
def test_inbox_is_for_alumni(login_as, request, persona):
    assert login_as(request.getfixturevalue(persona)).get(reverse("inbox")).status_code == 403


def _many(student, office, consulting, count):
    made = []
    for i in range(count):
        v = make_volunteer(
            user_create(
                office=office,
                email=f"q{i}@alumni.test",
                full_name=f"Q {i}",
                password="x-long-password-1",
                role="alumni",
                email_verified=True,
            ),
            fields=[consulting],
        )
        made.append(
            services.interview_request_volunteer(student=student, volunteer=v, message=GOOD)
        )
    return made


@pytest.mark.parametrize("count", [1, 3, 50])
def test_interview_list_query_count(login_as, student, office, count, django_assert_num_queries):
    """`count` conversations in each group: the open ones whole, the latest 10 held
    and closed."""
    for i in range(count):
        for state in (State.SCHEDULED, State.REQUESTED, State.COMPLETED, State.DECLINED):
            InterviewFactory(
                student=student,
                contact=ContactFactory(student=student, full_name=f"{state} {i}"),
                state=state,
            )
    browser = login_as(student)

    # session, user with office, and one query for the list: the open interviews
    # with their contacts, the latest held and the latest closed
    with django_assert_num_queries(3):
        response = browser.get(reverse("interview_list"))

    groups = {g["key"]: g for g in response.context["groups"]}
    assert len(groups["upcoming"]["items"]) == count
    assert len(groups["waiting"]["items"]) == count
    assert len(groups["held"]["items"]) == min(count, 10)
    assert len(groups["closed"]["items"]) == min(count, 10)
    assert bool(groups["held"]["more"]) is (count > 10)


@pytest.mark.parametrize("count", [1, 3, 50])
def test_interview_list_one_history_group_query_count(
    login_as, student, count, django_assert_num_queries
):
    for i in range(count):
        InterviewFactory(
            student=student,
            contact=ContactFactory(student=student, full_name=f"Held {i}"),
            state=State.COMPLETED,
        )
    browser = login_as(student)

    # session, user with office, the group's count, its page
    with django_assert_num_queries(4):
        response = browser.get(reverse("interview_list") + "?group=held")

    [group] = response.context["groups"]
    assert group["count"] == count
    assert len(group["items"]) == min(count, 25)


def test_interview_list_shows_the_latest_history_and_pages_the_rest(login_as, student):
    held = [
        InterviewFactory(
            student=student,
            contact=ContactFactory(student=student, full_name=f"Held {i}"),
            state=State.COMPLETED,
        )
        for i in range(27)
    ]
    Interview.objects.filter(pk__in=[i.pk for i in held]).update(updated_at=timezone.now())
    for n, interview in enumerate(held):
        Interview.objects.filter(pk=interview.pk).update(
            updated_at=timezone.now() - timedelta(hours=n)
        )
    waiting = InterviewFactory(student=student, state=State.REQUESTED)
    browser = login_as(student)

    overview = browser.get(reverse("interview_list"))
    first = browser.get(reverse("interview_list") + "?group=held")
    last = browser.get(reverse("interview_list") + "?group=held&page=2")
    unknown = browser.get(reverse("interview_list") + "?group=waiting")

    groups = {g["key"]: g for g in overview.context["groups"]}
    assert [row.pk for row in groups["held"]["items"]] == [i.pk for i in held[:10]]
    assert [row.pk for row in groups["waiting"]["items"]] == [waiting.pk]
    assert 'href="?group=held"' in overview.content.decode()
    assert [g["key"] for g in first.context["groups"]] == ["held"]
    assert [row.pk for row in first.context["groups"][0]["items"]] == [i.pk for i in held[:25]]
    assert [row.pk for row in last.context["groups"][0]["items"]] == [i.pk for i in held[25:]]
    assert "Page 2 of 2" in last.content.decode()
    # Only the history groups open alone; anything else is the whole list.
    assert {g["key"] for g in unknown.context["groups"]} == {
        "yourturn",
        "upcoming",
        "drafts",
        "waiting",
        "held",
        "closed",
    }


@pytest.mark.parametrize("count", [1, 3, 50])
def test_inbox_query_count(login_as, office, volunteer, count, django_assert_num_queries):
    """`count` requests waiting and `count` in the past: the waiting ones whole, the
    past a page of 20 at a time."""
    for i in range(count):
        InterviewFactory(
            student=UserFactory(office=office), volunteer=volunteer, state=State.REQUESTED
        )
        InterviewFactory(
            student=UserFactory(office=office),
            volunteer=volunteer,
            state=State.DECLINED,
            requested_at=timezone.now() - timedelta(days=30 + i),
        )
    browser = login_as(volunteer.user)

    # session, user with office, open requests with students and their profiles,
    # the past's first page with its count
    with django_assert_num_queries(4):
        response = browser.get(reverse("inbox"))

    groups = {g["key"]: g for g in response.context["groups"]}
    assert len(groups["new"]["items"]) == count
    assert len(groups["past"]["items"]) == min(count, 20)
    assert groups["past"]["count"] == count
    assert response.content.decode().count('class="badge state state-') == count + min(count, 20)


def test_inbox_reads_the_volunteers_profile_in_their_own_office_only(
    login_as, office, other_office, volunteer
):
    """The profile is a scalar subquery of each list's query (no join to it), and
    still the user's profile in the user's office: a profile left in another office
    shows nothing, waiting or past."""
    for state in (State.REQUESTED, State.COMPLETED):
        InterviewFactory(student=UserFactory(office=office), volunteer=volunteer, state=state)
    browser = login_as(volunteer.user)

    with CaptureQueriesContext(connection) as ctx:
        counts = {g["key"]: g["count"] for g in browser.get(reverse("inbox")).context["groups"]}
    lists = [q["sql"] for q in ctx.captured_queries if '"interviews_interview"' in q["sql"]]
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(office=other_office)
    moved = browser.get(reverse("inbox")).context["groups"]

    assert counts == {"new": 1, "upcoming": 0, "past": 1}
    assert len(lists) == 2
    for sql in lists:
        assert '"interviews_interview"."volunteer_id" = (SELECT' in sql
        assert " JOIN " not in sql
    assert [g["count"] for g in moved] == [0, 0, 0]


def test_inbox_pages_the_past_and_keeps_waiting_requests_on_every_page(login_as, office, volunteer):
    waiting = InterviewFactory(
        student=UserFactory(office=office), volunteer=volunteer, state=State.REQUESTED
    )
    past = [
        InterviewFactory(
            student=UserFactory(office=office),
            volunteer=volunteer,
            state=State.COMPLETED,
            requested_at=timezone.now() - timedelta(days=30 + i),
        )
        for i in range(23)
    ]
    browser = login_as(volunteer.user)

    first = browser.get(reverse("inbox"))
    second = browser.get(reverse("inbox") + "?page=2")
    beyond = browser.get(reverse("inbox") + "?page=9")

    def shown(response):
        return {g["key"]: [row.pk for row in g["items"]] for g in response.context["groups"]}

    for response in (first, second):
        assert shown(response)["new"] == [waiting.pk]
    assert shown(first)["past"] == [i.pk for i in past[:20]]
    assert shown(second)["past"] == [i.pk for i in past[20:]]
    assert shown(beyond)["past"] == [i.pk for i in past[20:]]
    assert "Page 1 of 2" in first.content.decode()
    assert f'href="{reverse("inbox_detail", args=[past[22].pk])}"' in second.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_interview_detail_query_count(
    login_as, student, volunteer, count, django_assert_num_queries
):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    for i in range(count):
        services.interview_message(actor=volunteer.user, interview=interview, body=f"Q{i}")
    ContactFactory(student=student, full_name="Unused")
    browser = login_as(student)

    # session, user, interview, events with actors (slots only once accepted)
    with django_assert_num_queries(4):
        response = browser.get(reverse("interview_detail", args=[interview.pk]))

    assert len(response.context["events"]) == count + 1


# --- The request pages --------------------------------------------------------------


def test_request_pages_name_the_person_in_the_heading(login_as, student, volunteer):
    contact = ContactFactory(student=student, full_name="Jordan Lee", email="jordan@harbour.test")
    browser = login_as(student)

    to_volunteer = browser.get(reverse("interview_request_volunteer", args=[volunteer.pk]))
    to_contact = browser.get(reverse("interview_request_contact", args=[contact.pk]))

    assert _heading(to_volunteer) == "Ask Alex Alumni for a conversation"
    assert _heading(to_contact) == "Ask Jordan Lee for a conversation"
    assert "Jordan Lee is not on Fieldnotes: send this from your own email" in _text(to_contact)


def test_request_page_of_a_paused_volunteer_is_refused_with_the_date_and_similar_ones(
    login_as, student, volunteer, office, consulting
):
    until = timezone.localdate() + timedelta(days=5)
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(paused_until=until)
    similar = _alumni(office, "sim@alumni.test", "Sim Ilar", fields=[consulting])
    url = reverse("interview_request_volunteer", args=[volunteer.pk])
    browser = login_as(student)

    opened = browser.get(url)
    sent = browser.post(url, {"message": GOOD})

    for response in (opened, sent):
        assert response.status_code == 409
        assert (
            f"Alex Alumni is not taking requests right now: they are taking a break until "
            f"{until.day} {until:%B} {until.year}." in _text(response)
        )
        assert [v.pk for v in response.context["similar"]] == [similar.pk]
        assert reverse("directory_detail", args=[similar.pk]) in _text(response)
        assert f'href="{reverse("directory")}">Find someone else' in _text(response)
    assert Interview.objects.count() == 0


def test_request_page_of_a_volunteer_not_taking_requests_is_refused(
    login_as, student, volunteer, office, consulting
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(accepting_requests=False)
    similar = _alumni(office, "sim@alumni.test", "Sim Ilar", fields=[consulting])

    response = login_as(student).get(reverse("interview_request_volunteer", args=[volunteer.pk]))

    assert response.status_code == 409
    assert "Alex Alumni is not taking requests right now." in _text(response)
    assert [v.pk for v in response.context["similar"]] == [similar.pk]


def test_refusal_suggests_at_most_three_similar_volunteers_who_take_requests(
    login_as, student, volunteer, office, consulting
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        paused_until=timezone.localdate() + timedelta(days=5)
    )
    similar = [
        _alumni(office, f"q{i}@alumni.test", f"Q {i}", fields=[consulting]) for i in range(4)
    ]
    paused_too = _alumni(office, "p@alumni.test", "P Paused", fields=[consulting])
    VolunteerProfile.objects.filter(pk=paused_too.pk).update(
        paused_until=timezone.localdate() + timedelta(days=5)
    )
    other_field = _alumni(office, "o@alumni.test", "A Other", fields=[FieldFactory(office=office)])

    response = login_as(student).get(reverse("interview_request_volunteer", args=[volunteer.pk]))

    assert response.status_code == 409
    # Equal fit for this student, so by name; the paused one and the one of
    # another field are never suggested.
    assert [v.pk for v in response.context["similar"]] == [v.pk for v in similar[:3]]
    assert other_field.pk not in [v.pk for v in response.context["similar"]]


@pytest.mark.parametrize("who", ["other_office", "deactivated", "unapproved"])
def test_request_page_of_a_paused_volunteer_the_student_may_not_see_is_404(
    login_as, student, other_volunteer, pending_alumni, volunteer, who
):
    if who == "other_office":
        target = other_volunteer
    elif who == "deactivated":
        target = volunteer
        VolunteerProfile.objects.filter(pk=target.pk).update(deactivated_at=timezone.now())
    else:
        target = make_volunteer(pending_alumni)
    VolunteerProfile.objects.filter(pk=target.pk).update(
        paused_until=timezone.localdate() + timedelta(days=5)
    )
    url = reverse("interview_request_volunteer", args=[target.pk])
    browser = login_as(student)

    assert browser.get(url).status_code == 404
    assert browser.post(url, {"message": GOOD}).status_code == 404
    assert Interview.objects.count() == 0


# --- Off-platform contacts: the student's own mail ----------------------------------


@pytest.fixture
def jordan(student):
    return ContactFactory(
        student=student,
        full_name="Jordan Lee",
        organisation="Harbour Health",
        email="jordan@harbour.test",
    )


def test_own_contact_mailto_link_carries_the_drafted_subject_and_body(login_as, student, jordan):
    page = login_as(student).get(reverse("interview_request_contact", args=[jordan.pk]))
    drafted = page.context["form"].initial["message"]
    raw = re.search(r'<a [^>]*id="mailto-link"[^>]*>', page.content.decode()).group(0)
    href = html.unescape(re.search(r'href="([^"]*)"', raw).group(1))

    link = urlsplit(href)
    assert (link.scheme, link.path) == ("mailto", "jordan@harbour.test")
    assert parse_qs(link.query) == {
        "subject": ["Informational interview request"],
        "body": [drafted],
    }
    assert drafted.startswith("Dear Jordan,") and "\n" in drafted
    # Encoded, so no space, line break or "&" inside the body can end it early.
    assert re.fullmatch(r"mailto:[^?\s]+\?subject=[^&\s]+&body=[^&\s]+", href)
    # The script that keeps the body in step with later edits in the textarea.
    assert 'data-mailto-source="id_message"' in raw
    assert "js/mailto.js" in page.content.decode()


def test_logging_outreach_records_a_request(login_as, student, jordan):
    response = login_as(student).post(
        reverse("interview_request_contact", args=[jordan.pk]),
        {"message": "Dear Jordan, could you spare 15 minutes?"},
    )

    interview = Interview.objects.get()
    jordan.refresh_from_db()
    assert response["Location"] == reverse("interview_detail", args=[interview.pk])
    assert (
        interview.state,
        interview.channel,
        interview.contact,
        interview.volunteer,
        interview.request_message,
    ) == (State.REQUESTED, Channel.OWN, jordan, None, "Dear Jordan, could you spare 15 minutes?")
    assert jordan.stage == Stage.REQUESTED


def test_logging_outreach_with_no_message_is_400(login_as, student, jordan):
    response = login_as(student).post(
        reverse("interview_request_contact", args=[jordan.pk]), {"message": ""}
    )

    assert response.status_code == 400
    assert Interview.objects.count() == 0


@pytest.fixture
def outreach(student, jordan):
    return services.interview_log_outreach(student=student, contact=jordan, message="Hi Jordan")


def test_recording_a_yes_with_a_time_schedules(
    login_as, student, jordan, outreach, mailoutbox, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + timedelta(days=3)

    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(
            reverse("interview_record_reply", args=[outreach.pk]),
            {
                "answer": "yes",
                "starts_at_0": day.isoformat(),
                "starts_at_1": "10:30",
                "format": Format.IN_PERSON,
                "duration_minutes": "30",
                "location": "Café Nero",
            },
        )

    outreach.refresh_from_db()
    jordan.refresh_from_db()
    assert response["Location"] == reverse("interview_detail", args=[outreach.pk])
    assert (
        outreach.state,
        outreach.starts_at,
        outreach.format,
        outreach.duration_minutes,
        outreach.location,
    ) == (
        State.SCHEDULED,
        datetime.combine(day, time(10, 30), tzinfo=ZoneInfo("America/New_York")),
        Format.IN_PERSON,
        30,
        "Café Nero",
    )
    assert jordan.stage == Stage.SCHEDULED
    assert list(outreach.events.values_list("kind", flat=True)) == [
        EventKind.REQUESTED,
        EventKind.REPLY_LOGGED,
        EventKind.SCHEDULED,
    ]
    assert [m.to for m in mailoutbox] == [[student.email]]


def test_recording_a_decline_declines(login_as, student, jordan, outreach):
    login_as(student).post(
        reverse("interview_record_reply", args=[outreach.pk]),
        {"answer": "no", "note": "Busy until spring"},
    )

    outreach.refresh_from_db()
    jordan.refresh_from_db()
    assert (outreach.state, jordan.stage) == (State.DECLINED, Stage.DECLINED)
    assert outreach.events.last().note == "Busy until spring"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"answer": "yes", "format": "phone"}, "Enter the agreed time."),
        (
            {
                "answer": "yes",
                "starts_at_0": "2030-02-30",
                "starts_at_1": "10:00",
                "format": "phone",
            },
            "Enter a valid date.",
        ),
        (
            {
                "answer": "yes",
                "starts_at_0": SOON,
                "starts_at_1": "25:99",
                "format": "phone",
            },
            "Enter a valid time.",
        ),
        ({"answer": "yes", "starts_at_0": SOON, "starts_at_1": "10:00"}, "Choose how you"),
        ({"answer": "maybe"}, "Select a valid choice."),
        ({}, "This field is required."),
    ],
)
def test_recording_a_bad_reply_shows_the_error_and_changes_nothing(
    login_as, student, jordan, outreach, mailoutbox, django_capture_on_commit_callbacks, data, error
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(
            reverse("interview_record_reply", args=[outreach.pk]), data, follow=True
        )

    outreach.refresh_from_db()
    jordan.refresh_from_db()
    assert response.redirect_chain == [(reverse("interview_detail", args=[outreach.pk]), 302)]
    assert error in _text(response)
    assert (outreach.state, outreach.starts_at, outreach.events.count(), jordan.stage) == (
        State.REQUESTED,
        None,
        1,
        Stage.REQUESTED,
    )
    assert mailoutbox == []


def test_recording_a_reply_twice_is_refused(login_as, student, outreach):
    browser = login_as(student)
    browser.post(reverse("interview_record_reply", args=[outreach.pk]), {"answer": "no"})

    again = browser.post(
        reverse("interview_record_reply", args=[outreach.pk]),
        {"answer": "yes", "starts_at_0": SOON, "starts_at_1": "10:00", "format": "phone"},
        follow=True,
    )

    outreach.refresh_from_db()
    assert "This interview is declined, so it cannot be accepted." in _text(again)
    assert (outreach.state, outreach.starts_at) == (State.DECLINED, None)


def test_recording_a_reply_on_a_request_through_fieldnotes_is_404(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    response = login_as(student).post(
        reverse("interview_record_reply", args=[interview.pk]), {"answer": "no"}
    )

    interview.refresh_from_db()
    assert (response.status_code, interview.state) == (404, State.REQUESTED)


# --- Someone else's interview -------------------------------------------------------


def _future(days=3, hour=14):
    return (timezone.now() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def _snapshot(interview):
    interview.refresh_from_db()
    return (interview.state, interview.starts_at, interview.sequence, interview.events.count())


def _move_to(day_offset=6):
    day = timezone.localdate() + timedelta(days=day_offset)
    return {"starts_at_0": day.isoformat(), "starts_at_1": "09:15", "reason": "An exam moved"}


# (url name, the state in which the rightful person could do it, channel, POST data)
STUDENT_ACTIONS = [
    ("interview_reschedule", State.SCHEDULED, Channel.PLATFORM, _move_to()),
    ("interview_cancel", State.SCHEDULED, Channel.PLATFORM, {"reason": "Ill"}),
    ("interview_record_reply", State.REQUESTED, Channel.OWN, {"answer": "no"}),
    ("interview_withdraw", State.REQUESTED, Channel.PLATFORM, {}),
    ("interview_book", State.ACCEPTED, Channel.PLATFORM, None),
    ("interview_message", State.REQUESTED, Channel.PLATFORM, {"body": "Hello"}),
]
VOLUNTEER_ACTIONS = [
    ("inbox_detail", State.REQUESTED, Channel.PLATFORM, "GET"),
    (
        "inbox_accept",
        State.REQUESTED,
        Channel.PLATFORM,
        {
            "format": "phone",
            "duration_minutes": "15",
            "slot1_0": (timezone.localdate() + timedelta(days=4)).isoformat(),
            "slot1_1": "10:00",
        },
    ),
    ("inbox_decline", State.REQUESTED, Channel.PLATFORM, {"note": "Sorry"}),
    ("interview_message", State.REQUESTED, Channel.PLATFORM, {"body": "Hello"}),
    ("interview_reschedule", State.SCHEDULED, Channel.PLATFORM, _move_to()),
    ("interview_cancel", State.SCHEDULED, Channel.PLATFORM, {"reason": "Ill"}),
]


@pytest.fixture
def vera(office, consulting):
    """Another volunteer of the same office (the user)."""
    return _alumni(office, "vera@alumni.test", "Vera Volunteer", fields=[consulting]).user


def _interview_for(student, volunteer, state, channel):
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer if channel == Channel.PLATFORM else None,
        state=state,
        starts_at=_future() if state == State.SCHEDULED else None,
    )
    if state == State.ACCEPTED:
        TimeSlot.objects.create(interview=interview, starts_at=_future(days=4))
    return interview


@pytest.mark.parametrize(
    ("owner", "intruder", "name", "state", "channel", "data"),
    [
        ("student", intruder, *action)
        for action in STUDENT_ACTIONS
        for intruder in ("student2", "other_student")
    ]
    + [
        ("alumni", intruder, *action)
        for action in VOLUNTEER_ACTIONS
        for intruder in ("vera", "other_alumni")
    ],
)
def test_someone_elses_interview_is_404_and_unchanged(
    request,
    login_as,
    student,
    volunteer,
    mailoutbox,
    django_capture_on_commit_callbacks,
    owner,
    intruder,
    name,
    state,
    channel,
    data,
):
    interview = _interview_for(student, volunteer, state, channel)
    if data is None:
        data = {"slot": interview.slots.get().pk}
    url = reverse(name, args=[interview.pk])
    before = _snapshot(interview)

    def act(person):
        browser = login_as(request.getfixturevalue(person))
        with django_capture_on_commit_callbacks(execute=True):
            return browser.get(url) if data == "GET" else browser.post(url, data)

    refused = act(intruder)

    assert refused.status_code == 404
    assert _snapshot(interview) == before
    assert mailoutbox == []
    # The same request from the rightful person works, so the 404 above was the
    # intruder's and not a broken request.
    allowed = act(owner)
    assert allowed.status_code in (200, 302)
    assert data == "GET" or _snapshot(interview) != before


@pytest.mark.parametrize("side", ["student", "volunteer"])
def test_reschedule_view_moves_the_meeting_for_either_side(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks, side
):
    interview = _interview_for(student, volunteer, State.SCHEDULED, Channel.PLATFORM)
    actor = student if side == "student" else volunteer.user
    day = timezone.localdate() + timedelta(days=6)

    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(actor).post(
            reverse("interview_reschedule", args=[interview.pk]),
            {"starts_at_0": day.isoformat(), "starts_at_1": "09:15", "reason": "An exam moved"},
        )

    interview.refresh_from_db()
    back = "interview_detail" if side == "student" else "inbox_detail"
    assert response["Location"] == reverse(back, args=[interview.pk])
    assert (interview.state, interview.starts_at, interview.sequence) == (
        State.SCHEDULED,
        datetime.combine(day, time(9, 15), tzinfo=ZoneInfo("America/New_York")),
        1,
    )
    event = interview.events.get()
    assert (event.kind, event.actor, event.note) == (
        EventKind.RESCHEDULED,
        actor,
        "An exam moved",
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted([student.email, volunteer.user.email])


@pytest.mark.parametrize("side", ["student", "volunteer"])
def test_reschedule_view_without_a_reason_changes_nothing(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks, side
):
    interview = _interview_for(student, volunteer, State.SCHEDULED, Channel.PLATFORM)
    actor = student if side == "student" else volunteer.user
    before = _snapshot(interview)

    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(actor).post(
            reverse("interview_reschedule", args=[interview.pk]),
            {**_move_to(), "reason": "  "},
            follow=True,
        )

    assert response.status_code == 200
    assert "This field is required." in _text(response)
    assert _snapshot(interview) == before
    assert mailoutbox == []


# --- Times name the viewer's zone ---------------------------------------------------


def test_inbox_detail_shows_offered_times_and_timeline_in_the_volunteers_zone(
    login_as, student, volunteer
):
    user_update_profile(user=volunteer.user, full_name="Alex Alumni", time_zone="Asia/Tokyo")
    year = timezone.now().year + 1
    # 01:00 UTC on 4 March is 10:00 in Tokyo (JST, no daylight saving).
    first = datetime(year, 3, 4, 1, 0, tzinfo=UTC)
    second = datetime(year, 3, 5, 6, 30, tzinfo=UTC)
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format=Format.PHONE,
        duration_minutes=15,
        slots=[first, second],
    )

    page = _text(login_as(volunteer.user).get(reverse("inbox_detail", args=[interview.pk])))

    for moment, clock in ((first, "10:00"), (second, "15:30")):
        local = _local(moment, "Asia/Tokyo")
        assert local.strftime("%H:%M") == clock
        assert f"{local:%a} {local.day} {local:%b %Y}, {clock} JST</time>" in page
    for event in interview.events.all():
        local = _local(event.created_at, "Asia/Tokyo")
        assert f"{local.day} {local:%b %Y, %H:%M} JST</time>" in page
    assert "Times shown in Asia/Tokyo" in page


def test_inbox_detail_move_and_cancel_forms_post_to_this_meeting_in_the_volunteers_zone(
    login_as, student, volunteer
):
    user_update_profile(user=volunteer.user, full_name="Alex Alumni", time_zone="Asia/Tokyo")
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    slot = datetime(timezone.now().year + 1, 3, 4, 1, 0, tzinfo=UTC)
    services.interview_accept(
        user=volunteer.user, interview=interview, format=Format.PHONE, duration_minutes=15,
        slots=[slot],
    )  # fmt: skip

    page = login_as(volunteer.user).get(reverse("inbox_detail", args=[interview.pk]))
    html = page.content.decode()

    assert f'action="{reverse("interview_reschedule", args=[interview.pk])}"' in html
    assert f'action="{reverse("interview_cancel", args=[interview.pk])}"' in html
    assert "New time (Asia/Tokyo)</legend>" in html


def test_interview_detail_offered_times_name_the_students_zone(login_as, student, volunteer):
    year = timezone.now().year + 1
    # 15:00 UTC on 3 March is 10:00 in New York (EST).
    slot = datetime(year, 3, 3, 15, 0, tzinfo=UTC)
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format=Format.PHONE,
        duration_minutes=15,
        slots=[slot, slot + timedelta(days=1)],
    )

    page = _text(login_as(student).get(reverse("interview_detail", args=[interview.pk])))

    local = _local(slot, "America/New_York")
    assert local.strftime("%H:%M %Z") == "10:00 EST"
    assert f"{local:%a} {local.day} {local:%b %Y}, 10:00 EST</time>" in page


# --- What each side sees ------------------------------------------------------------


def test_inbox_detail_shows_the_students_pitch_and_profile_summary(
    login_as, student, volunteer, consulting
):
    student_profile_set(
        student,
        programme="Economics",
        graduation_year=2027,
        fields=[consulting],
        pitch="Third-year economist drawn to healthcare strategy.",
    )
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )

    page = _text(login_as(volunteer.user).get(reverse("inbox_detail", args=[interview.pk])))

    assert "Sam Student · Economics · class of 2027" in page
    assert '<span class="badge text-bg-light">Consulting</span>' in page
    assert "Their pitch" in page
    assert "Third-year economist drawn to healthcare strategy." in page
    assert GOOD in page


@pytest.mark.parametrize("share", [True, False])
def test_volunteers_email_and_phone_reach_the_student_only_on_acceptance(
    login_as, student, volunteer, share
):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        phone="+1 555 0100", share_email_on_accept=share, share_phone_on_accept=share
    )
    volunteer.refresh_from_db()
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    browser = login_as(student)
    url = reverse("interview_detail", args=[interview.pk])

    before = browser.get(url).content.decode()
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format=Format.PHONE,
        duration_minutes=15,
        slots=[_future(), _future(days=4)],
    )
    after = browser.get(url).content.decode()

    for secret in ("alex@alumni.test", "+1 555 0100"):
        assert secret not in before
        assert (secret in after) is share
    if share:
        assert 'href="mailto:alex@alumni.test"' in after
        assert 'href="tel:+1 555 0100"' in after


def test_timeline_shows_who_made_each_move_and_when(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=GOOD
    )
    services.interview_accept(
        user=volunteer.user,
        interview=interview,
        format=Format.PHONE,
        duration_minutes=15,
        slots=[_future(), _future(days=4)],
    )
    services.interview_book_slot(
        student=student, interview=interview, slot_id=interview.slots.first().pk
    )

    page = login_as(student).get(reverse("interview_detail", args=[interview.pk]))

    timeline = page.content.decode().split('<h2 class="h6">Timeline</h2>')[1]
    items = [html.unescape(li) for li in timeline.split("</li>")[:-1]]
    expected = [
        ("Request sent", "Sam Student"),
        ("Accepted", "Alex Alumni"),
        ("Time agreed", "Sam Student"),
    ]
    events = list(interview.events.all())
    assert [e.get_kind_display() for e in events] == [kind for kind, _ in expected]
    assert len(items) == len(expected)
    for item, event, (kind, actor) in zip(items, events, expected, strict=True):
        local = _local(event.created_at, "America/New_York")
        assert f"<strong>{kind}</strong>" in item
        assert f'<div class="small text-body-secondary">{actor}</div>' in item
        assert f"{local.day} {local:%b %Y, %H:%M %Z}</time>" in item


# --- Issue 13.4: buttons offered when they work, headings that say what happened ----


def test_meeting_buttons_wait_for_the_start_time(login_as, student):
    later = InterviewFactory(
        student=student, state=State.SCHEDULED, starts_at=timezone.now() + timedelta(hours=2)
    )
    started = InterviewFactory(student=student, state=State.SCHEDULED)
    browser = login_as(student)

    before = browser.get(reverse("interview_detail", args=[later.pk]))
    after = browser.get(reverse("interview_detail", args=[started.pk]))

    assert reverse("interview_complete", args=[later.pk]) not in before.content.decode()
    assert reverse("interview_no_show", args=[later.pk]) not in before.content.decode()
    when = _local(later.starts_at, "America/New_York").strftime("%a %-d %b, %H:%M")
    assert (
        "You can mark it held, or say they did not come, from the start time: "
        f"{when} (America/New_York)." in _text(before)
    )
    assert f'action="{reverse("interview_complete", args=[started.pk])}"' in _text(after)
    assert f'action="{reverse("interview_no_show", args=[started.pk])}"' in _text(after)
    assert 'id="held-later"' not in _text(after)


def test_meeting_and_notes_pages_wait_for_the_start_time(login_as, student):
    later = InterviewFactory(
        student=student, state=State.SCHEDULED, starts_at=timezone.now() + timedelta(hours=2)
    )
    browser = login_as(student)

    meeting = browser.get(reverse("interview_meeting", args=[later.pk]))
    notes = browser.get(reverse("interview_notes", args=[later.pk]))

    held_url = reverse("interview_meeting_held", args=[later.pk])
    assert held_url not in meeting.content.decode()
    assert held_url not in notes.content.decode()
    assert 'id="held-later"' in meeting.content.decode()
    assert "Your notes open here once it is held." in _text(notes)


def test_accepted_requests_are_the_students_turn(login_as, student, volunteer):
    accepted = InterviewFactory(student=student, volunteer=volunteer, state=State.ACCEPTED)
    asked = InterviewFactory(student=student, state=State.REQUESTED)

    response = login_as(student).get(reverse("interview_list"))

    groups = {g["key"]: g for g in response.context["groups"]}
    assert [g["key"] for g in response.context["groups"]][0] == "yourturn"
    assert groups["yourturn"]["label"] == "Your turn"
    assert [row.pk for row in groups["yourturn"]["items"]] == [accepted.pk]
    assert [row.pk for row in groups["waiting"]["items"]] == [asked.pk]
    assert "they said yes: pick one of their times" in _text(response)


@pytest.mark.parametrize(
    ("state", "channel", "says"),
    [
        (
            State.EXPIRED,
            Channel.OWN,
            "That is normal: people are busy, and a request can go unseen. Nothing is owed "
            "on either side; move to the next person on your list.",
        ),
        (
            State.DECLINED,
            Channel.OWN,
            "That is normal. Thank them briefly for taking the time to answer, and move to "
            "the next person on your list.",
        ),
        (
            State.DECLINED,
            Channel.PLATFORM,
            "That is normal, and they took the time to answer. Move to the next person on "
            "your list.",
        ),
    ],
)
def test_a_closed_request_is_worded_for_what_happened(
    login_as, student, volunteer, state, channel, says
):
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer if channel == Channel.PLATFORM else None,
        state=state,
    )

    page = _text(login_as(student).get(reverse("interview_detail", args=[interview.pk])))

    assert says in page
    assert "if they answered" not in page


def test_interview_list_rows_link_drafts_to_their_request_page_and_the_rest_to_the_conversation(
    login_as, student, office, volunteer
):
    to_volunteer = InterviewFactory(student=student, volunteer=volunteer, state=State.DRAFT)
    to_contact = InterviewFactory(student=student, state=State.DRAFT)
    sent = InterviewFactory(student=student, state=State.REQUESTED)
    held = InterviewFactory(student=student, state=State.COMPLETED)

    body = login_as(student).get(reverse("interview_list")).content.decode()

    links = re.findall(r'class="list-group-item list-group-item-action" href="([^"]+)"', body)
    assert sorted(links) == sorted(
        [
            reverse("interview_request_volunteer", args=[volunteer.pk]),
            reverse("interview_request_contact", args=[to_contact.contact_id]),
            reverse("interview_detail", args=[sent.pk]),
            reverse("interview_detail", args=[held.pk]),
        ]
    )
    assert to_volunteer.volunteer_id == volunteer.pk


def test_inbox_rows_link_to_each_request(login_as, student, student2, office, volunteer):
    waiting = InterviewFactory(student=student, volunteer=volunteer, state=State.REQUESTED)
    past = InterviewFactory(student=student2, volunteer=volunteer, state=State.DECLINED)

    body = login_as(volunteer.user).get(reverse("inbox")).content.decode()

    links = re.findall(r'class="list-group-item list-group-item-action" href="([^"]+)"', body)
    assert links == [
        reverse("inbox_detail", args=[waiting.pk]),
        reverse("inbox_detail", args=[past.pk]),
    ]
