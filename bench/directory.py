"""Server time of the alumni directory and the contact book on a realistic office.

    DJANGO_SETTINGS_MODULE=config.settings.local \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldnotes_bench \\
    .venv/bin/python bench/directory.py [--requests 50] [--rebuild]

Migrates the database, creates (once) an office with 5,000 volunteers and a
student with 2,000 contacts, then times each page through Django's test client,
signed in as the student, and prints the median and 95th percentile in ms and the
queries per request. See bench/README.md for the aim.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# WhiteNoise warns that collectstatic has not run; irrelevant to these timings.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

OFFICE_SLUG = "bench"
VOLUNTEERS = 5_000
CONTACTS = 2_000
LINKED_CONTACTS = 40
SEED = 20261123

FIELDS = [
    "Accounting and finance", "Consulting", "Data science and analytics", "Education",
    "Engineering", "Government and public policy", "Healthcare", "Law",
    "Marketing and communications", "Media and publishing", "Nonprofit",
    "Research and academia", "Software and technology", "Sustainability and energy",
]  # fmt: skip
COMPANY_STEMS = [
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
    "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp", "Massive Dynamic", "Aperture",
    "Monarch", "Dunder Mifflin", "Pied Piper", "Prestige Worldwide",
]  # fmt: skip
COMPANY_KINDS = [
    "Health", "Consulting", "Analytics", "Energy", "Bank", "Media", "Labs", "Partners",
    "Foundation", "Software",
]  # fmt: skip
TITLES = [
    "Analyst", "Senior analyst", "Consultant", "Product manager", "Software engineer",
    "Data scientist", "Policy advisor", "Associate", "Project manager", "Research scientist",
    "Marketing lead", "Editor", "Program officer", "Nurse practitioner", "Attorney",
    "Teacher", "Designer", "Financial planner", "Operations manager", "Founder",
]  # fmt: skip
TOPICS = [
    "breaking into consulting", "switching careers", "graduate school or not",
    "a day in product management", "working abroad", "negotiating a first offer",
    "public service careers", "startups versus large firms", "remote work",
    "getting a first internship", "networking when you are shy", "quantitative interviews",
    "the bar exam", "teaching certification", "grant writing", "climate careers",
    "machine learning in practice", "freelancing", "managing people", "health policy",
]  # fmt: skip
BIO_SENTENCES = [
    "I studied economics and fell into analytics by accident.",
    "After five years in banking I moved to a mission-driven nonprofit.",
    "I mentor first-generation students and remember how confusing it all was.",
    "My path went through two startups, one of which failed spectacularly.",
    "I spent a year teaching English abroad before law school.",
    "Ask me about balancing a demanding job with a young family.",
    "I hire interns every summer and am happy to explain what we look for.",
    "I came back to school in my thirties to change fields.",
    "Most of my work is with city governments on transit and housing.",
    "I moved from the lab bench to the business side of biotech.",
]  # fmt: skip
CITIES = [
    "Boston, MA", "New York, NY", "Chicago, IL", "San Francisco, CA", "Seattle, WA",
    "Austin, TX", "Denver, CO", "Atlanta, GA", "Washington, DC", "Philadelphia, PA",
    "Minneapolis, MN", "Toronto, ON", "London, UK", "Berlin, Germany", "Remote",
]  # fmt: skip
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Priya",
    "Chen",
    "Maria",
    "Tomás",
    "Aisha",
    "Noah",
    "Lena",
    "Kofi",
    "Yuki",
    "Omar",
    "Ines",
    "Ravi",
    "Zoe",
    "Mateo",
    "Hana",
    "Leo",
    "Fatima",
]
LAST = [
    "Nguyen",
    "Smith",
    "Garcia",
    "Okafor",
    "Kim",
    "Patel",
    "Müller",
    "Rossi",
    "Cohen",
    "Haddad",
    "Larsen",
    "Silva",
    "Novak",
    "Tanaka",
    "Brown",
    "Dubois",
    "Ali",
    "Walsh",
]


def companies() -> list[str]:
    return [f"{stem} {kind}" for stem in COMPANY_STEMS for kind in COMPANY_KINDS]


def ensure_data(*, rebuild: bool):
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.accounts.enums import Approval, Role
    from apps.accounts.models import Office, User
    from apps.contacts.enums import Format, Industry, OpenTo, Source, Stage
    from apps.contacts.models import Contact, VolunteerProfile
    from apps.contacts.volunteers import volunteer_search_rebuild
    from apps.students.models import Field, StudentProfile

    office = Office.objects.filter(slug=OFFICE_SLUG).first()
    if office is not None and rebuild:
        print("Removing the previous benchmark office…")
        Contact.objects.filter(owner__office=office).delete()
        VolunteerProfile.objects.filter(office=office).delete()
        StudentProfile.objects.filter(user__office=office).delete()
        User.objects.filter(office=office).delete()
        Field.objects.filter(office=office).delete()
        office.delete()
        office = None
    if office is not None:
        student = User.objects.get(office=office, email=f"student@{OFFICE_SLUG}.test")
        have = (
            VolunteerProfile.objects.filter(office=office).count(),
            Contact.objects.filter(owner=student).count(),
        )
        if have == (VOLUNTEERS, CONTACTS):
            return office, student
        sys.exit(f"The benchmark office is incomplete {have}; run again with --rebuild.")

    rnd = random.Random(SEED)
    started = time.perf_counter()
    password = make_password("bench-password-not-for-use")
    employers = companies()
    now = timezone.now()
    with transaction.atomic():
        office = Office.objects.create(
            name="Benchmark University Careers", slug=OFFICE_SLUG, time_zone="America/New_York"
        )
        fields = Field.objects.bulk_create([Field(office=office, name=n) for n in FIELDS])
        student = User.objects.create(
            email=f"student@{OFFICE_SLUG}.test", full_name="Bench Student", password=password,
            office=office, role=Role.STUDENT,
        )  # fmt: skip
        profile = StudentProfile.objects.create(
            user=student, target_companies=["Globex Analytics", "Initech Health", "Hooli Labs"]
        )
        profile.fields.set([fields[1], fields[6]])

        users = User.objects.bulk_create(
            [
                User(
                    email=f"volunteer{n}@alumni.{OFFICE_SLUG}.test",
                    full_name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                    password=password,
                    office=office,
                    role=Role.ALUMNI,
                    approval=Approval.APPROVED if n % 50 else Approval.PENDING,
                )  # fmt: skip
                for n in range(VOLUNTEERS)
            ],
            batch_size=1000,
        )
        today = timezone.localdate()
        profiles = []
        for n, user in enumerate(users):
            profiles.append(
                VolunteerProfile(
                    user=user,
                    office=office,
                    employer=rnd.choice(employers),
                    job_title=rnd.choice(TITLES),
                    location=rnd.choice(CITIES),
                    graduation_year=rnd.randint(1985, today.year),
                    programme=rnd.choice(["Economics", "Biology", "History", "Engineering"]),
                    bio=" ".join(rnd.sample(BIO_SENTENCES, 2)),
                    topics="; ".join(rnd.sample(TOPICS, 3)),
                    formats=sorted(rnd.sample(Format.values, rnd.randint(1, 4))),
                    languages=rnd.choice(["English", "English, Spanish", "English, French"]),
                    capacity_per_month=rnd.choice([1, 2, 3, 3, 3, 5, 8, 10]),
                    accepting_requests=n % 40 != 0,
                    paused_until=today + timezone.timedelta(days=10) if n % 30 == 0 else None,
                    deactivated_at=now if n % 97 == 0 else None,
                )
            )
        # Industry and "open to" from an RNG of their own, so the rest of the data
        # stays what earlier runs of this script made.
        offers = random.Random(SEED + 1)
        for profile in profiles:
            profile.industry = offers.choice(Industry.values)
            chosen = offers.sample(OpenTo.values, offers.randint(0, 3))
            profile.open_to = [value for value in OpenTo.values if value in chosen]
        profiles = VolunteerProfile.objects.bulk_create(profiles, batch_size=1000)
        through = VolunteerProfile.fields.through
        links = []
        for profile in profiles:
            for field in rnd.sample(fields, rnd.randint(1, 3)):
                links.append(through(volunteerprofile_id=profile.pk, field_id=field.pk))
        through.objects.bulk_create(links, batch_size=2000)

        contacts = []
        stages = Stage.values
        for n in range(CONTACTS):
            linked = profiles[n * 7] if n < LINKED_CONTACTS else None
            contacts.append(
                Contact(
                    owner=student,
                    full_name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {n}",
                    email=f"contact{n}@example.test" if linked is None else "",
                    organisation=rnd.choice(employers),
                    job_title=rnd.choice(TITLES),
                    field=rnd.choice(fields),
                    location=rnd.choice(CITIES),
                    source=Source.ALUMNI_DIRECTORY if linked else rnd.choice(Source.values),
                    volunteer=linked,
                    stage=rnd.choice(stages),
                    notes=rnd.choice(BIO_SENTENCES),
                    tags=rnd.sample(["alumni", "warm", "referral", "conference"], 2),
                    archived_at=now if n % 25 == 0 else None,
                )
            )
        Contact.objects.bulk_create(contacts, batch_size=1000)
        volunteer_search_rebuild(office_id=office.pk)
    # Fresh statistics, as autovacuum would gather soon after a real import; without
    # them the planner guesses one row per table and picks nested loops.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"Created the benchmark office in {time.perf_counter() - started:.1f} s.")
    return office, student


def time_requests(client, url: str, n: int) -> tuple[float, float, int]:
    """Median and 95th percentile server time in ms, and the queries of one request.
    A streamed response (a CSV) is read to its end: its rows are made as it is read."""
    from django.db import connection

    def get():
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)

    for _ in range(3):  # warm caches: templates, connection, plans
        get()
    # Counted with a wrapper, not CaptureQueriesContext: each request resets the
    # query log it reads.
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: (queries.append(sql), execute(sql, *args))[1]
    ):
        get()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, len(queries)


def reference_loop_ms() -> float:
    """A fixed pure-Python loop, printed with the results: on a shared machine the
    same code runs at different speeds from one minute to the next, and this says
    how fast the machine was during the run."""
    started = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="recreate the benchmark data")
    args = parser.parse_args()

    from django.core.management import call_command
    from django.db import connection
    from django.urls import NoReverseMatch, reverse

    from apps.contacts.enums import Format
    from apps.students.models import Field

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    office, student = ensure_data(rebuild=args.rebuild)

    consulting = Field.objects.get(office=office, name="Consulting")
    pages = [
        # Not a target: what any signed-in page costs here (session, user, layout).
        ("baseline: student home", reverse("student_home")),
        ("directory, default page", reverse("directory")),
        ("directory, text search", reverse("directory") + "?q=consult"),
        # A typo: full text finds nobody, then the trigram fallback (as broad as
        # "consult") and the "Did you mean".
        ("directory, typo search", reverse("directory") + "?q=consultng"),
        ("directory, narrow typo", reverse("directory") + "?q=initeck"),
        (
            "directory, new filters",
            reverse("directory") + "?industry=consulting&major=Economics&open_to=career_changers",
        ),
        (
            "directory, filtered search",
            reverse("directory")
            + f"?q=health&field={consulting.pk}&format={Format.VIDEO}"
            + "&year_from=2000&year_to=2020&location=new&accepting=on",
        ),
    ]
    try:
        pages.append(("contact book", reverse("contact_list")))
    except NoReverseMatch:
        print("Skipping the contact book: the contact_list route does not exist yet.")

    time_pages(pages, user=student, requests=args.requests)


def time_pages(pages: list[tuple[str, str]], *, user, requests: int, width: int = 28) -> None:
    """Time each (label, url) signed in as `user` and print a table after the
    machine reference."""
    from django.test import Client
    from django.test.utils import override_settings

    # Production-like: DEBUG off, so no query log or template debug data; static
    # files named plainly because no manifest is built for a benchmark. The test
    # environment (setup_test_environment) is deliberately not set up: it makes
    # every template render copy its context for the test client, which is not
    # server time.
    with override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        client = Client()
        client.force_login(user)
        print(f"\n{requests} requests each, signed in as {user.email}")
        print(f"Machine reference: a 1M-step Python loop took {reference_loop_ms():.0f} ms\n")
        print(f"{'page':<{width}} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for label, url in pages:
            median, p95, queries = time_requests(client, url, requests)
            print(f"{label:<{width}} {median:>10.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
