"""Writes of student profiles, research notes and an office's list of fields."""

import math

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.services import members_changed
from apps.core.versions import version_replace
from apps.students.models import Field, ResearchNote, StudentProfile
from apps.students.selectors import field_choices_cache_keys, programmes_cache_keys

# A relaxed speaking pace: 150 words a minute, so 75–150 words is 30–60 seconds.
WORDS_PER_MINUTE = 150
PITCH_WORDS_MIN, PITCH_WORDS_MAX = 75, 150

DEFAULT_FIELDS = [
    "Accounting and finance",
    "Consulting",
    "Data science and analytics",
    "Education",
    "Engineering",
    "Government and public policy",
    "Healthcare",
    "Law",
    "Marketing and communications",
    "Media and publishing",
    "Nonprofit",
    "Research and academia",
    "Software and technology",
    "Sustainability and energy",
]


def pitch_stats(text: str) -> dict:
    words = len((text or "").split())
    seconds = math.ceil(words * 60 / WORDS_PER_MINUTE) if words else 0
    if words == 0:
        verdict = "empty"
    elif words < PITCH_WORDS_MIN:
        verdict = "short"
    elif words > PITCH_WORDS_MAX:
        verdict = "long"
    else:
        verdict = "good"
    return {"words": words, "seconds": seconds, "verdict": verdict}


def split_list(text: str, *, limit: int = 30, max_len: int = 80) -> list[str]:
    """Comma- or line-separated text to a clean list, duplicates dropped."""
    seen, out = set(), []
    for raw in (text or "").replace("\n", ",").split(","):
        item = " ".join(raw.split())[:max_len]
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out[:limit]


@transaction.atomic
def student_profile_update(
    *,
    profile: StudentProfile,
    programme: str,
    graduation_year,
    fields,
    interest_tags: list[str],
    target_companies: list[str],
    pitch: str,
    field_certainty: str | None = None,
) -> StudentProfile:
    """Save the profile; `field_certainty` None leaves it as it was (callers that do
    not show it, like the demo seed, need not know it)."""
    office_id = profile.user.office_id
    if any(f.office_id != office_id for f in fields):
        raise PermissionError("field of another office")
    if profile.programme != programme.strip():
        version_key = programmes_cache_keys(office_id)[0]
        transaction.on_commit(
            lambda: version_replace(version_key, what=f"office {office_id}: its programmes")
        )
    if profile.programme != programme.strip() or profile.graduation_year != graduation_year:
        # Filters of the People page and the caseload, whose counts are cached per
        # version of the office's membership.
        members_changed(office_id=office_id)
    profile.programme = programme.strip()
    profile.graduation_year = graduation_year
    profile.interest_tags = interest_tags
    profile.target_companies = target_companies
    profile.pitch = pitch.strip()
    if field_certainty is not None:
        profile.field_certainty = field_certainty
    profile.full_clean()
    profile.save()
    profile.fields.set(fields)
    return profile


def research_note_save(
    *, student, note: ResearchNote | None = None, title: str, body: str, field: Field | None
) -> ResearchNote:
    if note is not None and note.student_id != student.pk:
        raise PermissionError("note of another student")
    if field is not None and field.office_id != student.office_id:
        raise PermissionError("field of another office")
    note = note or ResearchNote(student=student)
    note.title, note.body, note.field = title.strip(), body, field
    note.full_clean()
    note.save()
    return note


def research_note_delete(*, student, note: ResearchNote) -> None:
    if note.student_id != student.pk:
        raise PermissionError("note of another student")
    note.delete()


def _check_admin(admin, office_id) -> None:
    if not admin.is_office_admin or admin.office_id != office_id:
        raise PermissionError("not this office's admin")


def fields_changed(*, office_id: int) -> None:
    """The office's list of fields changed: the choices kept for its filters
    (selectors.field_choices_kept) are retired once this commits, never before, so
    choices read meanwhile from the old rows are kept under the old version."""
    version_key, _choices_key = field_choices_cache_keys(office_id=office_id)
    transaction.on_commit(
        lambda: version_replace(version_key, what=f"office {office_id}: the field choices")
    )


def field_save(
    *, admin, field: Field | None = None, name: str, description: str = "", is_active: bool = True
) -> Field:
    field = field or Field(office_id=admin.office_id)
    _check_admin(admin, field.office_id)
    field.name, field.description, field.is_active = name.strip(), description.strip(), is_active
    clash = Field.objects.filter(office_id=field.office_id, name__iexact=field.name)
    if clash.exclude(pk=field.pk).exists():
        raise ValidationError({"name": _("Your office already has a field with this name.")})
    field.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"name": _("Your office already has a field with this name.")}
        ) from exc
    fields_changed(office_id=field.office_id)
    return field


def field_seed_defaults(*, office) -> int:
    """Give an office the standard list of fields; names it already has are kept."""
    existing = {
        n.lower() for n in Field.objects.filter(office=office).values_list("name", flat=True)
    }
    new = [Field(office=office, name=n) for n in DEFAULT_FIELDS if n.lower() not in existing]
    Field.objects.bulk_create(new)
    if new:
        fields_changed(office_id=office.pk)
    return len(new)
