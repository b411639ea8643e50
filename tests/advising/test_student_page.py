"""The student's page for advisors at /advising/students/<id>/: who the student is,
their pitch and target list, their conversations (notes only where the student
shared them) and their latest activity, read-only, for the advisors of their office,
each visit in the access log."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.advising.models import AccessRecord
from apps.advising.services import assignments_add
from apps.contacts.enums import Stage
from apps.contacts.services import contact_set_stage
from apps.followups.enums import InteractionKind
from apps.followups.services import followup_complete, interaction_log
from apps.interviews.enums import EventKind, State
from apps.interviews.models import InterviewEvent
from apps.interviews.services import (
    interview_notes_save,
    interview_quick_notes_save,
    interview_request_volunteer,
)
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory, add_questions, mark_held
from tests.factories.students import student_profile_set

# Tuesday 3 March 2026, 10:00 in New York (the advisor's office).
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
SECRET = "the porcupine plan"
SCRIBBLE = "scribbled only for me"


def url(user) -> str:
    return f"/advising/students/{user.pk}/"


def _card(response, name: str) -> str:
    """The HTML of the conversation with the contact of that name."""
    [pk] = [i.pk for i in response.context["conversations"] if i.contact.full_name == name]
    return response.content.decode().split(f'id="conversation-{pk}"')[1].split("</div></li>")[0]


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _at(time_machine, moment):
    time_machine.move_to(moment, tick=False)


@pytest.fixture
def sam(student, consulting, volunteer, advisor, office_admin, time_machine):
    """Sam at work: a profile, four contacts (three on target lists), a conversation
    held with Jordan whose notes are private, one held with Alex whose notes are
    shared and thanked for, a request waiting with Mo, a draft to Kim, and a call
    with Alex logged today."""
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    student_profile_set(
        student,
        programme="Economics",
        graduation_year=2027,
        fields=[consulting],
        pitch="I study economics.\nI want to work in health care.",
    )
    contacts = {}
    for minute, (name, organisation, field, target) in enumerate(
        [
            ("Lee Park", "Bright Consulting", consulting, True),
            ("Mo Chen", "Northwind", consulting, True),
            ("Kim Roe", "", None, True),
            ("Pat Quinn", "Quinn & Co", None, False),
        ]
    ):
        _at(time_machine, NOW - timedelta(days=10) + timedelta(minutes=minute))
        contacts[name] = ContactFactory(
            student=student,
            full_name=name,
            organisation=organisation,
            field=field,
            on_target_list=target,
        )

    _at(time_machine, NOW - timedelta(days=5))
    jordan = InterviewFactory(
        student=student,
        requested_at=NOW - timedelta(days=5),
        starts_at=NOW - timedelta(days=2),
    )
    add_questions(jordan, "How did you start?")
    _at(time_machine, NOW - timedelta(days=2, minutes=-40))
    mark_held(student=student, interview=jordan)
    interview_notes_save(
        student=student, interview=jordan, advice=f"Ask about {SECRET}.", shared_with_advisor=False
    )

    _at(time_machine, NOW - timedelta(days=4))
    alex = InterviewFactory(
        student=student,
        volunteer=volunteer,
        requested_at=NOW - timedelta(days=4),
        starts_at=NOW - timedelta(days=1),
    )
    add_questions(alex, "What does a day look like?", "Which skills matter most?")
    _at(time_machine, NOW - timedelta(days=1, minutes=-30))
    interview_quick_notes_save(student=student, interview=alex, text=SCRIBBLE)
    thank_you = mark_held(student=student, interview=alex)
    interview_notes_save(
        student=student,
        interview=alex,
        advice="Learn SQL before the summer.",
        information="Teams of four.",
        reflection="",
        field_fit=4,
        shared_with_advisor=True,
    )
    _at(time_machine, NOW - timedelta(days=1, hours=-2))
    followup_complete(student=student, followup=thank_you)

    _at(time_machine, NOW - timedelta(hours=1))
    waiting = InterviewFactory(
        student=student,
        contact=contacts["Mo Chen"],
        state=State.REQUESTED,
        requested_at=NOW - timedelta(hours=1),
    )
    # What the request flow records (the factory makes the row directly).
    InterviewEvent.objects.create(
        interview=waiting, actor=student, kind=EventKind.REQUESTED, to_state=State.REQUESTED
    )
    contact_set_stage(contact=contacts["Mo Chen"], stage=Stage.REQUESTED)
    # The system's own reminder: not the student's activity.
    InterviewEvent.objects.create(interview=waiting, kind=EventKind.NUDGED)
    InterviewFactory(
        student=student, contact=contacts["Kim Roe"], state=State.DRAFT, requested_at=None
    )

    _at(time_machine, NOW)
    interaction_log(
        student=student,
        contact=alex.contact,
        kind=InteractionKind.CALL,
        on=date(2026, 3, 3),
        note="Talked about the summer programme",
    )
    return student


# --- What it shows ------------------------------------------------------------------


def test_the_header_names_the_student_and_their_advisors(sam, advisor, login_as):
    response = login_as(advisor).get(url(sam))

    assert response.status_code == 200
    context = response.context
    assert (context["student"], context["profile"].programme) == (sam, "Economics")
    assert context["profile"].graduation_year == 2027
    assert [f.name for f in context["fields"]] == ["Consulting"]
    assert [a.full_name for a in context["advisors"]] == ["Dana Advisor"]
    html = response.content.decode()
    assert '<h1 class="h3">Sam Student</h1>' in html
    assert '<a href="mailto:sam@northfield.test">sam@northfield.test</a>' in html
    back = (
        '<a href="/advising/"><i class="bi bi-arrow-left" aria-hidden="true"></i> Back to caseload'
    )
    assert back in html


def test_the_pitch_is_plain_text_with_its_line_breaks(sam, advisor, login_as):
    html = login_as(advisor).get(url(sam)).content.decode()

    assert "I study economics.<br>I want to work in health care." in html


def test_the_pitch_is_escaped(student, advisor, login_as):
    student_profile_set(student, pitch="<b>bold</b> **claim**")

    html = login_as(advisor).get(url(student)).content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt; **claim**" in html


def test_the_target_list_is_ranked_per_field_with_each_stage(sam, advisor, login_as):
    response = login_as(advisor).get(url(sam))

    groups = [
        (g["field"].name if g["field"] else None, [c.full_name for c in g["contacts"]])
        for g in response.context["target_groups"]
    ]
    assert groups == [("Consulting", ["Lee Park", "Mo Chen"]), (None, ["Kim Roe"])]
    html = response.content.decode()
    assert '<h3 class="h6 mt-3">No field yet</h3>' in html
    board = html.split('id="targets-heading"')[1].split('id="conversations-heading"')[0]
    assert board.count('<span class="badge stage stage-identified">Identified</span>') == 2
    assert board.count('<span class="badge stage stage-requested">Requested</span>') == 1
    assert "Pat Quinn" not in board


def test_conversations_are_every_one_but_drafts_newest_first(sam, advisor, login_as):
    response = login_as(advisor).get(url(sam))

    assert [
        (i.contact.full_name, i.state, [q.text for q in i.prepared_questions])
        for i in response.context["conversations"]
    ] == [
        ("Mo Chen", State.REQUESTED, []),
        (
            "Alex Alumni",
            State.COMPLETED,
            ["What does a day look like?", "Which skills matter most?"],
        ),
        ("Jordan Lee", State.COMPLETED, ["How did you start?"]),
    ]


def test_a_conversations_dates_are_in_the_viewers_zone(sam, advisor, login_as):
    alex = _card(login_as(advisor).get(url(sam)), "Alex Alumni")

    # Requested 27 Feb 15:00 UTC, met 2 Mar 15:00 UTC, held at 15:30 UTC: New York
    # is five hours behind.
    assert '<time datetime="2026-02-27T10:00:00-05:00">27 Feb 2026, 10:00</time>' in alex
    assert '<time datetime="2026-03-02T10:00:00-05:00">2 Mar 2026, 10:00</time>' in alex
    assert '<time datetime="2026-03-02T10:30:00-05:00">2 Mar 2026, 10:30</time>' in alex
    assert "<li>Which skills matter most?</li>" in alex


# --- Notes: shared or not -----------------------------------------------------------


def test_shared_notes_are_shown(sam, advisor, login_as):
    response = login_as(advisor).get(url(sam))

    alex = response.context["conversations"][1]
    assert (alex.shared_notes.advice, alex.shared_notes.field_fit) == (
        "Learn SQL before the summer.",
        4,
    )
    html = response.content.decode()
    assert "<p>Learn SQL before the summer.</p>" in html
    assert "<p>Teams of four.</p>" in html
    assert "4 out of 5" in html


def test_notes_not_shared_never_reach_the_page_or_its_context(sam, advisor, login_as):
    with CaptureQueriesContext(connection) as queries:
        response = login_as(advisor).get(url(sam))

    jordan = response.context["conversations"][2]
    assert jordan.shared_notes is None
    assert "notes" not in jordan._state.fields_cache
    html = response.content.decode()
    assert SECRET not in html
    assert "Notes not shared" in _card(response, "Jordan Lee")
    assert "Notes not shared" not in _card(response, "Alex Alumni")
    # Only shared notes are read, and never the quick notes.
    [notes_query] = [q["sql"] for q in queries if '"interviews_interviewnotes"' in q["sql"]]
    assert '"shared_with_advisor"' in notes_query.split("WHERE")[1]
    assert '"quick_notes"' not in notes_query


def test_quick_notes_stay_private_even_when_the_notes_are_shared(sam, advisor, login_as):
    html = login_as(advisor).get(url(sam)).content.decode()

    assert SCRIBBLE not in html


def test_a_request_not_held_says_nothing_about_notes(sam, advisor, login_as):
    response = login_as(advisor).get(url(sam))

    assert "Notes not shared" not in _card(response, "Mo Chen")


def test_a_request_sent_anyway_shows_the_flag_and_the_students_reason(
    student, volunteer, advisor, login_as
):
    interview_request_volunteer(
        student=student,
        volunteer=volunteer,
        message="Are you hiring? A 15-minute call?",
        job_ask_reason="Alex told me <b>to ask</b> about the opening.",
    )
    before = InterviewFactory(
        student=student,
        contact=ContactFactory(student=student, full_name="Lee Park"),
        state=State.REQUESTED,
        job_ask_flagged=True,
    )
    fine = InterviewFactory(
        student=student, contact=ContactFactory(student=student, full_name="Mo Chen")
    )

    response = login_as(advisor).get(url(student))

    sent_anyway = _card(response, "Alex Alumni")
    assert "asked for a job" in sent_anyway
    assert (
        'The student\'s reason: <q class="text-break">Alex told me &lt;b&gt;to ask&lt;/b&gt; '
        "about the opening.</q>"
    ) in sent_anyway
    assert "No reason recorded: sent before a reason was asked for." in _card(response, "Lee Park")
    assert f'data-job-ask="{before.pk}"' in response.content.decode()
    assert f'data-job-ask="{fine.pk}"' not in response.content.decode()
    assert "asked for a job" not in _card(response, "Mo Chen")


# --- Activity -----------------------------------------------------------------------


def test_activity_is_the_students_work_newest_first(sam, advisor, login_as):
    response = login_as(advisor).get(url(sam))

    assert [(line.at, line.what, line.who, line.late) for line in response.context["activity"]] == [
        (NOW, "Logged: Call", "Alex Alumni", False),
        (NOW - timedelta(hours=1), "Request sent", "Mo Chen, Northwind", False),
        (NOW - timedelta(hours=22), "Thank-you sent", "Alex Alumni", False),
        (NOW - timedelta(hours=23, minutes=30), "Meeting held", "Alex Alumni", False),
        (NOW - timedelta(days=2, minutes=-40), "Meeting held", "Jordan Lee, Harbour Health", False),
        (NOW - timedelta(days=4), "Contact added", "Alex Alumni", False),
        (NOW - timedelta(days=5), "Contact added", "Jordan Lee, Harbour Health", False),
        (NOW - timedelta(days=10, minutes=-3), "Contact added", "Pat Quinn, Quinn & Co", False),
        (NOW - timedelta(days=10, minutes=-2), "Contact added", "Kim Roe", False),
        (NOW - timedelta(days=10, minutes=-1), "Contact added", "Mo Chen, Northwind", False),
        (NOW - timedelta(days=10), "Contact added", "Lee Park, Bright Consulting", False),
    ]
    html = response.content.decode()
    assert (
        '<time class="d-block text-body-secondary" datetime="2026-03-03T10:00:00-05:00">'
        "3 Mar 2026, 10:00</time><strong>Logged: Call</strong>"
    ) in html
    # What was said in the call, and messages, are not on the timeline.
    assert "Talked about the summer programme" not in html


def test_a_late_thank_you_is_marked_late(student, volunteer, advisor, login_as, time_machine):
    meeting = InterviewFactory(student=student, volunteer=volunteer, starts_at=NOW)
    _at(time_machine, NOW + timedelta(minutes=30))
    thank_you = mark_held(student=student, interview=meeting)
    _at(time_machine, NOW + timedelta(days=3))
    followup_complete(student=student, followup=thank_you)

    response = login_as(advisor).get(url(student))

    [line] = [line for line in response.context["activity"] if line.what == "Thank-you sent"]
    assert line.late is True
    assert '<strong>Thank-you sent</strong> <span class="badge text-bg-warning">late</span>' in (
        response.content.decode()
    )


def test_activity_is_the_latest_fifty(student, advisor, login_as, time_machine):
    for n in range(55):
        _at(time_machine, NOW - timedelta(minutes=60 - n))
        ContactFactory(student=student, full_name=f"Person {n:02}")

    activity = login_as(advisor).get(url(student)).context["activity"]

    assert [line.who for line in activity] == [f"Person {n:02}" for n in range(54, 4, -1)]


def test_a_student_with_nothing_yet(student, advisor, login_as):
    response = login_as(advisor).get(url(student))

    assert response.status_code == 200
    assert (response.context["profile"], response.context["conversations"]) == (None, [])
    html = response.content.decode()
    assert "No pitch written yet." in html
    assert "Nobody on a target list yet." in html
    assert "No conversations yet." in html
    assert "No advisor assigned" in html


def test_reading_the_page_creates_no_profile(student, advisor, login_as):
    login_as(advisor).get(url(student))

    assert not type(student).objects.filter(pk=student.pk, student_profile__isnull=False).exists()


# --- Who may see it -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["advisor", "office_admin"])
def test_every_advisor_of_the_office_may_read_it(persona, sam, request, login_as):
    response = login_as(request.getfixturevalue(persona)).get(url(sam))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["student", "student2", "alumni"])
def test_students_and_alumni_get_403(persona, student, request, login_as):
    response = login_as(request.getfixturevalue(persona)).get(url(student))

    assert response.status_code == 403
    assert not AccessRecord.objects.exists()


def test_a_visitor_is_sent_to_sign_in(student, nobody):
    response = nobody.get(url(student))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/advising/students/{student.pk}/"


def test_an_advisor_of_another_office_gets_404(student, other_admin, login_as):
    assert login_as(other_admin).get(url(student)).status_code == 404
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("whose", ["other_student", "advisor", "office_admin", "alumni"])
def test_anyone_but_a_student_of_the_office_is_404(whose, advisor, request, login_as):
    someone = request.getfixturevalue(whose)

    assert login_as(advisor).get(url(someone)).status_code == 404
    assert not AccessRecord.objects.exists()


def test_an_unknown_id_is_404(advisor, login_as):
    assert login_as(advisor).get("/advising/students/999999/").status_code == 404


def test_a_deactivated_student_is_404_as_on_the_caseload(office, advisor, login_as):
    gone = UserFactory(office=office, email="gone@northfield.test", full_name="Gone Student")
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)

    assert login_as(advisor).get(url(gone)).status_code == 404


# --- The access log -----------------------------------------------------------------


def test_each_visit_is_recorded_with_who_whose_and_where(student, advisor, login_as):
    browser = login_as(advisor)
    browser.get(url(student), REMOTE_ADDR="203.0.113.9")
    browser.get(url(student), REMOTE_ADDR="203.0.113.10")

    assert list(
        AccessRecord.objects.order_by("pk").values_list(
            "office", "actor", "subject", "what", "detail", "ip", "at"
        )
    ) == [
        (student.office_id, advisor.pk, student.pk, "student_page", "", "203.0.113.9", NOW),
        (student.office_id, advisor.pk, student.pk, "student_page", "", "203.0.113.10", NOW),
    ]


# --- Queries --------------------------------------------------------------------------


@pytest.mark.parametrize("conversations", [1, 5])
def test_the_query_count_does_not_depend_on_the_number_of_conversations(
    conversations, student, consulting, advisor, office_admin, login_as, django_assert_num_queries
):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    student_profile_set(
        student, programme="Economics", graduation_year=2027, fields=[consulting], pitch="Hello."
    )
    for n in range(conversations):
        contact = ContactFactory(
            student=student, full_name=f"Person {n}", field=consulting, on_target_list=True
        )
        meeting = InterviewFactory(student=student, contact=contact, starts_at=NOW)
        add_questions(meeting, "One?", "Two?")
        thank_you = mark_held(student=student, interview=meeting)
        interview_notes_save(
            student=student, interview=meeting, advice="Go.", shared_with_advisor=n % 2 == 0
        )
        followup_complete(student=student, followup=thank_you)
        interaction_log(student=student, contact=contact, kind=InteractionKind.CALL, on=NOW.date())
    browser = login_as(advisor)

    # Session, user; the student; profile, its fields; advisors; target list;
    # conversations, their questions, shared notes; timeline entries, contacts added,
    # interactions, thank-yous; the advisor's last visit, comment threads (none, so
    # no comments), coaching notes counted (none, so no page read); the access record.
    with django_assert_num_queries(18):
        response = browser.get(url(student))

    assert len(response.context["conversations"]) == conversations


# --- The way in -----------------------------------------------------------------------


def test_each_name_on_the_caseload_links_to_the_students_page(student, student2, advisor, login_as):
    html = login_as(advisor).get("/advising/", {"scope": "office"}).content.decode()

    assert f'<a class="d-block" href="/advising/students/{student.pk}/">Sam Student</a>' in html
    assert f'<a class="d-block" href="/advising/students/{student2.pk}/">Priya Patel</a>' in html
