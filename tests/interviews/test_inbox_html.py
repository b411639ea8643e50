"""The inbox's rows written as HTML in the view (views_inbox.inbox_rows_html) are the
HTML its template's loop wrote from the same rows, byte for byte.
inbox_before_rows.html is the page's content block as it was (a `{% for %}`
unpacking seven values a row), rendered here from the page's own context."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.rendering import time_since
from apps.interviews.enums import State
from apps.interviews.models import Interview
from apps.interviews.views_inbox import asked_since
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory
from tests.factories.students import student_profile_set

pytestmark = pytest.mark.django_db

OLD_CONTENT = "{% load i18n %}" + (Path(__file__).parent / "inbox_before_rows.html").read_text()


def _old_content(response, user) -> str:
    context = response.context[0].flatten()
    with timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
        return engines["django"].from_string(OLD_CONTENT).render(context, response.wsgi_request)


def _same(response, user) -> str:
    html = response.content.decode()
    old = _old_content(response, user)
    assert "{%" not in old and '<h1 class="h3 mb-3">Requests</h1>' in old
    assert old in html
    return html


def _every_state(office, volunteer):
    names = ["Ada <b>Early</b>", "Bo O'Hara & Co", "Cy Plain"]
    students = [UserFactory(office=office, full_name=name) for name in names]
    student_profile_set(students[0], programme="Economics & <Law>", graduation_year=2027)
    student_profile_set(students[1], programme="History")
    contacts = [
        ContactFactory(student=who, volunteer=volunteer, full_name=volunteer.user.full_name)
        for who in students
    ]
    made = []
    for n, state in enumerate(State):
        if state == State.DRAFT:
            continue
        interview = InterviewFactory(
            student=students[n % 3], contact=contacts[n % 3], volunteer=volunteer, state=state
        )
        Interview.objects.filter(pk=interview.pk).update(
            requested_at=timezone.now() - timedelta(days=n, hours=n, minutes=7 * n)
        )
        made.append(interview)
    Interview.objects.filter(pk=made[-1].pk).update(
        starts_at=timezone.now() - timedelta(days=40, minutes=13)
    )
    Interview.objects.filter(pk=made[-2].pk).update(starts_at=None)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_every_state_is_the_html_the_old_template_wrote(login_as, office, volunteer, zone):
    User.objects.filter(pk=volunteer.user.pk).update(time_zone=zone)
    _every_state(office, volunteer)
    user = User.objects.get(pk=volunteer.user.pk)

    html = _same(login_as(user).get(reverse("inbox")), user)

    assert "Economics &amp; &lt;Law&gt; 2027" in html
    assert "Ada &lt;b&gt;Early&lt;/b&gt;" in html
    assert "Bo O&#x27;Hara &amp; Co" in html
    assert html.count('class="badge state state-') == len(State) - 1


def test_an_empty_inbox_is_the_html_the_old_template_wrote(login_as, volunteer):
    html = _same(login_as(volunteer.user).get(reverse("inbox")), volunteer.user)

    assert "No requests yet" in html


def test_one_request_is_the_html_the_old_template_wrote(login_as, office, volunteer):
    InterviewFactory(student=UserFactory(office=office), volunteer=volunteer, state=State.REQUESTED)

    html = _same(login_as(volunteer.user).get(reverse("inbox")), volunteer.user)

    assert html.count('class="badge state state-requested"') == 1


@pytest.mark.parametrize("page", ["", "?page=2", "?page=9", "?page=x"])
def test_pages_of_the_past_are_the_html_the_old_template_wrote(login_as, office, volunteer, page):
    InterviewFactory(student=UserFactory(office=office), volunteer=volunteer, state=State.SCHEDULED)
    for i in range(23):
        interview = InterviewFactory(
            student=UserFactory(office=office), volunteer=volunteer, state=State.DECLINED
        )
        Interview.objects.filter(pk=interview.pk).update(
            requested_at=timezone.now() - timedelta(days=30 + i)
        )

    html = _same(login_as(volunteer.user).get(reverse("inbox") + page), volunteer.user)

    shown = 20 if page in ("", "?page=x") else 3
    assert html.count('class="badge state state-declined"') == shown
    assert "Page " in html


@pytest.mark.parametrize(
    "query", ["?q=a%26b%22c&page=2", "?page=2&tag=%3Cx%3E&tag=y", "?page=1&page=3", "?other="]
)
def test_the_past_pages_links_keep_the_query_as_the_old_template_wrote(
    login_as, office, volunteer, query
):
    for i in range(45):
        interview = InterviewFactory(
            student=UserFactory(office=office), volunteer=volunteer, state=State.COMPLETED
        )
        Interview.objects.filter(pk=interview.pk).update(
            requested_at=timezone.now() - timedelta(days=30 + i)
        )

    html = _same(login_as(volunteer.user).get(reverse("inbox") + query), volunteer.user)

    assert 'class="page-link" href="?' in html


@pytest.mark.parametrize(
    "now",
    [
        datetime(2027, 3, 1, 0, 0, 30, 5, tzinfo=UTC),
        datetime(2027, 3, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 3, 45, 24, 123456, tzinfo=UTC),
    ],
)
def test_asked_since_is_what_timesince_wrote(now):
    deltas = [timedelta(seconds=s) for s in range(-130, 7300, 7)]
    deltas += [timedelta(minutes=m, microseconds=u) for m in range(0, 40320, 13) for u in (0, 1)]
    deltas += [
        timedelta(days=d, seconds=s)
        for d in (6, 7, 13, 14, 27, 28, 29, 31, 70, 400)
        for s in (-1, 0, 1, 59, 60, 3599, 3600)
    ]
    deltas += [timedelta(days=28) - timedelta(microseconds=1)]
    for delta in deltas:
        value = now - delta
        assert asked_since(value, now, language="en") == time_since(value, now), delta
    assert asked_since(None, now, language="en") == ""
