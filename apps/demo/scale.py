"""Scale data: offices the size of a large university's, for benchmarks and growth
comparisons (`manage.py seed_scale`; see docs/performance.md, "Scale data").

Unlike the demo (apps.demo.seed), which plays every step through the services, this
writes rows straight into the tables, in batches: COPY on PostgreSQL, multi-row
INSERTs elsewhere. That is a deliberate exception to "writes are services", as for
seed data: a million rows through the services would take hours. So this module
does by hand what the services would have left behind, and keeps it consistent:

- every interview has the timeline of its state (`InterviewEvent`s in order, from
  the draft or the request to where it stopped), the times the services set
  (`requested_at`, `answered_at`, `nudged_at`, `starts_at`, `held_at`), and the
  volunteer's request statistics count it;
- a held meeting has its thank-you follow-up (due `Office.thank_you_hours` after
  the meeting ends), the three reminders of it in the outbox (sent, cancelled once
  the thank-you was sent, or waiting), and keep-in-touch check-ins due a cadence
  after the contact's clock, done or open, with their reminders;
- each contact's stage and keep-in-touch clock (`Contact.stage`,
  `last_interaction_at`) and each student's `User.last_activity_at` say what the
  timeline says (tests/demo/test_seed_scale.py checks it against the tables);
- outbox rows are sent when their time has passed and pending only for the future,
  as a worker would have left them. Their subject and text are a short line, not
  the rendered template (rendering 500,000 emails would take most of the budget).

Every seeded person signs in with SCALE_PASSWORD, hashed once. The database must be
empty: ids are given here, from 1, and the sequences are moved past them at the end.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Office, User
from apps.advising.models import Assignment, CoachingNote, Comment, CommentThread
from apps.contacts.enums import Format, Source, Stage
from apps.contacts.keys import NAME_KEY_MAX, ORG_KEY_MAX, text_key, url_key
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.volunteers import volunteer_search_rebuild
from apps.core.models import OutboundEmail
from apps.followups.enums import (
    CHECKIN,
    MEETING,
    THANK_YOU_NOTE,
    THANKS_4H,
    THANKS_LAPSED,
    THANKS_START,
    InteractionKind,
    Kind,
    SentVia,
    Status,
)
from apps.followups.models import FollowUp, Interaction
from apps.followups.services import add_months
from apps.interviews.enums import Channel, EventKind, State
from apps.interviews.models import (
    Interview,
    InterviewEvent,
    InterviewNotes,
    PreparedQuestion,
    Question,
    RequestTemplate,
    TimeSlot,
)
from apps.interviews.selectors.interviews import EXPIRE_AFTER_DAYS
from apps.interviews.services.questions import question_bank_ensure
from apps.interviews.services.request_templates import request_template_ensure_default
from apps.students.models import Field, StudentProfile
from apps.students.services import field_seed_defaults

SCALE_PASSWORD = "fieldnotes-scale"
# The authenticator app of each office's `admin@` and `advisor@` sign-ins: staff
# must use two-factor (issue 11), and bench/load.py signs in as they do, computing
# the code from this secret (RFC 6238, 30 s, 6 digits).
SCALE_TOTP_SECRET = "FIELDNOTESSCALETOTPSECRETFORBENC"
DEFAULT_SEED = 20261203
HISTORY_DAYS = 730

# The large office at scale 1; the two small ones are a hundredth of it each.
STUDENTS = 20_000
VOLUNTEERS = 5_000
CONTACTS = 200_000
INTERVIEWS = 100_000
SMALL_SHARE = 0.01
CASELOAD = 500
# The student with many contacts (the contact book, the target list), and how many
# interviews they have at most.
BIG_BOOK_SHARE = 0.01
BIG_BOOK_MAX = 2_000
BIG_BOOK_INTERVIEWS = 120
# The volunteer with a big inbox takes this many requests a month and is chosen
# first when a student asks a volunteer.
BIG_INBOX_CAPACITY = 30
BIG_INBOX_WEIGHT = 40
MAX_OPEN = 5

# State → weight. The first interviews of each office take every state once, so
# even a tiny office has them all.
STATE_WEIGHTS = {
    State.DRAFT: 3,
    State.REQUESTED: 7,
    State.ACCEPTED: 3,
    State.SCHEDULED: 6,
    State.COMPLETED: 40,
    State.DECLINED: 12,
    State.EXPIRED: 8,
    State.WITHDRAWN: 5,
    State.CANCELLED: 7,
    State.NO_SHOW: 4,
}
OPEN = (State.REQUESTED, State.ACCEPTED, State.SCHEDULED)

# Names, employers and places to draw from (varied, not real people).
# fmt: off
FIRST = [
    "Maya", "Lucas", "Aiyana", "Ellis", "Tariq", "Sofia", "Wei", "Hannah", "Kwame", "Isabel",
    "Noor", "Declan", "Yuki", "Amara", "Mateo", "Chloe", "Ravi", "Leah", "Samuel", "Freya",
    "Omar", "Grace", "Diego", "Mei", "Jonah", "Zara", "Theo", "Ingrid", "Malik", "Ana", "Felix",
    "Priya", "Jordan", "Sam", "Alex", "Morgan", "Riley", "Elena", "Hugo", "Nadia", "Kofi", "Lena",
    "Arjun", "Clara", "Emeka", "Rosa", "Jamal", "Astrid", "Pablo", "Hana", "Idris", "Mira",
    "Tomasz", "Keiko", "Bruno", "Layla", "Ines", "Oskar",
]
LAST = [
    "Okonkwo", "Fernandes", "Begay", "Grant", "Nasser", "Marchetti", "Zhang", "Schultz", "Mensah",
    "Ortega", "Siddiqui", "Byrne", "Tanaka", "Diallo", "Alvarez", "Dubois", "Iyer", "Goldberg",
    "Adeyemi", "Lindqvist", "Khalil", "O'Connell", "Castillo", "Chen", "Weiss", "Hussain",
    "Papadopoulos", "Johansson", "Robinson", "Silva", "Wagner", "Patel", "Lee", "Novak",
    "Kowalski", "Haddad", "Moreau", "Rossi", "Yamamoto", "Nguyen", "Kim", "Murphy", "Baptiste",
    "Costa", "Svensson", "Abara", "Levi", "Horvat", "Quispe", "Demir", "Sato", "Mbeki", "Fischer",
    "Dlamini", "Park", "Ramos", "Brennan", "Ito",
]
EMPLOYERS = [
    "Acme Analytics", "Northwind Bank", "Globex", "Initech", "Umbrella Health", "Stark Energy",
    "Wayne Foundation", "Tyrell Systems", "Hooli", "Pied Piper", "Vandelay Industries",
    "Soylent Foods", "Cyberdyne", "Wonka Labs", "Oscorp Research", "City of Boston",
    "State Department of Health", "Urban Institute", "Mayo Clinic", "Pfizer", "McKinsey",
    "Deloitte", "National Grid", "Tesla", "Patagonia", "The Guardian", "Penguin Random House",
    "Doctors Without Borders", "Teach For America", "Brightline Schools", "Harbor Legal Aid",
    "Greenfield Capital", "Blue Ocean Consulting", "Riverside Hospital", "Metro Transit",
    "Sunrise Solar", "Atlas Engineering", "Beacon Media", "Cedar Nonprofit Network",
    "Summit Law LLP",
]
TITLES = [
    "Analyst", "Senior Analyst", "Consultant", "Engineer", "Software Engineer", "Data Scientist",
    "Product Manager", "Policy Advisor", "Research Associate", "Nurse Practitioner", "Attorney",
    "Paralegal", "Teacher", "Program Manager", "Marketing Manager", "Editor", "Reporter",
    "Financial Planner", "Accountant", "Project Engineer", "UX Designer", "Operations Lead",
    "Grants Officer", "Communications Director", "Sustainability Lead", "Researcher",
    "Hospital Administrator", "Founder",
]
CITIES = [
    "Boston, MA", "New York, NY", "Chicago, IL", "Seattle, WA", "Austin, TX", "Denver, CO",
    "Atlanta, GA", "San Francisco, CA", "Washington, DC", "Philadelphia, PA", "Toronto", "London",
    "Remote", "Minneapolis, MN", "Portland, OR", "Miami, FL", "Pittsburgh, PA", "Raleigh, NC",
    "Detroit, MI", "Los Angeles, CA",
]
PROGRAMMES = [
    "Economics", "History", "Biology", "Computer Science", "Nursing", "Law", "Music",
    "Psychology", "English", "Political Science", "Mechanical Engineering",
    "Business Administration",
]
INTERESTS = [
    "climate", "data", "writing", "health", "policy", "design", "teaching", "startups", "finance",
    "art",
]
TOPICS = [
    "getting a first job", "switching careers", "graduate school", "internships",
    "working abroad", "day-to-day work", "salary negotiation", "remote work",
    "starting a company", "public service",
]
# fmt: on
MESSAGES = [
    "I'm a student exploring {field} and would value 15 minutes of your advice on how you "
    "got started. I'm not asking for a job, only for your perspective.",
    "Your path into {field} interests me. Could we talk for 15 minutes about what the work "
    "is like day to day and which skills matter most?",
    "I'm researching careers in {field}. Would you share what you wish you had known when "
    "you started? A short call at your convenience would mean a lot.",
]
# Read as an ask for a job by the request checker: flagged when sent.
JOB_ASK = "I'm applying at your company: could you refer me for an open position in {field}?"
NOTES = [
    "Start with a small project you can show. Internships matter less than curiosity.",
    "The field rewards people who can explain numbers to non-specialists.",
    "Join the professional association's student chapter; the events are where hiring starts.",
    "Talk to three more people before choosing; the day to day differs a lot by employer.",
]
REFERRALS = ["Ask Dana at the regional office.", "Talk to the association's mentor lead.", ""]


@dataclass(frozen=True)
class OfficePlan:
    slug: str
    name: str
    time_zone: str
    students: int
    volunteers: int
    contacts: int
    interviews: int

    @property
    def advisors(self) -> int:
        return max(1, math.ceil(self.students / CASELOAD))


def scale_plan(
    *,
    scale: float = 1.0,
    students: int | None = None,
    volunteers: int | None = None,
    contacts: int | None = None,
    interviews: int | None = None,
) -> list[OfficePlan]:
    """The large office (sizes given, or the defaults times `scale`) and two small
    offices of a hundredth of it each."""

    def size(given, default):
        return given if given is not None else round(default * scale)

    big = OfficePlan(
        slug="scale",
        name="Scale University Career Center",
        time_zone="America/New_York",
        students=size(students, STUDENTS),
        volunteers=size(volunteers, VOLUNTEERS),
        contacts=size(contacts, CONTACTS),
        interviews=size(interviews, INTERVIEWS),
    )
    plans = [big]
    for n, zone in ((1, "Europe/London"), (2, "America/Los_Angeles")):
        plans.append(
            OfficePlan(
                slug=f"scale-small-{n}",
                name=f"Small College Careers {n}",
                time_zone=zone,
                students=max(1, round(big.students * SMALL_SHARE)),
                volunteers=max(1, round(big.volunteers * SMALL_SHARE)),
                contacts=round(big.contacts * SMALL_SHARE),
                interviews=round(big.interviews * SMALL_SHARE),
            )
        )
    return plans


def plan_problem(plans: list[OfficePlan]) -> str | None:
    for plan in plans:
        if min(plan.students, plan.volunteers, plan.contacts, plan.interviews) < 0:
            return "Sizes cannot be negative."
        if plan.students < 1:
            return "An office needs at least one student."
        if plan.interviews > plan.contacts:
            return (
                f"{plan.interviews} interviews need at least as many contacts "
                f"(each interview is with a contact of its own); {plan.contacts} given."
            )
    return None


def database_problem() -> str | None:
    """Why this database cannot be seeded, or None: it must be empty."""
    counts = {
        "offices": Office.objects.count(),
        "users": User.objects.count(),
        "contacts": Contact.objects.count(),
        "interviews": Interview.objects.count(),
        "outbox rows": OutboundEmail.objects.count(),
    }
    found = {name: n for name, n in counts.items() if n}
    if not found:
        return None
    listed = ", ".join(f"{n} {name}" for name, n in found.items())
    return (
        f"This database already has data ({listed}). seed_scale fills an empty database "
        "only: create a new database, migrate it, and run seed_scale there."
    )


# --- Writing rows ---------------------------------------------------------------------


class Row:
    """An unsaved row of `_model`: its fields' defaults, then the values given, by
    attribute name (`owner_id`). Much lighter than a model instance, which matters
    for two million of them."""

    def __init__(self, model, values):
        self.__dict__.update(_defaults(model))
        self.__dict__.update(values)
        self._model = model

    @property
    def pk(self):
        return self.id


@cache
def _defaults(model) -> dict:
    # Computed once: a default list or dict is shared, and never changed here.
    return {f.attname: f.get_default() for f in _stored_fields(model)}


def _stored_fields(model) -> list:
    """The fields an INSERT writes: the database computes generated ones
    (Contact.stage_rank) itself."""
    return [f for f in model._meta.concrete_fields if not f.generated]


def _row(model, /, **values) -> Row:
    return Row(model, values)


class Writer:
    """Buffers rows (their ids set) and writes each table's batch at once: COPY on
    PostgreSQL, multi-row INSERTs elsewhere. Values are written as they are:
    `auto_now` fields keep the times given here."""

    def __init__(self, *, batch_size: int):
        self.batch_size = batch_size
        self.buffers: dict[type[models.Model], list] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.postgres = connection.vendor == "postgresql"

    def add(self, row: Row) -> None:
        buffer = self.buffers[row._model]
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self.flush(row._model)

    def flush(self, model=None) -> None:
        for each in [model] if model else list(self.buffers):
            rows, self.buffers[each] = self.buffers[each], []
            if rows:
                self._write(each, rows)
                self.counts[each._meta.label] += len(rows)

    def _write(self, model, objs) -> None:
        fields = _stored_fields(model)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        if self.postgres:
            from psycopg.types.json import Jsonb

            json = [isinstance(f, models.JSONField) for f in fields]
            names = [f.attname for f in fields]
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for obj in objs:
                    copy.write_row(
                        [
                            Jsonb(getattr(obj, name)) if is_json else getattr(obj, name)
                            for name, is_json in zip(names, json, strict=True)
                        ]
                    )
            return
        # The connection itself, not django.db.connection's per-attribute proxy.
        db = connections[DEFAULT_DB_ALIAS]
        rows = [[f.get_db_prep_save(getattr(obj, f.attname), db) for f in fields] for obj in objs]
        # SQLite allows 999 (older) to 32766 variables in one statement.
        per = max(1, 900 // len(fields))
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per):
                chunk = rows[start : start + per]
                marks = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {marks}",
                    [value for row in chunk for value in row],
                )


class Ids:
    """The next id of each table (the database is empty, so from its current top)."""

    def __init__(self):
        self._next: dict[type, int] = {}

    def __call__(self, model) -> int:
        if model not in self._next:
            top = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
            self._next[model] = top + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


# --- The people and their stories -------------------------------------------------------


@dataclass
class Person:
    user: User
    first: str
    last: str


@dataclass
class Volunteer:
    person: Person
    profile: VolunteerProfile
    weight: float
    available_now: bool
    per_month: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    received: int = 0
    answered: int = 0
    seconds: int = 0
    last_request: datetime | None = None


@dataclass
class Clock:
    """A contact's keep-in-touch clock: the latest interaction and what it was."""

    at: datetime | None = None
    what: str = ""

    def move(self, at: datetime, what: str) -> bool:
        if self.at is None or at >= self.at:
            self.at, self.what = at, what
            return True
        return False


