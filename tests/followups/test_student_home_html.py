"""The student's home written from rows worked out in the view (followups.views_home)
is the same HTML, byte for byte, as the template that worked each row out with
template tags. student_home_before_rows.html is that template's content block as it was (its intro
partial inlined), rendered here from the page's own context; and
student_home_before_lists.html is the whole template as it was before the view wrote
the three lists' items (due, coming up, getting ready) itself."""

import re
import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from apps.contacts.enums import Stage
from apps.contacts.services import contact_create, contact_set_stage
from apps.followups.enums import Kind
from apps.followups.models import FollowUp
from apps.students.selectors import student_profile_get
from tests.followups.conftest import NOW
from tests.followups.test_student_home import _booked, _held

pytestmark = pytest.mark.django_db

OLD_CONTENT = (Path(__file__).parent / "student_home_before_rows.html").read_text()
OLD_LISTS = (Path(__file__).parent / "student_home_before_lists.html").read_text()
# The CSRF token is masked afresh each time a page asks for it.
_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _old_content(response, student) -> str:
    context = response.context[0].flatten()
    with timezone.override(zoneinfo.ZoneInfo(student.time_zone)):
        return engines["django"].from_string(OLD_CONTENT).render(context, response.wsgi_request)


def _check_in(student, name, *, due_in):
    contact = contact_create(student=student, full_name=name)
    contact_set_stage(contact=contact, stage=Stage.KEEPING_IN_TOUCH)
    return FollowUp.objects.create(
        student=student, contact=contact, kind=Kind.KEEP_IN_TOUCH, cadence_months=3,
        due_at=NOW + due_in,
    )  # fmt: skip


def _overdue_rows(student):
    _held(student, "Rosa <b>Reyes</b> & O'Neil", ended_ago=timedelta(days=3))
    _check_in(student, 'Dev "Danny" Shah', due_in=-timedelta(days=2, hours=5))
    _check_in(student, "Zoë Brandt", due_in=timedelta(days=3, hours=7))
    _booked(student, "Ana <i>Lima</i>", starts_in=timedelta(hours=20))


def _due_soon_rows(student):
    _held(student, "Mo Salah")  # a thank-you due in a day, not overdue
    _check_in(student, "Li Wei", due_in=timedelta(days=1))
    for n in range(3):
        _booked(student, f"Booked & {n}", starts_in=timedelta(days=n + 1, minutes=7 * n))
    for n in range(2):
        _check_in(student, f"Later {n}", due_in=timedelta(days=5))


def _ready(student):
    profile = student_profile_get(user=student)
    profile.pitch = "I study <maps> & " + "cities " * 40
    profile.save()


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("arrange", [_overdue_rows, _due_soon_rows, _ready, None])
def test_the_home_is_the_html_the_old_template_wrote(login_as, student, zone, arrange):
    student.time_zone = zone
    student.save(update_fields=["time_zone"])
    if arrange is not None:
        arrange(student)

    response = login_as(student).get(reverse("student_home"))

    html = response.content.decode()
    old = _old_content(response, student)
    assert "{%" not in old and '<h1 class="h3">Welcome, Sam</h1>' in old
    assert old in html


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("arrange", [_overdue_rows, _due_soon_rows, _ready, None])
def test_the_home_is_the_html_the_template_with_its_loops_wrote(login_as, student, zone, arrange):
    student.time_zone = zone
    student.save(update_fields=["time_zone"])
    if arrange is not None:
        arrange(student)

    response = login_as(student).get(reverse("student_home"))

    context = response.context[0].flatten()
    # The view's rows are tuples now; the old loops read them by name.
    context["due_rows"] = [
        dict(zip(("path", "title", "overdue", "when"), row, strict=True))
        for row in context["due_rows"]
    ]
    context["upcoming_rows"] = [
        dict(zip(("path", "name", "when", "prepare_path"), row, strict=True))
        for row in context["upcoming_rows"]
    ]
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        old = engines["django"].from_string(OLD_LISTS).render(context, response.wsgi_request)
    assert "<li" in old
    assert _TOKEN.sub("", old) == _TOKEN.sub("", response.content.decode())


