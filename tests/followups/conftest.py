"""Fixtures for the follow-ups engine.

Every test here runs at a fixed moment, mid-morning in New York (the office's and
its people's zone), so quiet hours never hold a reminder back unless a test moves
the clock on purpose. Time is frozen; tests move it with `time_machine`.
"""

from datetime import UTC, datetime, timedelta

import pytest

from apps.interviews.enums import State
from tests.factories.interviews import InterviewFactory

# Tuesday 3 March 2026, 10:00 in New York (EST, UTC-5).
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
# When the `meeting` and `own_meeting` fixtures ended: the thank-you window opens here.
ENDED = NOW - timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _mid_morning(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def meeting(student, volunteer):
    """A 30-minute video call through Fieldnotes with Alex Alumni that ended 15
    minutes ago."""
    return InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=NOW - timedelta(minutes=45),
        duration_minutes=30,
        format="video",
        meeting_url="https://meet.example.test/abc",
    )


@pytest.fixture
def own_meeting(student):
    """A meeting with Jordan Lee (jordan@harbour.test), arranged outside Fieldnotes,
    that ended 15 minutes ago."""
    return InterviewFactory(
        student=student,
        state=State.SCHEDULED,
        starts_at=NOW - timedelta(minutes=45),
        duration_minutes=30,
        format="in_person",
        location="Harbour Health, 4th floor",
    )
