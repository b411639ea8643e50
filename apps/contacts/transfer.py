"""Moving contacts in and out of the book: CSV import (our template or LinkedIn's
Connections export), CSV export and one contact as a vCard.

An import is two steps. Parsing validates every row and keeps the good ones on a
ContactImport for the student to preview; confirming writes them all in one
transaction, in the request for small files and in a Celery task for large ones.
"""

import csv
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import IO

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.services import user_record_activity
from apps.contacts.enums import ImportStatus, Source
from apps.contacts.keys import email_key
from apps.contacts.models import CONTACT_FIELDS, Contact, ContactImport
from apps.contacts.selectors import contact_list_for_student
from apps.contacts.services import contact_book_changed, tags_clean
from apps.core.csv_cells import FORMULA_TRIGGERS, CsvUnreadable, csv_cell_safe, csv_records
from apps.students.models import Field

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Up to this many rows the import runs in the request; beyond, in a task.
SYNC_MAX_ROWS = 300
# The Celery task that runs the larger ones, queued by name (apps/contacts/tasks.py).
RUN_TASK = "apps.contacts.tasks.contact_import_run"
IMPORT_CHUNK_SIZE = 200
PREVIEW_ROWS = 50
PREVIEW_ERRORS = 200
PROGRESS_TTL = 60 * 60

FORMAT_TEMPLATE = "template"
FORMAT_LINKEDIN = "linkedin"

# The contact's fields, with "name" for full_name (what a spreadsheet calls it).
TEMPLATE_COLUMNS = ["name" if f == "full_name" else f for f in CONTACT_FIELDS]
TEMPLATE_EXAMPLE = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0000",
    "organisation": "Analytical Engines Ltd",
    "job_title": "Research engineer",
    "field": "",
    "location": "London",
    "linkedin_url": "https://www.linkedin.com/in/ada-lovelace-example",
    "source": Source.PROFESSOR_STAFF.value,
    "referred_by": "",
    "notes": "Met at the careers fair.",
    "tags": "engineering; mentor",
}
LINKEDIN_HEADER = [
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
]
# Model field -> the column a student sees in the file, per format.
TEMPLATE_COLUMN_OF = {"full_name": "name"}
LINKEDIN_COLUMN_OF = {
    "full_name": "First Name",
    "email": "Email Address",
    "linkedin_url": "URL",
    "organisation": "Company",
    "job_title": "Position",
}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is for the student."""


class ImportStateError(ValueError):
    """The import is no longer waiting for this action (confirmed twice, cancelled)."""


def progress_cache_key(import_id: int) -> str:
    return f"contact-import-progress:{import_id}"


# --- Reading an upload -------------------------------------------------------------


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # cp1252 maps almost any byte to a character; a NUL never appears in text.
        if "\x00" in text:
            break
        return text
    raise ImportFileError(
        _("The file could not be read as text. Save it as “CSV UTF-8” and upload it again.")
    )


def _normalise_header(cells: list[str]) -> list[str]:
    return [cell.strip().lstrip("\ufeff").strip() for cell in cells]


def _is_template_header(cells: list[str]) -> bool:
    names = [c.lower() for c in _normalise_header(cells) if c]
    return "name" in names and set(names) <= set(TEMPLATE_COLUMNS)


def _detect(records: list[list[str]]) -> tuple[str, int, list[str]] | None:
    """The format, the index of the header record and the header's columns."""
    for index, cells in enumerate(records):
        if not any(c.strip() for c in cells):
            continue
        if _is_template_header(cells):
            return FORMAT_TEMPLATE, index, [c.lower() for c in _normalise_header(cells)]
        break
    # LinkedIn puts a few lines of notes above its header.
    for index, cells in enumerate(records):
        names = _normalise_header(cells)
        if [n.lower() for n in names[: len(LINKEDIN_HEADER)]] == [
            n.lower() for n in LINKEDIN_HEADER
        ]:
            return FORMAT_LINKEDIN, index, LINKEDIN_HEADER + names[len(LINKEDIN_HEADER) :]
    return None


