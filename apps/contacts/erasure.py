"""A person's data in this app, for their export, and its erasure (issue 11, data
rights): a student's contact book and imports, a volunteer's profile. Called by
advising.rights, which gathers every app's part."""

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.contacts.directory import office_directory_changed
from apps.contacts.keys import text_key
from apps.contacts.models import CONTACT_FIELDS, Contact, ContactImport, VolunteerProfile
from apps.contacts.volunteers import directory_changed
from apps.core.data_export import ExportTable

# What the student says about a contact (models.CONTACT_FIELDS, the one list the
# form, the services and the CSV read), then what Fieldnotes keeps about it.
_EXPORTED_AS = {"referred_by": "referred_by_id"}
CONTACT_COLUMNS = [
    "id",
    *(_EXPORTED_AS.get(name, name) for name in CONTACT_FIELDS),
    "from_directory",
    "stage",
    "target_rank",
    "archived_at",
    "last_interaction_at",
    "last_interaction",
    "created_at",
    "updated_at",
]

VOLUNTEER_COLUMNS = [
    "employer",
    "job_title",
    "fields",
    "location",
    "graduation_year",
    "programme",
    "industry",
    "bio",
    "topics",
    "formats",
    "open_to",
    "languages",
    "phone",
    "linkedin_url",
    "share_email_on_accept",
    "share_phone_on_accept",
    "show_linkedin_in_directory",
    "capacity_per_month",
    "accepting_requests",
    "paused_until",
    "requests_received",
    "requests_answered",
    "created_at",
]


def contacts_of_owner_for_export(user) -> list[ExportTable]:
    """The student's contact book, archived contacts included, read in chunks."""

    def rows():
        contacts = (
            Contact.objects.filter(owner=user)
            .select_related("field")
            .order_by("pk")
            .iterator(chunk_size=1000)
        )
        for c in contacts:
            computed = {
                "id": c.pk,
                "field": c.field.name if c.field else "",
                "from_directory": c.volunteer_id is not None,
            }
            yield {
                column: computed[column] if column in computed else getattr(c, column)
                for column in CONTACT_COLUMNS
            }

    def target_rows():
        targets = (
            Contact.objects.filter(owner=user, target_rank__isnull=False, archived_at__isnull=True)
            .select_related("field")
            .order_by("field__name", "target_rank", "pk")
            .iterator(chunk_size=1000)
        )
        for c in targets:
            yield {
                "field": c.field.name if c.field else "",
                "rank": c.target_rank,
                "contact_id": c.pk,
                "full_name": c.full_name,
            }

    return [
        ExportTable("contacts", CONTACT_COLUMNS, rows),
        ExportTable("targets", ["field", "rank", "contact_id", "full_name"], target_rows),
    ]


def volunteer_profile_for_export(user) -> list[ExportTable]:
    def rows():
        profile = VolunteerProfile.objects.filter(user=user).prefetch_related("fields").first()
        if profile is None:
            return
        row = {column: getattr(profile, column, None) for column in VOLUNTEER_COLUMNS}
        row["fields"] = [f.name for f in profile.fields.all()]
        yield row

    return [ExportTable("volunteer_profile", VOLUNTEER_COLUMNS, rows, csv=False)]


def contacts_erase_owner(user) -> int:
    """Strip every contact of the student down to what the office's figures count
    (stage, field, source, dates): name, addresses, numbers, organisation, notes and
    tags go. The rows stay, so the interviews and follow-ups that point at them, and
    the dashboard's contact and stage counts, are unchanged. Imports are deleted."""
    ContactImport.objects.filter(owner=user).delete()
    return Contact.objects.filter(owner=user).update(
        **_details_erased(_("Erased contact"), timezone.now()),
        notes="",
        tags=[],
        last_interaction="",
        referred_by=None,
    )


def _details_erased(name: str, now) -> dict:
    """A contact's details, gone: `name` in place of theirs. The duplicate-matching
    keys are copies of the name, organisation and LinkedIn address (contacts/keys.py)
    and go with them."""
    return {
        "full_name": name,
        "match_name": text_key(name),
        "match_org": "",
        "match_linkedin": "",
        "email": "",
        "phone": "",
        "organisation": "",
        "job_title": "",
        "location": "",
        "linkedin_url": "",
        "updated_at": now,
    }


def volunteer_erase(user) -> None:
    """A volunteer's profile loses everything about them and leaves the directory
    (deactivated, not accepting). The row stays, with its request counts, because
    students' interviews and contacts point at it; the students' contacts that were
    this volunteer now read "A former volunteer", without their details."""
    # The account's name changes too (accounts.erasure.user_erase, an UPDATE that
    # announces nothing), which the office's list names when there is no profile.
    office_directory_changed(office_id=user.office_id)
    profile = VolunteerProfile.objects.filter(user=user).first()
    if profile is None:
        return
    now = timezone.now()
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        employer="",
        job_title="",
        location="",
        graduation_year=None,
        programme="",
        industry="",
        bio="",
        topics="",
        languages="",
        phone="",
        linkedin_url="",
        share_email_on_accept=False,
        share_phone_on_accept=False,
        show_linkedin_in_directory=False,
        accepting_requests=False,
        paused_until=None,
        deactivated_at=profile.deactivated_at or now,
        search_document="",
        search_words="",
        search_vector=None,
        updated_at=now,
    )
    profile.fields.clear()
    directory_changed(office_id=profile.office_id)
    Contact.objects.filter(volunteer=profile).update(
        **_details_erased(_("A former volunteer"), now)
    )
