"""Writes of contacts and volunteer profiles."""

from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.accounts.services import user_record_activity
from apps.contacts.enums import Stage
from apps.contacts.models import CONTACT_FIELDS, Contact, VolunteerProfile


def tags_clean(tags) -> list[str]:
    seen, out = set(), []
    for tag in tags or []:
        tag = " ".join(str(tag).split())[:40]
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out[:20]


def _check_owner(student, contact) -> None:
    if contact is not None and contact.owner_id != student.pk:
        raise PermissionError("contact of another student")


@transaction.atomic
def contact_create(
    *, student, volunteer: VolunteerProfile | None = None, on_target_list: bool = False, **data
) -> Contact:
    _check_owner(student, data.get("referred_by"))
    if data.get("field") is not None and data["field"].office_id != student.office_id:
        raise PermissionError("field of another office")
    data["tags"] = tags_clean(data.get("tags"))
    contact = Contact(
        owner=student, volunteer=volunteer, **{k: v for k, v in data.items() if k in CONTACT_FIELDS}
    )
    contact.email = contact.email.strip().lower()
    contact.full_clean()
    contact.save()
    user_record_activity(user_id=student.pk, at=contact.created_at)
    if on_target_list:
        contact_target_add(student=student, contact=contact)
    return contact


@transaction.atomic
def contact_update(*, student, contact: Contact, **data) -> Contact:
    _check_owner(student, contact)
    _check_owner(student, data.get("referred_by"))
    if data.get("referred_by") is not None and data["referred_by"].pk == contact.pk:
        raise ValueError("a contact cannot refer themselves")
    if data.get("field") is not None and data["field"].office_id != student.office_id:
        raise PermissionError("field of another office")
    field_changed = "field" in data and data["field"] != contact.field
    if "tags" in data:
        data["tags"] = tags_clean(data["tags"])
    for name, value in data.items():
        if name in CONTACT_FIELDS:
            setattr(contact, name, value)
    contact.email = contact.email.strip().lower()
    if field_changed and contact.target_rank is not None:
        contact.target_rank = _next_rank(student=student, field_id=contact.field_id)
    contact.full_clean()
    contact.save()
    return contact


def contact_archive(*, student, contact: Contact) -> Contact:
    _check_owner(student, contact)
    contact.archived_at = timezone.now()
    contact.save(update_fields=["archived_at", "updated_at"])
    return contact


def contact_restore(*, student, contact: Contact) -> Contact:
    _check_owner(student, contact)
    contact.archived_at = None
    contact.save(update_fields=["archived_at", "updated_at"])
    return contact


def contact_set_stage(*, contact: Contact, stage: str) -> Contact:
    """Called by the interviews services when an interview or follow-up moves."""
    if stage not in Stage.values:
        raise ValueError(f"unknown stage {stage}")
    if contact.stage != stage:
        contact.stage = stage
        contact.stage_changed_at = timezone.now()
        contact.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    return contact


def contact_record_interaction(*, contact: Contact, at: datetime, what: str) -> bool:
    """The student was in touch with the contact at `at` (a request, a message, a
    meeting, notes, a thank-you, a check-in, one they logged by hand): the one clock
    every app reads. It only moves forward; at the same moment the later call wins
    (a reply recorded and the time agreed in one request read "Time agreed").
    Returns whether it moved, and leaves `contact` holding the clock either way.
    Called by the interviews and follow-ups services."""
    what = what[:200]
    # One conditional UPDATE: two writers at once cannot move it backwards.
    moved = (
        Contact.objects.filter(pk=contact.pk)
        .filter(Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lte=at))
        .update(last_interaction_at=at, last_interaction=what)
    )
    if moved:
        contact.last_interaction_at, contact.last_interaction = at, what
        # The student's own clock follows every contact's; when this one did not
        # move, a later interaction had already moved both.
        user_record_activity(user_id=contact.owner_id, at=at)
    else:
        contact.last_interaction_at, contact.last_interaction = (
            Contact.objects.filter(pk=contact.pk)
            .values_list("last_interaction_at", "last_interaction")
            .get()
        )
    return bool(moved)


def _next_rank(*, student, field_id) -> int:
    top = Contact.objects.filter(owner=student, field_id=field_id).aggregate(m=Max("target_rank"))
    return (top["m"] or 0) + 1


@transaction.atomic
def contact_target_add(*, student, contact: Contact) -> Contact:
    _check_owner(student, contact)
    if contact.target_rank is None:
        contact.target_rank = _next_rank(student=student, field_id=contact.field_id)
        contact.save(update_fields=["target_rank", "updated_at"])
    return contact


@transaction.atomic
def contact_target_remove(*, student, contact: Contact) -> Contact:
    _check_owner(student, contact)
    contact.target_rank = None
    contact.save(update_fields=["target_rank", "updated_at"])
    return contact


@transaction.atomic
def target_list_reorder(*, student, field_id, contact_ids: list[int]) -> None:
    """Rank the field's target list in the given order. Ids must be exactly the
    contacts on that list; anything else is refused and nothing changes."""
    current = list(
        Contact.objects.select_for_update()
        .filter(
            owner=student, field_id=field_id, target_rank__isnull=False, archived_at__isnull=True
        )
        .values_list("pk", flat=True)
    )
    if sorted(current) != sorted(contact_ids) or len(set(contact_ids)) != len(contact_ids):
        raise ValueError("the order must name every contact on this list exactly once")
    rows = [Contact(pk=pk, target_rank=i) for i, pk in enumerate(contact_ids, start=1)]
    Contact.objects.bulk_update(rows, ["target_rank"])


def target_list_move(*, student, contact: Contact, offset: int) -> None:
    """Move one contact up (-1) or down (+1) its field's list: the keyboard path."""
    ids = list(
        Contact.objects.filter(
            owner=student,
            field_id=contact.field_id,
            target_rank__isnull=False,
            archived_at__isnull=True,
        )
        .order_by("target_rank", "pk")
        .values_list("pk", flat=True)
    )
    if contact.pk not in ids:
        raise ValueError("contact is not on a target list")
    i = ids.index(contact.pk)
    j = max(0, min(len(ids) - 1, i + offset))
    ids[i], ids[j] = ids[j], ids[i]
    target_list_reorder(student=student, field_id=contact.field_id, contact_ids=ids)
