import importlib
import json
import re
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.apps import apps as django_apps
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from apps.interviews.enums import EventKind, QuestionTopic, State
from apps.interviews.models import InterviewEvent, PreparedQuestion, Question
from apps.interviews.selectors.questions import prepared_questions_for_volunteer
from apps.interviews.services.questions import DEFAULT_QUESTIONS, question_bank_ensure
from tests.factories.accounts import OfficeFactory
from tests.factories.interviews import InterviewFactory, add_questions
from tests.factories.students import student_profile_set

ADVICE = "Most conversations have room for 6 to 10 questions; put the most important first."


def _texts(interview):
    return list(interview.questions.order_by("position", "pk").values_list("text", flat=True))


def _set_pitch(student, pitch):
    student_profile_set(student, pitch=pitch)


def _url(name, interview, *args):
    return reverse(name, args=[interview.pk, *args])


@pytest.fixture
def interview(student):
    return InterviewFactory(student=student, state=State.ACCEPTED)


@pytest.fixture
def three(interview):
    return add_questions(interview, "First?", "Second?", "Third?")


# --- The bank -----------------------------------------------------------------------


def test_question_bank_ensure_seeds_the_defaults_once(office):
    added = question_bank_ensure(office=office)
    again = question_bank_ensure(office=office)

    assert added == len(DEFAULT_QUESTIONS) == 20
    assert again == 0
    bank = Question.objects.filter(office=office)
    assert bank.count() == 20
    assert set(bank.values_list("topic", flat=True)) == set(QuestionTopic.values)
    assert list(
        bank.filter(topic=QuestionTopic.REFERRALS)
        .order_by("position")
        .values_list("position", "text")
    ) == [
        (1, "Who else would you suggest I talk to, and may I mention your name?"),
        (2, "Is there someone in a different part of the field who could give me another view?"),
    ]


def test_question_bank_ensure_leaves_a_curated_bank_alone(office):
    Question.objects.create(office=office, topic=QuestionTopic.PAY, text="Mine?", is_active=False)

    assert question_bank_ensure(office=office) == 0
    assert list(Question.objects.filter(office=office).values_list("text", flat=True)) == ["Mine?"]


def test_data_migration_seeds_every_office_without_a_bank(office, other_office):
    Question.objects.create(office=other_office, topic=QuestionTopic.PAY, text="Ours?")
    third = OfficeFactory()
    migration = importlib.import_module("apps.interviews.migrations.0002_question_bank")
    editor = SimpleNamespace(connection=connection)

    migration.seed_question_banks(django_apps, editor)
    migration.seed_question_banks(django_apps, editor)

    assert Question.objects.filter(office=office).count() == 20
    assert Question.objects.filter(office=third).count() == 20
    assert list(Question.objects.filter(office=other_office).values_list("text", flat=True)) == [
        "Ours?"
    ]
    assert sorted(Question.objects.filter(office=office).values_list("topic", "text")) == sorted(
        (str(topic), text) for topic, text in DEFAULT_QUESTIONS
    )


# --- The prepare page -----------------------------------------------------------------


def test_prepare_page_gives_a_new_office_its_bank_grouped_by_topic(login_as, student, interview):
    response = login_as(student).get(_url("interview_prepare", interview))

    assert response.status_code == 200
    assert Question.objects.filter(office=student.office).count() == 20
    # Sam has said neither how decided he is nor when he graduates: an early
    # explorer's topics come first (test_question_focus.py), then the topics' order.
    assert [g["label"] for g in response.context["bank"]] == [
        "Day to day",
        "Path into the field",
        "Outlook",
        "Skills",
        "Getting started",
        "Organisations",
        "Experience and internships",
        "Referrals",
        "Pay and benefits",
    ]


def test_prepare_page_shows_the_pitch_with_a_link_to_edit_it(login_as, student, interview):
    _set_pitch(student, "I study <b>economics</b> and love data.")

    content = login_as(student).get(_url("interview_prepare", interview)).content.decode()

    assert "I study &lt;b&gt;economics&lt;/b&gt; and love data." in content
    assert f'href="{reverse("student_profile")}"' in content
    assert "Edit your pitch" in content


