import csv
import io
from pathlib import Path

import pytest
from celery import current_app
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.contacts import tasks, transfer
from apps.contacts.enums import ImportStatus, Source
from apps.contacts.models import Contact, ContactImport
from tests.factories.contacts import ContactFactory
from tests.factories.students import FieldFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"
HEADER = transfer.TEMPLATE_COLUMNS


def fixture_upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")


def template_upload(rows: list[dict], name: str = "contacts.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def people(count: int, prefix: str = "Person") -> list[dict]:
    return [{"name": f"{prefix} {i:04d}", "email": f"p{i}@example.org"} for i in range(count)]


def contacts_of(user) -> list[str]:
    # Sorted here: PostgreSQL and SQLite collate mixed case differently.
    return sorted(Contact.objects.filter(owner=user).values_list("full_name", flat=True))


@pytest.fixture
def software(office):
    return FieldFactory(office=office, name="Software")


@pytest.fixture
def priya(student):
    return ContactFactory(student=student, full_name="Priya Existing")


# --- Parsing ------------------------------------------------------------------------


def test_linkedin_export_parsed_after_its_notes(login_as, student):
    browser = login_as(student)

    response = browser.post(
        reverse("contact_import"), {"file": fixture_upload("linkedin_connections.csv")}
    )

    contact_import = ContactImport.objects.get(owner=student)
    assert response.status_code == 302
    assert response["Location"] == reverse("contact_import_detail", args=[contact_import.pk])
    assert contact_import.file_format == "linkedin"
    assert contact_import.status == ImportStatus.PREVIEW
    assert contact_import.total_rows == 3
    assert contact_import.errors == []
    assert [r["row"] for r in contact_import.rows] == [5, 6, 7]
    assert contact_import.rows[1] == {
        "row": 6,
        "full_name": "Katherine Johnson",
        "email": "kj@example.org",
        "phone": "",
        "organisation": "NASA",
        "job_title": "Mathematician, Flight Research",
        "field_id": None,
        "field_name": "",
        "location": "",
        "linkedin_url": "https://www.linkedin.com/in/katherine-johnson-example",
        "source": "networking_site",
        "referred_by_id": None,
        "referred_by_row": None,
        "referred_by_name": "",
        "notes": "Connected on LinkedIn on 15 Feb 2024.",
        "tags": [],
        "duplicate": "",
        "duplicate_of": None,
        "duplicate_row": None,
    }


def test_template_parsed_with_per_row_errors(student, software, priya):
    contact_import = transfer.contact_import_parse(
        student=student, upload=fixture_upload("template_with_errors.csv")
    )

    assert contact_import.file_format == "template"
    assert contact_import.total_rows == 7
    assert contact_import.errors == [
        {"row": 3, "column": "email", "message": "Enter a valid email address."},
        {"row": 4, "column": "linkedin_url", "message": "Enter a valid URL."},
        {"row": 5, "column": "field", "message": "There is no field called “Astrology”."},
        {
            "row": 6,
            "column": "referred_by",
            "message": "No contact or earlier row is called “Nobody Known”.",
        },
    ]
    ada, frank, gina = contact_import.rows
    assert [ada["row"], frank["row"], gina["row"]] == [2, 7, 8]
    assert ada["full_name"] == "Ada Lovelace"
    assert ada["phone"] == "+44 20 7946 0000"
    assert ada["field_id"] == software.pk
    assert ada["source"] == Source.PROFESSOR_STAFF
    assert ada["tags"] == ["engineering", "mentor"]
    assert (frank["field_id"], frank["source"]) == (software.pk, "referral")
    assert (frank["referred_by_id"], frank["referred_by_row"]) == (None, 2)
    assert (gina["referred_by_id"], gina["referred_by_row"]) == (priya.pk, None)


def test_template_with_semicolons_and_cp1252_parsed(student):
    text = 'name;organisation;notes\r\nJosé Núñez;Café Ltd;"Likes ‘quotes’"\r\n'
    upload = SimpleUploadedFile("excel.csv", text.encode("cp1252"))

    contact_import = transfer.contact_import_parse(student=student, upload=upload)

    row = contact_import.rows[0]
    assert (row["full_name"], row["organisation"], row["notes"]) == (
        "José Núñez",
        "Café Ltd",
        "Likes ‘quotes’",
    )


def test_template_download_imports_cleanly(login_as, student):
    response = login_as(student).get(reverse("contact_import_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="fieldnotes-contacts-template.csv"'
    )
    upload = SimpleUploadedFile("template.csv", response.content)
    contact_import = transfer.contact_import_parse(student=student, upload=upload)
    assert contact_import.errors == []
    assert [r["full_name"] for r in contact_import.rows] == ["Ada Lovelace"]


def test_preview_shows_errors_and_confirm_imports_good_rows(login_as, student, software, priya):
    browser = login_as(student)
    browser.post(reverse("contact_import"), {"file": fixture_upload("template_with_errors.csv")})
    contact_import = ContactImport.objects.get(owner=student)
    url = reverse("contact_import_detail", args=[contact_import.pk])

    page = browser.get(url).content.decode()
    response = browser.post(reverse("contact_import_confirm", args=[contact_import.pk]))

    assert "Enter a valid URL." in page
    assert "There is no field called “Astrology”." in page
    assert "Frank Referred" in page
    assert response.status_code == 302
    assert response["Location"] == url
    assert contacts_of(student) == [
        "Ada Lovelace",
        "Frank Referred",
        "Gina Existing Referrer",
        "Priya Existing",
    ]
    frank = Contact.objects.get(owner=student, full_name="Frank Referred")
    assert frank.referred_by.full_name == "Ada Lovelace"
    assert Contact.objects.get(full_name="Gina Existing Referrer").referred_by == priya
    assert frank.target_rank is None
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.created_count) == (ImportStatus.DONE, 3)
    done_page = browser.get(url).content.decode()
    assert "3 contacts were added to your contact book." in done_page
    assert reverse("contact_list") in done_page


# --- Rejected files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Choose a CSV file"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "could not be read as text"),
        ("letters.csv", b"Dear Sam,\nhello\n", "The first line must be the header"),
        ("empty.csv", b"name,email\n\n", "The file has no contacts in it."),
        ("big.csv", b"name\n" + b"x" * (2 * 1024 * 1024), "larger than 2 MB"),
        (
            "long-cell.csv",
            b'name,notes\nSam,"' + b"x" * 1_500_000 + b'"\n',
            "A cell of the file holds more than 131,072 characters",
        ),
    ],
)
def test_unusable_file_refused_with_400(login_as, student, name, content, message):
    response = login_as(student).post(
        reverse("contact_import"), {"file": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ContactImport.objects.count() == 0
    assert Contact.objects.count() == 0


def test_more_than_5000_rows_refused_with_400(login_as, student):
    upload = template_upload([{"name": f"P{i}"} for i in range(5001)])

    response = login_as(student).post(reverse("contact_import"), {"file": upload})

    assert response.status_code == 400
    assert "more than 5,000 contacts" in response.content.decode()
    assert ContactImport.objects.count() == 0


def test_exactly_5000_rows_accepted(student):
    upload = template_upload([{"name": f"P{i}"} for i in range(5000)])

    contact_import = transfer.contact_import_parse(student=student, upload=upload)

    assert len(contact_import.rows) == 5000


# --- Duplicates ---------------------------------------------------------------------


@pytest.fixture
def import_with_duplicates(student):
    ContactFactory(student=student, full_name="Ada Lovelace", email="ada@example.org")
    ContactFactory(student=student, full_name="Grace Hopper", organisation="US Navy")
    upload = template_upload(
        [
            {"name": "Augusta Ada King", "email": "ADA@example.org"},
            {"name": "grace hopper", "organisation": "us navy"},
            {"name": "Katherine Johnson", "email": "kj@example.org"},
            {"name": "K. Johnson", "email": "kj@example.org", "referred_by": "Augusta Ada King"},
        ]
    )
    return transfer.contact_import_parse(student=student, upload=upload)


def test_duplicates_of_the_book_and_within_the_file_flagged(student, import_with_duplicates):
    ada = Contact.objects.get(owner=student, full_name="Ada Lovelace")
    grace = Contact.objects.get(owner=student, full_name="Grace Hopper")

    flags = [
        (r["full_name"], r["duplicate"], r["duplicate_of"], r["duplicate_row"])
        for r in import_with_duplicates.rows
    ]

    assert flags == [
        ("Augusta Ada King", "email", ada.pk, None),
        ("grace hopper", "name", grace.pk, None),
        ("Katherine Johnson", "", None, None),
        ("K. Johnson", "email", None, 4),
    ]


def test_duplicates_skipped_and_referral_points_at_the_existing_contact(
    student, import_with_duplicates
):
    transfer.contact_import_confirm(
        student=student, contact_import=import_with_duplicates, include_duplicates=False
    )

    assert contacts_of(student) == ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]


def test_duplicates_imported_when_asked(login_as, student, import_with_duplicates):
    browser = login_as(student)
    url = reverse("contact_import_detail", args=[import_with_duplicates.pk])
    assert "Same email as row 4" in browser.get(url).content.decode()

    browser.post(
        reverse("contact_import_confirm", args=[import_with_duplicates.pk]),
        {"include_duplicates": "on"},
    )

    assert contacts_of(student) == [
        "Ada Lovelace",
        "Augusta Ada King",
        "Grace Hopper",
        "K. Johnson",
        "Katherine Johnson",
        "grace hopper",
    ]
    k = Contact.objects.get(owner=student, full_name="K. Johnson")
    assert k.referred_by.full_name == "Augusta Ada King"


# --- Confirming ---------------------------------------------------------------------


def test_confirm_is_all_or_nothing(student, monkeypatch):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(5))
    )
    monkeypatch.setattr(transfer, "IMPORT_CHUNK_SIZE", 2)
    real_bulk_create = Contact.objects.bulk_create
    calls = []

    def bulk_create_failing_on_second_chunk(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(Contact.objects, "bulk_create", bulk_create_failing_on_second_chunk)

    result = transfer.contact_import_confirm(
        student=student, contact_import=contact_import, include_duplicates=False
    )

    assert calls == [2, 2]
    assert Contact.objects.count() == 0
    assert result.status == ImportStatus.FAILED
    assert result.created_count == 0
    assert result.failure == "RuntimeError: database went away"


def test_confirm_twice_imports_once(login_as, student):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(2))
    )
    browser = login_as(student)
    url = reverse("contact_import_confirm", args=[contact_import.pk])

    browser.post(url)
    response = browser.post(url, follow=True)

    assert "This import was already confirmed." in response.content.decode()
    assert Contact.objects.filter(owner=student).count() == 2


