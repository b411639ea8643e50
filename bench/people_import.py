"""Time an office admin's CSV import of 5,000 people, end to end on the server.

    DJANGO_SETTINGS_MODULE=config.settings.local \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldnotes_bench \\
    .venv/bin/python bench/people_import.py [--rows 5000] [--members 500]

Migrates the database, (re)creates the office `bench-import` with an admin, 10
advisors and `--members` students, then times each step of
apps/advising/services_import.py on a CSV of `--rows` lines (the members among
them with an advisor to assign, half the new people with an advisor too): parsing
into the preview, the preview page (Django's test client, `DEBUG` off), confirming,
and the task's whole run (every batch, no time budget), then a second upload of the
same file. Celery's `send_task` is replaced by a counter: the outbox's "deliver
now" message per email costs about 1.2 ms more on Redis (docs/performance.md,
followups.py). See bench/README.md.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

OFFICE_SLUG = "bench-import"


def _reset():
    from apps.accounts.enums import Role
    from apps.accounts.models import Invitation, Office, User
    from apps.accounts.services import user_create
    from apps.advising.models import Assignment, PeopleImport
    from apps.core.models import OutboundEmail

    office = Office.objects.filter(slug=OFFICE_SLUG).first()
    if office is not None:
        PeopleImport.objects.filter(office=office).delete()
        Invitation.objects.filter(office=office).delete()
        Assignment.objects.filter(office=office).delete()
        OutboundEmail.objects.filter(office_id=office.pk).delete()
        User.objects.filter(office=office).delete()
        office.delete()
    office = Office.objects.create(name="Bench import", slug=OFFICE_SLUG)
    admin = user_create(
        office=office,
        email="admin@bench-import.test",
        full_name="Bench Admin",
        password=None,
        role=Role.ADVISOR,
        is_office_admin=True,
    )
    for i in range(10):
        user_create(
            office=office,
            email=f"advisor{i}@bench-import.test",
            full_name=f"Advisor {i}",
            password=None,
            role=Role.ADVISOR,
        )
    return office, admin


def _csv(rows: int, members: int) -> bytes:
    from apps.accounts.enums import Role
    from apps.accounts.models import User

    User.objects.bulk_create(
        [
            User(
                email=f"member{i}@bench-import.test",
                full_name=f"Member {i}",
                office_id=User.objects.get(email="admin@bench-import.test").office_id,
                role=Role.STUDENT,
            )
            for i in range(members)
        ]
    )
    lines = ["email,name,role,advisor_email"]
    lines += [
        f"member{i}@bench-import.test,Member {i},student,advisor{i % 10}@bench-import.test"
        for i in range(members)
    ]
    lines += [
        f"new{i}@bench-import.test,New {i},student,"
        + (f"advisor{i % 10}@bench-import.test" if i % 2 else "")
        for i in range(rows - members)
    ]
    return ("\n".join(lines) + "\n").encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--members", type=int, default=500)
    args = parser.parse_args()

    from celery import current_app
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from apps.accounts.models import Invitation
    from apps.advising import services_import
    from apps.advising.models import Assignment
    from apps.core.models import OutboundEmail

    call_command("migrate", verbosity=0)
    office, admin = _reset()
    data = _csv(args.rows, args.members)
    published = []
    current_app.send_task = lambda name, args=None, **kw: published.append(name)

    def timed(label, fn):
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(1)
            return execute(sql, params, many, context)

        start = time.perf_counter()
        with connection.execute_wrapper(count):
            result = fn()
        print(f"{label:<40} {1000 * (time.perf_counter() - start):>9.0f} ms {len(queries):>7} q")
        return result

    upload = SimpleUploadedFile("people.csv", data)
    people_import = timed(
        f"parse {args.rows} lines",
        lambda: services_import.people_import_parse(admin=admin, upload=upload),
    )
    client = Client()
    client.force_login(admin)
    url = f"/office/people/import/{people_import.pk}/"
    client.get(url)
    timed("preview page (first 50, errors first)", lambda: client.get(url))
    timed("preview page 100", lambda: client.get(url + "?page=100"))
    timed(
        "confirm",
        lambda: services_import.people_import_confirm(admin=admin, people_import=people_import),
    )
    timed(
        "run (all batches)",
        lambda: services_import.people_import_run(import_id=people_import.pk),
    )
    people_import.refresh_from_db()
    print(
        f"status {people_import.status}; invited {people_import.invited_count}, "
        f"assigned {people_import.assigned_count}, skipped {people_import.skipped_count}; "
        f"invitations {Invitation.objects.filter(office=office).count()}, "
        f"emails {OutboundEmail.objects.filter(office_id=office.pk).count()}, "
        f"assignments {Assignment.objects.filter(office=office).count()}, "
        f"publishes {len(published)}"
    )
    again = timed(
        "parse the same file again",
        lambda: services_import.people_import_parse(
            admin=admin, upload=SimpleUploadedFile("people.csv", data)
        ),
    )
    print(
        "second upload verdicts:",
        dict(again.rows.values_list("verdict").annotate(n=django.db.models.Count("pk"))),
    )


if __name__ == "__main__":
    from django.test.utils import override_settings

    # Production-like, as bench/directory.py's time_pages: DEBUG off.
    with override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        main()
