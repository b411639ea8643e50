"""Server time of the advisors' caseload at a large university's size.

    DJANGO_SETTINGS_MODULE=config.settings.local \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldnotes_bench \\
    .venv/bin/python bench/advising.py [--requests 20] [--rebuild] [--only dashboard]

Migrates the database, creates (once) an office of 20,000 students with 200,000
contacts, 100,000 interviews in every state with their timelines and the
thank-yous of the held ones, and one advisor with 500 assigned students, then
times the caseload pages through Django's test client, signed in as the advisor,
and the office admin's People pages signed in as an admin of that office, and
prints the median and 95th percentile in ms and the queries per request. Read
each figure against the baseline measured in the same run. See bench/README.md.
"""

import argparse
import os
import random
import sys
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from bench.directory import time_pages  # noqa: E402

OFFICE_SLUG = "bench-advising"
STUDENTS = 20_000
CONTACTS_EACH = 10
INTERVIEWS_EACH = 5
CASELOAD = 500
SEED = 20261203
PROGRAMMES = ["Economics", "History", "Biology", "Computer Science", "Nursing", "Law", "Music"]


def _delete(office) -> None:
    from apps.accounts.models import User
    from apps.contacts.models import Contact
    from apps.followups.models import FollowUp
    from apps.interviews.models import Interview
    from apps.students.models import StudentProfile

    FollowUp.objects.filter(student__office=office).delete()
    Interview.objects.filter(student__office=office).delete()
    Contact.objects.filter(owner__office=office).delete()
    StudentProfile.objects.filter(user__office=office).delete()
    User.objects.filter(office=office).delete()
    office.delete()


def ensure_data(*, rebuild: bool):
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.accounts.enums import Role
    from apps.accounts.models import Office, User
    from apps.advising.models import Assignment
    from apps.contacts.enums import Stage
    from apps.contacts.models import Contact
    from apps.followups.enums import Kind, Status
    from apps.followups.models import FollowUp
    from apps.interviews.enums import EventKind, State
    from apps.interviews.models import Interview, InterviewEvent
    from apps.students.models import StudentProfile

    office = Office.objects.filter(slug=OFFICE_SLUG).first()
    if office is not None and rebuild:
        print("Removing the previous benchmark office…")
        _delete(office)
        office = None
    if office is not None:
        advisor = User.objects.get(office=office, email=f"advisor@{OFFICE_SLUG}.test")
        have = User.objects.filter(office=office, role=Role.STUDENT).count()
        if have == STUDENTS:
            return advisor
        sys.exit(f"The benchmark office is incomplete ({have} students); use --rebuild.")

    print("Creating the benchmark office (a few minutes)…")
    rnd = random.Random(SEED)
    now = timezone.now()
    password = make_password("bench-password-not-for-use")
    states = [
        State.REQUESTED, State.ACCEPTED, State.SCHEDULED, State.COMPLETED, State.COMPLETED,
        State.DECLINED, State.EXPIRED, State.CANCELLED, State.NO_SHOW, State.WITHDRAWN,
    ]  # fmt: skip
    with transaction.atomic():
        office = Office.objects.create(
            name="Benchmark University Careers (advising)",
            slug=OFFICE_SLUG,
            time_zone="America/New_York",
        )
        advisor = User.objects.create(
            email=f"advisor@{OFFICE_SLUG}.test", full_name="Bench Advisor", password=password,
            office=office, role=Role.ADVISOR,
        )  # fmt: skip
        students = User.objects.bulk_create(
            [
                User(
                    email=f"student{n}@{OFFICE_SLUG}.test",
                    full_name=f"Student {n:05}",
                    password=password,
                    office=office,
                    role=Role.STUDENT,
                    date_joined=now - timedelta(days=rnd.randint(0, 400)),
                )  # fmt: skip
                for n in range(STUDENTS)
            ],
            batch_size=2000,
        )
        StudentProfile.objects.bulk_create(
            [
                StudentProfile(
                    user=s,
                    programme=rnd.choice(PROGRAMMES),
                    graduation_year=rnd.randint(2026, 2030),
                )
                for s in students
            ],
            batch_size=2000,
        )
        Assignment.objects.bulk_create(
            [Assignment(office=office, advisor=advisor, student=s) for s in students[:CASELOAD]]
        )
        stages = list(Stage.values)
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    owner=s,
                    full_name=f"Contact {n}",
                    stage=rnd.choice(stages),
                    target_rank=n if n < 3 else None,
                    last_interaction_at=now - timedelta(days=rnd.randint(0, 300)),
                )  # fmt: skip
                for s in students
                for n in range(CONTACTS_EACH)
            ],
            batch_size=5000,
        )
        print(f"  {len(contacts)} contacts")
        interviews = []
        for i, s in enumerate(students):
            for n in range(INTERVIEWS_EACH):
                state = rnd.choice(states)
                requested = now - timedelta(days=rnd.randint(1, 300))
                interviews.append(
                    Interview(
                        student=s,
                        contact=contacts[i * CONTACTS_EACH + n],
                        state=state,
                        requested_at=requested,
                        duration_minutes=30,
                        starts_at=requested + timedelta(days=7)
                        if state in (State.SCHEDULED, State.COMPLETED, State.NO_SHOW)
                        else None,
                        held_at=requested + timedelta(days=7) if state == State.COMPLETED else None,
                    )  # fmt: skip
                )
        Interview.objects.bulk_create(interviews, batch_size=5000)
        print(f"  {len(interviews)} interviews")
        InterviewEvent.objects.bulk_create(
            [
                InterviewEvent(interview=iv, actor=iv.student, kind=EventKind.REQUESTED)
                for iv in interviews
            ],
            batch_size=5000,
        )
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    student=iv.student,
                    contact=iv.contact,
                    interview=iv,
                    kind=Kind.THANK_YOU,
                    due_at=iv.held_at + timedelta(hours=24),
                    status=Status.DONE if n % 3 else Status.OPEN,
                    done_at=iv.held_at + timedelta(hours=6) if n % 3 else None,
                    on_time=(n % 6 != 1) if n % 3 else None,
                )  # fmt: skip
                for n, iv in enumerate(iv for iv in interviews if iv.state == State.COMPLETED)
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return advisor