def _read_records(text: str) -> tuple[str, int, list[str], list[list[str]]]:
    # Excel in many European locales saves CSV with semicolons.
    for delimiter in (",", ";"):
        try:
            records = csv_records(text, delimiter=delimiter)
        except CsvUnreadable as exc:
            raise ImportFileError(str(exc)) from exc
        found = _detect(records)
        if found:
            file_format, header_index, header = found
            return file_format, header_index, header, records
    raise ImportFileError(
        _(
            "The first line must be the header of our template or of a LinkedIn "
            "Connections export. Download the template to see the columns."
        )
    )


def _cell(value: str) -> str:
    value = value.strip()
    # Undo our own export's formula neutralisation so an export imports unchanged.
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        value = value[1:]
    return value


def _raw_rows(file_format, header_index, header, records):
    """(row number as a spreadsheet shows it, our field -> text) for each data row."""
    for index in range(header_index + 1, len(records)):
        cells = records[index]
        if not any(c.strip() for c in cells):
            continue
        values = {name: _cell(value) for name, value in zip(header, cells, strict=False) if name}
        if file_format == FORMAT_LINKEDIN:
            connected = values.get("Connected On", "")
            raw = {
                "full_name": " ".join(
                    p for p in (values.get("First Name", ""), values.get("Last Name", "")) if p
                ),
                "email": values.get("Email Address", ""),
                "organisation": values.get("Company", ""),
                "job_title": values.get("Position", ""),
                "linkedin_url": values.get("URL", ""),
                "source": Source.NETWORKING_SITE.value,
                "notes": _("Connected on LinkedIn on %(date)s.") % {"date": connected}
                if connected
                else "",
            }
        else:
            raw = {name: values.get(name, "") for name in TEMPLATE_COLUMNS}
            raw["full_name"] = raw.pop("name")
        yield index + 1, raw


# --- Parsing -----------------------------------------------------------------------


@dataclass
class _Book:
    """What the student already has, loaded once for the whole file."""

    fields: dict[str, tuple[int, str]]
    by_email: dict[str, int]
    by_linkedin: dict[str, int]
    by_name_org: dict[tuple[str, str], int]
    by_name: dict[str, int]


def _load_book(student) -> _Book:
    fields = {
        name.lower(): (pk, name)
        for pk, name in Field.objects.filter(
            office_id=student.office_id, is_active=True
        ).values_list("pk", "name")
    }
    by_email, by_linkedin, by_name_org, by_name = {}, {}, {}, {}
    # A referral names a person: someone still in the book wins over an archived
    # namesake, hence the ones not archived first. Duplicates are found on the keys
    # contacts.matching uses, so an import agrees with every other way of adding.
    existing = (
        Contact.objects.filter(owner=student)
        .order_by(F("archived_at").asc(nulls_first=True), "pk")
        .values_list("pk", "full_name", "email", "match_name", "match_org", "match_linkedin")
    )
    for pk, full_name, email, match_name, match_org, match_linkedin in existing:
        name = full_name.strip().lower()
        if email_key(email):
            by_email.setdefault(email_key(email), pk)
        if match_linkedin:
            by_linkedin.setdefault(match_linkedin, pk)
        if match_name and match_org:
            by_name_org.setdefault((match_name, match_org), pk)
        if name:
            by_name.setdefault(name, pk)
    return _Book(
        fields=fields,
        by_email=by_email,
        by_linkedin=by_linkedin,
        by_name_org=by_name_org,
        by_name=by_name,
    )


def _source_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in Source.choices:
        lookup[value.lower()] = value
        lookup[str(label).lower()] = value
    return lookup


