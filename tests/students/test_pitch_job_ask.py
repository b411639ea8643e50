"""The elevator pitch is read by the same job-ask detector as a request: a warning
when it is saved, under it on the profile page, and live as it is typed or pasted.
Advice only: it is saved all the same (volunteers read it beside a request, and the
request page warns about it there)."""

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.students.selectors import student_profile_get

JOB_PITCH = "I study economics at Northfield. I'd love to work for your company after I graduate."
GOOD_PITCH = "I study economics at Northfield and I am exploring consulting. What jobs exist in it?"


def _post(pitch):
    return {
        "programme": "Economics",
        "graduation_year": "2027",
        "interest_tags": "",
        "target_companies": "",
        "pitch": pitch,
    }


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_pitch_asking_for_a_job_is_saved_with_a_warning(login_as, student):
    browser = login_as(student)

    saved = browser.post(reverse("student_profile"), _post(JOB_PITCH))
    page = browser.get(reverse("student_profile"))

    assert saved.status_code == 302
    assert student_profile_get(user=student).pitch == JOB_PITCH
    assert [(m.level_tag, m.message) for m in get_messages(saved.wsgi_request)] == [
        (
            "warning",
            "Your profile is saved, but your pitch reads like asking for a job. Volunteers "
            "see it with your requests: see the note under it.",
        )
    ]
    assert 'data-warning="job_ask"' in page.content.decode()
    assert "(“I'd love to work for your company”)" in _text(page)


def test_a_pitch_not_asking_for_a_job_is_saved_without_one(login_as, student):
    browser = login_as(student)

    saved = browser.post(reverse("student_profile"), _post(GOOD_PITCH))
    page = browser.get(reverse("student_profile"))

    assert [(m.level_tag, m.message) for m in get_messages(saved.wsgi_request)] == [
        ("success", "Your profile is saved.")
    ]
    assert 'data-warning="job_ask"' not in page.content.decode()


def test_the_pitch_is_checked_live_on_every_input_event(login_as, student):
    browser = login_as(student)

    page = browser.get(reverse("student_profile")).content.decode()
    flagged = browser.get(reverse("student_pitch_check"), {"pitch": JOB_PITCH})
    fine = browser.get(reverse("student_pitch_check"), {"pitch": GOOD_PITCH})

    assert f'hx-get="{reverse("student_pitch_check")}"' in page
    assert 'hx-trigger="input changed delay:500ms, change"' in page
    assert flagged.content.decode().startswith('<div id="pitch-job-ask"')
    assert 'data-warning="job_ask"' in flagged.content.decode()
    assert 'data-warning="job_ask"' not in fine.content.decode()


@pytest.mark.parametrize("who", ["alumni", "advisor", "office_admin"])
def test_only_students_check_a_pitch(login_as, who, request):
    response = login_as(request.getfixturevalue(who)).get(
        reverse("student_pitch_check"), {"pitch": JOB_PITCH}
    )

    assert response.status_code == 403


def test_the_pitch_check_is_get_only(login_as, student):
    assert login_as(student).post(reverse("student_pitch_check")).status_code == 405
