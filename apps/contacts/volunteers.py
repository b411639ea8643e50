"""Writes of volunteer profiles: the alumnus's own edits and pauses, the office's
deactivation, the search text the directory reads, and a student adding a
volunteer to their contact book."""

from datetime import date, timedelta
from urllib.parse import urlsplit

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.contacts.directory import (
    SEARCH_CONFIG,
    directory_month_start,
    directory_version_key,
    majors_cache_key,
)
from apps.contacts.enums import Format, OpenTo, Source
from apps.contacts.matching import contact_matches
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_create, contact_link_volunteer
from apps.core.links import site_url
from apps.core.notify import notify
from apps.core.versions import version_replace
from apps.students.models import StudentProfile

PROFILE_FIELDS = [
    "employer", "job_title", "location", "graduation_year", "programme", "industry", "bio",
    "topics", "formats", "open_to", "languages", "phone", "linkedin_url", "share_email_on_accept",
    "share_phone_on_accept", "show_linkedin_in_directory", "capacity_per_month",
    "accepting_requests", "paused_until",
]  # fmt: skip
TEXT_FIELDS = {
    "employer", "job_title", "location", "programme", "bio", "topics", "languages", "phone",
    "linkedin_url",
}  # fmt: skip
EARLIEST_GRADUATION_YEAR = 1950
LONGEST_PAUSE_DAYS = 366
SEARCH_REBUILD_BATCH = 500


# --- Search text --------------------------------------------------------------------


def _search_parts(profile: VolunteerProfile, field_names: list[str]) -> tuple[str, str, str]:
    """What is searched, by weight: who they are and where they work (A), what they
    talk about (B), the bio (C)."""
    a = " ".join([profile.user.full_name, profile.employer, profile.job_title])
    b = " ".join([*field_names, profile.topics])
    return a, b, profile.bio


def _search_words(profile: VolunteerProfile, field_names: list[str]) -> str:
    """The words a misspelt search is matched against (pg_trgm): name, employer, job
    title, fields and topics; not the bio, whose many words would match almost any
    typo somewhere."""
    parts = [
        profile.user.full_name, profile.employer, profile.job_title, *field_names,
        profile.topics,
    ]  # fmt: skip
    return " ".join(part for part in parts if part and part.strip())


def _search_values(profile: VolunteerProfile, field_names: list[str]) -> dict:
    a, b, c = _search_parts(profile, field_names)
    values = {
        "search_document": "\n".join(part for part in (a, b, c) if part.strip()),
        "search_words": _search_words(profile, field_names),
    }
    if connection.vendor == "postgresql":
        values["search_vector"] = (
            SearchVector(Value(a), weight="A", config=SEARCH_CONFIG)
            + SearchVector(Value(b), weight="B", config=SEARCH_CONFIG)
            + SearchVector(Value(c), weight="C", config=SEARCH_CONFIG)
        )
    return values


def volunteer_search_refresh(*, profile: VolunteerProfile) -> None:
    """Recompute one profile's search text. Call after anything it is made of changes
    (the profile, its fields, the volunteer's name)."""
    field_names = list(profile.fields.order_by("name").values_list("name", flat=True))
    values = _search_values(profile, field_names)
    VolunteerProfile.objects.filter(pk=profile.pk).update(**values)
    profile.search_document = values["search_document"]
    profile.search_words = values["search_words"]


def directory_changed(*, office_id: int) -> None:
    """Something the office's directory ranks or filters on has changed: the rankings
    students' pages keep (directory.RANKING_TTL) are retired once this commits. A
    new random version rather than a count: two changes at once cannot leave the
    version where a ranking read in between expects it."""
    transaction.on_commit(
        lambda: version_replace(
            directory_version_key(office_id),
            what=f"office {office_id}: the directory's rankings",
        )
    )


def volunteer_search_rebuild(*, office_id: int) -> int:
    """Recompute the search text of every profile of an office, in batches: after a
    field is renamed, or to fill rows made in bulk. Returns how many were updated."""
    profiles = list(
        VolunteerProfile.objects.filter(office_id=office_id)
        .select_related("user")
        .prefetch_related("fields")
        .order_by("pk")
    )
    for profile in profiles:
        names = sorted(f.name for f in profile.fields.all())
        for name, value in _search_values(profile, names).items():
            setattr(profile, name, value)
    update = ["search_document", "search_words"]
    if connection.vendor == "postgresql":
        update.append("search_vector")
    VolunteerProfile.objects.bulk_update(profiles, update, batch_size=SEARCH_REBUILD_BATCH)
    directory_changed(office_id=office_id)
    return len(profiles)


# --- The volunteer's own profile ----------------------------------------------------


