"""The volunteer's home written from rows worked out in the view (interviews.views_home)
is the same HTML, byte for byte, as the template that worked each row out with
template tags. home_alumni_before_rows.html is that template's content block as it was (its intro
partial inlined), rendered here from the page's own context."""

import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from apps.contacts.enums import Format
from apps.contacts.models import VolunteerProfile
from apps.interviews.enums import State
from apps.interviews.models import Interview
from tests.factories.accounts import UserFactory
from tests.factories.interviews import InterviewFactory
from tests.interviews.test_alumni_home import _ask

pytestmark = pytest.mark.django_db

OLD_CONTENT = (Path(__file__).parent / "home_alumni_before_rows.html").read_text()


def _old_content(response, user) -> str:
    context = response.context[0].flatten()
    # The old view passed the interviews themselves, not rows of their columns: the
    # same interviews, in the same order.
    for panel in ("waiting", "upcoming"):
        context[panel] = [Interview.objects.get(pk=row.pk) for row in context[panel]]
    with timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
        return engines["django"].from_string(OLD_CONTENT).render(context, response.wsgi_request)


def _waiting(office, volunteer):
    for name, ago in [
        ("Ada <b>Early</b>", timedelta(days=9, hours=3)),
        ("Bo O'Hara & Co", timedelta(hours=5)),
    ]:
        interview = _ask(office, volunteer, name)
        Interview.objects.filter(pk=interview.pk).update(requested_at=timezone.now() - ago)


def _booked(office, volunteer):
    now = timezone.now()
    for n, format in enumerate(Format.values):
        student = UserFactory(office=office, full_name=f"Cy <i>{n}</i>", email=f"cy{n}@x.test")
        InterviewFactory(
            student=student,
            volunteer=volunteer,
            state=State.SCHEDULED,
            starts_at=now + timedelta(days=n, hours=3, minutes=5 * n),
            format=format,
        )


def _every_row(office, volunteer):
    _waiting(office, volunteer)
    _booked(office, volunteer)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("arrange", [_waiting, _booked, _every_row, None])
def test_the_home_is_the_html_the_old_template_wrote(
    login_as, alumni, office, volunteer, zone, arrange
):
    alumni.time_zone = zone
    alumni.save(update_fields=["time_zone"])
    if arrange is not None:
        arrange(office, volunteer)

    response = login_as(alumni).get(reverse("alumni_home"))

    old = _old_content(response, alumni)
    assert "{%" not in old and "Welcome, " in old
    assert old in response.content.decode()


def test_the_home_without_a_profile_is_the_html_the_old_template_wrote(login_as, alumni):
    response = login_as(alumni).get(reverse("alumni_home"))

    assert old_in(response, alumni)


def test_a_paused_volunteer_is_the_html_the_old_template_wrote(login_as, alumni, volunteer):
    VolunteerProfile.objects.filter(pk=volunteer.pk).update(
        paused_until=timezone.localdate() + timedelta(days=10)
    )
    response = login_as(alumni).get(reverse("alumni_home"))

    assert old_in(response, alumni)


def test_a_request_without_its_date_is_the_html_the_old_template_wrote(
    login_as, alumni, office, volunteer
):
    interview = _ask(office, volunteer, 'Di "Undated"')
    Interview.objects.filter(pk=interview.pk).update(requested_at=None)

    response = login_as(alumni).get(reverse("alumni_home"))

    assert "· asked  ago</span>" in response.content.decode()
    assert old_in(response, alumni)


def old_in(response, user) -> bool:
    return _old_content(response, user) in response.content.decode()


def test_the_rows_cover_every_kind(login_as, alumni, office, volunteer):
    _every_row(office, volunteer)

    html = login_as(alumni).get(reverse("alumni_home")).content.decode()

    assert ">Ada &lt;b&gt;Early&lt;/b&gt;</a>" in html
    assert "· asked 1\xa0week, 2\xa0days ago</span>" in html
    assert ">Bo O&#x27;Hara &amp; Co</a>" in html
    assert "· asked 5\xa0hours ago</span>" in html
    assert html.count(">Cy &lt;i&gt;") == 3
    for label in ("In person", "Phone", "Video call"):
        assert f"· {label}</span>" in html