def test_pick_from_the_bank_adds_in_bank_order_and_skips_what_is_there(
    login_as, student, interview
):
    question_bank_ensure(office=student.office)
    path = list(
        Question.objects.filter(office=student.office, topic=QuestionTopic.PATH).order_by(
            "position"
        )
    )
    browser = login_as(student)
    browser.post(_url("interview_questions_pick", interview), {"questions": [path[1].pk]})

    response = browser.post(
        _url("interview_questions_pick", interview),
        {"questions": [path[2].pk, path[1].pk, path[0].pk]},
    )

    assert response.status_code == 302
    assert _texts(interview) == [path[1].text, path[0].text, path[2].text]
    assert list(interview.questions.values_list("source_id", flat=True).order_by("position")) == [
        path[1].pk,
        path[0].pk,
        path[2].pk,
    ]


@pytest.mark.parametrize("ids", [[], ["abc"]])
def test_pick_nothing_or_garbage_is_400(login_as, student, interview, ids):
    response = login_as(student).post(
        _url("interview_questions_pick", interview), {"questions": ids}
    )

    assert response.status_code == 400
    assert interview.questions.count() == 0


def test_pick_a_question_of_another_office_is_400_and_adds_nothing(
    login_as, student, interview, other_office
):
    question_bank_ensure(office=student.office)
    ours = Question.objects.filter(office=student.office).first()
    theirs = Question.objects.create(office=other_office, topic=QuestionTopic.PAY, text="Pay?")

    response = login_as(student).post(
        _url("interview_questions_pick", interview), {"questions": [ours.pk, theirs.pk]}
    )

    assert response.status_code == 400
    assert "Choose questions from your office&#x27;s bank." in response.content.decode()
    assert interview.questions.count() == 0


@pytest.mark.parametrize("pk", ["999999999999999999999999999999", "0"])
def test_pick_an_id_no_question_can_have_is_400_and_adds_nothing(login_as, student, interview, pk):
    # 10**30 is past what SQLite can bind: it was a 500 there (found by the fuzz test).
    question_bank_ensure(office=student.office)
    ours = Question.objects.filter(office=student.office).first()

    response = login_as(student).post(
        _url("interview_questions_pick", interview), {"questions": [ours.pk, pk]}
    )

    assert response.status_code == 400
    assert "Choose questions from your office&#x27;s bank." in response.content.decode()
    assert interview.questions.count() == 0


def test_write_own_question(login_as, student, interview):
    response = login_as(student).post(
        _url("interview_question_write", interview), {"text": "  What   surprised you most? "}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("interview_prepare", interview) + "#questions"
    assert _texts(interview) == ["What surprised you most?"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write a question first."),
        ("x" * 301, "Ensure this value has at most 300 characters (it has 301)."),
        ("First?", "That question is already on your list."),
    ],
)
def test_write_own_question_refuses_bad_input_with_400(
    login_as, student, interview, three, text, message
):
    response = login_as(student).post(_url("interview_question_write", interview), {"text": text})

    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert _texts(interview) == ["First?", "Second?", "Third?"]


def test_remove_renumbers_the_rest(login_as, student, interview, three):
    response = login_as(student).post(_url("interview_question_remove", interview, three[0].pk))

    assert response.status_code == 302
    assert list(interview.questions.values_list("text", "position")) == [
        ("Second?", 1),
        ("Third?", 2),
    ]


def test_remove_a_question_of_another_interview_is_400(login_as, student, interview, three):
    elsewhere = add_questions(InterviewFactory(student=student), "Not here?")[0]

    response = login_as(student).post(_url("interview_question_remove", interview, elsewhere.pk))

    assert response.status_code == 400
    assert PreparedQuestion.objects.filter(pk=elsewhere.pk).exists()
    assert _texts(interview) == ["First?", "Second?", "Third?"]


def test_arrow_buttons_move_one_place(login_as, student, interview, three):
    browser = login_as(student)

    browser.post(_url("interview_question_move", interview, three[2].pk), {"direction": "up"})
    assert _texts(interview) == ["First?", "Third?", "Second?"]
    browser.post(_url("interview_question_move", interview, three[0].pk), {"direction": "down"})
    assert _texts(interview) == ["Third?", "First?", "Second?"]
    browser.post(_url("interview_question_move", interview, three[2].pk), {"direction": "up"})
    assert _texts(interview) == ["Third?", "First?", "Second?"]
    bad = browser.post(
        _url("interview_question_move", interview, three[0].pk), {"direction": "sideways"}
    )
    assert bad.status_code == 400


