"""The pitch's shape (who you are, what you are exploring, why this person, the short
ask): which phrasings tick each part, and the profile page and its live check
showing them."""

import re

import pytest
from django.urls import reverse

from apps.students.pitch_shape import pitch_shape

FULL_PITCH = (
    "I'm a third-year economics student at Northfield, and I'm exploring health policy. "
    "I read about your move from consulting into policy research. "
    "Could we talk for 20 minutes some time this month?"
)


def _present(text: str) -> set[str]:
    return {part["key"] for part in pitch_shape(text) if part["present"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", set()),
        ("Hello there.", set()),
        (FULL_PITCH, {"who", "exploring", "why_you", "ask"}),
        # Who you are
        ("I am a senior in chemistry.", {"who"}),
        ("My name is Sam.", {"who"}),
        ("I study history at Northfield.", {"who"}),
        ("I'm finishing a degree in design.", {"who"}),
        ("Final-year nursing, class of 2027.", {"who"}),
        # What you are exploring
        ("I'm curious about urban planning.", {"exploring"}),
        ("Lately I have been looking into data journalism.", {"exploring"}),
        ("Trying to understand what product managers do.", {"exploring"}),
        # Why this person
        ("Your work on rural health stood out.", {"why_you"}),
        ("Professor Lee suggested I talk to you.", {"why_you"}),
        ("I saw that you switched from law to tech.", {"why_you"}),
        # The short ask
        ("Would you have 15 minutes for me?", {"ask"}),
        ("Could we have a short chat next week?", {"ask"}),
        ("Would you be open to talk?", {"ask"}),
        ("A quick call would help a lot.", {"ask"}),
        ("Happy to grab a virtual coffee.", {"ask"}),
        # Near misses that must not tick
        ("Minutes of the meeting were sent.", set()),
        ("You know, whatever.", set()),
    ],
)
def test_the_parts_a_pitch_has(text, expected):
    assert _present(text) == expected


def test_the_parts_come_in_the_practices_order_with_a_hint_for_each():
    parts = pitch_shape("")

    assert [part["key"] for part in parts] == ["who", "exploring", "why_you", "ask"]
    assert all(part["hint"] and part["label"] for part in parts)


def _ticks(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-pitch-part="(\w+)" data-present="(yes|no)"', html))


def test_the_profile_page_ticks_the_parts_of_the_saved_pitch(login_as, student):
    browser = login_as(student)
    browser.post(
        reverse("student_profile"),
        {"programme": "Economics", "graduation_year": "2027", "pitch": "I study economics."},
    )

    page = browser.get(reverse("student_profile")).content.decode()

    assert _ticks(page) == {"who": "yes", "exploring": "no", "why_you": "no", "ask": "no"}
    assert "Still to write:" in page


def test_the_live_check_sends_the_parts_out_of_band_after_the_job_ask_warning(login_as, student):
    response = login_as(student).get(reverse("student_pitch_check"), {"pitch": FULL_PITCH})
    body = response.content.decode()

    assert response.status_code == 200
    assert body.startswith('<div id="pitch-job-ask"')
    assert '<div id="pitch-shape" class="small mb-3" hx-swap-oob="true">' in body
    assert _ticks(body) == {"who": "yes", "exploring": "yes", "why_you": "yes", "ask": "yes"}
