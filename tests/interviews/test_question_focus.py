"""The question list suggests questions by how decided the student is about the
field and how close they are to graduating: early explorers ask what a day is like
and how people got in; near graduation, how to get started, skills to build and
organisations to join."""

from datetime import date

import pytest
from django.urls import reverse

from apps.interviews.enums import State
from apps.interviews.selectors.questions import question_focus
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update
from tests.factories.interviews import InterviewFactory

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("certainty", "graduation_year", "first_topics", "known"),
    [
        # Nothing said: an early explorer's questions, and the page asks.
        ("", None, ["day_to_day", "path", "outlook"], False),
        ("exploring", 2029, ["day_to_day", "path", "outlook"], True),
        ("narrowing", 2029, ["day_to_day", "path", "skills", "outlook"], True),
        ("decided", 2029, ["skills", "experience", "path", "organisations"], True),
        # June 2027 is 6 months away: close to graduating.
        ("", 2027, ["getting_started", "skills", "organisations", "experience"], True),
        ("decided", 2027, ["getting_started", "skills", "organisations", "experience"], True),
        ("narrowing", 2027, ["getting_started", "skills", "organisations", "experience"], True),
        ("exploring", 2027, ["day_to_day", "getting_started", "skills"], True),
        # Already graduated counts as near; June 2028 (18 months) does not.
        ("", 2025, ["getting_started", "skills", "organisations", "experience"], True),
        ("", 2028, ["day_to_day", "path", "outlook"], True),
    ],
)
def test_which_topics_come_first(certainty, graduation_year, first_topics, known):
    focus = question_focus(certainty=certainty, graduation_year=graduation_year, today=TODAY)

    assert list(focus["topics"]) == first_topics
    assert focus["known"] is known
    assert focus["reason"]


def test_twelve_months_to_go_is_near_and_thirteen_is_not():
    assert (
        question_focus(certainty="", graduation_year=2027, today=date(2026, 6, 1))["topics"][0]
        == "getting_started"
    )
    assert (
        question_focus(certainty="", graduation_year=2027, today=date(2026, 5, 31))["topics"][0]
        == "day_to_day"
    )


def _profile(student, *, certainty, year):
    student_profile_update(
        profile=student_profile_get(user=student),
        programme="Economics",
        graduation_year=year,
        fields=[],
        interest_tags=[],
        target_companies=[],
        pitch="",
        field_certainty=certainty,
    )


@pytest.fixture
def interview(student):
    return InterviewFactory(student=student, state=State.ACCEPTED)


def test_a_decided_student_near_graduation_sees_getting_started_first(
    login_as, student, interview, time_machine
):
    time_machine.move_to("2026-12-03 12:00Z")
    _profile(student, certainty="decided", year=2027)
    browser = login_as(student)

    page = browser.get(reverse("interview_prepare", args=[interview.pk]))
    body = page.content.decode()
    groups = page.context["bank"]

    assert [g["topic"] for g in groups][:4] == [
        "getting_started",
        "skills",
        "organisations",
        "experience",
    ]
    assert [g["suggested"] for g in groups] == [True] * 4 + [False] * 5
    assert body.count("data-suggested") == 4
    assert "You graduate soon: ask how to get started" in body
    assert "Say how decided you are" not in body


def test_the_htmx_workspace_keeps_the_suggested_order(login_as, student, interview, time_machine):
    time_machine.move_to("2026-12-03 12:00Z")
    _profile(student, certainty="exploring", year=2030)
    browser = login_as(student)
    browser.get(reverse("interview_prepare", args=[interview.pk]))  # seeds the bank
    question = student.office.questions.filter(topic="pay").first()

    response = browser.post(
        reverse("interview_questions_pick", args=[interview.pk]),
        {"questions": [question.pk]},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert [g["topic"] for g in response.context["bank"]][:3] == ["day_to_day", "path", "outlook"]
    assert "You are early in exploring" in response.content.decode()


def test_a_student_who_said_nothing_is_asked_to_tailor_the_suggestions(
    login_as, student, interview
):
    body = login_as(student).get(reverse("interview_prepare", args=[interview.pk])).content
    body = body.decode()

    assert "Say how decided you are and when you graduate" in body
    assert f'href="{reverse("student_profile")}"' in body


def test_the_profile_saves_how_decided_the_student_is(login_as, student):
    browser = login_as(student)
    data = {"programme": "Economics", "graduation_year": "2027", "pitch": ""}

    saved = browser.post(reverse("student_profile"), {**data, "field_certainty": "narrowing"})
    refused = browser.post(reverse("student_profile"), {**data, "field_certainty": "certain"})

    assert saved.status_code == 302
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert student_profile_get(user=student).field_certainty == "narrowing"


def test_saving_the_profile_elsewhere_keeps_the_certainty(student):
    _profile(student, certainty="decided", year=2027)

    student_profile_update(
        profile=student_profile_get(user=student),
        programme="History",
        graduation_year=2027,
        fields=[],
        interest_tags=[],
        target_companies=[],
        pitch="",
    )

    assert student_profile_get(user=student).field_certainty == "decided"
