"""The demo cohort: about forty more students of the demo office, each with a history
spread over the last six months, so every page and chart of the office shows
something real.

The history is made through the services, each step at the moment it happened:
`clock` sets the time every service reads, and `_run` plays the students' stories
together in time order (a volunteer's monthly capacity, a student's open requests
and each contact's keep-in-touch clock are checked and moved as they would have
been). The beat's reminder sweeps run in the same timeline, when a meeting or a
check-in comes due. What the outbox queued for a moment already past was "sent back
then" (`_outbox_mark_sent`), so a worker started afterwards does not email
hundreds of stale reminders.

Made once, when the cohort's first student does not exist yet; a second run changes
nothing. Each student's story draws from a `random.Random` of its own (seeded from
COHORT_SEED and the name), so the same moment of seeding gives the same history;
another moment moves the times of day and month boundaries it falls on.
"""

import heapq
import random
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.enums import Approval, Role
from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.advising.services import assignments_add
from apps.contacts.directory import directory_month_start
from apps.contacts.enums import Source
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_create
from apps.core.models import OutboundEmail
from apps.followups import reminders
from apps.followups.enums import InteractionKind, Kind
from apps.followups.models import FollowUp
from apps.followups.reminders import MEETING_AHEAD
from apps.followups.selectors import (
    checkin_active_for_contact,
    thank_you_draft,
    thank_you_recipient,
)
from apps.followups.services import (
    followup_complete,
    followup_thank_you_send,
    interaction_log,
    student_today,
)
from apps.interviews import services as iv
from apps.interviews.enums import OPEN_STATES, State
from apps.interviews.models import Interview
from apps.interviews.selectors import question_bank_for_office
from apps.students.models import Field
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update

COHORT_SEED = 20260909
# The first step of the history is this many days before the seed runs.
HISTORY_DAYS = 172

# The two students the demo advisor (advisor@demo.test) should notice on the
# caseload: one with no activity for weeks, one who never thanked a person met.
STALLED = "ellis.grant@demo.test"
MISSED_THANK_YOU = "tariq.nasser@demo.test"
ADVISOR = "advisor@demo.test"
SECOND_ADVISOR = "advisor2@demo.test"
ADMIN = "admin@demo.test"
# Cohort students on each advisor's caseload (besides the three original demo
# students, who are advisor@demo.test's too); the rest have no advisor.
CASELOAD_SIZE = 15
SECOND_CASELOAD_SIZE = 6

# Volunteers the cohort never asks: the one the demo keeps fully booked this month
# (apps.demo.seed.AT_CAPACITY) and the one on a break (PAUSED).
KEEP_AWAY = {"alumni10@demo.test", "alumni11@demo.test"}

# (first name, last name, programme, graduation year, engagement)
STUDENTS = [
    ("Maya", "Okonkwo", "Economics", 2027, "active"),
    ("Lucas", "Fernandes", "Computer Science", 2026, "active"),
    ("Aiyana", "Begay", "Biology", 2028, "middling"),
    ("Ellis", "Grant", "Political Science", 2027, "middling"),
    ("Tariq", "Nasser", "Mechanical Engineering", 2026, "middling"),
    ("Sofia", "Marchetti", "English", 2029, "quiet"),
    ("Wei", "Zhang", "Computer Science", 2027, "active"),
    ("Hannah", "Schultz", "Psychology", 2028, "middling"),
    ("Kwame", "Mensah", "Business Administration", 2026, "active"),
    ("Isabel", "Ortega", "Economics", 2028, "middling"),
    ("Noor", "Siddiqui", "Biology", 2026, "middling"),
    ("Declan", "Byrne", "Political Science", 2029, "quiet"),
    ("Yuki", "Tanaka", "Psychology", 2027, "middling"),
    ("Amara", "Diallo", "Business Administration", 2027, "middling"),
    ("Mateo", "Alvarez", "Mechanical Engineering", 2028, "middling"),
    ("Chloe", "Dubois", "English", 2027, "middling"),
    ("Ravi", "Iyer", "Economics", 2026, "active"),
    ("Leah", "Goldberg", "Psychology", 2029, "quiet"),
    ("Samuel", "Adeyemi", "Computer Science", 2028, "middling"),
    ("Freya", "Lindqvist", "Biology", 2027, "middling"),
    ("Omar", "Khalil", "Business Administration", 2028, "middling"),
    ("Grace", "O'Connell", "Political Science", 2026, "active"),
    ("Diego", "Castillo", "Economics", 2029, "quiet"),
    ("Mei", "Chen", "Biology", 2028, "middling"),
    ("Jonah", "Weiss", "English", 2026, "middling"),
    ("Zara", "Hussain", "Computer Science", 2029, "middling"),
    ("Theo", "Papadopoulos", "Mechanical Engineering", 2027, "middling"),
    ("Ingrid", "Johansson", "Psychology", 2026, "middling"),
    ("Malik", "Robinson", "Business Administration", 2029, "quiet"),
    ("Ana", "Silva", "Political Science", 2028, "middling"),
    ("Felix", "Wagner", "Computer Science", 2026, "active"),
    ("Priyanka", "Rao", "Economics", 2027, "middling"),
    ("Liam", "Murphy", "Mechanical Engineering", 2029, "quiet"),
    ("Esther", "Mwangi", "Biology", 2027, "middling"),
    ("Hugo", "Lefebvre", "English", 2028, "middling"),
    ("Fatima", "Benali", "Psychology", 2027, "active"),
    ("Nathan", "Kowalski", "Business Administration", 2026, "middling"),
    ("Camila", "Rojas", "Political Science", 2029, "quiet"),
    ("Arjun", "Mehta", "Computer Science", 2027, "middling"),
    ("Rosa", "Jimenez", "Economics", 2028, "quiet"),
]

