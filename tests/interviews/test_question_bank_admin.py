"""The office admin's question bank pages: who may, the list by topic, adding,
editing, retiring, restoring and ordering questions, bad input, the cap, and the
promise to students: what is already on a list stays as it was."""

import html

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.interviews import services
from apps.interviews.enums import QuestionTopic, State
from apps.interviews.models import Question
from apps.interviews.selectors import MAX_ACTIVE_QUESTIONS, question_bank_for_office
from apps.interviews.services.questions import DEFAULT_QUESTIONS
from tests.factories.interviews import InterviewFactory

LIST = reverse("office_questions")
NEW = reverse("office_question_create")
PAY = QuestionTopic.PAY
PATH = QuestionTopic.PATH


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _make(office, text, topic=PAY, *, position=1, active=True):
    return Question.objects.create(
        office=office, topic=topic, text=text, position=position, is_active=active
    )


def _topic_texts(office, topic):
    return list(
        Question.objects.filter(office=office, topic=topic, is_active=True)
        .order_by("position", "pk")
        .values_list("text", flat=True)
    )


def _move(browser, question, direction):
    return browser.post(
        reverse("office_question_move", args=[question.pk]), {"direction": direction}
    )


@pytest.fixture
def admin_browser(login_as, office_admin):
    return login_as(office_admin)


@pytest.fixture
def three(office):
    """Three pay questions, in this order, and nothing else in the bank."""
    return [
        _make(office, "What do people earn at first?", position=1),
        _make(office, "Which benefits are common here?", position=2),
        _make(office, "How do raises usually work?", position=3),
    ]


@pytest.fixture
def retired(office):
    return _make(office, "Do you like your job at all?", PATH, position=1, active=False)


def _urls(question):
    return [
        ("get", LIST),
        ("get", NEW),
        ("post", NEW),
        ("get", reverse("office_question_edit", args=[question.pk])),
        ("post", reverse("office_question_edit", args=[question.pk])),
        ("post", reverse("office_question_retire", args=[question.pk])),
        ("post", reverse("office_question_restore", args=[question.pk])),
        ("post", reverse("office_question_move", args=[question.pk])),
    ]


PAYLOAD = {"topic": "pay", "text": "Is this a question of mine?", "direction": "down"}


# --- Who may --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["student", "alumni", "advisor", "other_student", "other_alumni"]
)
def test_bank_pages_are_for_office_admins_only(login_as, request, persona, volunteer, three):
    browser = login_as(request.getfixturevalue(persona))

    for method, url in _urls(three[0]):
        response = getattr(browser, method)(url, PAYLOAD)
        assert (url, response.status_code) == (url, 403)
    assert _topic_texts(three[0].office, PAY) == [q.text for q in three]
    assert Question.objects.count() == 3


def test_bank_pages_send_visitors_to_sign_in(nobody, three):
    for method, url in _urls(three[0]):
        response = getattr(nobody, method)(url, PAYLOAD)
        assert (url, response.status_code) == (url, 302)
        assert response["Location"].startswith("/accounts/login/")


def test_another_offices_admin_gets_404_and_never_sees_ours(login_as, other_admin, three, retired):
    browser = login_as(other_admin)

    for question in (three[1], retired):
        for method, url in _urls(question)[3:]:
            response = getattr(browser, method)(url, PAYLOAD)
            assert (url, response.status_code) == (url, 404)
    page = browser.get(LIST)

    assert page.status_code == 200
    content = _text(page)
    for question in (*three, retired):
        assert question.text not in content
    ours = {q.pk for q in (*three, retired)}
    shown = {q.pk for g in page.context["groups"] for q in g["questions"]}
    shown |= {q.pk for q in page.context["page"].object_list}
    assert shown & ours == set()
    assert len(shown) == len(DEFAULT_QUESTIONS)
    assert _topic_texts(three[0].office, PAY) == [q.text for q in three]
    retired.refresh_from_db()
    assert (retired.text, retired.is_active) == ("Do you like your job at all?", False)


def test_the_services_refuse_non_admins_and_other_offices(advisor, other_admin, three):
    calls = [
        lambda who: services.bank_question_add(admin=who, topic="pay", text="A new question?"),
        lambda who: services.bank_question_update(
            admin=who, question=three[0], topic="pay", text="Changed wording?"
        ),
        lambda who: services.bank_question_retire(admin=who, question=three[0]),
        lambda who: services.bank_question_restore(admin=who, question=three[0]),
        lambda who: services.bank_question_move(admin=who, question=three[0], offset=1),
    ]
    for call in calls:
        with pytest.raises(PermissionError):
            call(advisor)
    for call in calls[1:]:
        with pytest.raises(PermissionError):
            call(other_admin)

    assert _topic_texts(three[0].office, PAY) == [q.text for q in three]
    assert Question.objects.count() == 3