def contact_import_parse(*, student, upload) -> ContactImport:
    """Validate an uploaded CSV and keep its good rows for the student to preview.
    Raises ImportFileError, and saves nothing, when the file as a whole is unusable."""
    filename = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:255]
    if not filename.lower().endswith(".csv"):
        raise ImportFileError(_("Choose a CSV file: its name ends in .csv."))
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
    file_format, header_index, header, records = _read_records(_decode(data))
    raw_rows = list(_raw_rows(file_format, header_index, header, records))
    if not raw_rows:
        raise ImportFileError(_("The file has no contacts in it."))
    if len(raw_rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)s contacts. Split it into smaller files.")
            % {"max": f"{MAX_ROWS:,}"}
        )

    book = _load_book(student)
    sources = _source_lookup()
    column_of = TEMPLATE_COLUMN_OF if file_format == FORMAT_TEMPLATE else LINKEDIN_COLUMN_OF
    notes_max = Contact._meta.get_field("notes").max_length
    good, errors = [], []
    file_by_email, file_by_linkedin, file_by_name_org, file_by_name = {}, {}, {}, {}

    for number, raw in raw_rows:
        row_errors = []

        def error(column, message, number=number, row_errors=row_errors):
            row_errors.append({"row": number, "column": column, "message": str(message)})

        field_id, field_name = None, ""
        if raw.get("field"):
            found = book.fields.get(raw["field"].lower())
            if found is None:
                error("field", _("There is no field called “%(name)s”.") % {"name": raw["field"]})
            else:
                field_id, field_name = found

        source = Source.FRIEND_FAMILY.value
        if raw.get("source"):
            source = sources.get(raw["source"].lower())
            if source is None:
                error(
                    "source",
                    _("“%(value)s” is not one of the sources.") % {"value": raw["source"]},
                )

        referred_by_id = referred_by_row = None
        referred_by_name = raw.get("referred_by", "")
        if referred_by_name:
            key = referred_by_name.lower()
            referred_by_id = book.by_name.get(key)
            if referred_by_id is None:
                referred_by_row = file_by_name.get(key)
            if referred_by_id is None and referred_by_row is None:
                error(
                    "referred_by",
                    _("No contact or earlier row is called “%(name)s”.")
                    % {"name": referred_by_name},
                )

        contact = Contact(
            owner_id=student.pk,
            full_name=raw["full_name"],
            email=raw.get("email", "").lower(),
            phone=raw.get("phone", ""),
            organisation=raw.get("organisation", ""),
            job_title=raw.get("job_title", ""),
            location=raw.get("location", ""),
            linkedin_url=raw.get("linkedin_url", ""),
            source=source or Source.FRIEND_FAMILY.value,
            notes=raw.get("notes", ""),
            tags=tags_clean(raw.get("tags", "").split(";")),
        )
        try:
            # The field and the referrer were resolved above from what was loaded
            # once; validating them here would cost a query per row.
            contact.full_clean(exclude=["owner", "field", "referred_by", "volunteer"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = "" if name == NON_FIELD_ERRORS else column_of.get(name, name)
                for message in messages:
                    error(column, message)
        if len(contact.notes) > notes_max:
            error(
                column_of.get("notes", "notes"),
                _("Notes can be at most %(max)s characters.") % {"max": notes_max},
            )
        if row_errors:
            errors.extend(row_errors)
            continue

        contact.refresh_match_keys()
        name_key = contact.full_name.strip().lower()
        name_org = (contact.match_name, contact.match_org)
        linkedin = contact.match_linkedin
        duplicate, duplicate_of, duplicate_row = "", None, None
        if contact.email and contact.email in book.by_email:
            duplicate, duplicate_of = "email", book.by_email[contact.email]
        elif linkedin and linkedin in book.by_linkedin:
            duplicate, duplicate_of = "linkedin", book.by_linkedin[linkedin]
        elif contact.match_org and name_org in book.by_name_org:
            duplicate, duplicate_of = "name", book.by_name_org[name_org]
        elif contact.email and contact.email in file_by_email:
            duplicate, duplicate_row = "email", file_by_email[contact.email]
        elif linkedin and linkedin in file_by_linkedin:
            duplicate, duplicate_row = "linkedin", file_by_linkedin[linkedin]
        elif contact.match_org and name_org in file_by_name_org:
            duplicate, duplicate_row = "name", file_by_name_org[name_org]

        if contact.email:
            file_by_email.setdefault(contact.email, number)
        if linkedin:
            file_by_linkedin.setdefault(linkedin, number)
        if contact.match_org:
            file_by_name_org.setdefault(name_org, number)
        file_by_name.setdefault(name_key, number)
        good.append(
            {
                "row": number,
                "full_name": contact.full_name,
                "email": contact.email,
                "phone": contact.phone,
                "organisation": contact.organisation,
                "job_title": contact.job_title,
                "field_id": field_id,
                "field_name": field_name,
                "location": contact.location,
                "linkedin_url": contact.linkedin_url,
                "source": contact.source,
                "referred_by_id": referred_by_id,
                "referred_by_row": referred_by_row,
                "referred_by_name": referred_by_name,
                "notes": contact.notes,
                "tags": contact.tags,
                "duplicate": duplicate,
                "duplicate_of": duplicate_of,
                "duplicate_row": duplicate_row,
            }
        )

    return ContactImport.objects.create(
        owner=student,
        filename=filename,
        file_format=file_format,
        status=ImportStatus.PREVIEW,
        rows=good,
        errors=errors,
        total_rows=len(raw_rows),
    )


def contact_import_get_for_student(*, student, pk: int) -> ContactImport:
    contact_import = ContactImport.objects.filter(owner=student, pk=pk).first()
    if contact_import is None:
        raise Http404
    return contact_import


def contact_import_summary(*, contact_import: ContactImport) -> dict:
    """What the preview and progress pages show, computed from the stored rows."""
    rows = contact_import.rows
    duplicates = [r for r in rows if r["duplicate"]]
    error_rows = {e["row"] for e in contact_import.errors}
    to_import = len(rows)
    if contact_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        processed = cache.get(progress_cache_key(contact_import.pk))
        processed = contact_import.processed_rows if processed is None else processed
    else:
        processed = contact_import.processed_rows
    percent = round(100 * processed / to_import) if to_import else 100
    return {
        "total": contact_import.total_rows,
        "ready": len(rows) - len(duplicates),
        "duplicates": duplicates[:PREVIEW_ERRORS],
        "duplicate_count": len(duplicates),
        "error_rows": len(error_rows),
        "errors": contact_import.errors[:PREVIEW_ERRORS],
        "errors_hidden": max(0, len(contact_import.errors) - PREVIEW_ERRORS),
        "preview_rows": rows[:PREVIEW_ROWS],
        "rows_hidden": max(0, len(rows) - PREVIEW_ROWS),
        "to_import": to_import,
        "processed": processed,
        "percent": min(100, percent),
    }


# --- Confirming and running --------------------------------------------------------


def _rows_to_import(rows: list[dict], include_duplicates: bool) -> list[dict]:
    if include_duplicates:
        return rows
    skipped = {r["row"]: r for r in rows if r["duplicate"]}
    kept = []
    for row in rows:
        if row["row"] in skipped:
            continue
        row = dict(row)
        # A row may name a skipped duplicate as its referrer: point it at the contact
        # that duplicate stood for instead.
        ref, seen = row["referred_by_row"], set()
        while ref in skipped and ref not in seen:
            seen.add(ref)
            if skipped[ref]["duplicate_of"]:
                row["referred_by_id"] = skipped[ref]["duplicate_of"]
                ref = None
            else:
                ref = skipped[ref]["duplicate_row"]
        row["referred_by_row"] = ref if ref not in skipped else None
        # Checked against the book again when written: it may have gained the same
        # people since the preview (the same file previewed twice, confirmed twice).
        row["recheck"] = True
        kept.append(row)
    return kept


def _drop_now_in_book(*, student, rows: list[dict]) -> list[dict]:
    """The rows to write, without those (marked "recheck") that match a contact the
    book holds now; a row they referred points at that contact instead."""
    if not any(r.get("recheck") for r in rows):
        return rows
    book = _load_book(student)
    found = {}
    for r in rows:
        if not r.get("recheck"):
            continue
        probe = Contact(
            full_name=r["full_name"], organisation=r["organisation"], linkedin_url=r["linkedin_url"]
        )
        probe.refresh_match_keys()
        pk = (book.by_email.get(r["email"]) if r["email"] else None) or book.by_linkedin.get(
            probe.match_linkedin or None
        )
        if pk is None and probe.match_org:
            pk = book.by_name_org.get((probe.match_name, probe.match_org))
        if pk is not None:
            found[r["row"]] = pk
    if not found:
        return rows
    kept = []
    for r in rows:
        if r["row"] in found:
            continue
        if r["referred_by_row"] in found:
            r = dict(r, referred_by_id=found[r["referred_by_row"]], referred_by_row=None)
        kept.append(r)
    return kept


def contact_import_confirm(
    *, student, contact_import: ContactImport, include_duplicates: bool
) -> ContactImport:
    """Import the previewed rows, skipping probable duplicates unless asked not to.
    Small files are imported now; larger ones are queued for a worker."""
    if contact_import.owner_id != student.pk:
        raise PermissionError("import of another student")
    rows = _rows_to_import(contact_import.rows, include_duplicates)
    pending = ContactImport.objects.filter(
        pk=contact_import.pk, owner=student, status=ImportStatus.PREVIEW
    )
    now = timezone.now()
    if len(rows) > SYNC_MAX_ROWS:
        with transaction.atomic():
            claimed = pending.update(
                status=ImportStatus.QUEUED, rows=rows, processed_rows=0, updated_at=now
            )
            if claimed:
                # By name: the task module imports this one, not the other way round.
                transaction.on_commit(
                    partial(current_app.send_task, RUN_TASK, args=[contact_import.pk])
                )
    else:
        claimed = pending.update(
            status=ImportStatus.RUNNING, rows=rows, processed_rows=0, updated_at=now
        )
        if claimed:
            _contact_import_execute(import_id=contact_import.pk)
    if not claimed:
        raise ImportStateError("the import is not waiting for confirmation")
    contact_import.refresh_from_db()
    return contact_import


def contact_import_cancel(*, student, contact_import: ContactImport) -> None:
    """Discard a preview; the parsed rows are a copy of personal data kept for no reason."""
    deleted, _detail = ContactImport.objects.filter(
        pk=contact_import.pk, owner=student, status=ImportStatus.PREVIEW
    ).delete()
    if not deleted:
        raise ImportStateError("the import is not waiting for confirmation")


def contact_import_run(*, import_id: int) -> None:
    """Run a queued import. Safe to call twice: only the call that moves it from
    queued to running does the work.

    A run whose worker died leaves the import "running" with nothing written (the
    rows go in one transaction). The broker redelivers the task after its
    visibility timeout, which is longer than the task's hard time limit, so by then
    a "running" claim older than that limit has certainly lost its worker and is
    taken over."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = (
        ContactImport.objects.filter(pk=import_id)
        .filter(
            Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, updated_at__lt=stale)
        )
        .update(status=ImportStatus.RUNNING, updated_at=now)
    )
    if claimed != 1:
        return
    _contact_import_execute(import_id=import_id)


def _contact_import_execute(*, import_id: int) -> None:
    contact_import = ContactImport.objects.select_related("owner").get(pk=import_id)
    key = progress_cache_key(import_id)
    cache.set(key, 0, PROGRESS_TTL)
    try:
        with transaction.atomic():
            created = _write_rows(
                student=contact_import.owner,
                rows=contact_import.rows,
                progress=lambda done: cache.set(key, done, PROGRESS_TTL),
            )
    except Exception as exc:
        logger.exception("contact import %s failed", import_id)
        ContactImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED,
            processed_rows=0,
            created_count=0,
            failure=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=timezone.now(),
        )
        cache.delete(key)
        return
    ContactImport.objects.filter(pk=import_id).update(
        status=ImportStatus.DONE,
        processed_rows=created,
        created_count=created,
        # The contacts exist now; keep no second copy of them.
        rows=[],
        failure="",
        updated_at=timezone.now(),
    )
    cache.delete(key)


def _write_rows(*, student, rows: list[dict], progress) -> int:
    rows = _drop_now_in_book(student=student, rows=rows)
    # Fields and referrers may have gone since the preview; drop what no longer exists
    # rather than fail the whole import on it.
    field_ids = set(
        Field.objects.filter(
            office_id=student.office_id, pk__in={r["field_id"] for r in rows if r["field_id"]}
        ).values_list("pk", flat=True)
    )
    referrer_ids = set(
        Contact.objects.filter(
            owner=student, pk__in={r["referred_by_id"] for r in rows if r["referred_by_id"]}
        ).values_list("pk", flat=True)
    )
    contacts = [
        Contact(
            owner=student,
            full_name=r["full_name"],
            email=r["email"],
            phone=r["phone"],
            organisation=r["organisation"],
            job_title=r["job_title"],
            field_id=r["field_id"] if r["field_id"] in field_ids else None,
            location=r["location"],
            linkedin_url=r["linkedin_url"],
            source=r["source"],
            referred_by_id=r["referred_by_id"] if r["referred_by_id"] in referrer_ids else None,
            notes=r["notes"],
            tags=r["tags"],
        )
        for r in rows
    ]
    for contact in contacts:
        # bulk_create does not call save(), which keeps the keys contacts.matching reads.
        contact.refresh_match_keys()
    for start in range(0, len(contacts), IMPORT_CHUNK_SIZE):
        Contact.objects.bulk_create(contacts[start : start + IMPORT_CHUNK_SIZE])
        contact_book_changed(owner_id=student.pk)
        progress(min(start + IMPORT_CHUNK_SIZE, len(contacts)))
    # Referrals to rows of the same file need those rows' new ids.
    by_row = {r["row"]: c for r, c in zip(rows, contacts, strict=True)}
    referred = []
    for r, contact in zip(rows, contacts, strict=True):
        target = by_row.get(r["referred_by_row"])
        if target is not None and target is not contact:
            contact.referred_by_id = target.pk
            referred.append(contact)
    Contact.objects.bulk_update(referred, ["referred_by"], batch_size=IMPORT_CHUNK_SIZE)
    if contacts:
        user_record_activity(user_id=student.pk, at=max(c.created_at for c in contacts))
    return len(contacts)


# --- Export ------------------------------------------------------------------------


def _referrers_first(contacts: list[Contact]) -> list[Contact]:
    """Name order, except that a referrer comes before the people they referred, so
    the export imports again (a referral must name an earlier row)."""
    by_pk = {c.pk: c for c in contacts}
    placed, ordered = set(), []
    for contact in contacts:
        chain = []
        while contact is not None and contact.pk not in placed and contact not in chain:
            chain.append(contact)
            contact = by_pk.get(contact.referred_by_id)
        for link in reversed(chain):
            placed.add(link.pk)
            ordered.append(link)
    return ordered


def _write_template_csv(out: IO[str], rows) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell_safe(row[name]) for name in TEMPLATE_COLUMNS])


def contacts_export_csv(*, student, out: IO[str]) -> None:
    """Write the student's contact book (not the archive) in our template's columns."""
    contacts = list(contact_list_for_student(student=student))
    exported = {c.pk for c in contacts}
    rows = (
        {
            "name": c.full_name,
            "email": c.email,
            "phone": c.phone,
            "organisation": c.organisation,
            "job_title": c.job_title,
            "field": c.field.name if c.field else "",
            "location": c.location,
            "linkedin_url": c.linkedin_url,
            "source": c.source,
            # An archived referrer is not in the file, and would make the row fail
            # on import.
            "referred_by": c.referred_by.full_name if c.referred_by_id in exported else "",
            "notes": c.notes,
            "tags": "; ".join(c.tags),
        }
        for c in _referrers_first(contacts)
    )
    _write_template_csv(out, rows)


def contact_import_template_csv(*, out: IO[str]) -> None:
    _write_template_csv(out, [TEMPLATE_EXAMPLE])


# --- vCard -------------------------------------------------------------------------


def _vcard_escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _vcard_fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never
    splitting a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def contact_vcard(*, contact: Contact) -> str:
    """The contact as a vCard 3.0 (RFC 2426, escaped as RFC 6350 says)."""
    given, _sep, family = contact.full_name.strip().rpartition(" ")
    if not given:
        given, family = family, ""
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{_vcard_escape(contact.full_name)}",
        f"N:{_vcard_escape(family)};{_vcard_escape(given)};;;",
    ]
    if contact.organisation:
        lines.append(f"ORG:{_vcard_escape(contact.organisation)}")
    if contact.job_title:
        lines.append(f"TITLE:{_vcard_escape(contact.job_title)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{_vcard_escape(contact.email)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=VOICE:{_vcard_escape(contact.phone)}")
    if contact.linkedin_url:
        # A URI is not text: its commas and semicolons stay as they are.
        lines.append(f"URL:{contact.linkedin_url}")
    if contact.location:
        lines.append(f"ADR:;;;{_vcard_escape(contact.location)};;;")
    if contact.notes:
        lines.append(f"NOTE:{_vcard_escape(contact.notes)}")
    lines.append("END:VCARD")
    return "".join(_vcard_fold(line) + "\r\n" for line in lines)


# A preview holds the student's uploaded contacts until it is confirmed; one never
# confirmed is deleted after this long.
UNCONFIRMED_KEPT = timedelta(days=7)


def contact_import_discard_unconfirmed(*, now: datetime) -> int:
    """Delete the previews not confirmed within UNCONFIRMED_KEPT; how many."""
    stale = ContactImport.objects.filter(
        status=ImportStatus.PREVIEW, created_at__lt=now - UNCONFIRMED_KEPT
    )
    return stale.delete()[1].get(ContactImport._meta.label, 0)