# The fields a student of each programme explores (names of the office's fields).
PROGRAMME_FIELDS = {
    "Economics": [
        "Accounting and finance",
        "Consulting",
        "Data science and analytics",
        "Government and public policy",
    ],
    "Computer Science": [
        "Software and technology",
        "Data science and analytics",
        "Sustainability and energy",
    ],
    "Biology": ["Healthcare", "Research and academia", "Marketing and communications"],
    "Political Science": ["Government and public policy", "Law", "Nonprofit"],
    "Mechanical Engineering": ["Engineering", "Sustainability and energy", "Consulting"],
    "English": ["Media and publishing", "Marketing and communications", "Education"],
    "Psychology": ["Healthcare", "Education", "Research and academia", "Nonprofit"],
    "Business Administration": [
        "Consulting",
        "Accounting and finance",
        "Marketing and communications",
    ],
}

# Where the people students find work, by field: (organisation, job title).
WORKPLACES = {
    "Accounting and finance": [
        ("Fidelity Investments", "Financial Analyst"),
        ("State Street", "Portfolio Associate"),
        ("PwC", "Audit Senior"),
        ("Vanguard", "Investment Associate"),
    ],
    "Consulting": [
        ("Bain & Company", "Consultant"),
        ("Accenture", "Strategy Analyst"),
        ("Boston Consulting Group", "Project Leader"),
        ("Oliver Wyman", "Associate"),
    ],
    "Data science and analytics": [
        ("Wayfair", "Data Scientist"),
        ("HubSpot", "Analytics Engineer"),
        ("Liberty Mutual", "Senior Data Analyst"),
        ("DataRobot", "Machine Learning Engineer"),
    ],
    "Education": [
        ("Boston Public Schools", "Teacher"),
        ("Khan Academy", "Content Specialist"),
        ("City Year", "Program Manager"),
    ],
    "Engineering": [
        ("Boston Dynamics", "Mechanical Engineer"),
        ("GE Aerospace", "Design Engineer"),
        ("Raytheon", "Systems Engineer"),
        ("iRobot", "Hardware Engineer"),
    ],
    "Government and public policy": [
        ("Massachusetts State House", "Legislative Aide"),
        ("Brookings Institution", "Research Assistant"),
        ("US Department of Energy", "Policy Analyst"),
        ("City of Cambridge", "Budget Analyst"),
    ],
    "Healthcare": [
        ("Massachusetts General Hospital", "Clinical Research Coordinator"),
        ("Boston Children's Hospital", "Health Educator"),
        ("Moderna", "Scientific Communications Manager"),
        ("Partners In Health", "Program Officer"),
    ],
    "Law": [
        ("Ropes & Gray", "Associate"),
        ("ACLU of Massachusetts", "Staff Attorney"),
        ("Suffolk County DA's Office", "Paralegal"),
    ],
    "Marketing and communications": [
        ("Edelman", "Account Executive"),
        ("New Balance", "Brand Manager"),
        ("WBUR", "Digital Producer"),
        ("Hill Holliday", "Copywriter"),
    ],
    "Media and publishing": [
        ("The Boston Globe", "Reporter"),
        ("Houghton Mifflin Harcourt", "Editor"),
        ("GBH", "Associate Producer"),
        ("The Atlantic", "Fact Checker"),
    ],
    "Nonprofit": [
        ("Greater Boston Food Bank", "Development Officer"),
        ("Habitat for Humanity", "Volunteer Coordinator"),
        ("Oxfam America", "Campaign Manager"),
    ],
    "Research and academia": [
        ("Broad Institute", "Research Associate"),
        ("Harvard Kennedy School", "Research Fellow"),
        ("Woods Hole Oceanographic", "Research Technician"),
    ],
    "Software and technology": [
        ("Google", "Software Engineer"),
        ("Akamai", "Site Reliability Engineer"),
        ("Toast", "Product Manager"),
        ("Klaviyo", "Frontend Engineer"),
    ],
    "Sustainability and energy": [
        ("Eversource", "Energy Efficiency Engineer"),
        ("Ørsted", "Offshore Wind Analyst"),
        ("Sunrun", "Project Developer"),
        ("Form Energy", "Battery Engineer"),
    ],
}

