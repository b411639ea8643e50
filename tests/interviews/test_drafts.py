"""Drafts: a request saved on the request page, listed under Drafts, continued by
opening the page again, then sent (every limit checked at sending) or discarded.
Nobody but the student knows of a draft."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Office
from apps.contacts.directory import volunteer_requests_this_month
from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.volunteers import volunteer_stats_record_request
from apps.interviews import services
from apps.interviews.enums import Channel, EventKind, State
from apps.interviews.models import Interview
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory

TEXT = "Dear Alex, could you spare 15 minutes for a short call about your path?"
EDITED = "Dear Alex, I am not looking for a job. Could we talk for 15 minutes next week?"


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _events(interview):
    return list(interview.events.values_list("kind", "from_state", "to_state"))


def _url(volunteer):
    return reverse("interview_request_volunteer", args=[volunteer.pk])


@pytest.fixture
def jordan(student):
    return ContactFactory(
        student=student,
        full_name="Jordan Lee",
        organisation="Harbour Health",
        email="jordan@harbour.test",
    )


@pytest.fixture
def draft(student, volunteer):
    return services.interview_draft_save(
        student=student, volunteer=volunteer, subject="A short chat?", message=TEXT
    )


# --- Saving, listing, continuing ------------------------------------------------------


def test_save_as_draft_keeps_the_request_and_tells_nobody(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(
            _url(volunteer), {"action": "draft", "subject": "A short chat?", "message": TEXT}
        )

    interview = Interview.objects.get()
    volunteer.refresh_from_db()
    assert response["Location"] == reverse("interview_list")
    assert (
        interview.state,
        interview.channel,
        interview.volunteer,
        interview.request_subject,
        interview.request_message,
        interview.requested_at,
    ) == (State.DRAFT, Channel.PLATFORM, volunteer, "A short chat?", TEXT, None)
    assert _events(interview) == [(EventKind.CREATED, "", State.DRAFT)]
    assert mailoutbox == []
    assert volunteer_requests_this_month(volunteer=volunteer) == 0
    assert interview.contact.stage == Stage.IDENTIFIED


def test_drafts_are_listed_in_their_own_group_and_do_not_count_as_open(
    login_as, student, draft, volunteer
):
    response = login_as(student).get(reverse("interview_list"))

    groups = {g["key"]: [row.pk for row in g["items"]] for g in response.context["groups"]}
    assert groups["drafts"] == [draft.pk]
    assert groups["waiting"] == []
    assert response.context["open_count"] == 0
    # The draft opens the request page again, to go on writing.
    assert f'href="{_url(volunteer)}"' in response.content.decode()
    assert "not sent; saved now" in response.content.decode()


def test_opening_the_request_page_again_continues_the_draft(login_as, student, volunteer, draft):
    browser = login_as(student)

    page = browser.get(_url(volunteer))
    browser.post(_url(volunteer), {"action": "draft", "subject": "Hello", "message": EDITED})

    draft.refresh_from_db()
    assert page.context["form"].initial["message"] == TEXT
    assert page.context["form"].initial["subject"] == "A short chat?"
    assert page.context["draft"] == draft
    assert Interview.objects.count() == 1
    assert (draft.state, draft.request_subject, draft.request_message) == (
        State.DRAFT,
        "Hello",
        EDITED,
    )
    # Saving again is not a new draft: still one "Drafted" event.
    assert _events(draft) == [(EventKind.CREATED, "", State.DRAFT)]


def test_draft_to_an_own_contact_is_saved_continued_and_recorded(login_as, student, jordan):
    browser = login_as(student)
    url = reverse("interview_request_contact", args=[jordan.pk])

    browser.post(url, {"action": "draft", "subject": "Hello", "message": "Hi Jordan, 15 minutes?"})
    page = browser.get(url)
    sent = browser.post(url, {"action": "send", "subject": "Hello", "message": EDITED})

    interview = Interview.objects.get()
    jordan.refresh_from_db()
    assert page.context["form"].initial["message"] == "Hi Jordan, 15 minutes?"
    assert sent["Location"] == reverse("interview_detail", args=[interview.pk])
    assert (interview.state, interview.channel, interview.request_message) == (
        State.REQUESTED,
        Channel.OWN,
        EDITED,
    )
    assert _events(interview) == [
        (EventKind.CREATED, "", State.DRAFT),
        (EventKind.REQUESTED, State.DRAFT, State.REQUESTED),
    ]
    assert jordan.stage == Stage.REQUESTED


def test_a_draft_may_have_no_text_yet_but_sending_needs_it(login_as, student, volunteer):
    browser = login_as(student)

    saved = browser.post(_url(volunteer), {"action": "draft", "message": ""})
    refused = browser.post(_url(volunteer), {"action": "send", "message": "  "})

    assert saved.status_code == 302
    assert refused.status_code == 400
    assert "Write a short message to go with your request." in _text(refused)
    assert Interview.objects.get().state == State.DRAFT


# --- Sending ------------------------------------------------------------------------


def test_sending_a_draft_requests_with_the_edited_text_and_tells_the_volunteer(
    login_as, student, volunteer, draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(
            _url(volunteer), {"action": "send", "subject": "Hello", "message": EDITED}
        )

    draft.refresh_from_db()
    volunteer.refresh_from_db()
    assert response["Location"] == reverse("interview_detail", args=[draft.pk])
    assert (draft.state, draft.request_subject, draft.request_message) == (
        State.REQUESTED,
        "Hello",
        EDITED,
    )
    assert draft.requested_at is not None
    assert _events(draft) == [
        (EventKind.CREATED, "", State.DRAFT),
        (EventKind.REQUESTED, State.DRAFT, State.REQUESTED),
    ]
    assert [m.to for m in mailoutbox] == [[volunteer.user.email]]
    assert volunteer_requests_this_month(volunteer=volunteer) == 1
    assert draft.contact.stage == Stage.REQUESTED


def test_send_is_refused_at_the_office_limit_and_the_draft_is_kept(
    login_as, student, volunteer, draft, office, mailoutbox, django_capture_on_commit_callbacks
):
    Office.objects.filter(pk=office.pk).update(max_open_requests=1)
    InterviewFactory(student=student, state=State.REQUESTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(_url(volunteer), {"action": "send", "message": EDITED})

    draft.refresh_from_db()
    assert response.status_code == 400
    assert (
        "You have 1 requests waiting for an answer, the most your office allows. "
        "Wait for a reply or withdraw one first."
    ) in _text(response)
    assert (draft.state, draft.request_message) == (State.DRAFT, TEXT)
    assert response.context["form"]["message"].value() == EDITED
    assert _events(draft) == [(EventKind.CREATED, "", State.DRAFT)]
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"capacity_per_month": 1},
            "Alex Alumni has had all the requests they can take this month.",
        ),
        ({"accepting_requests": False}, "Alex Alumni is not taking requests right now."),
        ({"paused_until": "soon"}, "Alex Alumni is not taking requests right now: they are"),
    ],
)
def test_send_is_refused_when_the_volunteer_cannot_take_it_and_the_draft_is_kept(
    login_as, student, volunteer, draft, change, reason, mailoutbox
):
    if change.get("paused_until"):
        change = {"paused_until": timezone.localdate() + timedelta(days=5)}
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(**change)
    if "capacity_per_month" in change:
        volunteer.refresh_from_db()
        volunteer_stats_record_request(profile=volunteer)
    browser = login_as(student)

    opened = browser.get(_url(volunteer))
    sent = browser.post(_url(volunteer), {"action": "send", "message": EDITED})

    draft.refresh_from_db()
    for response in (opened, sent):
        assert response.status_code == 409
        assert reason in _text(response)
        assert "Your draft to Alex Alumni is kept" in _text(response)
        # The text is still there to edit, save or discard.
        assert 'name="message"' in response.content.decode()
    assert (draft.state, draft.request_message) == (State.DRAFT, TEXT)
    assert mailoutbox == []


def test_send_is_refused_while_another_request_to_the_volunteer_is_open(
    login_as, student, volunteer, draft
):
    InterviewFactory(
        student=student, contact=draft.contact, volunteer=volunteer, state=State.REQUESTED
    )

    response = login_as(student).post(_url(volunteer), {"action": "send", "message": EDITED})

    draft.refresh_from_db()
    assert response.status_code == 400
    assert "You already have an open request with Alex Alumni." in _text(response)
    assert draft.state == State.DRAFT


def test_a_draft_holds_no_open_place_and_no_capacity(student, student2, volunteer, office, jordan):
    """The office limit and the volunteer's month are counted at sending only."""
    Office.objects.filter(pk=office.pk).update(max_open_requests=1)
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(capacity_per_month=1)
    volunteer.refresh_from_db()
    student.refresh_from_db()
    services.interview_draft_save(student=student, contact=jordan, message="Hi Jordan")
    services.interview_draft_save(student=student2, volunteer=volunteer, message=TEXT)

    sent = services.interview_request_volunteer(student=student, volunteer=volunteer, message=TEXT)

    assert sent.state == State.REQUESTED
    assert Interview.objects.filter(state=State.DRAFT).count() == 2


