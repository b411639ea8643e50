"""Interviews made directly in the state a test needs, without walking the request
flow each time (the flow has its own tests). Pass `student=`; pass `volunteer=` for
a request through Fieldnotes, otherwise the contact is off the platform."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.contacts.services import contact_create
from apps.interviews.enums import Channel, State
from apps.interviews.models import Interview, PreparedQuestion

TIMED_STATES = (State.SCHEDULED, State.COMPLETED, State.NO_SHOW)


class InterviewFactory(DjangoModelFactory):
    class Meta:
        model = Interview

    volunteer = None
    state = State.SCHEDULED
    duration_minutes = 30
    channel = factory.LazyAttribute(
        lambda o: Channel.PLATFORM if o.volunteer is not None else Channel.OWN
    )
    requested_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    starts_at = factory.LazyAttribute(
        lambda o: timezone.now() - timedelta(minutes=5) if o.state in TIMED_STATES else None
    )
    held_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.state == State.COMPLETED else None
    )

    @classmethod
    def _create(cls, model_class, student, contact=None, **kwargs):
        if contact is None:
            volunteer = kwargs.get("volunteer")
            if volunteer is not None:
                contact = contact_create(
                    student=student, volunteer=volunteer, full_name=volunteer.user.full_name
                )
            else:
                contact = contact_create(
                    student=student,
                    full_name="Jordan Lee",
                    organisation="Harbour Health",
                    email="jordan@harbour.test",
                )
        return model_class.objects.create(student=student, contact=contact, **kwargs)


def add_questions(interview, *texts):
    start = interview.questions.count()
    return [
        PreparedQuestion.objects.create(interview=interview, text=text, position=start + i)
        for i, text in enumerate(texts, start=1)
    ]


def mark_held(*, student, interview):
    """Mark the meeting held the way every "Meeting held" button does
    (interview_complete), and return the thank-you follow-up it made due."""
    from apps.followups.enums import Kind
    from apps.followups.models import FollowUp
    from apps.interviews.services import interview_complete

    interview_complete(student=student, interview=interview)
    return FollowUp.objects.get(interview=interview, kind=Kind.THANK_YOU)