def test_cancel_discards_the_preview(login_as, student):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(2))
    )

    response = login_as(student).post(reverse("contact_import_cancel", args=[contact_import.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("contact_import")
    assert ContactImport.objects.count() == 0
    assert Contact.objects.count() == 0


def test_large_import_queued_on_commit_and_run_by_the_task(
    student, monkeypatch, django_capture_on_commit_callbacks
):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(301))
    )
    queued = []
    monkeypatch.setattr(current_app, "send_task", lambda name, args: queued.append((name, *args)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = transfer.contact_import_confirm(
            student=student, contact_import=contact_import, include_duplicates=False
        )
    assert result.status == ImportStatus.QUEUED
    assert queued == []
    for callback in callbacks:
        callback()

    assert len(callbacks) == 1
    assert queued == [(tasks.contact_import_run.name, contact_import.pk)]
    assert Contact.objects.count() == 0

    tasks.contact_import_run(contact_import.pk)
    tasks.contact_import_run(contact_import.pk)

    contact_import.refresh_from_db()
    assert Contact.objects.filter(owner=student).count() == 301
    assert (
        contact_import.status,
        contact_import.processed_rows,
        contact_import.created_count,
    ) == (ImportStatus.DONE, 301, 301)


def test_task_for_a_deleted_import_does_nothing(student):
    tasks.contact_import_run(987654)

    assert Contact.objects.count() == 0


def test_progress_partial_polls_while_running_and_stops_when_done(login_as, student):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(400))
    )
    ContactImport.objects.filter(pk=contact_import.pk).update(status=ImportStatus.RUNNING)
    cache.set(transfer.progress_cache_key(contact_import.pk), 100)
    browser = login_as(student)
    url = reverse("contact_import_progress", args=[contact_import.pk])

    running = browser.get(url).content.decode()
    ContactImport.objects.filter(pk=contact_import.pk).update(
        status=ImportStatus.DONE, processed_rows=400, created_count=400
    )
    done = browser.get(url).content.decode()

    assert 'hx-trigger="every 1s"' in running
    assert 'role="progressbar"' in running
    assert 'aria-valuenow="25"' in running
    assert "100 of 400 contacts" in running
    assert "hx-trigger" not in done
    assert "400 contacts were added to your contact book." in done
    assert reverse("contact_list") in done


# --- Export -------------------------------------------------------------------------


def test_export_round_trips_through_import(login_as, student, student2, software):
    zed = ContactFactory(student=student, full_name="Zed Referrer", organisation="Zeta")
    ContactFactory(
        student=student,
        full_name="Amy Referred",
        email="amy@example.org",
        phone="+1 555 0100",
        organisation="Acme, Inc.",
        job_title="Engineer",
        field=software,
        location="Boston, MA",
        linkedin_url="https://www.linkedin.com/in/amy",
        source=Source.REFERRAL,
        referred_by=zed,
        notes='First line, with "quotes"\nSecond line',
        tags=["hiring", "alumni"],
    )
    archived = ContactFactory(student=student, full_name="Old Archived")
    archived.archived_at = timezone.now()
    archived.save()
    exported = login_as(student).get(reverse("contact_export"))
    assert exported.content.decode("utf-8-sig").splitlines()[1].startswith("Zed Referrer,")

    contact_import = transfer.contact_import_parse(
        student=student2, upload=SimpleUploadedFile("export.csv", exported.content)
    )
    transfer.contact_import_confirm(
        student=student2, contact_import=contact_import, include_duplicates=False
    )

    fields = [
        "full_name",
        "email",
        "phone",
        "organisation",
        "job_title",
        "field",
        "location",
        "linkedin_url",
        "source",
        "referred_by__full_name",
        "notes",
        "tags",
    ]

    def book(user):
        return list(
            Contact.objects.filter(owner=user, archived_at__isnull=True)
            .order_by("full_name")
            .values_list(*fields)
        )

    assert contact_import.errors == []
    assert book(student2) == book(student)


def test_export_neutralises_formulas(login_as, student):
    ContactFactory(
        student=student,
        full_name='=HYPERLINK("http://evil.example")',
        organisation="@SUM(A1)",
        job_title="-2+3",
        phone="+1 555 0100",
        location="\tTabbed",
        notes="\rReturn",
        tags=["=1+1", "plain"],
    )

    response = login_as(student).get(reverse("contact_export"))

    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    assert response.content.decode() == (
        "\ufeffname,email,phone,organisation,job_title,field,location,linkedin_url,source,"
        "referred_by,notes,tags\r\n"
        '"\'=HYPERLINK(""http://evil.example"")",,\'+1 555 0100,\'@SUM(A1),\'-2+3,,'
        "'\tTabbed,,friend_family,,\"'\rReturn\",'=1+1; plain\r\n"
    )


def test_export_of_another_book_is_not_included(login_as, student, student2):
    ContactFactory(student=student2, full_name="Not Mine")

    response = login_as(student).get(reverse("contact_export"))

    assert "Not Mine" not in response.content.decode()


# --- vCard --------------------------------------------------------------------------


def test_vcard_of_a_contact(login_as, student):
    contact = ContactFactory(
        student=student,
        full_name="Ada Lovelace",
        email="ada@example.org",
        phone="+44 20 7946 0000",
        organisation="Analytical Engines, Ltd",
        job_title="Research engineer",
        location="London",
        linkedin_url="https://www.linkedin.com/in/ada-lovelace",
        notes="Met at the fair; ask about C:\\temp\nSecond line",
    )

    response = login_as(student).get(reverse("contact_vcard", args=[contact.pk]))

    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ada-lovelace.vcf"'
    assert response.content.decode() == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "FN:Ada Lovelace\r\n"
        "N:Lovelace;Ada;;;\r\n"
        "ORG:Analytical Engines\\, Ltd\r\n"
        "TITLE:Research engineer\r\n"
        "EMAIL;TYPE=INTERNET:ada@example.org\r\n"
        "TEL;TYPE=VOICE:+44 20 7946 0000\r\n"
        "URL:https://www.linkedin.com/in/ada-lovelace\r\n"
        "ADR:;;;London;;;\r\n"
        "NOTE:Met at the fair\\; ask about C:\\\\temp\\nSecond line\r\n"
        "END:VCARD\r\n"
    )


