"""Data rights (issue 11, item 9): a student's or volunteer's export of all their
data, the erasure of an account (asked for by its owner, carried out after a grace
period or at once by an office admin, or by the office's retention period), and
the nightly sweeps that carry both out.

Here, in the top app, because it gathers every app's part; each app below offers
its own plain functions in an `erasure` module (`contacts.erasure`,
`interviews.erasure`, ...) and knows nothing of the others."""

from datetime import timedelta

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import DateTimeField, F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import erasure as accounts_erasure
from apps.accounts.enums import Role
from apps.accounts.models import Office, User
from apps.advising.models import AccessRecord, CoachingNote, CommentThread
from apps.advising.selectors_comments import student_education_record
from apps.advising.selectors_rights import OWN_DATA_ROLES
from apps.advising.services import access_record
from apps.contacts import erasure as contacts_erasure
from apps.core import erasure as core_erasure
from apps.core.data_export import ExportTable, data_export_zip
from apps.core.links import site_url
from apps.core.notify import notify
from apps.followups import erasure as followups_erasure
from apps.interviews import erasure as interviews_erasure
from apps.interviews.models import Interview
from apps.students import erasure as students_erasure

# One export per person in this window: building one reads everything they have.
EXPORT_EVERY = timedelta(minutes=10)
# What a person who asked for deletion has to change their mind.
GRACE = timedelta(days=14)
# The retention sweep warns this long before it erases an unused account.
RETENTION_WARNING = timedelta(days=30)


class RightsError(Exception):
    """Why a data-rights request cannot go ahead, in words for the person."""


# --- Export -------------------------------------------------------------------------


README = """Your Fieldnotes data
===================

This archive holds everything Fieldnotes keeps about you, as of {at} (UTC).

Every table is a JSON file (an array of objects, UTF-8); tables of rows are also
CSV files you can open in a spreadsheet. A cell that a spreadsheet would run as a
formula starts with an apostrophe. export.json lists the tables and how many rows
each has.

Files
-----
account.json              your account: name, email, office, role, sign-in dates
{files}
The access log (access_log) lists who at your career office opened your records
and what was done to your account. Coaching notes (coaching_notes) are what your
advisors wrote about you; comments (comments) are the conversations with them.

Questions about your data: ask your career office.
"""

FILE_NOTES = {
    "student_profile": "your profile and elevator pitch",
    "research_notes": "your research notes",
    "contacts": "your contact book, archived contacts included",
    "targets": "your target lists, per field, in rank order",
    "volunteer_profile": "your volunteer profile",
    "interviews": "your conversations: requests, answers, meetings",
    "interview_timeline": "each conversation's timeline and messages",
    "interview_notes": "your notes from each conversation (A.I.R.)",
    "interview_questions": "your prepared questions, in order",
    "referrals": "people suggested to you in conversations",
    "followups": "thank-yous and keep-in-touch check-ins",
    "interactions": "contacts you logged by hand",
    "notification_preferences": "which emails you asked for",
    "comments": "comments between you and your advisors",
    "coaching_notes": "what your advisors noted about you",
    "access_log": "who opened your records, and changes to your account",
    "email_log": "the emails Fieldnotes sent you",
}


def _advising_tables(user) -> list[ExportTable]:
    def comment_rows():
        record = student_education_record(student=user)
        for thread in record["comment_threads"]:
            for comment in thread["comments"]:
                yield {
                    "on": thread["on"],
                    "interview_id": thread["interview_id"],
                    "thread_resolved_at": thread["resolved_at"],
                    "at": comment["at"],
                    "by": comment["by"],
                    "by_me": comment["by_student"],
                    "body": comment["body"],
                }

    def coaching_rows():
        yield from student_education_record(student=user)["coaching_notes"]

    def access_rows():
        records = (
            AccessRecord.objects.filter(Q(subject=user) | Q(actor=user))
            .select_related("actor")
            .order_by("at", "pk")
            .iterator(chunk_size=1000)
        )
        for r in records:
            yield {
                "at": r.at,
                "who": r.actor.full_name,
                "what": r.get_what_display(),
                "about_me": r.subject_id == user.pk,
                "from": r.ip or "",
            }

    tables = [
        ExportTable("access_log", ["at", "who", "what", "about_me", "from"], access_rows),
    ]
    if user.role == Role.STUDENT:
        tables[:0] = [
            ExportTable(
                "comments",
                ["on", "interview_id", "thread_resolved_at", "at", "by", "by_me", "body"],
                comment_rows,
            ),
            ExportTable("coaching_notes", ["at", "updated_at", "by", "body"], coaching_rows),
        ]
    return tables


