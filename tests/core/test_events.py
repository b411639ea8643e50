"""The domain-event seam: announcing runs every subscriber at once, in order, in
the announcing transaction."""

from dataclasses import dataclass

import pytest
from django.db import transaction

from apps.core.events import event_announce, event_handlers, event_subscribe
from apps.followups import handlers
from apps.interviews.events import InterviewActivity, InterviewHeld, InterviewNotesSaved


@dataclass(frozen=True)
class Happened:
    what: str


@dataclass(frozen=True)
class Unheard:
    what: str


def test_announce_runs_each_subscriber_once_in_the_order_they_subscribed():
    heard = []

    def first(event):
        heard.append(("first", event.what))

    def second(event):
        heard.append(("second", event.what))

    event_subscribe(Happened, first)
    event_subscribe(Happened, second)
    event_subscribe(Happened, first)  # ready() run twice must not double it

    event_announce(Happened(what="held"))
    event_announce(Unheard(what="nobody listens"))

    assert heard == [("first", "held"), ("second", "held")]
    assert event_handlers(Happened) == [first, second]
    assert event_handlers(Unheard) == []


@pytest.mark.django_db
def test_a_failing_subscriber_rolls_back_the_announcing_transaction(student):
    @dataclass(frozen=True)
    class Renamed:
        user_id: int

    def refuse(event):
        raise ValueError("no")

    event_subscribe(Renamed, refuse)

    with pytest.raises(ValueError), transaction.atomic():
        type(student).objects.filter(pk=student.pk).update(full_name="Changed")
        event_announce(Renamed(user_id=student.pk))

    student.refresh_from_db()
    assert student.full_name != "Changed"


def test_the_follow_ups_engine_subscribes_to_what_interviews_announce():
    assert event_handlers(InterviewHeld) == [handlers.on_interview_held]
    assert event_handlers(InterviewActivity) == [handlers.on_interview_activity]
    assert event_handlers(InterviewNotesSaved) == [handlers.on_interview_activity]