FIRST_NAMES = [
    "Adrian", "Beatriz", "Carlos", "Dana", "Elena", "Farid", "Gabriela", "Henrik", "Imani",
    "Jasper", "Keiko", "Laura", "Marcus", "Nadia", "Oliver", "Paula", "Quentin", "Rania",
    "Simon", "Tamara", "Uma", "Victor", "Wendy", "Xavier", "Yasmin", "Zoltan", "Alicia",
    "Brendan", "Celeste", "Dmitri", "Eun-ji", "Fiona", "Gustavo", "Helena", "Ibrahim",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Bianchi", "Carvalho", "Dubrovsky", "Eriksen", "Fitzgerald", "Gupta", "Hoffman",
    "Ibarra", "Jansen", "Kaur", "Lindgren", "Moreau", "Nakamura", "Osei", "Petrov", "Quinn",
    "Ramirez", "Sato", "Torres", "Usman", "Vasquez", "Whitaker", "Yilmaz", "Zimmerman",
    "Achebe", "Brennan", "Costa", "Delgado", "Eastwood",
]  # fmt: skip

PITCH_OPENINGS = [
    "I'm {first}, a {programme} student at Demo University, graduating in {year}.",
    "Hi, I'm {first}. I study {programme} at Demo University and finish in {year}.",
]
PITCH_MIDDLES = [
    "A class project last year made me curious about {field}, and I have been reading "
    "everything I can about how people build careers there.",
    "Over the summer I worked on a small project close to {field}, and it made me want "
    "to understand the work from the inside rather than from job descriptions.",
    "I have volunteered with a campus group that touches {field}, and the people I met "
    "there made the work sound both demanding and rewarding.",
]
PITCH_CLOSINGS = [
    "I'm also interested in {other}. I'm talking to people to learn what the work is "
    "really like day to day, which skills matter most in a first role, and how they "
    "found their way in. I'm not looking for a job, only for your perspective, and I'd "
    "love to hear what you wish you had known at my stage.",
    "I'm weighing it against {other}, so I'm asking people in both what a typical week "
    "looks like, what surprised them, and which experiences helped them most early on. "
    "Any advice on how to test my interest before I graduate would mean a lot.",
]

ADVICE = [
    "Build one small project you can talk about in depth rather than many shallow ones.",
    "Join the professional association's student chapter; the events are where people hire.",
    "Write down what you learn after every conversation: patterns show up after five.",
    "Take the internship with the best manager, not the best brand.",
    "Learn to explain your work to people outside the field in two minutes.",
    "Ask for feedback early and often; nobody expects you to know everything.",
    "Keep a list of questions you could not answer and close one a week.",
]
INFORMATION = [
    "Entry-level analysts spend most of their first year cleaning and checking data.",
    "The team hires mostly through referrals and its summer internship.",
    "Hours are steady except for two busy seasons a year.",
    "Most people in the role moved in from an adjacent job after two or three years.",
    "Salaries start in the mid sixties in Boston; remote roles pay a little less.",
    "Writing samples matter more than grades in their hiring process.",
    "A master's degree helps for promotion after five years, not to get in.",
]
REFLECTIONS = [
    "More hands-on than I expected; I liked the variety.",
    "I could see myself doing this, but the hours give me pause.",
    "Less of a fit than I hoped; the research side appeals more than the client side.",
    "Energising. I want to talk to two more people in the same kind of team.",
    "Useful to hear the unglamorous parts; still interested.",
]
DECLINE_NOTES = [
    "Sorry, this month is very busy for me. Please try again later in the term.",
    "I'm travelling for work until the end of the month; best of luck!",
    "I don't think I'm the right person for this, but Morgan in the directory might be.",
]
CANCEL_REASONS = [
    "Something urgent came up at work; could we find another time next month?",
    "I'm unwell this week, sorry. Please ask me again soon.",
]
CHECKIN_NOTES = [
    "Told them about my internship offer.",
    "Shared an article they might like and an update on my search.",
    "Let them know I took their advice and joined the association.",
    "",
]
# What came of a volunteer's advice, told at a check-in (the volunteer's home shows it).
CHECKIN_OUTCOMES = [
    "I got a summer internship in policy research.",
    "I joined the professional association you recommended.",
    "I changed my course plan to take the statistics sequence.",
    "",
]
INTERACTION_NOTES = [
    "Sent a short update on my applications.",
    "Bumped into them at a career fair.",
    "Quick call about a project idea.",
    "",
]
REQUEST = (
    "Dear {name}, I'm a {programme} student at Demo University exploring {field}. Could you "
    "spare 15 minutes for a short conversation about how you got where you are? I'm not "
    "asking for a job, only for your perspective."
)

