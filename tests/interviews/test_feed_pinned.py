"""The calendar feed's whole body pinned byte for byte against what it wrote when
its rows were Interview instances (tests/interviews/feed_before.ics, written by
that code): both sides of a meeting, a held one, shared questions, escapes and
folding, and an empty feed. Ids, UIDs and times that differ from run to run are
put in by name."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import time_machine

from apps.contacts.enums import Format
from apps.interviews import services
from apps.interviews.models import Interview, PreparedQuestion
from tests.factories.accounts import UserFactory
from tests.factories.contacts import make_volunteer

pytestmark = pytest.mark.django_db

BEFORE = Path(__file__).with_name("feed_before.ics")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MEET = "https://meet.example.test/fieldnotes-abc"


def _alumni_volunteer(office, name, email):
    return make_volunteer(UserFactory(office=office, email=email, full_name=name, role="alumni"))


def _scheduled(student, volunteer, starts_at, **accept):
    interview = services.interview_request_volunteer(
        student=student, volunteer=volunteer, message="Could you spare 15 minutes?"
    )
    accept = {"format": Format.VIDEO, "duration_minutes": 30, "meeting_url": MEET, **accept}
    services.interview_accept(user=volunteer.user, interview=interview, slots=[starts_at], **accept)
    return interview


@pytest.fixture
def meetings(office, student, volunteer):
    """Four meetings of `student`: with the `alumni` persona (video), in person with
    a place to escape and fold and shared questions, one held last week, and one
    by phone; `casey` sees one of them from the other side."""
    casey = _alumni_volunteer(office, "Casey Chen; «Ünïcödé»", "casey@alumni.test")
    dana = _alumni_volunteer(office, "Dana, Diaz", "dana@alumni.test")
    erin = _alumni_volunteer(office, "Erin Ek", "erin@alumni.test")
    with time_machine.travel(NOW, tick=False):
        video = _scheduled(student, volunteer, NOW + timedelta(days=3))
        in_person = _scheduled(
            student,
            casey,
            NOW + timedelta(days=4, hours=2),
            format=Format.IN_PERSON,
            meeting_url="",
            location="Café Müller, 3rd floor; the room with the long table \\ by the window — " * 3,
        )
        for n, text in enumerate(["Which skills, tools; habits matter?", "Où commencer ?"], 1):
            PreparedQuestion.objects.create(interview=in_person, text=text, position=n)
        services.interview_questions_share(student=student, interview=in_person)
        held = _scheduled(student, dana, NOW + timedelta(days=1))
        phone = _scheduled(
            student, erin, NOW + timedelta(days=5), format=Format.PHONE, meeting_url=""
        )
    Interview.objects.filter(pk=held.pk).update(starts_at=NOW - timedelta(days=6))
    with time_machine.travel(NOW, tick=False):
        services.interview_complete(student=student, interview=Interview.objects.get(pk=held.pk))
    interviews = [video, in_person, held, phone]
    for n, interview in enumerate(interviews):
        Interview.objects.filter(pk=interview.pk).update(
            uid=UUID(int=n + 1), updated_at=NOW - timedelta(minutes=n)
        )
    return casey, interviews


def _pinned(name: str, interviews) -> bytes:
    """The pinned body named `name`, with this run's ids and site put in."""
    text = BEFORE.read_text(encoding="utf-8").split(f"=== {name}\n", 1)[1].split("===\n", 1)[0]
    values = {f"pk{n}": interview.pk for n, interview in enumerate(interviews)}
    return text.format(**values).replace("\n", "\r\n").encode()


@pytest.mark.parametrize("side", ["student", "alumni", "casey", "nobody's"])
def test_feed_body_is_the_one_pinned(side, meetings, student, alumni, nobody, settings):
    settings.SITE_URL = "https://fieldnotes.example.edu"
    casey, interviews = meetings
    owner = {"student": student, "alumni": alumni, "casey": casey.user}.get(side)
    if owner is None:
        owner = UserFactory(office=student.office, email="zoe@northfield.test")
    url = f"/calendar/{services.calendar_feed_get_or_create(user=owner).token}.ics"

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        body = nobody.get(url).content

    assert body == _pinned(side, interviews)