def data_export_tables(user) -> list[ExportTable]:
    """Every app's part of the person's data, in the order of the README."""
    tables = accounts_erasure.account_for_export(user)
    if user.role == Role.STUDENT:
        tables += students_erasure.student_profile_for_export(user)
        tables += contacts_erasure.contacts_of_owner_for_export(user)
    else:
        tables += contacts_erasure.volunteer_profile_for_export(user)
    tables += interviews_erasure.interviews_of_participant_for_export(user)
    if user.role == Role.STUDENT:
        tables += followups_erasure.followups_of_student_for_export(user)
    tables += _advising_tables(user)
    tables += core_erasure.emails_of_recipient_for_export(user)
    return tables


def data_export_next_at(*, user):
    """When the person may build their next export; None: now."""
    last = (
        AccessRecord.objects.filter(actor=user, what=AccessRecord.What.DATA_EXPORT)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last is None or last + EXPORT_EVERY <= timezone.now():
        return None
    return last + EXPORT_EVERY


def data_export_build(*, user):
    """The person's whole data as a zip in a temporary file (rewound), logged in the
    access log. At most one per EXPORT_EVERY: RightsError otherwise."""
    if user.role not in OWN_DATA_ROLES:
        raise RightsError(_("Only students and volunteers download their data here."))
    with transaction.atomic():
        # The lock makes two quick clicks build one export, not two.
        User.objects.select_for_update().filter(pk=user.pk).first()
        next_at = data_export_next_at(user=user)
        if next_at is not None:
            minutes = -(-(next_at - timezone.now()).total_seconds() // 60)
            raise RightsError(
                _("You downloaded your data a few minutes ago; try again in %(minutes)d minutes.")
                % {"minutes": max(1, minutes)}
            )
        access_record(actor=user, subject=user, what=AccessRecord.What.DATA_EXPORT)
    now = timezone.now()
    tables = data_export_tables(user)
    files = "".join(
        f"{t.name}.json{' / .csv' if t.csv else ''}".ljust(26) + f"{FILE_NOTES.get(t.name, '')}\n"
        for t in tables
        if t.name != "account"
    )
    folder = f"fieldnotes-data-{now:%Y-%m-%d}"
    return folder, data_export_zip(
        folder=folder,
        readme=README.format(at=now.strftime("%Y-%m-%d %H:%M"), files=files),
        tables=tables,
        meta={"exported_at": now, "user_id": user.pk, "format": 1},
    )


# --- Erasure ------------------------------------------------------------------------


def erasure_due_at(user):
    if user.erasure_requested_at is None:
        return None
    return user.erasure_requested_at + GRACE


def erasure_request(*, user, password: str) -> None:
    """The person asks for their account to be erased, confirming with their
    password. It is carried out when the grace period ends (or earlier by an office
    admin); until then they may cancel."""
    if user.role not in OWN_DATA_ROLES:
        raise RightsError(_("Staff accounts are closed by your office admin."))
    if not user.has_usable_password() or not check_password(password, user.password):
        raise RightsError(_("That is not your password."))
    with transaction.atomic():
        changed = User.objects.filter(
            pk=user.pk, erasure_requested_at__isnull=True, erased_at__isnull=True
        ).update(erasure_requested_at=timezone.now())
        if not changed:
            return
        user.refresh_from_db(fields=["erasure_requested_at"])
        access_record(actor=user, subject=user, what=AccessRecord.What.ERASURE_REQUESTED)
        notify(
            user=user,
            template="advising/erasure_requested",
            context={"due_at": erasure_due_at(user), "url": site_url("profile_delete")},
            key=f"erasure-requested:{user.pk}:{user.erasure_requested_at:%Y%m%d%H%M%S}",
        )


def erasure_cancel(*, user) -> bool:
    with transaction.atomic():
        changed = User.objects.filter(
            pk=user.pk, erasure_requested_at__isnull=False, erased_at__isnull=True
        ).update(erasure_requested_at=None)
        if changed:
            user.erasure_requested_at = None
            access_record(actor=user, subject=user, what=AccessRecord.What.ERASURE_CANCELLED)
    return bool(changed)


def _participant_refs(user) -> list[str]:
    ids = Interview.objects.filter(Q(student=user) | Q(volunteer__user=user)).values_list(
        "pk", flat=True
    )
    return [f"interview:{pk}" for pk in ids]


def account_erase(*, user_id: int, actor=None, reason: str) -> bool:
    """Erase one account's personal data, keeping anonymised rows for the office's
    figures, in one transaction; logged with the account's id, never its name.
    `actor`: the office admin carrying it out, or None for the person's own request
    or the retention period (then the log's actor is the erased account itself).
    Idempotent: False if there was nothing (left) to erase."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or user.erased_at is not None or user.role not in OWN_DATA_ROLES:
            return False
        refs = _participant_refs(user)
        if user.role == Role.STUDENT:
            students_erasure.student_erase(user)
            contacts_erasure.contacts_erase_owner(user)
            interviews_erasure.interviews_erase_student(user)
            followups_erasure.followups_erase_student(user)
            CommentThread.objects.filter(student=user).delete()
            CoachingNote.objects.filter(student=user).delete()
        else:
            contacts_erasure.volunteer_erase(user)
            interviews_erasure.interviews_erase_volunteer(user)
        core_erasure.outbox_erase_recipient(user, about_refs=refs)
        accounts_erasure.user_erase(user)
        access_record(
            actor=actor or user,
            subject=user,
            what=AccessRecord.What.ERASED,
            detail=f"account #{user.pk}: {reason}",
        )
    return True


def erasure_carry_out(*, admin, user) -> bool:
    """An office admin carries out a pending request at once (the user comes from
    `selectors_rights.erasure_request_for_admin`, so it is of the admin's office)."""
    if not admin.is_office_admin or admin.office_id != user.office_id:
        raise RightsError(_("Only an admin of the person's office can do that."))
    return account_erase(user_id=user.pk, actor=admin, reason="carried out by an office admin")


def erasures_due() -> QuerySet[User]:
    """Requests whose grace period is over."""
    return User.objects.filter(
        erasure_requested_at__lte=timezone.now() - GRACE, erased_at__isnull=True
    )


# --- Retention ----------------------------------------------------------------------


LAST_SEEN = Greatest(
    Coalesce("last_login", "date_joined"),
    Coalesce("last_activity_at", "date_joined"),
    output_field=DateTimeField(),
)


def retention_candidates(*, office: Office) -> QuerySet[User]:
    """The office's students and volunteers unused for its retention period."""
    cutoff = timezone.now() - timedelta(days=365 * office.retention_years)
    return (
        User.objects.filter(office=office, role__in=OWN_DATA_ROLES, erased_at__isnull=True)
        .annotate(last_seen=LAST_SEEN)
        .filter(last_seen__lt=cutoff)
    )


def retention_warn(*, user_id: int, years: int) -> bool:
    """Warn an unused account, once per spell of disuse, that it will be erased in
    30 days unless its owner signs in."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            User.objects.filter(pk=user_id, erased_at__isnull=True, is_active=True)
            .alias(last_seen=LAST_SEEN)
            .filter(Q(retention_warned_at__isnull=True) | Q(retention_warned_at__lt=F("last_seen")))
            .update(retention_warned_at=now)
        )
        if not claimed:
            return False
        user = User.objects.get(pk=user_id)
        notify(
            user=user,
            template="advising/retention_warning",
            context={
                "years": years,
                "erase_on": now + RETENTION_WARNING,
                "url": site_url("profile_export"),
            },
            key=f"retention-warning:{user.pk}:{now:%Y%m%d}",
        )
    return True


def retention_sweep() -> dict:
    """Every office with a retention period: warn the unused accounts not yet warned,
    and erase those warned at least 30 days ago that have not been used since."""
    warned = erased = 0
    now = timezone.now()
    for office in Office.objects.filter(retention_years__isnull=False):
        candidates = retention_candidates(office=office).only("pk", "retention_warned_at")
        for user in candidates:
            # Warned in an earlier spell of disuse, then used again: warn afresh.
            if user.retention_warned_at is None or user.retention_warned_at < user.last_seen:
                warned += retention_warn(user_id=user.pk, years=office.retention_years)
            elif user.retention_warned_at <= now - RETENTION_WARNING:
                erased += account_erase(
                    user_id=user.pk,
                    reason=f"unused for {office.retention_years} years",
                )
    return {"warned": warned, "erased": erased}