def test_vcard_folds_long_lines_on_character_boundaries(student):
    contact = Contact(owner=student, full_name="Zoë", notes="é" * 100)

    card = transfer.contact_vcard(contact=contact)

    assert card == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "FN:Zoë\r\n"
        "N:;Zoë;;;\r\n"
        "NOTE:" + "é" * 35 + "\r\n"
        " " + "é" * 37 + "\r\n"
        " " + "é" * 28 + "\r\n"
        "END:VCARD\r\n"
    )
    assert max(len(line.encode()) for line in card.split("\r\n")) == 75


# --- Who may see what ---------------------------------------------------------------


def _import_urls(pk):
    return [
        ("get", reverse("contact_import_detail", args=[pk])),
        ("get", reverse("contact_import_progress", args=[pk])),
        ("post", reverse("contact_import_confirm", args=[pk])),
        ("post", reverse("contact_import_cancel", args=[pk])),
    ]


@pytest.mark.parametrize("intruder", ["student2", "other_student"])
def test_another_students_import_and_contact_are_404(request, login_as, student, intruder):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(1))
    )
    contact = ContactFactory(student=student, full_name="Private Person")
    browser = login_as(request.getfixturevalue(intruder))

    statuses = [
        getattr(browser, method)(url).status_code for method, url in _import_urls(contact_import.pk)
    ]
    vcard = browser.get(reverse("contact_vcard", args=[contact.pk]))

    assert statuses == [404, 404, 404, 404]
    assert vcard.status_code == 404
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.PREVIEW
    assert contacts_of(student) == ["Private Person"]