# How much each kind of student does: contacts added, requests made, the chance of
# keeping in touch with someone met.
ENGAGEMENT = {
    "active": {"contacts": (5, 8), "requests": (5, 7), "keep_in_touch": 0.7},
    "middling": {"contacts": (3, 5), "requests": (2, 4), "keep_in_touch": 0.4},
    "quiet": {"contacts": (1, 2), "requests": (0, 1), "keep_in_touch": 0.0},
}


def email_of(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace("'", "").replace(" ", "") + "@demo.test"


COHORT_EMAILS = [email_of(first, last) for first, last, *_ in STUDENTS]


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def demo_password_set(*, user_ids) -> None:
    """Give demo people made without a password the demo one, hashed once for all:
    a PBKDF2 hash takes a third of a second on this machine, and forty of them
    cost more than the cohort's whole history. The password is public anyway."""
    User.objects.filter(pk__in=user_ids).update(password=_demo_password_hash())


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """Run what is inside at `at`. Every module reads the time as `timezone.now()`
    (after `from django.utils import timezone`), and so do models' auto_now fields
    and timezone.localdate(), so replacing that one attribute moves them all. It is
    process-wide, which suits a single-threaded command and nothing else. Not
    time-machine: it is a dev-only dependency, and this runs in `make run`."""
    with mock.patch("django.utils.timezone.now", new=lambda: at):
        yield


Step = Generator[datetime, None, None]


class _Timeline:
    """Stories (generators that yield the moment they next act) played together in
    time order, each step under `clock` at its moment. Steps after `until` are not
    played: that part of a story has not happened yet."""

    def __init__(self, until: datetime):
        self.until = until
        self._queue: list[tuple[datetime, int, Step]] = []
        self._count = 0
        self._at: datetime | None = None

    def add(self, at: datetime, story: Step) -> None:
        """A story starts at `at`, or now if that has passed: time never goes back."""
        if self._at is not None:
            at = max(at, self._at)
        self._count += 1
        heapq.heappush(self._queue, (at, self._count, story))

    def run(self) -> None:
        while self._queue:
            at, n, story = heapq.heappop(self._queue)
            self._at = at
            if at > self.until:
                story.close()
                continue
            with clock(at):
                try:
                    following = next(story)
                except StopIteration:
                    continue
            # A story never goes back in time.
            heapq.heappush(self._queue, (max(following, at), n, story))


@dataclass
class _Student:
    first: str
    last: str
    programme: str
    year: int
    engagement: str
    joined: datetime
    # Requests start no later than this (the stalled student stops early).
    active_until: datetime
    fields: list[Field] = field(default_factory=list)
    user: User | None = None

    @property
    def email(self) -> str:
        return email_of(self.first, self.last)


@dataclass
class _Cohort:
    office: object
    now: datetime
    volunteers: list[VolunteerProfile]
    timeline: _Timeline
    fields: dict[str, Field] = field(default_factory=dict)
    # Each volunteer's field ids, to ask someone in the student's fields first.
    volunteer_fields: dict[int, set[int]] = field(default_factory=dict)
    bank: list[int] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.time_zone)

    def daytime(
        self, rng: random.Random, after: datetime, days: float, *, start: int = 8, end: int = 21
    ) -> datetime:
        """A moment `days` after `after`, moved into the office's waking hours."""
        local = (after + timedelta(days=days)).astimezone(self.tz)
        if not start <= local.hour < end:
            local = datetime.combine(
                local.date() + timedelta(days=1 if local.hour >= end else 0),
                time(rng.randint(start, end - 1), rng.randrange(0, 60, 5)),
                tzinfo=self.tz,
            )
        return max(local.astimezone(UTC), after)

    def meeting_time(self, rng: random.Random, after: datetime) -> datetime:
        """A weekday slot in office hours, two days to a week and a half away."""
        day = (after + timedelta(days=rng.randint(2, 10))).astimezone(self.tz).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        local = datetime.combine(day, time(rng.randint(9, 16), rng.choice([0, 30])), tzinfo=self.tz)
        return local.astimezone(UTC)

    def this_month(self, at: datetime) -> bool:
        return directory_month_start(office=self.office, now=at) == directory_month_start(
            office=self.office, now=self.now
        )


# --- The stories ----------------------------------------------------------------------


def _pick_names(rng: random.Random, k: int) -> list[str]:
    names: list[str] = []
    while len(names) < k:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in names:
            names.append(name)
    return names


def _pitch(rng: random.Random, s: _Student, field_names: list[str]) -> str:
    field_name = field_names[0].lower()
    other = field_names[1].lower() if len(field_names) > 1 else "graduate school"
    return " ".join(
        [
            rng.choice(PITCH_OPENINGS).format(first=s.first, programme=s.programme, year=s.year),
            rng.choice(PITCH_MIDDLES).format(field=field_name),
            rng.choice(PITCH_CLOSINGS).format(other=other),
        ]
    )


