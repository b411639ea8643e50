from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.contacts.enums import Source, Stage
from apps.contacts.models import Contact
from apps.interviews.enums import EventKind, State
from apps.interviews.models import InterviewEvent, InterviewNotes, Referral
from apps.interviews.services.notes import interview_quick_notes_save
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory, add_questions


def _url(name, interview, *args):
    return reverse(name, args=[interview.pk, *args])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def scheduled(student, consulting):
    interview = InterviewFactory(student=student, state=State.SCHEDULED)
    interview.contact.field = consulting
    interview.contact.save()
    add_questions(interview, "How did you start?", "What is hard?", "Who else?")
    return interview


@pytest.fixture
def held(student, consulting):
    interview = InterviewFactory(student=student, state=State.COMPLETED)
    interview.contact.field = consulting
    interview.contact.save()
    return interview


# --- The meeting view ---------------------------------------------------------------


def test_meeting_view_shows_the_questions_in_order_and_the_timer(login_as, student, scheduled):
    response = login_as(student).get(_url("interview_meeting", scheduled))

    assert response.status_code == 200
    assert [q.text for q in response.context["questions"]] == [
        "How did you start?",
        "What is hard?",
        "Who else?",
    ]
    content = response.content.decode()
    assert 'data-minutes="30"' in content
    assert f'data-starts-at="{timezone.localtime(scheduled.starts_at).isoformat()}"' in content
    assert 'id="timer-announce" aria-live="polite"' in content
    assert 'hx-trigger="keyup changed delay:1s"' in content
    assert "Ask who else you should talk to." in content
    assert "<script>" not in content.split("</footer>")[0]


@pytest.mark.parametrize(
    ("state", "target", "message"),
    [
        (
            State.DECLINED,
            "interview_detail",
            "The meeting view is for scheduled meetings; this interview is declined.",
        ),
        (
            State.ACCEPTED,
            "interview_detail",
            "The meeting view is for scheduled meetings; this interview is accepted.",
        ),
    ],
)
def test_meeting_view_of_an_unscheduled_interview_says_why(
    login_as, student, state, target, message
):
    interview = InterviewFactory(student=student, state=state)

    response = login_as(student).get(_url("interview_meeting", interview))

    assert response.status_code == 302
    assert response["Location"] == reverse(target, args=[interview.pk])
    assert _messages(response) == [message]


def test_meeting_view_stays_open_a_day_after_the_meeting(login_as, student, held):
    browser = login_as(student)
    assert browser.get(_url("interview_meeting", held)).status_code == 200

    held.held_at = timezone.now() - timedelta(days=2)
    held.save()
    response = browser.get(_url("interview_meeting", held))

    assert response.status_code == 302
    assert response["Location"] == _url("interview_notes", held)


def test_asked_toggles_in_place_with_htmx(login_as, student, scheduled):
    question = scheduled.questions.get(text="What is hard?")
    browser = login_as(student)

    on = browser.post(
        _url("interview_question_asked", scheduled, question.pk),
        {"asked": "1"},
        HTTP_HX_REQUEST="true",
    )
    question.refresh_from_db()
    assert question.asked is True
    off = browser.post(
        _url("interview_question_asked", scheduled, question.pk),
        {"asked": "0"},
        HTTP_HX_REQUEST="true",
    )
    question.refresh_from_db()

    assert on.status_code == 200
    assert on.content.decode().startswith(f'<li class="list-group-item p-0" id="mq-{question.pk}">')
    assert 'aria-pressed="true"' in on.content.decode()
    assert 'name="asked" value="0"' in on.content.decode()
    assert 'aria-pressed="false"' in off.content.decode()
    assert question.asked is False