def ensure_admin(advisor):
    """An office admin of the benchmark office, for the People page (made once; the
    office's data is not touched)."""
    from apps.accounts.enums import Role
    from apps.accounts.models import User

    admin, _created = User.objects.get_or_create(
        email=f"admin@{OFFICE_SLUG}.test",
        defaults={
            "full_name": "Bench Admin",
            "password": advisor.password,
            "office": advisor.office,
            "role": Role.ADVISOR,
            "is_office_admin": True,
        },
    )
    return admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true", help="recreate the benchmark data")
    parser.add_argument(
        "--only",
        default="",
        help="time only the advisor's pages whose label has this (caseload, dashboard), "
        "or only the admin's People pages (people)",
    )
    args = parser.parse_args()

    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    advisor = ensure_data(rebuild=args.rebuild)
    caseload = reverse("caseload")
    csv = reverse("caseload_csv")
    dashboard = reverse("advising_dashboard")
    pages = [
        ("baseline: profile page", reverse("profile")),
        ("caseload: my 500, page 1", caseload),
        ("caseload: mine, by held desc", caseload + "?sort=-held"),
        ("caseload: office, by name", caseload + "?scope=office"),
        ("caseload: office, by activity", caseload + "?scope=office&sort=-activity"),
        ("caseload: office, stalled", caseload + "?scope=office&flag=stalled"),
        ("caseload: office, search", caseload + "?scope=office&q=student1999"),
        ("caseload: office, by held desc", caseload + "?scope=office&sort=-held"),
        ("caseload: office, by missing desc", caseload + "?scope=office&sort=-missing"),
        ("caseload: office, by held, page 300", caseload + "?scope=office&sort=-held&page=300"),
        ("caseload: office, by accepted desc", caseload + "?scope=office&sort=-accepted"),
        ("caseload: office, by requests desc", caseload + "?scope=office&sort=-requests"),
        ("caseload: office, by contacts desc", caseload + "?scope=office&sort=-contacts"),
        ("caseload: office, by stage", caseload + "?scope=office&sort=stage"),
        ("caseload: office, stage met", caseload + "?scope=office&stage=met"),
        ("caseload: office, missed thank-you", caseload + "?scope=office&flag=missed_thank_you"),
        ("caseload: office, no targets", caseload + "?scope=office&flag=no_targets"),
        ("caseload: office, asked for a job", caseload + "?scope=office&flag=job_ask"),
        ("caseload CSV: my 500", csv),
        # refresh=1 computes the figures on every request; without it they come
        # from the cache (5 minutes) after the first.
        ("dashboard: 30 days, computed", dashboard + "?refresh=1"),
        ("dashboard: 30 days, cached", dashboard),
        ("dashboard: programme, computed", dashboard + "?programme=Economics&refresh=1"),
        ("dashboard: 12 months, computed", dashboard + "?range=12m&refresh=1"),
        ("dashboard: 3 years, computed", dashboard + "?start=2024-01-01&end=2026-12-03&refresh=1"),
    ]
    if args.only != "people":
        pages = [page for page in pages if page[0].startswith("baseline") or args.only in page[0]]
        time_pages(pages, user=advisor, requests=args.requests, width=32)
    if args.only not in ("", "people"):
        return
    admin = ensure_admin(advisor)
    people = reverse("office_people")
    admin_pages = [
        ("baseline: profile page", reverse("profile")),
        ("office overview", reverse("office_home")),
        ("people: default, page 1", people),
        ("people: page 200", people + "?page=200"),
        ("people: search", people + "?q=student1999"),
        ("people: search, broad", people + "?q=student1"),
        ("people: without an advisor", people + "?without_advisor=on"),
        ("people: programme and year", people + "?programme=History&year=2027"),
        ("people: by last sign-in", people + "?sort=-last_login"),
        ("people: by joined, newest", people + "?sort=-joined"),
        ("invitations", reverse("office_invitations")),
    ]
    time_pages(admin_pages, user=admin, requests=args.requests, width=32)


if __name__ == "__main__":
    main()