@transaction.atomic
def volunteer_profile_get_or_create(*, user) -> VolunteerProfile:
    """The alumnus's profile, created empty on first visit in their office. A new
    profile offers no format yet, so it stays out of the directory until saved."""
    if user.role != Role.ALUMNI or user.office_id is None:
        raise PermissionError("only alumni of an office volunteer")
    profile, created = VolunteerProfile.objects.get_or_create(
        user=user, defaults={"office_id": user.office_id}
    )
    if created:
        volunteer_search_refresh(profile=profile)
    return profile


def _check_own(user, profile: VolunteerProfile) -> None:
    if profile.user_id != user.pk:
        raise PermissionError("profile of another volunteer")


def _clean_formats(value) -> tuple[list[str], str | None]:
    chosen = set(value or [])
    if not chosen:
        return [], _("Choose at least one way you are willing to meet.")
    unknown = chosen - set(Format.values)
    if unknown:
        return [], _("Choose formats from the list.")
    return [f for f in Format.values if f in chosen], None


def _clean_open_to(value) -> tuple[list[str], str | None]:
    chosen = set(value or [])
    if chosen - set(OpenTo.values):
        return [], _("Choose what you are open to from the list.")
    return [o for o in OpenTo.values if o in chosen], None


def _linkedin_error(url: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not (
        host == "linkedin.com" or host.endswith(".linkedin.com")
    ):
        return _("Enter the address of your LinkedIn profile, e.g. https://www.linkedin.com/in/…")
    return None


def _pause_error(until: date, today: date) -> str | None:
    if until <= today:
        return _("Choose a date after today.")
    if until > today + timedelta(days=LONGEST_PAUSE_DAYS):
        return _("Pause for at most a year; you can pause again later.")
    return None


@transaction.atomic
def volunteer_profile_update(*, user, profile: VolunteerProfile, **data) -> VolunteerProfile:
    """Save the volunteer's edits. Any bad value refuses the whole change with a
    message per field, and the stored profile stays as it was."""
    _check_own(user, profile)
    unknown = set(data) - set(PROFILE_FIELDS) - {"fields"}
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    fields = data.pop("fields", None)
    if fields is not None and any(f.office_id != profile.office_id for f in fields):
        raise PermissionError("field of another office")

    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    stored_pause = profile.paused_until
    for name, value in data.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(profile, name, value)

    if "formats" in data:
        profile.formats, problem = _clean_formats(data["formats"])
        if problem:
            errors["formats"] = [problem]
    if "open_to" in data:
        profile.open_to, problem = _clean_open_to(data["open_to"])
        if problem:
            errors["open_to"] = [problem]
    if problem := _linkedin_error(profile.linkedin_url):
        errors["linkedin_url"] = [problem]
    year = profile.graduation_year
    if year is not None and not (EARLIEST_GRADUATION_YEAR <= year <= today.year):
        errors["graduation_year"] = [
            _("Enter a year between %(first)s and %(last)s.")
            % {"first": EARLIEST_GRADUATION_YEAR, "last": today.year}
        ]
    if profile.paused_until is not None:
        if profile.paused_until == stored_pause and profile.paused_until < today:
            # A pause that has run out is simply over; it must not block other edits.
            profile.paused_until = None
        elif profile.paused_until != stored_pause and (
            problem := _pause_error(profile.paused_until, today)
        ):
            errors["paused_until"] = [problem]

    try:
        profile.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    profile.save()
    if fields is not None:
        profile.fields.set(fields)
    volunteer_search_refresh(profile=profile)
    # The directory's major filter offers a new major at once.
    transaction.on_commit(lambda: cache.delete(majors_cache_key(profile.office_id)))
    directory_changed(office_id=profile.office_id)
    return profile


def volunteer_pause(*, user, profile: VolunteerProfile, until: date | None) -> VolunteerProfile:
    """Stop new requests until a date (inclusive), or with `until=None` take requests
    again at once."""
    _check_own(user, profile)
    if until is None:
        profile.paused_until = None
        profile.accepting_requests = True
    else:
        if problem := _pause_error(until, timezone.localdate()):
            raise ValidationError({"paused_until": [problem]})
        profile.paused_until = until
    profile.save(update_fields=["paused_until", "accepting_requests", "updated_at"])
    directory_changed(office_id=profile.office_id)
    return profile


# --- The office ---------------------------------------------------------------------


def _check_admin(admin, profile: VolunteerProfile) -> None:
    if not admin.is_office_admin or profile.office_id != admin.office_id:
        raise PermissionError("not this office's admin")


def _tell_volunteer(*, template: str, admin, profile: VolunteerProfile) -> None:
    notify(
        user=profile.user,
        template=template,
        about=profile,
        reply_to=[admin.email],
        context={
            "volunteer": profile.user,
            "office": admin.office,
            "profile_url": site_url("volunteer_profile"),
        },
    )


@transaction.atomic
def volunteer_deactivate(*, admin, profile: VolunteerProfile) -> bool:
    """Hide a volunteer from the directory. Returns False if they already were; the
    volunteer is told only when something changed."""
    _check_admin(admin, profile)
    now = timezone.now()
    changed = VolunteerProfile.objects.filter(pk=profile.pk, deactivated_at__isnull=True).update(
        deactivated_at=now, updated_at=now
    )
    if changed:
        profile.deactivated_at = now
        directory_changed(office_id=profile.office_id)
        _tell_volunteer(template="contacts/volunteer_deactivated", admin=admin, profile=profile)
    return bool(changed)


@transaction.atomic
def volunteer_reactivate(*, admin, profile: VolunteerProfile) -> bool:
    _check_admin(admin, profile)
    now = timezone.now()
    changed = VolunteerProfile.objects.filter(pk=profile.pk, deactivated_at__isnull=False).update(
        deactivated_at=None, updated_at=now
    )
    if changed:
        profile.deactivated_at = None
        directory_changed(office_id=profile.office_id)
        _tell_volunteer(template="contacts/volunteer_reactivated", admin=admin, profile=profile)
    return bool(changed)


# --- Students -----------------------------------------------------------------------


def volunteer_field_for_student(*, student, profile: VolunteerProfile):
    """The first of the volunteer's fields the student follows, else their first."""
    followed = set(
        StudentProfile.fields.through.objects.filter(
            studentprofile__user_id=student.pk
        ).values_list("field_id", flat=True)
    )
    fields = sorted(profile.fields.all(), key=lambda f: (f.name.lower(), f.pk))
    return next((f for f in fields if f.pk in followed), fields[0] if fields else None)


def volunteer_add_to_contacts(*, student, profile: VolunteerProfile) -> tuple[Contact, bool]:
    """Put a directory volunteer in the student's contact book, once. Returns the
    contact and whether it is new. Someone the student already has (by email, by the
    LinkedIn URL the volunteer shows, or by name at the volunteer's employer) and not
    linked to another volunteer is linked instead of added twice. The volunteer's email
    and phone are not copied: they are shared only when the volunteer accepts a
    request."""
    if student.role != Role.STUDENT or profile.office_id != student.office_id:
        raise PermissionError("not a student of this volunteer's office")
    shown_linkedin = profile.linkedin_url if profile.show_linkedin_in_directory else ""
    candidates = contact_matches(
        student,
        volunteer=profile,
        email=profile.user.email,
        linkedin_url=shown_linkedin,
        name=profile.user.full_name,
        organisation=profile.employer,
    )
    candidates = list(candidates[:5])
    # The contact already linked to them wins, archived or not (one link per volunteer).
    existing = next((c for c in candidates if c.volunteer_id == profile.pk), None) or next(
        (c for c in candidates if c.volunteer_id is None), None
    )
    if existing is not None:
        if existing.volunteer_id is None:
            contact_link_volunteer(student=student, contact=existing, volunteer=profile)
        return existing, False
    data = {
        "full_name": profile.user.full_name,
        "organisation": profile.employer,
        "job_title": profile.job_title,
        "location": profile.location,
        "field": volunteer_field_for_student(student=student, profile=profile),
        "linkedin_url": shown_linkedin,
        "source": Source.ALUMNI_DIRECTORY,
    }
    try:
        with transaction.atomic():
            return contact_create(student=student, volunteer=profile, **data), True
    except (IntegrityError, ValidationError):
        # Another request (a double click) added the same volunteer first.
        existing = Contact.objects.filter(owner=student, volunteer=profile).first()
        if existing is None:
            raise
        return existing, False


# --- Request statistics (kept by the interviews services) ---------------------------


def _month_start(profile: VolunteerProfile, now) -> date:
    return directory_month_start(office=profile.office, now=now).date()


def volunteer_stats_record_request(*, profile: VolunteerProfile, now=None) -> None:
    """A student sent this volunteer a request: count it against this month's
    capacity and in the response rate. A conditional UPDATE, so two requests at
    once are both counted."""
    now = now or timezone.now()
    month = _month_start(profile, now)
    VolunteerProfile.objects.filter(pk=profile.pk, month_started=month).update(
        requests_in_month=F("requests_in_month") + 1, requests_received=F("requests_received") + 1
    ) or VolunteerProfile.objects.filter(pk=profile.pk).update(
        month_started=month, requests_in_month=1, requests_received=F("requests_received") + 1
    )
    # Spare capacity is part of the fit score.
    directory_changed(office_id=profile.office_id)


def volunteer_stats_record_answer(*, profile: VolunteerProfile, seconds: float) -> None:
    """The volunteer accepted or declined, `seconds` after the request."""
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        requests_answered=F("requests_answered") + 1,
        response_seconds_total=F("response_seconds_total") + max(0, int(seconds)),
    )