@pytest.mark.parametrize("persona", ["alumni", "advisor"])
def test_other_roles_are_403(request, login_as, student, persona):
    contact_import = transfer.contact_import_parse(
        student=student, upload=template_upload(people(1))
    )
    contact = ContactFactory(student=student, full_name="Private Person")
    browser = login_as(request.getfixturevalue(persona))
    urls = [
        ("get", reverse("contact_import")),
        ("post", reverse("contact_import")),
        ("get", reverse("contact_import_template")),
        ("get", reverse("contact_export")),
        ("get", reverse("contact_vcard", args=[contact.pk])),
        *_import_urls(contact_import.pk),
    ]

    statuses = [getattr(browser, method)(url).status_code for method, url in urls]

    assert statuses == [403] * len(urls)


def test_visitor_sent_to_sign_in(nobody):
    response = nobody.get(reverse("contact_export"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Queries ------------------------------------------------------------------------


@pytest.mark.parametrize("bad_rows", [1, 3])
def test_preview_page_query_count(login_as, student, django_assert_num_queries, bad_rows):
    rows = people(3) + [{"name": f"Bad {i}", "email": "nope"} for i in range(bad_rows)]
    contact_import = transfer.contact_import_parse(student=student, upload=template_upload(rows))
    browser = login_as(student)
    url = reverse("contact_import_detail", args=[contact_import.pk])

    with django_assert_num_queries(3):
        response = browser.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("Enter a valid email address.") == bad_rows


def test_import_left_running_by_a_dead_worker_is_taken_over(student, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.contacts.enums import ImportStatus
    from apps.contacts.models import Contact, ContactImport
    from apps.contacts.transfer import contact_import_run

    rows = [
        {
            "row": 2,
            "full_name": "Ada Lovelace",
            "email": "",
            "phone": "",
            "organisation": "",
            "job_title": "",
            "field_id": None,
            "location": "",
            "linkedin_url": "",
            "source": "friend_family",
            "referred_by_id": None,
            "referred_by_row": None,
            "notes": "",
            "tags": [],
        }
    ]
    fresh = ContactImport.objects.create(
        owner=student,
        filename="a.csv",
        file_format="template",
        status=ImportStatus.RUNNING,
        rows=rows,
        total_rows=1,
    )
    stale = ContactImport.objects.create(
        owner=student,
        filename="b.csv",
        file_format="template",
        status=ImportStatus.RUNNING,
        rows=rows,
        total_rows=1,
    )
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ContactImport.objects.filter(pk=stale.pk).update(updated_at=long_ago)

    contact_import_run(import_id=fresh.pk)
    contact_import_run(import_id=stale.pk)

    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert (fresh.status, stale.status) == (ImportStatus.RUNNING, ImportStatus.DONE)
    assert (stale.created_count, stale.rows) == (1, [])
    assert list(Contact.objects.values_list("full_name", flat=True)) == ["Ada Lovelace"]


def test_a_preview_nobody_confirmed_is_deleted_after_a_week(student, student2, time_machine):
    from datetime import UTC, datetime, timedelta

    from apps.contacts.tasks import contact_imports_discard_unconfirmed
    from config.celery_schedule import BEAT_SCHEDULE

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    transfer.contact_import_parse(student=student, upload=template_upload(people(2)))
    transfer.contact_import_parse(student=student2, upload=template_upload(people(1)))
    done = transfer.contact_import_parse(student=student, upload=template_upload(people(1)))
    transfer.contact_import_confirm(student=student, contact_import=done, include_duplicates=False)
    time_machine.move_to(start + timedelta(days=6), tick=False)
    recent = transfer.contact_import_parse(student=student, upload=template_upload(people(1)))

    time_machine.move_to(start + timedelta(days=7, minutes=1), tick=False)
    assert contact_imports_discard_unconfirmed() == 2

    assert set(ContactImport.objects.values_list("pk", flat=True)) == {done.pk, recent.pk}
    assert Contact.objects.filter(owner=student).count() == 1
    assert "apps.contacts.tasks.contact_imports_discard_unconfirmed" in {
        entry["task"] for entry in BEAT_SCHEDULE.values()
    }