def test_drag_and_drop_saves_the_order(login_as, student, interview, three):
    first, second, third = three

    response = login_as(student).post(
        _url("interview_questions_reorder", interview),
        json.dumps({"order": [third.pk, first.pk, second.pk]}),
        content_type="application/json",
    )

    assert response.status_code == 204
    assert list(interview.questions.values_list("text", "position")) == [
        ("Third?", 1),
        ("First?", 2),
        ("Second?", 3),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps([1, 2, 3]),
        json.dumps({"order": "abc"}),
        json.dumps({"order": None}),
        json.dumps({"ids": []}),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested-100000-deep"),
        "MISSING_ONE",
        "DUPLICATE",
        "FOREIGN",
    ],
)
def test_bad_reorder_payloads_are_400_and_change_nothing(
    login_as, student, interview, three, payload
):
    first, second, third = three
    foreign = add_questions(InterviewFactory(student=student), "Elsewhere?")[0]
    payload = {
        "MISSING_ONE": json.dumps({"order": [third.pk, first.pk]}),
        "DUPLICATE": json.dumps({"order": [third.pk, first.pk, first.pk, second.pk]}),
        "FOREIGN": json.dumps({"order": [third.pk, first.pk, foreign.pk]}),
    }.get(payload, payload)

    response = login_as(student).post(
        _url("interview_questions_reorder", interview), payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert _texts(interview) == ["First?", "Second?", "Third?"]


def test_htmx_add_answers_with_the_workspace_and_a_status_message(login_as, student, interview):
    response = login_as(student).post(
        _url("interview_question_write", interview),
        {"text": "Why this field?"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "interviews/_prep_workspace.html"
    content = response.content.decode()
    assert content.startswith('<div id="prep-workspace"')
    assert (
        '<div id="prep-status" hx-swap-oob="innerHTML">Question added. '
        "1 question on your list.</div>"
    ) in content


def test_htmx_refusal_answers_400_with_the_errors_in_the_workspace(login_as, student, interview):
    response = login_as(student).post(
        _url("interview_question_write", interview), {"text": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert response.templates[0].name == "interviews/_prep_workspace.html"
    assert "Write a question first." in response.content.decode()


@pytest.mark.parametrize(
    ("count", "warned"), [(0, True), (5, True), (6, False), (10, False), (11, True)]
)
def test_count_advice_shows_outside_six_to_ten(login_as, student, interview, count, warned):
    add_questions(interview, *[f"Question {i}?" for i in range(count)])

    content = login_as(student).get(_url("interview_prepare", interview)).content.decode()

    assert (ADVICE in content) is warned


def test_completed_interview_shows_the_list_read_only(login_as, student, three):
    interview = three[0].interview
    interview.state = State.COMPLETED
    interview.starts_at = interview.requested_at
    interview.save()
    browser = login_as(student)

    page = browser.get(_url("interview_prepare", interview))
    refused = browser.post(_url("interview_question_write", interview), {"text": "Late?"})

    assert page.status_code == 200
    assert "bank" not in page.context
    assert "interview_question_remove" not in page.content.decode()
    assert 'id="bank-heading"' not in page.content.decode()
    assert refused.status_code == 400
    assert (
        "This interview is held, so its question list can no longer be changed."
        in refused.content.decode()
    )
    assert _texts(interview) == ["First?", "Second?", "Third?"]


def test_prepare_page_of_a_declined_interview_says_why(login_as, student):
    interview = InterviewFactory(student=student, state=State.DECLINED)

    response = login_as(student).get(_url("interview_prepare", interview))

    assert response.status_code == 302
    assert response["Location"] == reverse("interview_detail", args=[interview.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This interview is declined, so there is no conversation to prepare for."
    ]


# --- Sharing --------------------------------------------------------------------------


@pytest.fixture
def platform_interview(student, volunteer):
    interview = InterviewFactory(student=student, volunteer=volunteer, state=State.ACCEPTED)
    add_questions(interview, "How did you start?", "What do you enjoy & why?")
    return interview


def test_share_emails_the_volunteer_once_and_records_the_event(
    login_as,
    student,
    alumni,
    platform_interview,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    browser = login_as(student)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(_url("interview_questions_share", platform_interview))
    with django_capture_on_commit_callbacks(execute=True):
        again = browser.post(_url("interview_questions_share", platform_interview))

    assert response.status_code == 302
    assert again.status_code == 400
    assert "You have already shared your questions." in again.content.decode()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [alumni.email]
    assert mail.reply_to == [student.email]
    assert mail.subject == "Sam Student shared their questions for your conversation"
    assert "1. How did you start?\n2. What do you enjoy & why?\n" in mail.body
    html = mail.alternatives[0][0]
    assert '<li style="margin-bottom:6px">What do you enjoy &amp; why?</li>' in html
    assert f"/inbox/{platform_interview.pk}/" in mail.body
    platform_interview.refresh_from_db()
    assert platform_interview.questions_shared_at is not None
    assert list(
        InterviewEvent.objects.filter(interview=platform_interview).values_list("kind", "actor")
    ) == [(EventKind.QUESTIONS_SHARED, student.pk)]


def test_volunteer_sees_the_questions_only_once_shared(login_as, student, platform_interview):
    assert list(prepared_questions_for_volunteer(interview=platform_interview)) == []

    login_as(student).post(_url("interview_questions_share", platform_interview))
    platform_interview.refresh_from_db()

    assert [q.text for q in prepared_questions_for_volunteer(interview=platform_interview)] == [
        "How did you start?",
        "What do you enjoy & why?",
    ]


def test_share_with_no_questions_is_refused(login_as, student, volunteer, mailoutbox):
    interview = InterviewFactory(student=student, volunteer=volunteer, state=State.REQUESTED)

    response = login_as(student).post(_url("interview_questions_share", interview))

    assert response.status_code == 400
    assert "Add some questions before you share them." in response.content.decode()
    interview.refresh_from_db()
    assert interview.questions_shared_at is None
    assert mailoutbox == []


def test_off_platform_contact_gets_a_mailto_link_instead(login_as, student, interview, three):
    browser = login_as(student)

    page = browser.get(_url("interview_prepare", interview))
    refused = browser.post(_url("interview_questions_share", interview))

    mailto = page.context["mailto"]
    assert mailto.startswith(
        "mailto:jordan@harbour.test?subject=Questions%20for%20our%20conversation&body="
    )
    assert "\n1. First?\n2. Second?\n3. Third?\n" in unquote(mailto)
    assert 'href="mailto:jordan@harbour.test?subject=' in page.content.decode()
    assert refused.status_code == 400
    assert (
        "Jordan Lee is not on Fieldnotes. Email the questions from your own mail instead."
        in refused.content.decode()
    )
    assert InterviewEvent.objects.filter(interview=interview).count() == 0


# --- Who may see what -----------------------------------------------------------------


def _prepare_requests(interview, question):
    return [
        ("get", _url("interview_prepare", interview), {}),
        ("post", _url("interview_question_write", interview), {"text": "Sneaky?"}),
        ("post", _url("interview_questions_pick", interview), {"questions": []}),
        ("post", _url("interview_questions_reorder", interview), {"order": []}),
        ("post", _url("interview_questions_share", interview), {}),
        ("post", _url("interview_question_remove", interview, question.pk), {}),
        ("post", _url("interview_question_move", interview, question.pk), {"direction": "up"}),
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("student2", 404),
        ("other_student", 404),
        ("alumni", 403),
        ("advisor", 403),
        ("office_admin", 403),
        ("other_alumni", 403),
        ("other_admin", 403),
    ],
)
def test_prepare_urls_are_the_students_own(request, login_as, interview, three, persona, status):
    browser = login_as(request.getfixturevalue(persona))

    for method, url, data in _prepare_requests(interview, three[0]):
        response = getattr(browser, method)(url, data)
        assert (url, response.status_code) == (url, status)
    assert _texts(interview) == ["First?", "Second?", "Third?"]


def test_prepare_urls_send_visitors_to_sign_in(nobody, interview, three):
    for method, url, data in _prepare_requests(interview, three[0]):
        response = getattr(nobody, method)(url, data)
        assert (url, response.status_code) == (url, 302)
        assert response["Location"].startswith("/accounts/login/")


# --- Queries --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_prepare_page_query_count(login_as, student, interview, count, django_assert_num_queries):
    add_questions(interview, *[f"Question {i}?" for i in range(count)])
    question_bank_ensure(office=student.office)
    browser = login_as(student)
    browser.get(_url("interview_prepare", interview))

    # The advisor's comments on the list (none here) cost no query on this second
    # view: the advising app's slot keeps in the cache that there are none.
    with django_assert_num_queries(7):
        response = browser.get(_url("interview_prepare", interview))

    assert len(response.context["questions"]) == count


def test_write_own_question_field_is_not_marked_required(login_as, student, interview):
    """Issue 13.8a: writing a question is optional, so the field carries neither the
    browser's required attribute nor crispy's asterisk."""
    page = login_as(student).get(_url("interview_prepare", interview)).content.decode()

    [textarea] = re.findall(r'<textarea[^>]*name="text"[^>]*>', page)
    [label] = re.findall(r'<label[^>]*for="id_text"[^>]*>.*?</label>', page, re.S)
    assert "required" not in textarea
    assert "asteriskField" not in label
    assert "Write your own question (optional)" in label