def _student_story(c: _Cohort, s: _Student, rng: random.Random) -> Step:
    """The student signs up, fills in a profile, adds contacts over a few days, then
    asks for conversations over the months that follow (each its own story)."""
    s.user = user_create(
        office=c.office,
        email=s.email,
        full_name=f"{s.first} {s.last}",
        password=None,
        role=Role.STUDENT,
        approval=Approval.APPROVED,
        email_verified=True,
    )
    # The default of date_joined is the real timezone.now, bound when the model was
    # defined, out of the clock's reach; no service writes it after sign-up.
    User.objects.of_ids([s.user.pk]).update(date_joined=timezone.now())
    yield c.daytime(rng, timezone.now(), rng.uniform(0.05, 1.5))

    names = PROGRAMME_FIELDS[s.programme]
    chosen = rng.sample(names, k=rng.choice([1, 2, 2, 3]))
    s.fields = [c.fields[n] for n in chosen]
    wants_pitch = {"active": 1.0, "middling": 0.6, "quiet": 0.2}[s.engagement]
    places = [place for n in chosen for place, _title in WORKPLACES[n]]
    student_profile_update(
        profile=student_profile_get(user=s.user),
        programme=s.programme,
        graduation_year=s.year,
        fields=s.fields,
        interest_tags=[n.split(" ")[0].lower() for n in chosen],
        target_companies=rng.sample(places, k=min(3, len(places))),
        pitch=_pitch(rng, s, chosen) if rng.random() < wants_pitch else "",
    )

    # The first request goes out within days, while contacts are still being added.
    low, high = ENGAGEMENT[s.engagement]["requests"]
    count = rng.randint(low, high)
    first = timezone.now() + timedelta(days=rng.uniform(2, 7))
    last = s.active_until
    times = sorted(first + (last - first) * rng.random() for _ in range(count - 2))
    if count:
        times.insert(0, first)
    if count > 1 and (s.engagement == "quiet" or s.email == STALLED):
        times.append(first + (last - first) * rng.random())
    elif count > 1:
        # Everyone who is still at it asked someone in the last fortnight, so the
        # advisor's caseload has exactly the one stalled student the demo means.
        times.append(c.now - timedelta(days=rng.uniform(2, 12)))
    for at in sorted(times):
        c.timeline.add(at, _conversation(c, s, random.Random(rng.random())))
    if s.email == MISSED_THANK_YOU:
        c.timeline.add(
            c.now - timedelta(days=21), _conversation(c, s, random.Random(rng.random()), miss=True)
        )

    low, high = ENGAGEMENT[s.engagement]["contacts"]
    for name in _pick_names(rng, rng.randint(low, high)):
        yield c.daytime(rng, timezone.now(), rng.uniform(0.2, 3))
        _new_contact(c, s, rng, name)


def _new_contact(c: _Cohort, s: _Student, rng: random.Random, name: str) -> Contact:
    field_obj = rng.choice(s.fields)
    organisation, title = rng.choice(WORKPLACES[field_obj.name])
    source = rng.choice(
        [Source.FRIEND_FAMILY, Source.PROFESSOR_STAFF, Source.ASSOCIATION]
        + [Source.NETWORKING_SITE, Source.COLD, Source.NETWORKING_SITE]
    )
    mail = ""
    if rng.random() < 0.6:
        mail = name.lower().replace(" ", ".").replace("'", "") + "@example.com"
    return contact_create(
        student=s.user,
        full_name=name,
        organisation=organisation,
        job_title=title,
        field=field_obj,
        source=source,
        email=mail,
        on_target_list=rng.random() < 0.65,
    )


def _ask(c: _Cohort, s: _Student, rng: random.Random, *, own: bool) -> Interview | None:
    """A request: to a volunteer of the office (in an earlier month than the seed's,
    so the directory's "this month" is the original demo's alone) or to one of the
    student's own contacts. A refusal (a volunteer full this month, the student's
    limit of open requests) turns to their own contacts, as a student would."""
    now = timezone.now()
    if not own and rng.random() < 0.55 and not c.this_month(now):
        asked = set(
            Interview.objects.filter(student=s.user, volunteer__isnull=False).values_list(
                "volunteer_id", flat=True
            )
        )
        mine = {f.pk for f in s.fields}
        candidates = [v for v in c.volunteers if v.pk not in asked]
        matching = [v for v in candidates if c.volunteer_fields[v.pk] & mine] or candidates
        rng.shuffle(matching)
        for volunteer in matching[:2]:
            # Fresh: the service checks capacity on the row it is given.
            fresh = VolunteerProfile.objects.select_related("user", "office").get(pk=volunteer.pk)
            try:
                return iv.interview_request_volunteer(
                    student=s.user,
                    volunteer=fresh,
                    message=REQUEST.format(
                        name=fresh.user.full_name.split()[0],
                        programme=s.programme,
                        field=rng.choice(s.fields).name.lower(),
                    ),
                )
            except ValidationError:
                continue
    busy = Interview.objects.filter(
        student=s.user, state__in=[*OPEN_STATES, State.COMPLETED]
    ).values("contact_id")
    contact = (
        Contact.objects.filter(owner=s.user, volunteer__isnull=True, archived_at__isnull=True)
        .exclude(pk__in=busy)
        .order_by(F("target_rank").asc(nulls_last=True), "pk")
        .first()
    ) or _new_contact(c, s, rng, _pick_names(rng, 1)[0])
    try:
        return iv.interview_log_outreach(
            student=s.user,
            contact=contact,
            message=REQUEST.format(
                name=contact.full_name.split()[0],
                programme=s.programme,
                field=(contact.field or s.fields[0]).name.lower(),
            ),
        )
    except ValidationError:
        return None


