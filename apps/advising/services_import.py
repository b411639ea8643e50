"""Writes of the people import: an office admin invites people from a CSV file, and
gives the students among them an advisor (issue 9).

Two steps, as for the contact book's import (contacts/transfer.py). Parsing reads
the file, decides each line's verdict against the office as it is now, and saves
the lines for the admin to preview; nothing is sent. Confirming queues a task that
works through the lines in batches, each batch in one transaction with its
invitations, their emails (the outbox) and the import's progress counters, and
marks each line done. A rerun of the task, or a second confirmation, finds the done
lines done; and each batch checks the addresses again, so a line whose person has
been invited or has joined since the preview (the same file uploaded twice and both
confirmed) is skipped, never invited twice.
"""

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.enums import Role
from apps.accounts.models import Invitation, Office, User
from apps.accounts.services import invitation_create, members_changed
from apps.advising.models import AccessRecord, Assignment, PeopleImport, PeopleImportRow
from apps.advising.services import access_record, assignments_add
from apps.core.csv_cells import CsvUnreadable, csv_records

logger = logging.getLogger(__name__)

Verdict = PeopleImportRow.Verdict
Outcome = PeopleImportRow.Outcome
Status = PeopleImport.Status

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Lines per transaction of the task: the progress bar moves once per batch.
BATCH_SIZE = 100
# The task, queued by name (tasks are leaves: apps/advising/tasks.py).
RUN_TASK = "apps.advising.tasks.people_import_run"