@dataclass
class Logins:
    office_admin: str = ""
    advisor: str = ""
    student_many_contacts: str = ""
    student: str = ""
    volunteer_big_inbox: str = ""
    volunteer: str = ""


def _uuid(rnd: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rnd.getrandbits(128), version=4)


def _split(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainders), each at most its
    cap."""
    if not weights:
        return []
    caps = caps or [total] * len(weights)
    shares = [0] * len(weights)
    left = total
    active = [i for i in range(len(weights)) if caps[i] > 0]
    while left > 0 and active:
        weight = sum(weights[i] for i in active) or 1
        exact = {i: left * weights[i] / weight for i in active}
        given = 0
        for i in active:
            add = min(int(exact[i]), caps[i] - shares[i])
            shares[i] += add
            given += add
        rest = sorted(active, key=lambda i: exact[i] - int(exact[i]), reverse=True)
        for i in rest:
            if given >= left:
                break
            if shares[i] < caps[i]:
                shares[i] += 1
                given += 1
        left -= given
        active = [i for i in active if shares[i] < caps[i]]
        if given == 0:
            break
    return shares


class OfficeBuilder:
    def __init__(
        self,
        *,
        plan: OfficePlan,
        rnd: random.Random,
        now: datetime,
        writer: Writer,
        ids: Ids,
        password: str,
        on_student: Callable[[], None],
    ):
        self.plan, self.rnd, self.now = plan, rnd, now
        self.writer, self.ids, self.password = writer, ids, password
        self.on_student = on_student
        self.used_emails: set[str] = set()
        self.logins = Logins()

    # -- helpers --

    def _ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def _between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return start + timedelta(seconds=self.rnd.uniform(0, (end - start).total_seconds()))

    def _office_hour(self, at: datetime) -> datetime:
        """The same day at a working hour in the office's zone."""
        local = at.astimezone(self.zone)
        hour = self.rnd.choice([9, 10, 11, 13, 14, 15, 16])
        return local.replace(
            hour=hour, minute=self.rnd.choice([0, 15, 30, 45]), second=0, microsecond=0
        ).astimezone(self.utc)

    def _email(self, first: str, last: str, kind: str) -> str:
        base = f"{first}.{last}".lower().replace("'", "")
        n = 0
        while True:
            email = f"{base}{n or ''}@{kind}.{self.plan.slug}.test"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email
            n += 1

    def _user(self, *, email, full_name, role, joined, is_admin=False, approval=Approval.APPROVED):
        user = _row(
            User,
            id=self.ids(User),
            email=email,
            full_name=full_name,
            password=self.password,
            role=role,
            is_office_admin=is_admin,
            approval=approval,
            office_id=self.office.pk,
            time_zone=self.office.time_zone,
            date_joined=joined,
            last_login=self._between(joined, self.now) if self.rnd.random() < 0.8 else None,
            is_active=True,
        )
        self.used_emails.add(email)
        self.writer.add(
            _row(
                EmailAddress,
                id=self.ids(EmailAddress),
                user_id=user.pk,
                email=email,
                verified=True,
                primary=True,
            )
        )
        return user

    def _outbox(
        self,
        *,
        kind,
        key,
        to_user=None,
        to=None,
        ref="",
        due,
        queued,
        sent=None,
        status=None,
        note="",
    ):
        """One row as the outbox would hold it by now: sent once due (a worker picks
        it up within a minute), pending while in the future."""
        if status is None:
            status = OutboundEmail.Status.SENT if due <= self.now else OutboundEmail.Status.PENDING
        if status == OutboundEmail.Status.SENT and sent is None:
            sent = min(max(due, queued) + timedelta(seconds=self.rnd.randint(5, 90)), self.now)
        self.writer.add(
            _row(
                OutboundEmail,
                id=self.ids(OutboundEmail),
                dedupe_key=key,
                kind=kind,
                recipient_id=to_user.pk if to_user else None,
                office_id=self.office.pk,
                subject_ref=ref,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[to_user.email] if to_user else list(to or []),
                subject=f"{kind} ({ref})",
                text=f"Scale seed: {kind} about {ref or 'the office'}.",
                due_at=due,
                status=status,
                attempts=1 if status == OutboundEmail.Status.SENT else 0,
                sent_at=sent if status == OutboundEmail.Status.SENT else None,
                last_error=note,
                created_at=queued,
            )
        )

    def _notify(self, kind, user, ref, at, key=None):
        key = key or f"{kind}:{_uuid(self.rnd).hex}"
        self._outbox(kind=kind, key=key, to_user=user, ref=ref, due=at, queued=at)

    # -- the office --

    def build(self) -> Logins:
        plan = self.plan
        self.utc = ZoneInfo("UTC")
        self.zone = ZoneInfo(plan.time_zone)
        # A handful of rows through the services: the office and what every office has.
        self.office = Office.objects.create(
            name=plan.name, slug=plan.slug, time_zone=plan.time_zone
        )
        field_seed_defaults(office=self.office)
        question_bank_ensure(office=self.office)
        request_template_ensure_default(office_id=self.office.pk)
        self.fields = list(Field.objects.filter(office=self.office).order_by("pk"))
        self.questions = list(
            Question.objects.filter(office=self.office, is_active=True).values_list("pk", "text")
        )
        self.template_id = (
            RequestTemplate.objects.filter(office=self.office, is_default=True)
            .values_list("pk", flat=True)
            .first()
        )
        self._staff()
        self._volunteers()
        self._students()
        # The request statistics the interviews services keep
        # (contacts.volunteers.volunteer_stats_*), known once every request is made.
        for v in self.volunteers:
            profile = v.profile
            profile.requests_received = v.received
            profile.requests_answered = v.answered
            profile.response_seconds_total = v.seconds
            if v.last_request:
                profile.month_started = self._month_start(v.last_request)
                profile.requests_in_month = v.per_month[self._month(v.last_request)]
            self.writer.add(profile)
        self.writer.flush()
        volunteer_search_rebuild(office_id=self.office.pk)
        return self.logins

    def _month(self, at: datetime) -> tuple[int, int]:
        local = at.astimezone(self.zone)
        return local.year, local.month

    def _month_start(self, at: datetime) -> date:
        year, month = self._month(at)
        return date(year, month, 1)

    def _staff(self):
        rnd, slug = self.rnd, self.plan.slug
        self.advisors = []
        specs = [("admin", True), ("admin2", True)] + [
            ("advisor" if n == 0 else f"advisor{n + 1}", False) for n in range(self.plan.advisors)
        ]
        for login, is_admin in specs:
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            user = self._user(
                email=f"{login}@{slug}.test",
                full_name=f"{first} {last}",
                role=Role.ADVISOR,
                joined=self._ago(rnd.uniform(700, 900)),
                is_admin=is_admin,
            )
            self.writer.add(user)
            if login == "admin":
                self.admin = user
            elif not is_admin:
                self.advisors.append(user)
        self.logins.office_admin = f"admin@{slug}.test"
        self.logins.advisor = f"advisor@{slug}.test"

    def _volunteers(self):
        rnd = self.rnd
        today = self.now.astimezone(self.zone).date()
        self.volunteers: list[Volunteer] = []
        for n in range(self.plan.volunteers):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            big = n == 0
            email = (
                f"volunteer@{self.plan.slug}.test" if big else self._email(first, last, "alumni")
            )
            pending = not big and rnd.random() < 0.02
            user = self._user(
                email=email,
                full_name=f"{first} {last}",
                role=Role.ALUMNI,
                # Volunteering since before the two years of history start.
                joined=self._ago(rnd.uniform(HISTORY_DAYS + 30, 1100)),
                approval=Approval.PENDING if pending else Approval.APPROVED,
            )
            self.writer.add(user)
            employer, title = rnd.choice(EMPLOYERS), rnd.choice(TITLES)
            paused = (
                today + timedelta(days=rnd.randint(3, 60))
                if not big and rnd.random() < 0.04
                else None
            )
            accepting = big or rnd.random() < 0.9
            deactivated = (
                self._ago(rnd.uniform(1, 300)) if not big and rnd.random() < 0.01 else None
            )
            created = user.date_joined + timedelta(days=rnd.uniform(0, 30))
            year = rnd.randint(1985, 2023)
            profile = _row(
                VolunteerProfile,
                id=self.ids(VolunteerProfile),
                user_id=user.pk,
                office_id=self.office.pk,
                employer=employer,
                job_title=title,
                location=rnd.choice(CITIES),
                graduation_year=year,
                programme=rnd.choice(PROGRAMMES),
                bio=(
                    f"{title} at {employer} since {year + rnd.randint(1, 8)}. "
                    f"Happy to talk about {rnd.choice(TOPICS)} and {rnd.choice(TOPICS)}."
                ),
                topics=", ".join(rnd.sample(TOPICS, 3)),
                formats=rnd.sample(list(Format.values), rnd.randint(1, 3)),
                languages=rnd.choice(["English", "English, Spanish", "English, French", ""]),
                phone=f"+1 617 555 {rnd.randint(1000, 9999)}" if rnd.random() < 0.3 else "",
                linkedin_url=f"https://www.linkedin.com/in/{first}-{last}-{n}".lower().replace(
                    "'", ""
                ),
                show_linkedin_in_directory=rnd.random() < 0.5,
                share_phone_on_accept=rnd.random() < 0.3,
                capacity_per_month=BIG_INBOX_CAPACITY if big else rnd.choice([1, 2, 3, 3, 5, 8]),
                accepting_requests=accepting,
                paused_until=paused,
                deactivated_at=deactivated,
                created_at=created,
                updated_at=created,
            )
            through = VolunteerProfile.fields.through
            for f in rnd.sample(self.fields, rnd.randint(1, 3)):
                self.writer.add(
                    _row(
                        through, id=self.ids(through), volunteerprofile_id=profile.pk, field_id=f.pk
                    )
                )
            available = not pending and accepting and paused is None and deactivated is None
            self.volunteers.append(
                Volunteer(
                    person=Person(user, first, last),
                    profile=profile,
                    weight=BIG_INBOX_WEIGHT if big else rnd.paretovariate(1.5),
                    available_now=available,
                )
            )
            if big:
                self.logins.volunteer_big_inbox = email
            elif n == 1:
                self.logins.volunteer = email
        # Cumulative, once: random.choices would add the weights up on every call.
        self.volunteer_weights = list(accumulate(v.weight for v in self.volunteers))
        self.logins.volunteer = self.logins.volunteer or self.logins.volunteer_big_inbox

    def _pick_volunteer(self, *, at: datetime, taken: set[int], recent: bool) -> Volunteer | None:
        if not self.volunteers:
            return None
        month = self._month(at)
        for attempt in range(6):
            if attempt == 0 and recent and self.rnd.random() < 0.1:
                # The big inbox fills first, up to its monthly capacity.
                v = self.volunteers[0]
            else:
                v = self.rnd.choices(self.volunteers, cum_weights=self.volunteer_weights)[0]
            if v.profile.pk in taken:
                continue
            if v.per_month[month] >= v.profile.capacity_per_month:
                continue
            if recent and not v.available_now:
                continue
            if v.person.user.approval != Approval.APPROVED:
                continue
            return v
        return None

    # -- students --

    def _students(self):
        plan, rnd = self.plan, self.rnd
        n = plan.students
        engagement = [
            rnd.choice([0.2, 0.6, 1.0, 1.0, 1.5, 2.5]) * rnd.uniform(0.6, 1.4) for _ in range(n)
        ]
        if n > 1:
            big_book = min(BIG_BOOK_MAX, round(plan.contacts * BIG_BOOK_SHARE))
            contacts = [big_book] + _split(plan.contacts - big_book, engagement[1:])
            # At a small scale the share may be less than another's book: swap them.
            most = contacts.index(max(contacts))
            contacts[0], contacts[most] = contacts[most], contacts[0]
            big_interviews = min(contacts[0], BIG_BOOK_INTERVIEWS, plan.interviews)
            interviews = [big_interviews] + _split(
                plan.interviews - big_interviews, contacts[1:], contacts[1:]
            )
        else:
            contacts, interviews = [plan.contacts], [plan.interviews]
        # Whatever the caps left over goes to the big contact book.
        interviews[0] += plan.interviews - sum(interviews)
        states = list(STATE_WEIGHTS)
        weights = list(STATE_WEIGHTS.values())
        forced = list(State)  # the first interviews take every state once
        caseload = {}
        for i in range(n):
            if i < CASELOAD:
                caseload[i] = [self.advisors[0]]
            else:
                caseload[i] = (
                    [self.advisors[i // CASELOAD % len(self.advisors)]]
                    if rnd.random() < 0.9
                    else []
                )
            if caseload[i] and rnd.random() < 0.05 and len(self.advisors) > 2:
                other = rnd.choice(self.advisors[1:])
                if other not in caseload[i]:
                    caseload[i].append(other)
        median = sorted(range(n), key=lambda i: contacts[i])[n // 2]
        for i in range(n):
            plan_states = []
            for _ in range(interviews[i]):
                if forced:
                    plan_states.append(forced.pop(0))
                else:
                    plan_states.append(rnd.choices(states, weights=weights)[0])
            email = self._student(i, contacts[i], plan_states, caseload[i])
            if i == 0:
                self.logins.student_many_contacts = email
            if i == median and n > 1:
                self.logins.student = email
            self.on_student()
        if not self.logins.student:
            self.logins.student = self.logins.student_many_contacts

    def _student(self, index: int, n_contacts: int, plan_states: list[str], advisors) -> str:
        rnd, slug = self.rnd, self.plan.slug
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        email = f"student@{slug}.test" if index == 0 else self._email(first, last, "students")
        joined = self._ago(rnd.uniform(20, HISTORY_DAYS))
        user = self._user(
            email=email, full_name=f"{first} {last}", role=Role.STUDENT, joined=joined
        )
        my_fields = rnd.sample(self.fields, min(len(self.fields), rnd.randint(1, 3)))
        story = StudentStory(self, user=user, joined=joined, fields=my_fields)
        for state in plan_states:
            story.interview(state)
        for _ in range(n_contacts - len(story.contacts)):
            story.contact(None)
        story.finish()
        # Joined before their first contact; signed in last when they last did something.
        joined = min([joined] + [c.created_at - timedelta(hours=1) for c in story.contacts])
        user.date_joined = joined
        user.last_activity_at = story.last_activity
        if user.last_login is not None:
            user.last_login = max(joined, story.last_activity or joined)
        self.writer.add(user)
        profile_at = joined + timedelta(hours=rnd.uniform(1, 72))
        pitch = (
            f"I'm {first}, studying {rnd.choice(PROGRAMMES)}. I'm exploring "
            f"{' and '.join(f.name.lower() for f in my_fields)} and want to learn how people "
            "got started and what the work is like day to day."
            if rnd.random() < 0.5
            else ""
        )
        profile = _row(
            StudentProfile,
            id=self.ids(StudentProfile),
            user_id=user.pk,
            programme=rnd.choice(PROGRAMMES),
            graduation_year=rnd.randint(2026, 2030),
            interest_tags=rnd.sample(INTERESTS, rnd.randint(0, 3)),
            target_companies=rnd.sample(EMPLOYERS, rnd.randint(0, 4)),
            pitch=pitch,
            created_at=profile_at,
            updated_at=profile_at,
        )
        self.writer.add(profile)
        through = StudentProfile.fields.through
        for f in my_fields:
            self.writer.add(
                _row(through, id=self.ids(through), studentprofile_id=profile.pk, field_id=f.pk)
            )
        for advisor in advisors:
            at = max(joined, self._ago(rnd.uniform(0, 400)))
            self.writer.add(
                _row(
                    Assignment,
                    id=self.ids(Assignment),
                    office_id=self.office.pk,
                    advisor_id=advisor.pk,
                    student_id=user.pk,
                    assigned_by_id=self.admin.pk,
                    created_at=at,
                    updated_at=at,
                )
            )
        if advisors and pitch and rnd.random() < 0.08:
            self._comments(user, advisors[0], profile_at)
        if advisors and rnd.random() < 0.03:
            at = self._between(joined, self.now)
            self.writer.add(
                _row(
                    CoachingNote,
                    id=self.ids(CoachingNote),
                    office_id=self.office.pk,
                    student_id=user.pk,
                    author_id=advisors[0].pk,
                    body=rnd.choice(NOTES),
                    created_at=at,
                    updated_at=at,
                )
            )
        return email

    def _comments(self, student, advisor, after):
        rnd = self.rnd
        start = self._between(after, self.now)
        thread = _row(
            CommentThread,
            id=self.ids(CommentThread),
            office_id=self.office.pk,
            student_id=student.pk,
            on=CommentThread.On.PITCH,
            started_by_id=advisor.pk,
            created_at=start,
        )
        at = start
        count = rnd.randint(1, 3)
        for k in range(count):
            by_student = k % 2 == 1
            comment = _row(
                Comment,
                id=self.ids(Comment),
                office_id=self.office.pk,
                thread_id=thread.pk,
                author_id=student.pk if by_student else advisor.pk,
                by_student=by_student,
                body="Thanks, I'll tighten the opening."
                if by_student
                else "Lead with what you want to learn; cut the second sentence.",
                created_at=at,
            )
            self.writer.add(comment)
            if not by_student:
                self._outbox(
                    kind="advising/comment",
                    key=f"comment:{comment.pk}",
                    to_user=student,
                    ref=f"commentthread:{thread.pk}",
                    due=at,
                    queued=at,
                )
            at = min(self.now, at + timedelta(hours=rnd.uniform(2, 72)))
        thread.comment_count = count
        thread.updated_at = at
        if rnd.random() < 0.4:
            thread.resolved_at, thread.resolved_by_id = at, student.pk
        self.writer.add(thread)


class StudentStory:
    """One student's contacts and interviews, and everything they left behind."""

    def __init__(self, office: OfficeBuilder, *, user: User, joined: datetime, fields):
        self.o = office
        self.rnd = office.rnd
        self.now = office.now
        self.user = user
        self.joined = joined
        self.fields = fields
        self.contacts: list[Contact] = []
        self.clocks: dict[int, Clock] = {}
        self.taken: set[int] = set()
        self.open = 0
        self.activity: list[datetime] = []

    @property
    def last_activity(self) -> datetime | None:
        return max(self.activity) if self.activity else None

    def touch(self, contact: Contact, at: datetime, what: str) -> bool:
        """contacts.services.contact_record_interaction: the clock and the student's
        last activity."""
        moved = self.clocks[contact.pk].move(at, what)
        self.activity.append(at)
        return moved

    def contact(self, volunteer: Volunteer | None, *, before: datetime | None = None) -> Contact:
        rnd, o = self.rnd, self.o
        created = self.o._between(self.joined, before or self.now)
        if before is not None:
            created = max(
                min(created, before - timedelta(hours=rnd.uniform(1, 24 * 20))),
                before - timedelta(days=60),
            )
        field_ = rnd.choice(self.fields) if rnd.random() < 0.8 else None
        if volunteer is not None:
            p = volunteer.profile
            person = volunteer.person
            values = {
                "full_name": person.user.full_name,
                "organisation": p.employer,
                "job_title": p.job_title,
                "location": p.location,
                "source": Source.ALUMNI_DIRECTORY,
                "volunteer_id": p.pk,
                "linkedin_url": p.linkedin_url if p.show_linkedin_in_directory else "",
            }
        else:
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            referred = self.contacts[-1] if self.contacts and rnd.random() < 0.1 else None
            values = {
                "full_name": f"{first} {last}",
                "email": f"{first}.{last}@example.com".lower().replace("'", "")
                if rnd.random() < 0.7
                else "",
                "phone": f"+1 555 {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}"
                if rnd.random() < 0.3
                else "",
                "organisation": rnd.choice(EMPLOYERS),
                "job_title": rnd.choice(TITLES),
                "location": rnd.choice(CITIES),
                "source": Source.REFERRAL
                if referred
                else rnd.choice([s for s in Source.values if s != Source.REFERRAL]),
                "referred_by_id": referred.pk if referred else None,
                "notes": rnd.choice(NOTES) if rnd.random() < 0.3 else "",
                "tags": rnd.sample(INTERESTS, rnd.randint(1, 2)) if rnd.random() < 0.2 else [],
            }
        # The keys Contact.save() would keep (contacts.matching reads them).
        values |= {
            "match_name": text_key(values["full_name"], limit=NAME_KEY_MAX),
            "match_org": text_key(values["organisation"], limit=ORG_KEY_MAX),
            "match_linkedin": url_key(values.get("linkedin_url", "")),
        }
        contact = _row(
            Contact,
            id=o.ids(Contact),
            owner_id=self.user.pk,
            field_id=field_.pk if field_ else None,
            created_at=created,
            updated_at=created,
            **values,
        )
        if contact.referred_by_id and created < self.contacts[-1].created_at:
            contact.referred_by_id = None
            contact.source = Source.FRIEND_FAMILY
        self.contacts.append(contact)
        self.clocks[contact.pk] = Clock()
        self.activity.append(created)
        return contact

    def set_stage(self, contact: Contact, stage: str, at: datetime) -> None:
        if contact.stage != stage:
            contact.stage, contact.stage_changed_at = stage, at
        contact.updated_at = max(contact.updated_at, at)

    # -- one interview, in the target state --

    def _times(self, state: str, platform: bool) -> datetime:
        """When the request went: recent for a request still waiting, old enough for
        one that has run its course."""
        rnd = self.rnd
        start = self.joined + timedelta(days=1)
        if state == State.REQUESTED:
            return self.now - timedelta(
                days=rnd.uniform(0.2, EXPIRE_AFTER_DAYS - 0.5 if platform else 30)
            )
        if state == State.ACCEPTED:
            return self.now - timedelta(days=rnd.uniform(1, 8))
        if state == State.SCHEDULED:
            return self.now - timedelta(days=rnd.uniform(2, 20))
        latest = self.now - timedelta(days=EXPIRE_AFTER_DAYS + 2 if state == State.EXPIRED else 2)
        if latest <= start:
            return latest - timedelta(days=rnd.uniform(0, 30))
        return self.o._between(start, latest)

    def interview(self, state: str) -> None:
        rnd, o = self.rnd, self.o
        if state in OPEN and self.open >= MAX_OPEN:
            state = rnd.choice([State.COMPLETED, State.DECLINED, State.WITHDRAWN])
        platform = rnd.random() < 0.45 or state in (State.ACCEPTED, State.EXPIRED)
        requested = self._times(state, platform)
        volunteer = None
        if platform:
            volunteer = o._pick_volunteer(
                at=requested, taken=self.taken, recent=requested > self.now - timedelta(days=30)
            )
            if volunteer is None:
                platform = False
                state = {State.ACCEPTED: State.SCHEDULED, State.EXPIRED: State.WITHDRAWN}.get(
                    state, state
                )
                if state == State.REQUESTED:
                    requested = self._times(state, False)
        if state in OPEN:
            self.open += 1
        contact = self.contact(volunteer, before=requested)
        if volunteer is not None:
            self.taken.add(volunteer.profile.pk)
        InterviewStory(
            self, contact=contact, volunteer=volunteer, state=state, requested=requested
        ).build()

    def finish(self) -> None:
        """Target lists (a few ranked contacts per field), archived contacts, and the
        contacts written out."""
        rnd = self.rnd
        ranks: dict[int, int] = defaultdict(int)
        for contact in self.contacts:
            if contact.field_id and rnd.random() < 0.15 and ranks[contact.field_id] < 8:
                ranks[contact.field_id] += 1
                contact.target_rank = ranks[contact.field_id]
            elif (
                contact.stage in (Stage.IDENTIFIED, Stage.DECLINED, Stage.NO_RESPONSE)
                and rnd.random() < 0.04
            ):
                contact.archived_at = self.o._between(contact.updated_at, self.now)
                contact.updated_at = contact.archived_at
            clock = self.clocks[contact.pk]
            contact.last_interaction_at, contact.last_interaction = clock.at, clock.what[:200]
            self.o.writer.add(contact)


class InterviewStory:
    """An interview from the request to `state`, with its timeline, the contact's
    stage and clock, the volunteer's statistics, follow-ups and outbox rows."""

    def __init__(self, story: StudentStory, *, contact, volunteer, state, requested):
        self.s, self.o, self.rnd = story, story.o, story.rnd
        self.now = story.now
        self.contact, self.volunteer, self.state = contact, volunteer, state
        self.requested = max(requested, contact.created_at + timedelta(minutes=5))
        self.student = story.user
        self.events: list[InterviewEvent] = []
        self.vuser = volunteer.person.user if volunteer else None

    def event(self, kind, at, *, actor=None, from_state="", to_state="", note=""):
        self.events.append(
            _row(
                InterviewEvent,
                interview_id=self.iv.pk,
                actor_id=actor.pk if actor else None,
                kind=kind,
                from_state=from_state,
                to_state=to_state,
                note=note,
                created_at=at,
            )
        )
        if kind not in (EventKind.CREATED, EventKind.NUDGED, EventKind.EXPIRED):
            self.s.touch(self.contact, at, str(EventKind(kind).label))
            self.checkin_follows(at)

    def checkin_follows(self, at):
        """followups.handlers.on_interview_activity: the running check-in restarts."""
        checkin = getattr(self, "checkin", None)
        if checkin is not None and self.s.clocks[self.contact.pk].at == at:
            checkin.due_at = add_months(at, checkin.cadence_months)

    def tell(self, kind, user, at, key=None):
        if user is not None:
            self.o._notify(f"interviews/{kind}", user, f"interview:{self.iv.pk}", at, key=key)

    def build(self) -> None:
        rnd, o, s = self.rnd, self.o, self.s
        state, r = self.state, self.requested
        platform = self.volunteer is not None
        field_name = next(
            (f.name for f in o.fields if f.pk == self.contact.field_id), "your field"
        ).lower()
        job_ask = rnd.random() < 0.03
        message = (JOB_ASK if job_ask else rnd.choice(MESSAGES)).format(field=field_name)
        self.iv = iv = _row(
            Interview,
            id=o.ids(Interview),
            student_id=self.student.pk,
            contact_id=self.contact.pk,
            volunteer_id=self.volunteer.profile.pk if platform else None,
            channel=Channel.PLATFORM if platform else Channel.OWN,
            state=State.DRAFT,
            request_subject="Informational interview request",
            request_message=message,
            request_template_id=o.template_id,
            job_ask_flagged=job_ask,
            duration_minutes=o.office.slot_minutes,
            uid=_uuid(rnd),
        )
        drafted = state == State.DRAFT or rnd.random() < 0.1
        created = r - timedelta(hours=rnd.uniform(1, 48)) if drafted else r
        created = max(created, self.contact.created_at + timedelta(minutes=1))
        if drafted:
            self.event(EventKind.CREATED, created, actor=self.student, to_state=State.DRAFT)
        iv.created_at = created
        if state == State.DRAFT:
            iv.requested_at = None
            iv.job_ask_flagged = False
            return self._save(created)
        iv.requested_at = r
        iv.state = State.REQUESTED
        self.event(
            EventKind.REQUESTED,
            r,
            actor=self.student,
            from_state=State.DRAFT,
            to_state=State.REQUESTED,
            note=message,
        )
        s.set_stage(self.contact, Stage.REQUESTED, r)
        if platform:
            v = self.volunteer
            v.per_month[o._month(r)] += 1
            v.received += 1
            v.last_request = max(v.last_request or r, r)
            self.tell("request_received", self.vuser, r)
        last = r
        nudge_at = r + timedelta(days=o.office.request_nudge_days, minutes=rnd.uniform(1, 15))
        if state == State.REQUESTED:
            if platform and nudge_at <= self.now:
                self._nudge(nudge_at)
            return self._save(last)
        if state == State.EXPIRED:
            self._nudge(nudge_at)
            at = r + timedelta(days=EXPIRE_AFTER_DAYS, minutes=rnd.uniform(1, 15))
            self._move(State.EXPIRED, EventKind.EXPIRED, at, None)
            s.set_stage(self.contact, Stage.NO_RESPONSE, at)
            self.tell("request_expired", self.student_user, at)
            return self._save(at)
        if state == State.WITHDRAWN:
            at = min(r + timedelta(hours=rnd.uniform(2, 24 * 6)), self.now - timedelta(minutes=1))
            self._move(State.WITHDRAWN, EventKind.WITHDRAWN, at, self.student)
            s.set_stage(self.contact, Stage.IDENTIFIED, at)
            self.tell("request_withdrawn", self.vuser, at)
            return self._save(at)
        answered = min(
            r + timedelta(hours=rnd.uniform(1, 24 * 5)), self.now - timedelta(minutes=30)
        )
        if state in (State.COMPLETED, State.NO_SHOW, State.CANCELLED):
            # Answered a few hours at least before a meeting that has happened.
            answered = min(answered, self.now - timedelta(hours=4))
        answered = max(answered, r + timedelta(minutes=10))
        iv.answered_at = answered
        if platform:
            self.volunteer.answered += 1
            self.volunteer.seconds += max(0, int((answered - r).total_seconds()))
        if state == State.DECLINED:
            actor = self.vuser if platform else self.student
            iv.decline_note = "Too busy this month, sorry." if rnd.random() < 0.5 else ""
            self._move(State.DECLINED, EventKind.DECLINED, answered, actor, iv.decline_note)
            s.set_stage(self.contact, Stage.DECLINED, answered)
            if platform:
                self.tell("request_declined", self.student_user, answered)
            return self._save(answered)
        # Accepted: the volunteer with a few times, or the student's record of a yes.
        iv.format = rnd.choice([Format.VIDEO, Format.VIDEO, Format.PHONE, Format.IN_PERSON])
        iv.duration_minutes = rnd.choice([15, 15, 30, 30, 45, 60])
        if iv.format == Format.IN_PERSON:
            iv.location = f"{rnd.choice(EMPLOYERS)} office, {rnd.choice(CITIES)}"
        elif iv.format == Format.VIDEO:
            iv.meeting_url = f"https://meet.example.com/{_uuid(rnd).hex[:10]}"
        if platform:
            self._move(State.ACCEPTED, EventKind.ACCEPTED, answered, self.vuser)
        else:
            self._move(State.ACCEPTED, EventKind.REPLY_LOGGED, answered, self.student)
        start = self._meeting_time(state, answered)
        if state == State.ACCEPTED or (
            state == State.CANCELLED and platform and rnd.random() < 0.3
        ):
            slots = sorted({self.o._office_hour(start + timedelta(days=d)) for d in (0, 1, 3)})
            for slot in slots:
                self.o.writer.add(
                    _row(TimeSlot, id=o.ids(TimeSlot), interview_id=iv.pk, starts_at=slot)
                )
            self.tell("request_accepted", self.student_user, answered)
            if state == State.ACCEPTED:
                return self._save(answered)
            at = min(self.now, answered + timedelta(hours=rnd.uniform(2, 72)))
            return self._cancel(at, was_scheduled=False)
        booked = (
            answered
            if rnd.random() < 0.5 or not platform
            else min(start - timedelta(hours=2), answered + timedelta(hours=rnd.uniform(1, 48)))
        )
        booked = max(min(booked, self.now - timedelta(minutes=1)), answered)
        iv.starts_at = start
        if platform and booked > answered:
            # Offered a few times; the student booked one of them later.
            for slot in sorted({start, start + timedelta(days=1), start + timedelta(days=2)}):
                o.writer.add(_row(TimeSlot, id=o.ids(TimeSlot), interview_id=iv.pk, starts_at=slot))
            self.tell("request_accepted", self.student_user, answered)
        actor = self.vuser if platform and booked == answered else self.student
        self._move(State.SCHEDULED, EventKind.SCHEDULED, booked, actor)
        s.set_stage(self.contact, Stage.SCHEDULED, booked)
        self._invitations("scheduled", booked)
        if self.rnd.random() < 0.7:
            self._questions(booked)
        reminder_at = start - timedelta(hours=24)
        if state == State.CANCELLED:
            at = self.o._between(booked, min(start, self.now))
            if reminder_at < at:
                self._meeting_reminders(max(reminder_at, booked))
            return self._cancel(at, was_scheduled=True)
        if reminder_at <= self.now + timedelta(hours=1):
            self._meeting_reminders(max(reminder_at, booked))
        end = start + timedelta(minutes=iv.duration_minutes)
        if state == State.SCHEDULED:
            return self._save(booked)
        marked = min(self.now, end + timedelta(hours=rnd.uniform(0.2, 30)))
        if state == State.NO_SHOW:
            self._move(State.NO_SHOW, EventKind.NO_SHOW, marked, self.student)
            s.set_stage(self.contact, Stage.NO_RESPONSE, marked)
            return self._save(marked)
        return self._held(end, marked)

    @property
    def student_user(self):
        return self.student

    def _meeting_time(self, state, answered):
        rnd = self.rnd
        if state in (State.ACCEPTED, State.SCHEDULED):
            if state == State.SCHEDULED and rnd.random() < 0.1:
                # Held, not yet marked: the student has not come back to say so.
                at = self.now - timedelta(hours=rnd.uniform(2, 48))
                return max(at, answered + timedelta(hours=3))
            return self.o._office_hour(self.now + timedelta(days=rnd.uniform(1, 14)))
        start = self.o._office_hour(answered + timedelta(days=rnd.uniform(2, 14)))
        if start < answered + timedelta(hours=3):
            start = answered + timedelta(days=1)
        latest = self.now - timedelta(hours=3)
        if start > latest:
            # A recent request: the meeting came soon after the answer.
            start = self.o._between(min(answered + timedelta(hours=1), latest), latest)
        return start

    def _nudge(self, at):
        self.iv.nudged_at = at
        self.event(EventKind.NUDGED, at)
        self.o._notify("interviews/request_nudge", self.vuser, f"interview:{self.iv.pk}", at)

    def _move(self, to_state, kind, at, actor, note=""):
        self.event(kind, at, actor=actor, from_state=self.iv.state, to_state=to_state, note=note)
        self.iv.state = to_state

    def _invitations(self, what, at):
        for user in (self.student, self.vuser):
            if user is not None:
                key = f"interviews/{what}:{self.iv.pk}:{self.iv.sequence}:{user.pk}"
                self.tell(what, user, at, key=key)

    def _meeting_reminders(self, at):
        for user in (self.student, self.vuser):
            if user is not None:
                key = f"meeting:{self.iv.pk}:{self.iv.sequence}:{user.pk}"
                self.o._outbox(
                    kind=MEETING,
                    key=key,
                    to_user=user,
                    ref=f"interview:{self.iv.pk}",
                    due=at,
                    queued=min(at, self.now),
                )

    def _cancel(self, at, *, was_scheduled):
        iv = self.iv
        actor = self.rnd.choice([self.student, self.vuser or self.student])
        iv.cancel_reason = "Something came up; could we find another time later?"
        self._move(State.CANCELLED, EventKind.CANCELLED, at, actor, iv.cancel_reason)
        iv.sequence += 1
        self.s.set_stage(self.contact, Stage.IDENTIFIED, at)
        if was_scheduled:
            self._invitations("cancelled", at)
        else:
            self.tell("cancelled", self.student, at)
            self.tell("cancelled", self.vuser, at)
        return self._save(at)

    def _questions(self, at):
        iv, o, rnd = self.iv, self.o, self.rnd
        if not o.questions:
            return
        chosen = rnd.sample(o.questions, min(len(o.questions), rnd.randint(6, 10)))
        for position, (pk, text) in enumerate(chosen, start=1):
            o.writer.add(
                _row(
                    PreparedQuestion,
                    id=o.ids(PreparedQuestion),
                    interview_id=iv.pk,
                    source_id=pk,
                    text=text,
                    position=position,
                    asked=False,
                )
            )
        shared = at + timedelta(minutes=5)
        if rnd.random() < 0.3 and shared <= self.now and shared < self.iv.starts_at:
            iv.questions_shared_at = shared
            self.event(EventKind.QUESTIONS_SHARED, iv.questions_shared_at, actor=self.student)

    def _held(self, end, marked):
        """interviews.services.interview_complete and followups.thank_you_start."""
        rnd, o, s, iv = self.rnd, self.o, self.s, self.iv
        contact = self.contact
        self._move(State.COMPLETED, EventKind.COMPLETED, marked, self.student)
        iv.held_at = marked
        s.set_stage(contact, Stage.MET, marked)
        s.touch(contact, marked, str(EventKind.COMPLETED.label))
        due = end + timedelta(hours=o.office.thank_you_hours)
        thanks = _row(
            FollowUp,
            id=o.ids(FollowUp),
            student_id=self.student.pk,
            contact_id=contact.pk,
            interview_id=iv.pk,
            kind=Kind.THANK_YOU,
            due_at=due,
            created_at=marked,
            updated_at=marked,
        )
        # keep_in_touch_start: the clock, and check-ins a cadence after it.
        s.touch(contact, marked, "Meeting held")
        cadence = rnd.choice([3, 3, 3, 1, 6, 12])
        self.checkin = _row(
            FollowUp,
            id=o.ids(FollowUp),
            student_id=self.student.pk,
            contact_id=contact.pk,
            kind=Kind.KEEP_IN_TOUCH,
            cadence_months=cadence,
            due_at=add_months(marked, cadence),
            created_at=marked,
            updated_at=marked,
        )
        # Notes, written soon after (interview_notes_save moves the clock).
        if rnd.random() < 0.8:
            at = marked + timedelta(minutes=rnd.uniform(10, 180))
            if at <= self.now:
                o.writer.add(
                    _row(
                        InterviewNotes,
                        id=o.ids(InterviewNotes),
                        interview_id=iv.pk,
                        advice=rnd.choice(NOTES),
                        information=rnd.choice(NOTES),
                        referrals=rnd.choice(REFERRALS),
                        reflection="Worth a second look." if rnd.random() < 0.3 else "",
                        field_fit=rnd.randint(1, 5),
                        shared_with_advisor=rnd.random() < 0.3,
                        created_at=at,
                        updated_at=at,
                    )
                )
                if s.touch(contact, at, "Notes updated"):
                    self.checkin_follows(at)
        # The thank-you: on time mostly, some late, some never.
        luck = rnd.random()
        done = None
        if luck < 0.72:
            done = end + timedelta(hours=rnd.uniform(0.5, o.office.thank_you_hours - 0.5))
        elif luck < 0.87:
            done = due + timedelta(hours=rnd.uniform(1, 24 * 5))
        if done is not None and done > self.now:
            done = None
        done = max(done, marked) if done else None
        via = (
            SentVia.FIELDNOTES
            if rnd.random() < 0.6 and (contact.email or self.vuser)
            else SentVia.OTHER
        )
        plan = [
            (THANKS_START, "start", end),
            (THANKS_4H, "4h", due - timedelta(hours=4)),
            (THANKS_LAPSED, "lapsed", due),
        ]
        for kind, part, at in plan:
            if kind == THANKS_4H and (at <= end or at <= marked):
                continue
            if kind != THANKS_LAPSED and due <= marked:
                continue
            key = f"thanks:{iv.pk}:{part}"
            if done is not None and at > done:
                o._outbox(
                    kind=kind,
                    key=key,
                    to_user=self.student,
                    ref=f"followup:{thanks.pk}",
                    due=at,
                    queued=marked,
                    status=OutboundEmail.Status.CANCELLED,
                    note="thank-you sent",
                )
            else:
                o._outbox(
                    kind=kind,
                    key=key,
                    to_user=self.student,
                    ref=f"followup:{thanks.pk}",
                    due=at,
                    queued=marked,
                )
        last = marked
        if done is not None:
            thanks.status, thanks.done_at, thanks.on_time = Status.DONE, done, done <= due
            thanks.sent_via = via
            thanks.updated_at = done
            if via == SentVia.FIELDNOTES:
                o._outbox(
                    kind=THANK_YOU_NOTE,
                    key=f"thanks-note:{iv.pk}",
                    to_user=self.vuser,
                    to=[contact.email],
                    ref=f"followup:{thanks.pk}",
                    due=done,
                    queued=done,
                )
            if contact.stage == Stage.MET:
                s.set_stage(contact, Stage.THANKED, done)
            if s.touch(contact, done, "Thank-you sent"):
                self.checkin_follows(done)
            last = done
        o.writer.add(thanks)
        self._checkins(last)
        return self._save(marked)

    def _checkins(self, after):
        """Check-ins that came due: a reminder sent, then done (the next one due a
        cadence later), a call logged instead, or left open."""
        rnd, o, s = self.rnd, self.o, self.s
        checkin, contact = self.checkin, self.contact
        while True:
            if rnd.random() < 0.15:
                # A call or a message logged before the check-in came due.
                at = self.o._between(after, min(checkin.due_at, self.now))
                if at >= self.now or at <= after:
                    break
                o.writer.add(
                    _row(
                        Interaction,
                        id=o.ids(Interaction),
                        student_id=self.student.pk,
                        contact_id=contact.pk,
                        kind=rnd.choice(list(InteractionKind.values)),
                        occurred_at=at,
                        note="Caught up over coffee",
                        created_at=at,
                        updated_at=at,
                    )
                )
                if s.touch(contact, at, "Interaction"):
                    checkin.due_at = add_months(at, checkin.cadence_months)
                    checkin.updated_at = at
                after = at
                continue
            if checkin.due_at > self.now:
                break
            # The sweep's reminder for this date.
            o._outbox(
                kind=CHECKIN,
                key=f"checkin:{contact.pk}:{checkin.due_at.date().isoformat()}",
                to_user=self.student,
                ref=f"followup:{checkin.pk}",
                due=checkin.due_at,
                queued=checkin.due_at,
            )
            checkin.reminded_at = checkin.due_at
            luck = rnd.random()
            if luck < 0.55:
                done = checkin.due_at + timedelta(days=rnd.uniform(0, 10))
                if done > self.now:
                    break
                checkin.status, checkin.done_at = Status.DONE, done
                checkin.note = "Shared an update on my search."
                checkin.updated_at = done
                o.writer.add(checkin)
                s.touch(contact, done, "Check-in: Shared an update on my search.")
                if contact.stage in (Stage.MET, Stage.THANKED):
                    s.set_stage(contact, Stage.KEEPING_IN_TOUCH, done)
                checkin = _row(
                    FollowUp,
                    id=o.ids(FollowUp),
                    student_id=self.student.pk,
                    contact_id=contact.pk,
                    kind=Kind.KEEP_IN_TOUCH,
                    cadence_months=checkin.cadence_months,
                    due_at=add_months(done, checkin.cadence_months),
                    created_at=done,
                    updated_at=done,
                )
                after = done
                continue
            if luck < 0.65:
                stopped = checkin.due_at + timedelta(days=rnd.uniform(0, 5))
                if stopped <= self.now:
                    checkin.status, checkin.updated_at = Status.STOPPED, stopped
            break
        self.checkin = None
        o.writer.add(checkin)

    def _save(self, last):
        iv = self.iv
        iv.updated_at = max([last, iv.created_at] + [e.created_at for e in self.events])
        self.o.writer.add(iv)
        for event in sorted(self.events, key=lambda e: e.created_at):
            event.id = self.o.ids(InterviewEvent)
            self.o.writer.add(event)
        self.contact.updated_at = max(self.contact.updated_at, iv.updated_at)


# --- The whole run ----------------------------------------------------------------------


@dataclass
class Result:
    counts: dict[str, int]
    logins: dict[str, Logins]
    password: str
    seconds: float


def scale_seed(
    *,
    plans: list[OfficePlan],
    seed: int = DEFAULT_SEED,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Fill an empty database with the offices of `plans` (see the module's doc)."""
    started = time.monotonic()
    rnd = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    # One hash for everyone: hashing 25,000 passwords would take most of an hour.
    password = make_password(SCALE_PASSWORD, salt=f"scale{seed}")
    writer = Writer(batch_size=batch_size)
    ids = Ids()
    total = sum(p.students for p in plans)
    done = 0

    def on_student():
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    logins = {}
    with transaction.atomic():
        for plan in plans:
            builder = OfficeBuilder(
                plan=plan,
                rnd=rnd,
                now=now,
                writer=writer,
                ids=ids,
                password=password,
                on_student=on_student,
            )
            logins[plan.slug] = builder.build()
        writer.flush()
        for office_logins in logins.values():
            for email in (office_logins.office_admin, office_logins.advisor):
                staff = User.objects.filter(email=email).first()
                if staff is not None:
                    TOTP.activate(staff, SCALE_TOTP_SECRET)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), _seeded_models()):
                cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM as well, when it can run (not inside a transaction, as in the
            # tests): the visibility map then stands as autovacuum leaves a live
            # database, so the index-only scans the pages rely on are measured as
            # they run in production, not as heap reads of freshly written rows.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return Result(
        counts=dict(writer.counts),
        logins=logins,
        password=SCALE_PASSWORD,
        seconds=time.monotonic() - started,
    )


def _seeded_models():
    return [
        User,
        EmailAddress,
        VolunteerProfile,
        VolunteerProfile.fields.through,
        StudentProfile,
        StudentProfile.fields.through,
        Contact,
        Interview,
        InterviewEvent,
        TimeSlot,
        PreparedQuestion,
        InterviewNotes,
        FollowUp,
        Interaction,
        OutboundEmail,
        Assignment,
        CommentThread,
        Comment,
        CoachingNote,
    ]