def test_the_office_nav_has_a_question_bank_tab(admin_browser):
    page = admin_browser.get(reverse("office_settings"))

    assert f'href="{LIST}">Question bank</a>' in page.content.decode()


# --- The list -------------------------------------------------------------------------


def test_first_visit_shows_the_standard_bank_by_topic(admin_browser, office):
    response = admin_browser.get(LIST)

    assert response.status_code == 200
    assert Question.objects.filter(office=office).count() == len(DEFAULT_QUESTIONS)
    groups = response.context["groups"]
    assert [g["label"] for g in groups] == [label for _, label in QuestionTopic.choices]
    assert [g["count"] for g in groups] == [3, 2, 3, 2, 2, 2, 2, 2, 2]
    assert [q.text for q in groups[0]["questions"]] == [
        text for topic, text in DEFAULT_QUESTIONS if topic == PATH
    ]
    assert response.context["active_count"] == 20
    assert response.context["page"].paginator.count == 0
    assert "20 active questions of at most 200." in _text(response)


def test_an_office_that_retired_everything_keeps_its_choice(admin_browser, office, retired):
    response = admin_browser.get(LIST)

    assert Question.objects.filter(office=office).count() == 1
    assert [g["count"] for g in response.context["groups"]] == [0] * 9
    assert list(response.context["page"].object_list) == [retired]
    content = _text(response)
    assert "No active questions on this topic: students see nothing under it." in content
    assert retired.text in content


def test_active_and_retired_are_shown_apart_with_counts(admin_browser, three, retired):
    response = admin_browser.get(LIST)

    groups = {g["topic"]: g for g in response.context["groups"]}
    assert [q.text for q in groups[PAY]["questions"]] == [q.text for q in three]
    assert groups[PAY]["count"] == 3
    assert groups[PATH]["count"] == 0
    assert response.context["active_count"] == 3
    assert list(response.context["page"].object_list) == [retired]
    assert response.context["page"].paginator.count == 1
    content = _text(response)
    assert '<span class="badge text-bg-secondary">3 active</span>' in content
    assert content.index(three[2].text) < content.index('id="retired-heading"')
    assert content.index('id="retired-heading"') < content.index(retired.text)


def test_retired_questions_are_paged(admin_browser, office):
    _make(office, "The one active question?")
    for i in range(51):
        _make(office, f"Retired question number {i}?", position=i + 2, active=False)

    first = admin_browser.get(LIST)
    second = admin_browser.get(LIST, {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 51
    assert len(second.context["page"].object_list) == 1
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.parametrize("count", [1, 3, 60])
def test_bank_list_query_count(
    admin_browser, office, other_office, count, django_assert_num_queries
):
    topics = QuestionTopic.values
    for i in range(count):
        _make(office, f"Question number {i} of ours?", topics[i % len(topics)], position=i)
    _make(office, "A retired one of ours?", active=False)
    _make(other_office, "A question of theirs?")

    # session, user with office, "has a bank?", active questions, retired count,
    # retired page
    with django_assert_num_queries(6):
        response = admin_browser.get(LIST)

    assert response.context["active_count"] == count
    assert sum(g["count"] for g in response.context["groups"]) == count
    assert [q.text for q in response.context["page"].object_list] == ["A retired one of ours?"]


# --- Adding ---------------------------------------------------------------------------


def test_adding_a_question_puts_it_at_the_end_of_its_topic(admin_browser, office, three):
    response = admin_browser.post(
        NEW, {"topic": "pay", "text": "  Is pay   negotiable for a first role? "}
    )

    added = Question.objects.get(text="Is pay negotiable for a first role?")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}#question-{added.pk}"
    assert (added.office, added.topic, added.position, added.is_active) == (office, PAY, 4, True)
    assert _topic_texts(office, PAY) == [*(q.text for q in three), added.text]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Question added at the end of its topic."
    ]


def test_the_new_question_page_starts_with_the_topic_asked_for(admin_browser, three):
    response = admin_browser.get(NEW, {"topic": "skills"})

    assert response.status_code == 200
    assert response.context["form"]["topic"].value() == "skills"