def test_asked_without_htmx_goes_back_to_the_question(login_as, student, scheduled):
    question = scheduled.questions.first()

    response = login_as(student).post(
        _url("interview_question_asked", scheduled, question.pk), {"asked": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("interview_meeting", scheduled) + f"#mq-{question.pk}"


def test_asked_with_a_bad_value_is_400(login_as, student, scheduled):
    question = scheduled.questions.first()

    response = login_as(student).post(
        _url("interview_question_asked", scheduled, question.pk), {"asked": "maybe"}
    )

    assert response.status_code == 400
    question.refresh_from_db()
    assert question.asked is False


def test_asked_outside_a_meeting_is_refused_with_a_message(login_as, student):
    interview = InterviewFactory(student=student, state=State.ACCEPTED)
    question = add_questions(interview, "Early?")[0]

    response = login_as(student).post(
        _url("interview_question_asked", interview, question.pk),
        {"asked": "1"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#meeting-status"
    assert response.content.decode() == "Questions are checked off during a scheduled meeting."
    question.refresh_from_db()
    assert question.asked is False


def test_quick_notes_save_as_you_type(login_as, student, scheduled):
    browser = login_as(student)

    first = browser.post(
        _url("interview_quick_notes", scheduled),
        {"quick_notes": "Started in audit"},
        HTTP_HX_REQUEST="true",
    )
    second = browser.post(
        _url("interview_quick_notes", scheduled),
        {"quick_notes": "Started in audit, moved to strategy"},
        HTTP_HX_REQUEST="true",
    )

    assert first.status_code == second.status_code == 200
    assert "Saved at " in second.content.decode()
    assert list(InterviewNotes.objects.values_list("interview", "quick_notes")) == [
        (scheduled.pk, "Started in audit, moved to strategy")
    ]


def test_quick_notes_too_long_are_not_saved(login_as, student, scheduled):
    interview_quick_notes_save(student=student, interview=scheduled, text="kept")

    response = login_as(student).post(
        _url("interview_quick_notes", scheduled),
        {"quick_notes": "x" * 20001},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert (
        "Not saved: Ensure this value has at most 20000 characters (it has 20001)."
        in response.content.decode()
    )
    assert InterviewNotes.objects.get().quick_notes == "kept"


def test_meeting_held_completes_and_opens_the_notes(login_as, student, scheduled):
    response = login_as(student).post(
        _url("interview_meeting_held", scheduled), {"quick_notes": "Last words typed"}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("interview_notes", scheduled)
    scheduled.refresh_from_db()
    assert scheduled.state == State.COMPLETED
    assert scheduled.held_at is not None
    assert Contact.objects.get(pk=scheduled.contact_id).stage == Stage.MET
    assert InterviewNotes.objects.get(interview=scheduled).quick_notes == "Last words typed"
    assert list(
        InterviewEvent.objects.filter(interview=scheduled).values_list("kind", flat=True)
    ) == [EventKind.COMPLETED]


def test_meeting_held_before_it_starts_is_refused(login_as, student, scheduled):
    scheduled.starts_at = timezone.now() + timedelta(hours=2)
    scheduled.save()

    response = login_as(student).post(_url("interview_meeting_held", scheduled))

    assert response.status_code == 302
    assert response["Location"] == _url("interview_meeting", scheduled)
    assert _messages(response) == ["The meeting has not started yet."]
    scheduled.refresh_from_db()
    assert scheduled.state == State.SCHEDULED


# --- Notes ----------------------------------------------------------------------------

NOTES = {
    "advice": "Join the **analytics** guild.<script>alert(1)</script>",
    "information": "- Long hours in March\n- [Salary survey](javascript:alert(1))",
    "referrals": "Ask Kim about strategy.",
    "reflection": "<img src=x onerror=alert(1)>Good fit, I think.",
    "field_fit": "4",
    "shared_with_advisor": "on",
}


def test_notes_of_a_scheduled_meeting_offer_to_mark_it_held(login_as, student, scheduled):
    response = login_as(student).get(_url("interview_notes", scheduled))

    assert response.status_code == 200
    assert "Mark as held" in response.content.decode()
    assert f'action="{_url("interview_meeting_held", scheduled)}"' in response.content.decode()


def test_notes_save_and_render_sanitised(login_as, student, held):
    browser = login_as(student)

    saved = browser.post(_url("interview_notes", held), NOTES)
    page = browser.get(_url("interview_notes", held))

    assert saved.status_code == 302
    notes = InterviewNotes.objects.get(interview=held)
    assert (notes.advice, notes.field_fit, notes.shared_with_advisor) == (
        "Join the **analytics** guild.<script>alert(1)</script>",
        4,
        True,
    )
    content = page.content.decode()
    assert page.templates[0].name == "interviews/notes_detail.html"
    assert "Join the <strong>analytics</strong> guild." in content
    assert "<script>alert" not in content
    assert "javascript:" not in content
    assert "onerror" not in content
    assert "<li>Long hours in March</li>" in content
    assert "4 out of 5 · 4 – Probably" in content
    assert "Shared with your advisor." in content


def test_notes_edit_form_is_prefilled(login_as, student, held):
    browser = login_as(student)
    browser.post(_url("interview_notes", held), NOTES)

    page = browser.get(_url("interview_notes", held) + "?edit=1")

    assert page.templates[0].name == "interviews/notes_form.html"
    assert page.context["form"].initial["referrals"] == "Ask Kim about strategy."
    assert page.context["form"].initial["field_fit"] == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"field_fit": "9"}, "Select a valid choice. 9 is not one of the available choices."),
        ({"advice": "x" * 20001}, "Ensure this value has at most 20000 characters"),
    ],
)
def test_bad_notes_are_400_and_nothing_is_saved(login_as, student, held, change, message):
    response = login_as(student).post(_url("interview_notes", held), {**NOTES, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not InterviewNotes.objects.exists()


def test_quick_notes_are_shown_beside_the_notes_form(login_as, student, held):
    interview_quick_notes_save(student=student, interview=held, text="Kim <b>Park</b>, HR")

    content = login_as(student).get(_url("interview_notes", held)).content.decode()

    assert "Kim &lt;b&gt;Park&lt;/b&gt;, HR</textarea>" in content


def test_notes_of_a_cancelled_interview_say_why(login_as, student):
    interview = InterviewFactory(student=student, state=State.CANCELLED)

    response = login_as(student).get(_url("interview_notes", interview))

    assert response.status_code == 302
    assert _messages(response) == [
        "Notes are written after a meeting is held; this interview is cancelled."
    ]


# --- Referrals ------------------------------------------------------------------------


def _formset(*people):
    data = {
        "ref-TOTAL_FORMS": "3",
        "ref-INITIAL_FORMS": "0",
        "ref-MIN_NUM_FORMS": "0",
        "ref-MAX_NUM_FORMS": "10",
    }
    for i, person in enumerate(people):
        for key, value in person.items():
            data[f"ref-{i}-{key}"] = value
    return data


def test_referrals_become_contacts_on_the_target_list(login_as, student, held, consulting):
    response = login_as(student).post(
        _url("interview_referrals_add", held),
        _formset(
            {
                "full_name": "Kim Park",
                "organisation": "Northwind",
                "email": "KIM@northwind.test",
                "note": "Runs the graduate scheme",
            },
            {"full_name": "Lee Wong"},
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == _url("interview_notes", held) + "#referrals"
    kim, lee = Contact.objects.filter(referred_by=held.contact).order_by("full_name")
    assert (
        kim.full_name,
        kim.organisation,
        kim.email,
        kim.notes,
        kim.source,
        kim.field,
        kim.owner,
    ) == (
        "Kim Park",
        "Northwind",
        "kim@northwind.test",
        "Runs the graduate scheme",
        Source.REFERRAL,
        consulting,
        student,
    )
    assert (kim.target_rank, lee.target_rank) == (1, 2)
    assert list(Referral.objects.values_list("interview", "full_name", "contact")) == [
        (held.pk, "Kim Park", kim.pk),
        (held.pk, "Lee Wong", lee.pk),
    ]
    assert _messages(response) == [
        "Kim Park is in your contacts and on your target list.",
        "Lee Wong is in your contacts and on your target list.",
    ]


@pytest.mark.parametrize(
    "person",
    [
        {"full_name": "Kimberly Park", "email": "kim@northwind.test"},
        {"full_name": "kim park", "organisation": "NORTHWIND"},
    ],
)
def test_a_referral_already_in_the_book_is_linked_not_added(login_as, student, held, person):
    kim = ContactFactory(
        student=student, full_name="Kim Park", organisation="Northwind", email="kim@northwind.test"
    )

    response = login_as(student).post(_url("interview_referrals_add", held), _formset(person))

    assert response.status_code == 302
    assert Contact.objects.filter(owner=student).count() == 2
    assert Referral.objects.get().contact == kim
    kim.refresh_from_db()
    assert kim.referred_by is None
    assert _messages(response) == [
        "Kim Park was already in your contacts, so this referral is linked to them."
    ]


def test_one_bad_row_saves_nothing(login_as, student, held):
    response = login_as(student).post(
        _url("interview_referrals_add", held),
        _formset(
            {"full_name": "Kim Park"},
            {"full_name": "Lee Wong", "email": "not an email"},
        ),
    )

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Referral.objects.exists()
    assert Contact.objects.filter(owner=student).count() == 1


def test_an_empty_referral_form_is_400(login_as, student, held):
    response = login_as(student).post(_url("interview_referrals_add", held), _formset())

    assert response.status_code == 400
    assert "Fill in at least one person." in response.content.decode()


def test_referrals_wait_until_the_meeting_is_held(login_as, student, scheduled):
    response = login_as(student).post(
        _url("interview_referrals_add", scheduled), _formset({"full_name": "Kim Park"})
    )

    assert response.status_code == 400
    assert not Referral.objects.exists()


# --- Who may see what -----------------------------------------------------------------


def _notes_requests(interview, question):
    return [
        ("get", _url("interview_meeting", interview), {}),
        ("post", _url("interview_question_asked", interview, question.pk), {"asked": "1"}),
        ("post", _url("interview_quick_notes", interview), {"quick_notes": "Mine"}),
        ("post", _url("interview_meeting_held", interview), {}),
        ("get", _url("interview_notes", interview), {}),
        ("post", _url("interview_notes", interview), NOTES),
        ("post", _url("interview_referrals_add", interview), _formset({"full_name": "Kim"})),
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
def test_meeting_and_notes_urls_are_the_students_own(
    request, login_as, scheduled, volunteer, persona, status
):
    browser = login_as(request.getfixturevalue(persona))

    for method, url, data in _notes_requests(scheduled, scheduled.questions.first()):
        response = getattr(browser, method)(url, data)
        assert (url, response.status_code) == (url, status)
    scheduled.refresh_from_db()
    assert scheduled.state == State.SCHEDULED
    assert not InterviewNotes.objects.exists()
    assert not Referral.objects.exists()


def test_notes_are_not_shown_to_the_volunteer(login_as, student, alumni, volunteer):
    interview = InterviewFactory(student=student, volunteer=volunteer, state=State.COMPLETED)
    login_as(student).post(
        _url("interview_notes", interview), {**NOTES, "advice": "Private advice"}
    )

    browser = login_as(alumni)
    inbox = browser.get(reverse("inbox_detail", args=[interview.pk]))
    notes = browser.get(_url("interview_notes", interview))

    assert inbox.status_code == 200
    assert "Private advice" not in inbox.content.decode()
    assert notes.status_code == 403


def test_meeting_urls_send_visitors_to_sign_in(nobody, scheduled):
    for method, url, data in _notes_requests(scheduled, scheduled.questions.first()):
        response = getattr(nobody, method)(url, data)
        assert (url, response.status_code) == (url, 302)
        assert response["Location"].startswith("/accounts/login/")


# --- Queries --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_notes_page_query_count(login_as, student, held, count, django_assert_num_queries):
    browser = login_as(student)
    browser.post(_url("interview_notes", held), NOTES)
    browser.post(
        _url("interview_referrals_add", held),
        _formset(*[{"full_name": f"Person {i}", "organisation": "Org"} for i in range(count)]),
    )

    with django_assert_num_queries(5):
        response = browser.get(_url("interview_notes", held))

    assert len(response.context["referral_list"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_meeting_page_query_count(login_as, student, count, django_assert_num_queries):
    interview = InterviewFactory(student=student, state=State.SCHEDULED)
    add_questions(interview, *[f"Question {i}?" for i in range(count)])
    browser = login_as(student)
    browser.get(_url("interview_meeting", interview))

    with django_assert_num_queries(6):
        response = browser.get(_url("interview_meeting", interview))

    assert len(response.context["questions"]) == count


def test_a_referral_matching_an_archived_contact_says_so(login_as, student, held):
    kim = ContactFactory(student=student, full_name="Kim Park", email="kim@northwind.test")
    Contact.objects.filter(pk=kim.pk).update(archived_at=timezone.now())

    response = login_as(student).post(
        _url("interview_referrals_add", held),
        _formset({"full_name": "Kim", "email": "kim@northwind.test"}),
    )

    assert Referral.objects.get().contact_id == kim.pk
    assert _messages(response) == [
        "Kim Park is in your archived contacts, so this referral is linked to them. "
        "Restore them from their page to put them back in your book."
    ]


def test_meeting_view_after_the_meeting_hides_the_timer(login_as, student, held):
    content = login_as(student).get(_url("interview_meeting", held)).content.decode()

    assert 'id="meeting-timer"' not in content
    assert "Write up your notes" in content
