"""Writes of contacts and volunteer profiles."""

import logging
import time
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.services import user_record_activity
from apps.contacts.enums import STAGE_ORDER, Stage
from apps.contacts.events import ContactsMerging
from apps.contacts.models import CONTACT_FIELDS, Contact, VolunteerProfile
from apps.contacts.selectors import contact_book_version_key
from apps.core.events import event_announce

logger = logging.getLogger(__name__)


def tags_clean(tags) -> list[str]:
    seen, out = set(), []
    for tag in tags or []:
        tag = " ".join(str(tag).split())[:40]
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out[:20]


def contact_book_changed(*, owner_id: int) -> None:
    """Contacts of this student were added, archived, restored or removed: the cached
    count of the book (selectors.contact_count_for_student) is stale, so its version
    moves on, now and again once the transaction commits (a request that counted in
    between, before the commit, stored its count under the version of now)."""

    def bump():
        key = contact_book_version_key(owner_id)
        # A cache that cannot be reached must not fail the write: the count then
        # waits for its timeout at most.
        try:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, time.time_ns(), timeout=None)
        except Exception:
            logger.warning("student %s: the book's count kept", owner_id, exc_info=True)

    bump()
    transaction.on_commit(bump)


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
    contact_book_changed(owner_id=student.pk)
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


def contact_link_volunteer(*, student, contact: Contact, volunteer: VolunteerProfile) -> Contact:
    """The student asked a directory volunteer they already had in the book: the contact
    becomes theirs to request through the platform, and blanks are filled from the
    volunteer's public profile. Refused if the contact stands for another volunteer."""
    _check_owner(student, contact)
    if contact.volunteer_id not in (None, volunteer.pk):
        raise ValueError("contact is linked to another volunteer")
    contact.volunteer = volunteer
    for name, value in (
        ("organisation", volunteer.employer),
        ("job_title", volunteer.job_title),
        ("location", volunteer.location),
    ):
        if not getattr(contact, name) and value:
            setattr(contact, name, value)
    contact.save()
    return contact


def contact_archive(*, student, contact: Contact) -> Contact:
    _check_owner(student, contact)
    contact.archived_at = timezone.now()
    contact.save(update_fields=["archived_at", "updated_at"])
    contact_book_changed(owner_id=student.pk)
    return contact


def contact_restore(*, student, contact: Contact) -> Contact:
    _check_owner(student, contact)
    contact.archived_at = None
    contact.save(update_fields=["archived_at", "updated_at"])
    contact_book_changed(owner_id=student.pk)
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


# --- Merging two records of one person ----------------------------------------------

# What a student chooses between when merging; notes and tags are combined instead.
MERGE_CHOICE_FIELDS = tuple(f for f in CONTACT_FIELDS if f not in ("notes", "tags"))
NOTES_MAX = 5000


class MergeRefused(ValueError):
    """The two contacts cannot be merged; the message is for the student."""


def _merge_notes(keep: str, drop: str) -> str:
    keep, drop = keep.strip(), drop.strip()
    if not drop or drop in keep:
        return keep
    if not keep or keep in drop:
        return drop
    return f"{keep}\n\n{drop}"[:NOTES_MAX]


@transaction.atomic
def contact_merge(*, student, keep: Contact, drop: Contact, take_from_drop=()) -> Contact:
    """Merge `drop` into `keep`, who stays: the fields named in `take_from_drop`
    (MERGE_CHOICE_FIELDS) come from `drop`, the rest stay `keep`'s; notes and tags
    are combined; the keep-in-touch clock takes the latest, the stage the furthest,
    the target list and the directory link whichever has one. Everything that points
    at `drop` (its interviews, notes, referrals, follow-ups, logged interactions, the
    people it referred) points at `keep`, then `drop` is deleted. One transaction."""
    _check_owner(student, keep)
    _check_owner(student, drop)
    if keep.pk == drop.pk:
        raise MergeRefused(_("Choose two different contacts to merge."))
    # Locked in pk order, so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update()
        .filter(pk__in=[keep.pk, drop.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise MergeRefused(_("One of these contacts is no longer in your book."))
    keep, drop = locked[keep.pk], locked[drop.pk]
    if len({keep.volunteer_id, drop.volunteer_id} - {None}) > 1:
        raise MergeRefused(
            _("These two are different volunteers of the directory, so they stay apart.")
        )
    unknown = set(take_from_drop) - set(MERGE_CHOICE_FIELDS)
    if unknown:
        raise ValueError(f"cannot choose {sorted(unknown)}")

    kept_field_id = keep.field_id
    for name in take_from_drop:
        setattr(keep, name, getattr(drop, name))
    keep.notes = _merge_notes(keep.notes, drop.notes)
    keep.tags = tags_clean([*keep.tags, *drop.tags])
    keep.email = keep.email.strip().lower()
    # The people each referred, and who referred them: a chain through `drop` now
    # runs through `keep`, and neither refers themselves.
    if keep.referred_by_id in (keep.pk, drop.pk):
        keep.referred_by_id = drop.referred_by_id if drop.referred_by_id != keep.pk else None
    if STAGE_ORDER.index(drop.stage) > STAGE_ORDER.index(keep.stage):
        keep.stage, keep.stage_changed_at = drop.stage, drop.stage_changed_at
    if drop.last_interaction_at and (
        keep.last_interaction_at is None or drop.last_interaction_at > keep.last_interaction_at
    ):
        keep.last_interaction_at = drop.last_interaction_at
        keep.last_interaction = drop.last_interaction
    if keep.archived_at is not None and drop.archived_at is None:
        keep.archived_at = None
    if keep.volunteer_id is None and drop.volunteer_id is not None:
        # One contact per volunteer: the link leaves `drop` before `keep` takes it.
        keep.volunteer_id = drop.volunteer_id
        Contact.objects.filter(pk=drop.pk).update(volunteer=None)
    on_list = keep.target_rank is not None or drop.target_rank is not None
    if keep.target_rank is None and drop.target_rank is not None:
        if drop.field_id == keep.field_id:
            keep.target_rank = drop.target_rank
        else:
            keep.target_rank = _next_rank(student=student, field_id=keep.field_id)
    elif on_list and keep.field_id != kept_field_id:
        keep.target_rank = _next_rank(student=student, field_id=keep.field_id)
    keep.full_clean()
    keep.save()

    Contact.objects.filter(referred_by=drop).exclude(pk=keep.pk).update(referred_by=keep)
    Contact.objects.filter(pk=keep.pk, referred_by=drop).update(referred_by=None)
    event_announce(ContactsMerging(student=student, keep=keep, drop=drop))
    _check_nothing_left(drop)
    drop.delete()
    contact_book_changed(owner_id=student.pk)
    keep.refresh_from_db()
    return keep


def _check_nothing_left(drop: Contact) -> None:
    """Deleting `drop` cascades: a row still pointing at it (a relation added without
    a ContactsMerging handler) would be lost with it, so the merge is refused."""
    for relation in Contact._meta.related_objects:
        if not relation.one_to_many:
            continue
        model = relation.related_model
        left = model._default_manager.filter(**{relation.field.name: drop.pk})
        if left.exists():
            raise RuntimeError(f"{model._meta.label} rows still point at contact {drop.pk}")