def _conversation(c: _Cohort, s: _Student, rng: random.Random, *, miss: bool = False) -> Step:
    """One request from asking to keeping in touch, as far as it got. `miss`: the
    demo's one missed thank-you (a meeting held about a week before the seed)."""
    interview = _ask(c, s, rng, own=miss)
    if interview is None:
        return
    student = s.user
    volunteer = interview.volunteer
    outcome = (
        "accepted"
        if miss
        else rng.choices(["accepted", "declined", "silent", "withdrawn"], weights=[62, 14, 16, 8])[
            0
        ]
    )
    if volunteer is not None:
        if rng.random() < 0.2:
            yield c.daytime(rng, timezone.now(), rng.uniform(0.2, 1.5))
            iv.interview_message(
                actor=volunteer.user,
                interview=interview,
                body="Happy to help. Is there anything in particular you'd like to cover?",
            )
            yield c.daytime(rng, timezone.now(), rng.uniform(0.05, 1))
            iv.interview_message(
                actor=student,
                interview=interview,
                body="Thank you! Mostly how you got started and what a typical week looks like.",
            )
        if outcome == "silent":
            # Nobody answers: the sweep's nudge after the office's days, then expiry.
            yield interview.requested_at + timedelta(days=c.office.request_nudge_days, hours=1)
            reminders.request_nudge(interview_id=interview.pk)
            yield interview.requested_at + timedelta(days=14, hours=1)
            reminders.request_expire(interview_id=interview.pk)
            return
        yield c.daytime(rng, timezone.now(), rng.uniform(0.3, 4))
        if outcome == "declined":
            iv.interview_decline(
                user=volunteer.user, interview=interview, note=rng.choice(DECLINE_NOTES)
            )
            return
        if outcome == "withdrawn":
            iv.interview_withdraw(
                student=student, interview=interview, note="My plans changed; thank you anyway."
            )
            return
        fmt = rng.choice(volunteer.formats)
        details = _where(fmt, volunteer.user.full_name)
        if rng.random() < 0.2:
            slots = sorted({c.meeting_time(rng, timezone.now()) for _ in range(3)})
            iv.interview_accept(
                user=volunteer.user,
                interview=interview,
                format=fmt,
                duration_minutes=rng.choice([15, 30, 30, 45]),
                slots=slots,
                **details,
            )
            yield c.daytime(rng, timezone.now(), rng.uniform(0.1, 1))
            later = interview.slots.filter(starts_at__gt=timezone.now()).order_by("-starts_at")
            if not later:
                return  # every time offered has passed: it stays accepted, unbooked
            iv.interview_book_slot(student=student, interview=interview, slot_id=later[0].pk)
        else:
            iv.interview_accept(
                user=volunteer.user,
                interview=interview,
                format=fmt,
                duration_minutes=rng.choice([15, 30, 30, 45]),
                slots=[c.meeting_time(rng, timezone.now())],
                **details,
            )
    else:
        if outcome in ("silent", "withdrawn"):
            yield c.daytime(rng, timezone.now(), rng.uniform(9, 16))
            iv.interview_withdraw(
                student=student,
                interview=interview,
                note="No reply; moving on to the next person on my list.",
            )
            return
        yield c.daytime(rng, timezone.now(), rng.uniform(0.5, 4))
        if outcome == "declined":
            iv.interview_record_reply(
                student=student,
                interview=interview,
                accepted=False,
                note="Replied that they are too busy at the moment.",
            )
            return
        fmt = rng.choice(["in_person", "phone", "video"])
        iv.interview_record_reply(
            student=student,
            interview=interview,
            accepted=True,
            starts_at=c.meeting_time(rng, timezone.now()),
            format=fmt,
            **_where(fmt, interview.contact.full_name),
        )
    interview.refresh_from_db()
    if c.bank and rng.random() < 0.5:
        yield min(c.daytime(rng, timezone.now(), rng.uniform(0.1, 1)), interview.starts_at)
        iv.prepared_questions_add_from_bank(
            student=student, interview=interview, question_ids=sorted(rng.sample(c.bank, k=7))
        )
        if volunteer is not None and rng.random() < 0.6:
            iv.interview_questions_share(student=student, interview=interview)
    # The beat's sweep the day before finds the meeting and queues both reminders.
    yield interview.starts_at - MEETING_AHEAD
    reminders.meeting_reminders_create()
    if not miss and volunteer is not None and rng.random() < 0.05:
        yield interview.starts_at - timedelta(hours=rng.uniform(2, 20))
        iv.interview_cancel(
            actor=volunteer.user, interview=interview, reason=rng.choice(CANCEL_REASONS)
        )
        return
    ends = interview.starts_at + timedelta(minutes=interview.duration_minutes)
    if not miss and rng.random() < 0.04:
        yield ends
        iv.interview_no_show(
            student=student, interview=interview, note="Waited 15 minutes; no one joined."
        )
        return
    yield ends + timedelta(minutes=rng.randint(10, 150))
    iv.interview_complete(student=student, interview=interview)
    held = timezone.now()
    yield held + timedelta(hours=rng.uniform(0.3, 3))
    iv.interview_notes_save(
        student=student,
        interview=interview,
        advice=rng.choice(ADVICE),
        information=rng.choice(INFORMATION),
        referrals="",
        reflection=rng.choice(REFLECTIONS),
        field_fit=rng.randint(2, 5),
        shared_with_advisor=rng.random() < 0.5,
    )
    if rng.random() < 0.3:
        field_name = (interview.contact.field or s.fields[0]).name
        organisation, _title = rng.choice(WORKPLACES.get(field_name, WORKPLACES["Consulting"]))
        iv.referrals_add(
            student=student,
            interview=interview,
            people=[
                {
                    "full_name": name,
                    "organisation": organisation,
                    "note": "A former colleague; happy to be mentioned.",
                }
                for name in _pick_names(rng, rng.randint(1, 2))
            ],
        )
    thanks = FollowUp.objects.get(interview=interview, kind=Kind.THANK_YOU)
    if miss:
        return  # never sent: the window closes with nothing done
    if rng.random() < 0.15:
        at = thanks.due_at + timedelta(hours=rng.uniform(3, 60))
    else:
        left = (thanks.due_at - held).total_seconds() / 3600
        at = held + timedelta(hours=rng.uniform(0.5, max(0.6, min(18, left - 1))))
    # Sent by the time the seed runs: only the demo's one thank-you is missing.
    yield min(at, c.timeline.until)
    _thank(student, thanks, rng)
    if s.email == STALLED:
        return  # and then nothing more
    if rng.random() < ENGAGEMENT[s.engagement]["keep_in_touch"]:
        yield c.daytime(rng, timezone.now(), rng.uniform(14, 45))
        interaction_log(
            student=student,
            contact=interview.contact,
            kind=rng.choice(InteractionKind.values),
            on=student_today(student=student),
            note=rng.choice(INTERACTION_NOTES),
        )
    checkin = checkin_active_for_contact(contact_id=interview.contact_id)
    if checkin is None:
        return
    # The beat's sweep finds the check-in due and reminds the student.
    yield checkin.due_at
    reminders.checkin_reminders_create()
    if rng.random() < 0.75:
        yield checkin.due_at + timedelta(days=rng.uniform(0, 10))
        checkin = checkin_active_for_contact(contact_id=interview.contact_id)
        if checkin is not None and checkin.due_at <= timezone.now():
            # Chosen by the contact, not drawn from rng, so the rest of the history
            # stays as it was.
            outcome = (
                CHECKIN_OUTCOMES[
                    (interview.contact_id + interview.student_id) % len(CHECKIN_OUTCOMES)
                ]
                if interview.volunteer_id
                else ""
            )
            followup_complete(
                student=student,
                followup=checkin,
                note=rng.choice(CHECKIN_NOTES),
                outcome=outcome,
            )