COLUMNS = ["email", "name", "role", "advisor_email"]
TEMPLATE_ROWS = [
    ["email", "name", "role", "advisor_email"],
    ["ada@example.edu", "Ada Lovelace", "student", "advisor@example.edu"],
    ["grace@example.org", "Grace Hopper", "alumni", ""],
    ["alan@example.edu", "Alan Turing", "advisor", ""],
]
# Lines the task acts on; the others are only shown.
TO_PROCESS = [Verdict.INVITE, Verdict.ASSIGN]


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is for the admin."""


class ImportStateError(ValueError):
    """The import is not waiting for this (confirmed already)."""


def _check_admin(admin) -> None:
    if admin.office_id is None or not admin.is_office_admin:
        raise PermissionError("not an office admin")


# --- Reading the file -----------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")
        ) from exc
    # A spreadsheet (.xlsx), a PDF or an image renamed .csv decodes badly or holds NULs.
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV file. Save your spreadsheet as CSV first."))
    return text


def _records(text: str) -> list[list[str]]:
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    # Excel in many European locales saves CSV with semicolons.
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        return csv_records(text, delimiter=delimiter)
    except CsvUnreadable as exc:
        raise ImportFileError(str(exc)) from exc


@dataclass
class _Line:
    line: int
    email: str
    full_name: str
    role: str
    advisor_email: str


@dataclass
class _Parsed:
    lines: list[_Line]
    ignored: list[str] = field(default_factory=list)


def _read(data: bytes) -> _Parsed:
    records = _records(_decode(data))
    start = next((i for i, cells in enumerate(records) if any(c.strip() for c in cells)), None)
    if start is None:
        raise ImportFileError(_("The file is empty."))
    header = [c.strip().lstrip("\ufeff").strip().lower() for c in records[start]]
    if "email" not in header:
        raise ImportFileError(
            _(
                "The first line must name the columns, with at least “email”. "
                "Download the template to see them."
            )
        )
    ignored = [name for name in header if name and name not in COLUMNS]
    lines = []
    for index in range(start + 1, len(records)):
        cells = records[index]
        if not any(c.strip() for c in cells):
            continue
        # The first column of each name counts; a repeated header name is ignored.
        values = {}
        for name, value in zip(header, cells, strict=False):
            values.setdefault(name, value.strip())
        lines.append(
            _Line(
                line=index + 1,
                email=values.get("email", ""),
                full_name=values.get("name", ""),
                role=values.get("role", ""),
                advisor_email=values.get("advisor_email", ""),
            )
        )
        if len(lines) > MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s people. Split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"}
            )
    if not lines:
        raise ImportFileError(_("The file has a header but no people in it."))
    return _Parsed(lines=lines, ignored=ignored)


def _roles() -> dict[str, str]:
    lookup = {}
    for value, label in Role.choices:
        lookup[value] = value
        lookup[str(label).lower()] = value
    return lookup


# --- Parsing into a preview --------------------------------------------------------------


@dataclass
class _Office:
    """What the office has now, loaded once for the whole file."""

    members: dict[str, User]  # by lower-case email, this office's accounts
    pending: set[str]  # addresses with a usable invitation from this office
    advisors: dict[str, User]  # active advisors by lower-case email


def _load_office(admin, emails: set[str]) -> _Office:
    # Only this office's accounts: an address with an account in another office is
    # invited like any other, so the preview does not tell the admin it exists.
    members = {}
    # In slices: SQLite limits the parameters of one query.
    wanted = sorted(emails)
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        for user in User.objects.filter(email__in=chunk, office_id=admin.office_id).only(
            "pk", "email", "role", "office_id"
        ):
            members[user.email.lower()] = user
    return _Office(
        members=members,
        pending=_pending_invitations(office_id=admin.office_id, emails=wanted),
        advisors={
            u.email.lower(): u
            for u in User.objects.filter(
                office_id=admin.office_id, role=Role.ADVISOR, is_active=True
            ).only("pk", "email")
        },
    )


def _pending_invitations(*, office_id: int, emails: list[str]) -> set[str]:
    """Which of these addresses have an invitation from the office that can still be
    accepted."""
    now = timezone.now()
    found = set()
    for start in range(0, len(emails), 900):
        found.update(
            e.lower()
            for e in Invitation.objects.filter(
                office_id=office_id,
                email__in=emails[start : start + 900],
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
            ).values_list("email", flat=True)
        )
    return found


def _verdict(raw: _Line, *, office: _Office, roles: dict, seen: dict[str, int]) -> dict:
    """The row to save for one line: its cleaned values, verdict and error."""
    email = raw.email.lower()
    row = {
        "line": raw.line,
        "email": email[:254],
        "full_name": raw.full_name[:150],
        "role": raw.role.lower()[:16],
        "advisor_email": raw.advisor_email.lower()[:254],
    }

    def error(message):
        return {**row, "verdict": Verdict.ERROR, "error": str(message)[:300]}

    try:
        validate_email(email)
    except ValidationError:
        return error(
            _("“%(value)s” is not an email address.") % {"value": raw.email}
            if raw.email
            else _("The email is missing.")
        )
    if email in seen:
        return error(_("The same email as line %(line)s.") % {"line": seen[email]})
    seen[email] = raw.line
    role = roles.get(raw.role.lower()) if raw.role else Role.STUDENT
    if role is None:
        return error(
            _("Unknown role “%(value)s”: use student, alumni or advisor.") % {"value": raw.role}
        )
    row["role"] = role
    if len(raw.full_name) > 150:
        return error(_("The name is longer than 150 characters."))
    advisor = None
    if row["advisor_email"]:
        advisor = office.advisors.get(row["advisor_email"])
        if advisor is None:
            return error(
                _("%(email)s is not an advisor of your office.") % {"email": raw.advisor_email}
            )
        row["advisor"] = advisor
    member = office.members.get(email)
    if member is not None:
        row["member"] = member
        if advisor is None:
            return {**row, "verdict": Verdict.MEMBER}
        if member.role != Role.STUDENT:
            return error(
                _("Already a member here as %(role)s; only students are given an advisor.")
                % {"role": member.get_role_display().lower()}
            )
        return {**row, "verdict": Verdict.ASSIGN}
    if advisor is not None and role != Role.STUDENT:
        return error(_("Only students are given an advisor: leave advisor_email empty."))
    if email in office.pending:
        return {**row, "verdict": Verdict.PENDING}
    return {**row, "verdict": Verdict.INVITE}


def people_import_parse(*, admin, upload) -> PeopleImport:
    """Read an uploaded CSV and save each line with its verdict, for the admin to
    preview. Raises ImportFileError, saving nothing, when the file as a whole is
    unusable (too big, too long, not UTF-8 CSV, no email column)."""
    _check_admin(admin)
    filename = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:255]
    if not filename.lower().endswith(".csv"):
        raise ImportFileError(_("Choose a CSV file: its name ends in .csv."))
    too_big = _("The file is larger than 2 MB. Split it into smaller files.")
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(too_big)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(too_big)
    parsed = _read(data)

    office = _load_office(admin, {line.email.lower() for line in parsed.lines if line.email})
    roles, seen = _roles(), {}
    rows = [_verdict(line, office=office, roles=roles, seen=seen) for line in parsed.lines]
    with transaction.atomic():
        people_import = PeopleImport.objects.create(
            office_id=admin.office_id,
            uploaded_by=admin,
            filename=filename,
            digest=hashlib.sha256(data).hexdigest(),
            ignored_columns=parsed.ignored,
            total_rows=len(rows),
        )
        PeopleImportRow.objects.bulk_create(
            [PeopleImportRow(people_import=people_import, **row) for row in rows],
            batch_size=500,
        )
    return people_import


# --- Confirming and running ------------------------------------------------------------


@transaction.atomic
def people_import_confirm(*, admin, people_import: PeopleImport) -> PeopleImport:
    """Start sending: the import moves from previewed to running and the task is
    queued once that commits. A second confirmation raises ImportStateError and
    queues nothing."""
    _check_admin(admin)
    if people_import.office_id != admin.office_id:
        raise PermissionError("another office's import")
    to_process = PeopleImportRow.objects.filter(
        people_import=people_import, verdict__in=TO_PROCESS
    ).count()
    claimed = PeopleImport.objects.filter(
        pk=people_import.pk, office_id=admin.office_id, status=Status.PREVIEWED
    ).update(
        status=Status.RUNNING,
        to_process=to_process,
        processed=0,
        confirmed_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not claimed:
        raise ImportStateError("the import is not waiting for confirmation")
    access_record(
        actor=admin,
        what=AccessRecord.What.PEOPLE_IMPORT,
        detail=f"{people_import.filename}: {to_process} lines to send or assign",
    )
    # By name, after commit: the worker must find the import running.
    transaction.on_commit(partial(current_app.send_task, RUN_TASK, args=[people_import.pk]))
    people_import.refresh_from_db()
    return people_import


def people_import_run(*, import_id: int, budget_seconds: float | None = None) -> bool:
    """Work through a running import's lines, a batch per transaction, until none is
    left (then mark it done) or `budget_seconds` have gone by. Returns whether lines
    are left, for the task to queue itself again: a run stays well inside the
    worker's time limit however large the file.

    Safe to run twice, even side by side: a line is done once (its outcome is set
    in the batch that acts on it, and on PostgreSQL two runs lock different lines),
    and an import that is not running is left alone."""
    people_import = (
        PeopleImport.objects.filter(pk=import_id, status=Status.RUNNING)
        .select_related("uploaded_by")
        .first()
    )
    if people_import is None:
        return False
    admin = people_import.uploaded_by
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    try:
        if admin is None or not admin.is_office_admin or not admin.is_active:
            raise PermissionError(_("The admin who uploaded the file can no longer invite."))
        while _run_batch(people_import=people_import, admin=admin):
            if deadline is not None and time.monotonic() > deadline:
                break
    except Exception as exc:
        logger.exception("people import %s stopped", import_id)
        PeopleImport.objects.filter(pk=import_id, status=Status.RUNNING).update(
            status=Status.FAILED,
            # The admin reads this: the reason when it is ours, not a traceback.
            failure=str(exc)[:2000]
            if isinstance(exc, PermissionError)
            else _("An unexpected error stopped it; the log has the details."),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return False
    todo = PeopleImportRow.objects.filter(
        people_import_id=import_id, verdict__in=TO_PROCESS, outcome=Outcome.NONE
    )
    if todo.exists():
        # Out of time, or lines another run holds (that run finishes the import).
        return deadline is not None and time.monotonic() > deadline
    PeopleImport.objects.filter(pk=import_id, status=Status.RUNNING).update(
        status=Status.DONE, finished_at=timezone.now(), updated_at=timezone.now()
    )
    return False


def _run_batch(*, people_import: PeopleImport, admin) -> bool:
    """Act on the next batch of lines; False when there were none."""
    with transaction.atomic():
        # One batch at a time per office: two imports naming the same address (the
        # same file confirmed twice) run one after the other, and the second reads
        # the first's invitations below once they are committed.
        Office.objects.select_for_update().filter(pk=people_import.office_id).first()
        batch = list(
            # Only the lines are locked: PostgreSQL locks no nullable side of a join.
            PeopleImportRow.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(people_import=people_import, verdict__in=TO_PROCESS, outcome=Outcome.NONE)
            .select_related("advisor")
            .order_by("line")[:BATCH_SIZE]
        )
        if not batch:
            return False
        emails = [row.email for row in batch]
        # Again, now: since the preview a line's person may have joined, been invited
        # (the same file confirmed twice) or left, and an advisor may have gone.
        accounts = {
            u.email.lower(): u
            for u in User.objects.filter(email__in=emails).only("pk", "email", "role", "office_id")
        }
        pending = _pending_invitations(office_id=people_import.office_id, emails=emails)
        advisors = {
            u.pk
            for u in User.objects.filter(
                pk__in={row.advisor_id for row in batch if row.advisor_id},
                office_id=people_import.office_id,
                role=Role.ADVISOR,
                is_active=True,
            ).only("pk")
        }
        to_assign: dict[int, list[int]] = {}
        for row in batch:
            account = accounts.get(row.email)
            advisor = row.advisor if row.advisor_id in advisors else None
            if row.advisor_id and advisor is None:
                _skip(row, _("The advisor is no longer an advisor of your office."))
            elif account is not None:
                if (
                    account.office_id == people_import.office_id
                    and account.role == Role.STUDENT
                    and advisor is not None
                ):
                    to_assign.setdefault(advisor.pk, []).append(account.pk)
                    row.outcome, row.member_id = Outcome.ASSIGNED, account.pk
                else:
                    _skip(row, _("This address has an account now."))
            elif row.email in pending:
                _skip(row, _("Already invited."))
            else:
                try:
                    invitation_create(
                        inviter=admin, email=row.email, role=row.role, advisor=advisor
                    )
                except ValidationError as exc:
                    _skip(row, " ".join(exc.messages))
                else:
                    row.outcome = Outcome.INVITED
        for advisor_id, student_ids in to_assign.items():
            assignments_add(admin=admin, advisor_id=advisor_id, student_ids=student_ids)
        PeopleImportRow.objects.bulk_update(batch, ["outcome", "note", "member"])
        counts = {outcome: sum(1 for row in batch if row.outcome == outcome) for outcome in Outcome}
        PeopleImport.objects.filter(pk=people_import.pk).update(
            processed=F("processed") + len(batch),
            invited_count=F("invited_count") + counts[Outcome.INVITED],
            assigned_count=F("assigned_count") + counts[Outcome.ASSIGNED],
            skipped_count=F("skipped_count") + counts[Outcome.SKIPPED],
            updated_at=timezone.now(),
        )
    return True


def _skip(row: PeopleImportRow, why) -> None:
    row.outcome, row.note = Outcome.SKIPPED, str(why)[:300]


# --- An invited student's advisor ----------------------------------------------------------


def assignment_from_invitation(*, invitation: Invitation, user: User) -> Assignment | None:
    """The student accepted an invitation that named their advisor: the advisor now
    advises them, if still an active advisor of the office. Runs in the acceptance's
    transaction (subscribed to InvitationAccepted in AdvisingConfig.ready())."""
    if invitation.advisor_id is None or user.role != Role.STUDENT:
        return None
    advisor = User.objects.filter(
        pk=invitation.advisor_id, office_id=user.office_id, role=Role.ADVISOR, is_active=True
    ).first()
    if advisor is None:
        return None
    assignment, created = Assignment.objects.get_or_create(
        advisor=advisor,
        student=user,
        defaults={"office_id": user.office_id, "assigned_by_id": invitation.invited_by_id},
    )
    if created:
        members_changed(office_id=user.office_id)
    return assignment


# A preview holds the uploaded people (names, emails, roles) until it is confirmed;
# one never confirmed is deleted after this long, rows and all.
UNCONFIRMED_KEPT = timedelta(days=7)


def people_import_discard_unconfirmed(*, now: datetime) -> int:
    """Delete the previews not confirmed within UNCONFIRMED_KEPT; how many."""
    stale = PeopleImport.objects.filter(
        status=PeopleImport.Status.PREVIEWED, created_at__lt=now - UNCONFIRMED_KEPT
    )
    return stale.delete()[1].get(PeopleImport._meta.label, 0)
