"""Issue 13, point 1: a request that reads as asking for a job is not sent unless the
student sends it anyway with a reason. The service decides, so every way a request
leaves (through Fieldnotes, recorded as sent from the student's own mail, a draft
sent later) is held to it; the page shows the warning, keeps the text and offers
"Send anyway"; the volunteer's email drops its "not for a job" line above a flagged
message; the advisor sees the flag and the reason."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.contacts.enums import Stage
from apps.core.models import OutboundEmail
from apps.interviews import services
from apps.interviews.enums import State
from apps.interviews.models import Interview
from apps.interviews.request_check import request_text_check
from tests.factories.contacts import ContactFactory
from tests.factories.students import student_profile_set

JOB_ASK = "Dear Alex, are you hiring? Could you refer me for a job? 15 minutes would be great."
PASTED = "Dear Alex, could you recommend me for the analyst position? A 15-minute call?"
FINE = "Dear Alex, I am not looking for a job. Could we talk for 15 minutes about your path?"
REASON = "Alex offered at the careers fair to refer me; my advisor knows."
NOT_FOR_A_JOB = "They are asking for advice and information, not for a job."


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _url(volunteer):
    return reverse("interview_request_volunteer", args=[volunteer.pk])


@pytest.fixture
def jordan(student):
    return ContactFactory(student=student, full_name="Jordan Lee", email="jordan@harbour.test")


def _nothing_sent():
    return (
        Interview.objects.exclude(state=State.DRAFT).count(),
        OutboundEmail.objects.count(),
    ) == (0, 0)


# --- The check ------------------------------------------------------------------------


def test_the_warning_names_what_reads_as_a_job_ask():
    [warning] = [w for w in request_text_check(JOB_ASK) if w["code"] == "job_ask"]

    assert "(“are you hiring”, “refer me for a job”)" in warning["message"]


def test_the_subject_is_checked_with_the_message():
    codes = [w["code"] for w in request_text_check(FINE, subject="Any openings on your team?")]

    assert codes == ["job_ask"]


# --- The service decides --------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_request_to_a_volunteer_asking_for_a_job_is_refused_without_a_reason(
    student, volunteer, reason, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.JobAskRefused) as refused,
    ):
        services.interview_request_volunteer(
            student=student, volunteer=volunteer, message=JOB_ASK, job_ask_reason=reason
        )

    assert refused.value.message_dict == {
        "job_ask_reason": [
            "Not sent: this reads like asking for a job. Change the message, or say why you "
            "are sending it as it is and choose “Send anyway”. Your advisor sees the reason."
        ]
    }
    assert _nothing_sent()
    assert Interview.objects.count() == 0


def test_an_outreach_asking_for_a_job_is_not_recorded_without_a_reason(student, jordan):
    with pytest.raises(services.JobAskRefused):
        services.interview_log_outreach(student=student, contact=jordan, message=JOB_ASK)

    jordan.refresh_from_db()
    assert Interview.objects.count() == 0
    assert jordan.stage == Stage.IDENTIFIED


def test_a_draft_asking_for_a_job_is_kept_but_not_sent_without_a_reason(student, volunteer):
    draft = services.interview_draft_save(student=student, volunteer=volunteer, message=FINE)

    with pytest.raises(services.JobAskRefused):
        services.interview_request_volunteer(student=student, volunteer=volunteer, message=PASTED)

    draft.refresh_from_db()
    assert (draft.state, draft.request_message, draft.requested_at) == (State.DRAFT, FINE, None)
    assert _nothing_sent()


def test_a_subject_asking_for_a_job_is_refused_too(student, volunteer):
    with pytest.raises(services.JobAskRefused):
        services.interview_request_volunteer(
            student=student, volunteer=volunteer, subject="Open positions?", message=FINE
        )

    assert _nothing_sent()


def test_a_reason_longer_than_500_characters_is_refused(student, volunteer):
    with pytest.raises(ValidationError) as refused:
        services.interview_request_volunteer(
            student=student, volunteer=volunteer, message=JOB_ASK, job_ask_reason="x" * 501
        )

    assert refused.value.message_dict == {
        "job_ask_reason": ["Keep the reason under 500 characters."]
    }
    assert _nothing_sent()


def test_a_draft_records_the_verdict_on_its_text_and_no_reason(student, volunteer):
    draft = services.interview_draft_save(student=student, volunteer=volunteer, message=PASTED)

    assert (draft.state, draft.job_ask_flagged, draft.job_ask_reason) == (State.DRAFT, True, "")


# --- The page -------------------------------------------------------------------------


def test_sending_a_job_ask_comes_back_with_the_warning_the_text_and_send_anyway(
    login_as, student, volunteer, mailoutbox
):
    response = login_as(student).post(
        _url(volunteer), {"action": "send", "subject": "Hello", "message": PASTED}
    )

    page = _text(response)
    assert response.status_code == 400
    assert 'data-warning="job_ask"' in page
    assert f">{PASTED}</textarea>" in page
    assert 'value="Hello"' in page
    assert "Not sent: this reads like asking for a job." in page
    assert 'id="send-anyway"' in page
    assert 'name="action" value="send_anyway"' in page
    assert _nothing_sent()
    assert mailoutbox == []


def test_the_request_page_offers_send_anyway_only_after_a_refusal(login_as, student, volunteer):
    browser = login_as(student)

    opened = browser.get(_url(volunteer))
    fine = browser.post(_url(volunteer), {"action": "send", "message": ""})

    assert 'id="send-anyway"' not in _text(opened)
    assert 'id="send-anyway"' not in _text(fine)


def test_send_anyway_without_a_reason_is_a_clear_error_and_sends_nothing(
    login_as, student, volunteer, mailoutbox
):
    response = login_as(student).post(
        _url(volunteer), {"action": "send_anyway", "message": PASTED, "job_ask_reason": "  "}
    )

    page = _text(response)
    assert response.status_code == 400
    assert (
        "Not sent: write why you are sending it as it is, or change the message so it asks "
        "for advice rather than a job."
    ) in page
    assert 'aria-describedby="job-ask-reason-error"' in page
    assert f">{PASTED}</textarea>" in page
    assert _nothing_sent()
    assert mailoutbox == []


def test_the_send_button_does_not_use_a_reason_left_in_the_box(login_as, student, volunteer):
    response = login_as(student).post(
        _url(volunteer), {"action": "send", "message": PASTED, "job_ask_reason": REASON}
    )

    assert response.status_code == 400
    assert f">{REASON}</textarea>" in _text(response)
    assert _nothing_sent()


def test_send_anyway_with_a_reason_sends_flagged_without_the_not_for_a_job_line(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(student).post(
            _url(volunteer),
            {"action": "send_anyway", "message": PASTED, "job_ask_reason": f" {REASON} "},
        )

    interview = Interview.objects.get()
    [mail] = mailoutbox
    assert response["Location"] == reverse("interview_detail", args=[interview.pk])
    assert (interview.state, interview.job_ask_flagged, interview.job_ask_reason) == (
        State.REQUESTED,
        True,
        REASON,
    )
    assert PASTED in mail.body
    assert NOT_FOR_A_JOB not in mail.body
    assert NOT_FOR_A_JOB not in mail.alternatives[0].content
    assert REASON not in mail.body


def test_a_request_not_asking_for_a_job_keeps_the_not_for_a_job_line(
    login_as, student, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login_as(student).post(_url(volunteer), {"action": "send", "message": FINE})

    interview = Interview.objects.get()
    [mail] = mailoutbox
    assert (interview.job_ask_flagged, interview.job_ask_reason) == (False, "")
    assert (
        "about 15 minutes, to learn about your field and how you got into it. " + NOT_FOR_A_JOB
    ) in mail.body
    assert NOT_FOR_A_JOB in mail.alternatives[0].content


def test_send_anyway_after_fixing_the_text_just_sends_and_keeps_no_reason(
    login_as, student, volunteer
):
    login_as(student).post(
        _url(volunteer), {"action": "send_anyway", "message": FINE, "job_ask_reason": REASON}
    )

    interview = Interview.objects.get()
    assert (interview.state, interview.job_ask_flagged, interview.job_ask_reason) == (
        State.REQUESTED,
        False,
        "",
    )


def test_a_draft_with_a_job_ask_is_saved_then_refused_on_send_and_kept(
    login_as, student, volunteer
):
    browser = login_as(student)
    browser.post(_url(volunteer), {"action": "draft", "message": JOB_ASK})

    refused = browser.post(_url(volunteer), {"action": "send", "message": JOB_ASK})
    sent = browser.post(
        _url(volunteer), {"action": "send_anyway", "message": JOB_ASK, "job_ask_reason": REASON}
    )

    interview = Interview.objects.get()
    assert refused.status_code == 400
    assert sent.status_code == 302
    assert (interview.state, interview.job_ask_flagged, interview.job_ask_reason) == (
        State.REQUESTED,
        True,
        REASON,
    )


def test_recording_an_outreach_asking_for_a_job_needs_record_anyway(login_as, student, jordan):
    browser = login_as(student)
    url = reverse("interview_request_contact", args=[jordan.pk])

    refused = browser.post(url, {"action": "send", "message": JOB_ASK})
    recorded = browser.post(
        url,
        {"action": "send_anyway", "message": JOB_ASK, "job_ask_reason": "Already sent it."},
    )

    assert refused.status_code == 400
    assert "Record anyway" in _text(refused)
    assert recorded.status_code == 302
    assert Interview.objects.get().job_ask_reason == "Already sent it."


def test_the_live_check_listens_to_every_input_event_and_reads_the_subject(
    login_as, student, volunteer
):
    browser = login_as(student)

    page = _text(browser.get(_url(volunteer)))
    checked = browser.get(
        reverse("interview_request_check"), {"message": FINE, "subject": "Are you hiring?"}
    )

    assert 'hx-trigger="input changed delay:500ms, change"' in page
    assert "keyup" not in page
    assert 'data-warning="job_ask"' in checked.content.decode()


@pytest.mark.parametrize("who", ["alumni", "advisor", "office_admin"])
def test_only_students_use_the_live_check(login_as, who, request):
    response = login_as(request.getfixturevalue(who)).get(
        reverse("interview_request_check"), {"message": JOB_ASK}
    )

    assert response.status_code == 403


def test_send_anyway_to_another_offices_volunteer_is_still_404(login_as, student, other_volunteer):
    response = login_as(student).post(
        _url(other_volunteer),
        {"action": "send_anyway", "message": JOB_ASK, "job_ask_reason": REASON},
    )

    assert response.status_code == 404
    assert Interview.objects.count() == 0


def test_the_request_page_warns_when_the_pitch_asks_for_a_job(login_as, student, volunteer):
    student_profile_set(
        student,
        programme="Economics",
        pitch="I study economics and I'd love to work for your company.",
    )

    page = _text(login_as(student).get(_url(volunteer)))

    assert "Your elevator pitch also reads like asking for a job, and Alex Alumni sees it" in page