def test_the_rows_cover_every_kind(login_as, student):
    """The cases above show each kind of row: a thank-you and a check-in, overdue
    and not, names to escape, a conversation to prepare."""
    _overdue_rows(student)
    overdue = login_as(student).get(reverse("student_home")).content.decode()
    FollowUp.objects.all().delete()
    _due_soon_rows(student)
    soon = login_as(student).get(reverse("student_home")).content.decode()

    assert "Thank Rosa &lt;b&gt;Reyes&lt;/b&gt; &amp; O&#x27;Neil</a>" in overdue
    assert "Check in with Dev &quot;Danny&quot; Shah</a>" in overdue
    assert "· overdue by 2\xa0days, 5\xa0hours</span>" in overdue
    assert "· overdue by 2\xa0days</span>" in overdue
    assert '/prepare/">Prepare</a></span></li>' in overdue
    assert "Check in with Zoë Brandt</a>" in overdue
    assert "· due Fri 6 Mar, 17:00</span>" in overdue
    assert "Thank Mo Salah</a>" in soon and "See all 4" in soon


OLD_PAGE = (Path(__file__).parent / "student_home_before_content.html").read_text()


def _one_row(student):
    _booked(student, "Only <One> & 'Co'", starts_in=timedelta(days=4))
    _check_in(student, "Only Check", due_in=timedelta(days=2))


def _names_to_escape(student):
    student.full_name = """<b>"Sam"&O'Neil</b> Student"""
    student.save(update_fields=["full_name"])
    office = student.office
    office.name = """Career <Center> & "Co" 'Ltd'"""
    office.save(update_fields=["name"])
    profile = student_profile_get(user=student)
    profile.pitch = "<script>alert('x')</script> & \"quoted\" " * 20
    profile.save()
    _overdue_rows(student)


def _no_next_step(student):
    from apps.contacts.models import Contact
    from tests.followups.test_student_home import _ready as ready

    ready(student, student.office)
    Contact.objects.filter(owner=student).update(stage=Stage.REQUESTED)
    office = student.office
    office.max_open_requests = 3
    office.save(update_fields=["max_open_requests"])


@pytest.mark.parametrize(
    "arrange",
    [None, _one_row, _overdue_rows, _due_soon_rows, _ready, _names_to_escape, _no_next_step],
)
def test_the_home_is_the_html_its_template_wrote(login_as, student, arrange):
    """The content block written in the view (followups.views_home._content_html) is
    what student_home.html wrote before, kept as student_home_before_content.html:
    the whole page, rendered from the page's own context, byte for byte."""
    if arrange is not None:
        arrange(student)

    response = login_as(student).get(reverse("student_home"))

    context = response.context[0].flatten()
    with timezone.override(zoneinfo.ZoneInfo(student.time_zone)):
        old = engines["django"].from_string(OLD_PAGE).render(context, response.wsgi_request)
    new = response.content.decode()
    assert '<h1 class="h3">Welcome, ' in old and "{{" not in old
    assert _TOKEN.sub("", old) == _TOKEN.sub("", new)


def test_the_cases_cover_what_the_block_shows(login_as, student):
    """The cases above reach each branch of the block: no next step, a pitch and
    none, names and a pitch to escape."""
    _names_to_escape(student)
    escaped = login_as(student).get(reverse("student_home")).content.decode()

    assert "Welcome, &lt;b&gt;&quot;Sam&quot;&amp;O&#x27;Neil&lt;/b&gt;</h1>" in escaped
    assert "Career &lt;Center&gt; &amp; &quot;Co&quot; &#x27;Ltd&#x27; · Student</p>" in escaped
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;" in escaped
    assert "<script>alert" not in escaped
    assert "60 words, about 24 seconds" in escaped
    assert 'text-bg-danger">3</span>' in escaped


def test_the_home_without_a_next_step(login_as, student):
    _no_next_step(student)

    response = login_as(student).get(reverse("student_home"))

    assert response.context["next_step"] is None
    assert "Next step" not in response.content.decode()
