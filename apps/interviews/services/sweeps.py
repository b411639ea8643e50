"""What the periodic sweeps write: one reminder to a volunteer who has not
answered, and the expiry of a request nobody answered (the due ids come from
apps.interviews.selectors)."""

from django.db import transaction
from django.utils import timezone

from apps.contacts.enums import Stage
from apps.contacts.services import contact_set_stage
from apps.interviews.enums import (
    Channel,
    EventKind,
    State,
)
from apps.interviews.models import Interview
from apps.interviews.selectors.interviews import (
    next_ranked_contact,
)
from apps.interviews.services.lifecycle import (
    announce,
    record_event,
    tell_student,
    tell_volunteer,
    transition,
)


def interview_nudge(
    *, interview_id: int, headers: dict | None = None, extra_context: dict | None = None
) -> bool:
    """One reminder to a volunteer who has not answered. Claimed by a conditional
    UPDATE, so two sweeps never both send it. `headers` and `extra_context` go
    into the email as they are (the follow-ups engine adds its unsubscribe link)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Interview.objects.filter(
            pk=interview_id,
            state=State.REQUESTED,
            channel=Channel.PLATFORM,
            nudged_at__isnull=True,
        ).update(nudged_at=now)
        if claimed != 1:
            return False
        interview = Interview.objects.select_related("volunteer__user", "student").get(
            pk=interview_id
        )
        announce(record_event(interview, actor=None, kind=EventKind.NUDGED))
        tell_volunteer(interview, "request_nudge", headers=headers, **(extra_context or {}))
    return True


def interview_expire(*, interview_id: int) -> bool:
    with transaction.atomic():
        # of=("self",): the volunteer join is nullable, and PostgreSQL cannot lock
        # the nullable side of an outer join.
        interview = (
            Interview.objects.select_for_update(of=("self",))
            .select_related("volunteer__user", "student", "contact")
            .filter(pk=interview_id, state=State.REQUESTED)
            .first()
        )
        if interview is None:
            return False
        event = transition(interview, State.EXPIRED, actor=None, kind=EventKind.EXPIRED)
        interview.save(update_fields=["state", "updated_at"])
        contact_set_stage(contact=interview.contact, stage=Stage.NO_RESPONSE)
        announce(event)
        tell_student(
            interview, "request_expired", next_contact=next_ranked_contact(interview=interview)
        )
    return True