# --- What the volunteer sees: nothing ------------------------------------------------


def test_the_volunteer_sees_nothing_of_a_draft(login_as, student, volunteer, draft):
    browser = login_as(volunteer.user)

    inbox = browser.get(reverse("inbox"))
    detail = browser.get(reverse("inbox_detail", args=[draft.pk]))
    ics = browser.get(reverse("interview_ics", args=[draft.pk]))
    home = browser.get(reverse("alumni_home"))

    assert [i for g in inbox.context["groups"] for i in g["items"]] == []
    assert (detail.status_code, ics.status_code) == (404, 404)
    assert home.context["counts"]["waiting"] == 0
    assert TEXT not in home.content.decode()


def test_once_sent_the_volunteers_timeline_does_not_show_the_drafting(
    login_as, student, volunteer, draft
):
    services.interview_request_volunteer(student=student, volunteer=volunteer, message=TEXT)

    page = login_as(volunteer.user).get(reverse("inbox_detail", args=[draft.pk]))

    assert [e.kind for e in page.context["events"]] == [EventKind.REQUESTED]


def test_withdrawing_a_draft_is_refused_and_emails_nobody(
    login_as, student, draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login_as(student).post(reverse("interview_withdraw", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert mailoutbox == []


# --- Discarding and other people's drafts --------------------------------------------


def test_discarding_a_draft_deletes_it(login_as, student, draft):
    contact = draft.contact

    response = login_as(student).post(reverse("interview_draft_discard", args=[draft.pk]))

    assert response["Location"] == reverse("interview_list")
    assert Interview.objects.count() == 0
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_sent_request_cannot_be_discarded(login_as, student, volunteer):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message=TEXT
    )

    response = login_as(student).post(
        reverse("interview_draft_discard", args=[interview.pk]), follow=True
    )

    interview.refresh_from_db()
    assert interview.state == State.REQUESTED
    assert "This request has been sent: withdraw it instead." in _text(response)


def test_another_students_draft_is_404(login_as, student2, other_student, volunteer, draft):
    for intruder in (student2, other_student):
        browser = login_as(intruder)
        assert browser.get(reverse("interview_detail", args=[draft.pk])).status_code == 404
        assert browser.post(reverse("interview_draft_discard", args=[draft.pk])).status_code == 404
    # student2's own request page to the same volunteer starts afresh.
    page = login_as(student2).get(_url(volunteer))
    assert page.context["draft"] is None
    assert page.context["form"].initial["message"] != TEXT
    assert Interview.objects.get().state == State.DRAFT


def test_draft_detail_page_offers_to_continue_or_discard(login_as, student, volunteer, draft):
    page = login_as(student).get(reverse("interview_detail", args=[draft.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert f'href="{_url(volunteer)}"' in content
    assert reverse("interview_draft_discard", args=[draft.pk]) in content
    assert reverse("interview_withdraw", args=[draft.pk]) not in content


@pytest.mark.parametrize("count", [1, 3])
def test_interview_list_query_count_with_drafts(
    login_as, student, office, consulting, count, django_assert_num_queries
):
    from apps.accounts.services import user_create

    for i in range(count):
        v = make_volunteer(
            user_create(
                office=office,
                email=f"d{i}@alumni.test",
                full_name=f"D {i}",
                password="x-long-password-1",
                role="alumni",
                email_verified=True,
            ),
            fields=[consulting],
        )
        services.interview_draft_save(student=student, volunteer=v, message=TEXT)
        services.interview_draft_save(
            student=student,
            contact=ContactFactory(student=student, full_name=f"Own {i}"),
            message=TEXT,
        )
    browser = login_as(student)

    # session, user with office, and one query for the list: open interviews and
    # drafts with their contacts (drafts link by the ids already on the row), the
    # latest held and the latest closed
    with django_assert_num_queries(3):
        response = browser.get(reverse("interview_list"))

    groups = {g["key"]: g["items"] for g in response.context["groups"]}
    assert len(groups["drafts"]) == 2 * count