def test_adding_to_an_office_without_a_bank_keeps_the_standard_bank(admin_browser, office):
    admin_browser.post(NEW, {"topic": "pay", "text": "Is pay negotiable for a first role?"})

    assert Question.objects.filter(office=office).count() == len(DEFAULT_QUESTIONS) + 1
    assert _topic_texts(office, PAY)[-1] == "Is pay negotiable for a first role?"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"topic": "pay", "text": ""}, "text", "Write the question."),
        ({"topic": "pay", "text": "   "}, "text", "Write the question."),
        (
            {"topic": "pay", "text": "Pay?"},
            "text",
            "Write at least 10 characters, so students see a whole question.",
        ),
        (
            {"topic": "pay", "text": "x" * 301},
            "text",
            "Keep a question to 300 characters or fewer.",
        ),
        (
            {"topic": "pay", "text": "what do PEOPLE earn at first?"},
            "text",
            "The bank already has this question.",
        ),
        (
            {"topic": "skills", "text": "Do you like your job   at all?"},
            "text",
            "A retired question already says this. Restore it instead of adding it again.",
        ),
        (
            {"topic": "salary", "text": "A fine question here?"},
            "topic",
            "Choose a topic from the list.",
        ),
        ({"text": "A fine question here?"}, "topic", "This field is required."),
    ],
)
def test_bad_questions_are_refused_with_a_clear_message(
    admin_browser, office, three, retired, data, field, message
):
    response = admin_browser.post(NEW, data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in _text(response)
    assert Question.objects.count() == 4


def test_the_service_counts_the_question_after_collapsing_spaces(office_admin, three):
    with pytest.raises(ValidationError) as caught:
        services.bank_question_add(admin=office_admin, topic="pay", text="Pay     ok?")

    assert caught.value.message_dict == {
        "text": ["Write at least 10 characters, so students see a whole question."]
    }
    assert Question.objects.count() == 3


def test_a_full_bank_refuses_another_active_question(admin_browser, office, retired):
    Question.objects.bulk_create(
        [
            Question(office=office, topic=PAY, text=f"Filler question {i}?", position=i)
            for i in range(MAX_ACTIVE_QUESTIONS)
        ]
    )

    added = admin_browser.post(NEW, {"topic": "pay", "text": "One question too many?"})
    restored = admin_browser.post(reverse("office_question_restore", args=[retired.pk]))

    assert added.status_code == 400
    assert added.context["form"].non_field_errors() == [
        "The bank holds at most 200 active questions. Retire some first."
    ]
    assert restored.status_code == 400
    assert "The bank holds at most 200 active questions. Retire some first." in _text(restored)
    assert Question.objects.filter(office=office, is_active=True).count() == MAX_ACTIVE_QUESTIONS
    retired.refresh_from_db()
    assert retired.is_active is False


# --- Editing --------------------------------------------------------------------------


def test_editing_changes_the_wording_in_place(admin_browser, office, three):
    url = reverse("office_question_edit", args=[three[1].pk])
    page = admin_browser.get(url)

    response = admin_browser.post(url, {"topic": "pay", "text": "Which benefits matter most?"})

    assert page.context["form"]["text"].value() == "Which benefits are common here?"
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}#question-{three[1].pk}"
    assert _topic_texts(office, PAY) == [
        "What do people earn at first?",
        "Which benefits matter most?",
        "How do raises usually work?",
    ]


def test_editing_to_another_topic_moves_it_to_the_end_of_that_topic(admin_browser, office, three):
    path = _make(office, "How did you start out in this work?", PATH, position=1)

    admin_browser.post(
        reverse("office_question_edit", args=[three[0].pk]),
        {"topic": "path", "text": three[0].text},
    )

    three[0].refresh_from_db()
    assert (three[0].topic, three[0].position) == (PATH, 2)
    assert _topic_texts(office, PATH) == [path.text, three[0].text]
    assert _topic_texts(office, PAY) == [three[1].text, three[2].text]


def test_editing_may_change_only_the_case_of_its_own_text(admin_browser, office, three):
    response = admin_browser.post(
        reverse("office_question_edit", args=[three[0].pk]),
        {"topic": "pay", "text": "WHAT do people earn at first?"},
    )

    assert response.status_code == 302
    three[0].refresh_from_db()
    assert three[0].text == "WHAT do people earn at first?"