def _where(fmt: str, name: str) -> dict:
    if fmt == "in_person":
        return {"location": "Their office, Boston"}
    if fmt == "video":
        slug = name.lower().replace(" ", "-").replace("'", "")
        return {"meeting_url": f"https://meet.example.com/{slug}"}
    return {}


def _thank(student, followup: FollowUp, rng: random.Random) -> None:
    """From Fieldnotes when there is an address to send to, else sent another way."""
    address, _visible = thank_you_recipient(interview=followup.interview)
    if address and rng.random() < 0.8:
        draft = thank_you_draft(followup=followup, student=student)
        followup_thank_you_send(
            student=student, followup=followup, subject=draft.subject, body=draft.body
        )
    else:
        followup_complete(student=student, followup=followup, note="Sent a handwritten card.")


def _last_sweep() -> Step:
    """The beat's reminder sweep just before the seed, for what came due without a
    story there to see it (the check-ins of students who went quiet): reminded back
    then, so the real beat has nothing stale to send. The stories run the same sweep
    at the moments they need it; a sweep every day of six months cost a quarter of
    the cohort's time for nothing more."""
    reminders.meeting_reminders_create()
    reminders.checkin_reminders_create()
    yield from ()


# --- Making it ------------------------------------------------------------------------


def _joined_days_ago(rng: random.Random, engagement: str) -> float:
    if engagement == "active":
        return rng.uniform(HISTORY_DAYS - 8, HISTORY_DAYS)
    if engagement == "middling":
        return rng.uniform(100, HISTORY_DAYS)
    return rng.uniform(20, HISTORY_DAYS)


def _outbox_mark_sent(*, after_pk: int, now: datetime) -> int:
    """The cohort's emails that were due before now went back then. A direct update:
    core's outbox has no service that records a row as delivered without delivering
    it, and delivering them now (outbox_send_due) would run the guards as of today,
    which defer reminders to the end of quiet hours, i.e. send them later after all.
    Rows due later (a reminder for a meeting still to come) stay pending."""
    return OutboundEmail.objects.filter(
        pk__gt=after_pk, status=OutboundEmail.Status.PENDING, due_at__lt=now
    ).update(status=OutboundEmail.Status.SENT, sent_at=F("due_at"), lease_until=None)


def _assign(*, office, now: datetime) -> None:
    """advisor@demo.test: the stalled student, the missed thank-you and others who
    were busy in the last ten days (so no other is stalled); advisor2@demo.test a few
    more; the rest have no advisor. Assigned by the admin, as in the app."""
    admin = User.objects.get(email=ADMIN)
    rng = random.Random(COHORT_SEED)
    recent = list(
        User.objects.filter(email__in=COHORT_EMAILS, last_activity_at__gte=now - timedelta(days=10))
        .exclude(email__in=[STALLED, MISSED_THANK_YOU])
        .order_by("email")
        .values_list("pk", flat=True)
    )
    mine = rng.sample(recent, k=min(CASELOAD_SIZE - 2, len(recent)))
    mine += list(
        User.objects.filter(email__in=[STALLED, MISSED_THANK_YOU]).values_list("pk", flat=True)
    )
    assignments_add(admin=admin, advisor_id=User.objects.get(email=ADVISOR).pk, student_ids=mine)
    second = User.objects.filter(email=SECOND_ADVISOR, office=office, role=Role.ADVISOR).first()
    if second is None:
        return
    rest = list(
        User.objects.filter(email__in=COHORT_EMAILS)
        .exclude(pk__in=mine)
        .order_by("email")
        .values_list("pk", flat=True)
    )
    assignments_add(
        admin=admin,
        advisor_id=second.pk,
        student_ids=rng.sample(rest, k=min(SECOND_CASELOAD_SIZE, len(rest))),
    )


def cohort_seed(*, office) -> int:
    """Make the cohort in `office` (the demo office) unless it exists. Returns how
    many students were made (0 on a second run)."""
    if User.objects.filter(email__in=COHORT_EMAILS).exists():
        return 0
    now = timezone.now()
    start = now - timedelta(days=HISTORY_DAYS)
    outbox_before = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
    volunteers = [
        v
        for v in VolunteerProfile.objects.filter(office=office, user__approval=Approval.APPROVED)
        .exclude(user__email__in=KEEP_AWAY)
        .select_related("user")
        .prefetch_related("fields")
        .order_by("pk")
        if v.formats
    ]
    cohort = _Cohort(
        office=office,
        now=now,
        volunteers=volunteers,
        timeline=_Timeline(until=now),
    )
    cohort.volunteer_fields = {v.pk: {f.pk for f in v.fields.all()} for v in volunteers}
    cohort.fields = {f.name: f for f in Field.objects.filter(office=office)}
    with clock(start):
        iv.question_bank_ensure(office=office)
    cohort.bank = list(question_bank_for_office(office_id=office.pk).values_list("pk", flat=True))
    for first, last, programme, year, engagement in STUDENTS:
        rng = random.Random(f"{COHORT_SEED}:{first} {last}")
        joined = now - timedelta(days=_joined_days_ago(rng, engagement))
        email = email_of(first, last)
        student = _Student(
            first=first,
            last=last,
            programme=programme,
            year=year,
            engagement=engagement,
            joined=joined,
            active_until=now - timedelta(days=75 if email == STALLED else 2),
        )
        cohort.timeline.add(joined, _student_story(cohort, student, rng))
    cohort.timeline.add(now - timedelta(minutes=1), _last_sweep())
    cohort.timeline.run()
    _outbox_mark_sent(after_pk=outbox_before or 0, now=now)
    demo_password_set(user_ids=User.objects.filter(email__in=COHORT_EMAILS).values("pk"))
    _assign(office=office, now=now)
    return len(STUDENTS)