def test_editing_to_another_questions_text_is_refused(admin_browser, office, three):
    response = admin_browser.post(
        reverse("office_question_edit", args=[three[0].pk]),
        {"topic": "pay", "text": "HOW do raises usually work?"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["The bank already has this question."]
    three[0].refresh_from_db()
    assert (three[0].text, three[0].topic) == ("What do people earn at first?", PAY)


def test_a_retired_question_can_be_edited_and_says_it_is_retired(admin_browser, retired):
    url = reverse("office_question_edit", args=[retired.pk])
    page = admin_browser.get(url)

    admin_browser.post(url, {"topic": "path", "text": "Do you enjoy your job?"})

    assert "This question is retired: students do not see it." in _text(page)
    retired.refresh_from_db()
    assert (retired.text, retired.is_active) == ("Do you enjoy your job?", False)


# --- Retire and restore ---------------------------------------------------------------


def test_retiring_hides_a_question_from_students(admin_browser, office, three):
    response = admin_browser.post(reverse("office_question_retire", args=[three[1].pk]))

    assert response.status_code == 302
    three[1].refresh_from_db()
    assert three[1].is_active is False
    assert list(question_bank_for_office(office_id=office.pk)) == [three[0], three[2]]
    page = admin_browser.get(LIST)
    assert list(page.context["page"].object_list) == [three[1]]


def test_retiring_twice_changes_nothing_more(admin_browser, three):
    url = reverse("office_question_retire", args=[three[1].pk])
    admin_browser.post(url)

    response = admin_browser.post(url)

    assert response.status_code == 302
    assert Question.objects.filter(is_active=False).count() == 1


def test_restoring_offers_it_again_at_the_end_of_its_topic(admin_browser, office, three):
    admin_browser.post(reverse("office_question_retire", args=[three[0].pk]))

    response = admin_browser.post(reverse("office_question_restore", args=[three[0].pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}#question-{three[0].pk}"
    assert _topic_texts(office, PAY) == [three[1].text, three[2].text, three[0].text]


def test_retire_restore_and_move_are_post_only(admin_browser, three):
    for name in ("office_question_retire", "office_question_restore", "office_question_move"):
        assert admin_browser.get(reverse(name, args=[three[0].pk])).status_code == 405


# --- Ordering -------------------------------------------------------------------------


def test_moving_up_and_down_within_the_topic(admin_browser, office, three):
    other_topic = _make(office, "How did you start out in this work?", PATH, position=1)

    down = _move(admin_browser, three[0], "down")
    assert _topic_texts(office, PAY) == [three[1].text, three[0].text, three[2].text]
    _move(admin_browser, three[2], "up")
    assert _topic_texts(office, PAY) == [three[1].text, three[2].text, three[0].text]

    assert down.status_code == 302
    assert down["Location"] == f"{LIST}#question-{three[0].pk}"
    assert list(
        Question.objects.filter(office=office, topic=PAY)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [1, 2, 3]
    other_topic.refresh_from_db()
    assert other_topic.position == 1


def test_moving_past_either_end_leaves_the_order(admin_browser, office, three):
    _move(admin_browser, three[0], "up")
    _move(admin_browser, three[2], "down")

    assert _topic_texts(office, PAY) == [q.text for q in three]


def test_moving_skips_retired_questions(admin_browser, office, three):
    admin_browser.post(reverse("office_question_retire", args=[three[1].pk]))

    _move(admin_browser, three[2], "up")

    assert _topic_texts(office, PAY) == [three[2].text, three[0].text]


def test_moves_show_first_and_last_without_the_button_that_would_do_nothing(admin_browser, three):
    content = admin_browser.get(LIST).content.decode()

    assert content.count('disabled><i class="bi bi-arrow-up"') == 1
    assert content.count('disabled><i class="bi bi-arrow-down"') == 1


@pytest.mark.parametrize("direction", ["", "sideways"])
def test_a_bad_move_is_400(admin_browser, office, three, direction):
    response = _move(admin_browser, three[0], direction)

    assert response.status_code == 400
    assert _topic_texts(office, PAY) == [q.text for q in three]


def test_moving_a_retired_question_is_refused(admin_browser, retired):
    response = _move(admin_browser, retired, "up")

    assert response.status_code == 400
    assert "Restore this question before moving it." in _text(response)


# --- Students' lists ------------------------------------------------------------------


def test_students_lists_keep_their_questions_after_an_edit_and_a_retirement(
    login_as, admin_browser, student, office, three
):
    interview = InterviewFactory(student=student, state=State.ACCEPTED)
    student_browser = login_as(student)
    student_browser.post(
        reverse("interview_questions_pick", args=[interview.pk]),
        {"questions": [three[0].pk, three[1].pk]},
    )

    admin_browser.post(
        reverse("office_question_edit", args=[three[0].pk]),
        {"topic": "path", "text": "What might someone earn in year one?"},
    )
    admin_browser.post(reverse("office_question_retire", args=[three[1].pk]))

    listed = list(interview.questions.order_by("position").values_list("text", "source_id"))
    assert listed == [
        ("What do people earn at first?", three[0].pk),
        ("Which benefits are common here?", three[1].pk),
    ]
    page = student_browser.get(reverse("interview_prepare", args=[interview.pk]))
    assert [q.text for q in page.context["questions"]] == [
        "What do people earn at first?",
        "Which benefits are common here?",
    ]
    bank = [q.text for g in page.context["bank"] for q in g["questions"]]
    assert bank == ["What might someone earn in year one?", "How do raises usually work?"]
    assert "Which benefits are common here?" not in bank


def test_students_cannot_pick_a_retired_question(login_as, admin_browser, student, three):
    interview = InterviewFactory(student=student, state=State.ACCEPTED)
    admin_browser.post(reverse("office_question_retire", args=[three[1].pk]))

    response = login_as(student).post(
        reverse("interview_questions_pick", args=[interview.pk]), {"questions": [three[1].pk]}
    )

    assert response.status_code == 400
    assert interview.questions.count() == 0
