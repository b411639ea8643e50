"""The demo offices, people and sample data. Idempotent: a second run finds what
the first made and changes nothing but passwords and verification (in a new month,
it also sends the one request that keeps a volunteer fully booked)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from apps.accounts.demo import demo_seed as accounts_seed
from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising.services import assignments_add
from apps.contacts.enums import Industry, OpenTo, Source
from apps.contacts.models import Contact
from apps.contacts.services import contact_create
from apps.demo.cohort import cohort_seed, demo_password_set
from apps.interviews.models import RequestTemplate
from apps.interviews.services.request_templates import (
    request_template_create,
    request_template_ensure_default,
)
from apps.students.models import Field
from apps.students.selectors import student_profile_get
from apps.students.services import field_seed_defaults, student_profile_update

PITCHES = {
    "student1@demo.test": (
        "Hi, I'm Sam, a third-year economics student at Demo University. Over the last year "
        "I have become curious about how data shapes decisions in public policy and in "
        "consulting, after a summer project analysing transit ridership for our city. I have "
        "taught myself Python and SQL and I enjoy explaining numbers to people who are not "
        "numbers people. I'm talking to people in the field to understand what the work is "
        "really like day to day, which skills matter most early on, and how people found their "
        "way in. I'd love to hear how you got started and what you wish you had known."
    ),
    "student2@demo.test": (
        "I'm Priya, studying biology with a minor in communication. I'm exploring science "
        "communication and healthcare marketing, and I'd like to learn how people move from a "
        "lab background into roles that explain science to the public."
    ),
    "student3@demo.test": (
        "I'm Jordan, a computer science student interested in software for climate and energy. "
        "I'm trying to understand the difference between working at a start-up and at a large "
        "utility, and which first roles teach the most."
    ),
}

# How decided each demo student is about their field (the question list's
# suggestions follow it).
CERTAINTY = {
    "student1@demo.test": "narrowing",
    "student2@demo.test": "decided",
    "student3@demo.test": "exploring",
}

PROFILES = {
    "student1@demo.test": (
        "Economics",
        2027,
        ["Data science and analytics", "Consulting", "Government and public policy"],
        ["transit", "urban planning"],
        ["McKinsey", "City of Boston", "Urban Institute"],
    ),
    "student2@demo.test": (
        "Biology",
        2026,
        ["Healthcare", "Marketing and communications"],
        ["science writing"],
        ["Mayo Clinic", "Pfizer"],
    ),
    "student3@demo.test": (
        "Computer Science",
        2028,
        ["Software and technology", "Sustainability and energy"],
        ["climate tech"],
        ["Tesla", "National Grid"],
    ),
}

# (name, organisation, title, field, source, referred_by name, email, notes, on target list)
CONTACTS = {
    "student1@demo.test": [
        (
            "Maria Gonzalez",
            "Urban Institute",
            "Research Associate",
            "Government and public policy",
            Source.PROFESSOR_STAFF,
            None,
            "maria.gonzalez@example.org",
            "Prof. Harris's former student. Works on housing data.",
            True,
        ),
        (
            "Tom Becker",
            "Deloitte",
            "Senior Consultant",
            "Consulting",
            Source.FRIEND_FAMILY,
            None,
            "tom.becker@example.com",
            "My cousin's partner.",
            True,
        ),
        (
            "Aisha Rahman",
            "City of Boston",
            "Data Analyst",
            "Government and public policy",
            Source.REFERRAL,
            "Maria Gonzalez",
            "",
            "Maria says she built the transit dashboard.",
            True,
        ),
        (
            "Kenji Watanabe",
            "Spotify",
            "Data Scientist",
            "Data science and analytics",
            Source.NETWORKING_SITE,
            None,
            "",
            "",
            True,
        ),
        (
            "Lena Fischer",
            "McKinsey",
            "Associate",
            "Consulting",
            Source.REFERRAL,
            "Tom Becker",
            "lena.fischer@example.com",
            "",
            True,
        ),
        (
            "Omar Haddad",
            "Boston Transit Authority",
            "Planning Manager",
            "Government and public policy",
            Source.ASSOCIATION,
            None,
            "",
            "Met at the APA mixer.",
            False,
        ),
    ],
    "student2@demo.test": [
        (
            "Grace Liu",
            "Mayo Clinic",
            "Communications Specialist",
            "Healthcare",
            Source.PROFESSOR_STAFF,
            None,
            "grace.liu@example.org",
            "",
            True,
        ),
        (
            "Daniel Okoro",
            "Science Friday",
            "Producer",
            "Marketing and communications",
            Source.COLD,
            None,
            "",
            "",
            True,
        ),
        (
            "Hannah Novak",
            "Pfizer",
            "Medical Writer",
            "Healthcare",
            Source.REFERRAL,
            "Grace Liu",
            "",
            "",
            True,
        ),
    ],
    "student3@demo.test": [
        (
            "Sofia Rossi",
            "National Grid",
            "Software Engineer",
            "Sustainability and energy",
            Source.FRIEND_FAMILY,
            None,
            "sofia.rossi@example.com",
            "",
            True,
        ),
        (
            "Ben Carter",
            "Arcadia",
            "Engineering Manager",
            "Software and technology",
            Source.NETWORKING_SITE,
            None,
            "",
            "",
            True,
        ),
        (
            "Chloe Martin",
            "Tesla",
            "Energy Analyst",
            "Sustainability and energy",
            Source.REFERRAL,
            "Sofia Rossi",
            "",
            "",
            True,
        ),
    ],
}


def _seed_students(office) -> None:
    fields = {f.name: f for f in Field.objects.filter(office=office)}
    for email, (programme, year, field_names, tags, companies) in PROFILES.items():
        student = User.objects.get(email=email)
        profile = student_profile_get(user=student)
        if not profile.pitch:
            student_profile_update(
                profile=profile,
                programme=programme,
                graduation_year=year,
                fields=[fields[n] for n in field_names],
                interest_tags=tags,
                target_companies=companies,
                pitch=PITCHES[email],
                field_certainty=CERTAINTY.get(email, ""),
            )
        if Contact.objects.filter(owner=student).exists():
            continue
        made = {}
        for name, org, title, field, source, referrer, mail, notes, target in CONTACTS[email]:
            made[name] = contact_create(
                student=student,
                full_name=name,
                organisation=org,
                job_title=title,
                field=fields[field],
                source=source,
                referred_by=made.get(referrer),
                email=mail,
                notes=notes,
                on_target_list=target,
            )


# (email, name, employer, title, fields, location, year, programme, topics, formats, capacity)
VOLUNTEERS = [
    (
        "alumni1@demo.test",
        "Alex Alumni",
        "Deloitte",
        "Senior Manager",
        ["Consulting"],
        "Boston",
        2012,
        "Economics",
        "Case interviews, moving from analyst to manager, consulting vs industry",
        ["video", "phone"],
        3,
    ),
    (
        "alumni2@demo.test",
        "Morgan Chen",
        "Urban Institute",
        "Research Director",
        ["Government and public policy", "Research and academia"],
        "Washington, DC",
        2008,
        "Public Policy",
        "Policy research careers, think tanks, graduate school choices",
        ["video", "email"],
        4,
    ),
    (
        "alumni3@demo.test",
        "Riley Okafor",
        "Spotify",
        "Staff Data Scientist",
        ["Data science and analytics", "Software and technology"],
        "New York",
        2015,
        "Statistics",
        "Breaking into data science, portfolios, product analytics",
        ["video"],
        2,
    ),
    (
        "alumni4@demo.test",
        "Sasha Ivanova",
        "Mayo Clinic",
        "Communications Lead",
        ["Healthcare", "Marketing and communications"],
        "Rochester, MN",
        2011,
        "Biology",
        "Science communication, healthcare marketing",
        ["phone", "video"],
        3,
    ),
    (
        "alumni5@demo.test",
        "Diego Ramos",
        "National Grid",
        "Grid Software Engineer",
        ["Sustainability and energy", "Engineering"],
        "Boston",
        2017,
        "Electrical Engineering",
        "Energy transition, utilities, software in heavy industry",
        ["in_person", "video"],
        3,
    ),
    (
        "alumni6@demo.test",
        "Hana Kim",
        "McKinsey",
        "Associate Partner",
        ["Consulting"],
        "Chicago",
        2009,
        "Mathematics",
        "Strategy consulting, MBA or not",
        ["video"],
        2,
    ),
    (
        "alumni7@demo.test",
        "Ifeoma Nwosu",
        "City of Boston",
        "Chief Data Officer",
        ["Government and public policy", "Data science and analytics"],
        "Boston",
        2006,
        "Computer Science",
        "Public sector data, civic tech",
        ["in_person", "phone"],
        3,
    ),
    (
        "alumni8@demo.test",
        "Lucas Meyer",
        "Pfizer",
        "Medical Writer",
        ["Healthcare"],
        "New York",
        2016,
        "Chemistry",
        "Medical writing, regulatory documents",
        ["email", "phone"],
        3,
    ),
    (
        "alumni9@demo.test",
        "Ava Thompson",
        "Tesla",
        "Energy Analyst",
        ["Sustainability and energy", "Data science and analytics"],
        "Austin",
        2019,
        "Economics",
        "Energy markets, analyst roles",
        ["video"],
        3,
    ),
    (
        "alumni10@demo.test",
        "Noah Williams",
        "Goldman Sachs",
        "Vice President",
        ["Accounting and finance"],
        "New York",
        2010,
        "Finance",
        "Investment banking hours and culture",
        ["phone"],
        1,
    ),
    (
        "alumni11@demo.test",
        "Emma Rossi",
        "Teach For America",
        "Regional Director",
        ["Education", "Nonprofit"],
        "Philadelphia",
        2013,
        "English",
        "Teaching, nonprofit careers",
        ["video", "phone"],
        3,
    ),
    (
        "alumni12@demo.test",
        "Omar Farouk",
        "Arcadia",
        "Product Manager",
        ["Software and technology", "Sustainability and energy"],
        "Remote",
        2018,
        "Computer Science",
        "Product management in climate tech",
        ["video"],
        3,
    ),
]
# Each volunteer's industry and what they are also open to (the directory's filters).
VOLUNTEER_OFFERS = {
    "alumni1@demo.test": (Industry.CONSULTING, [OpenTo.QUESTIONS_AHEAD, OpenTo.INTRODUCTIONS]),
    "alumni2@demo.test": (Industry.NONPROFIT, [OpenTo.CAREER_CHANGERS, OpenTo.LONGER]),
    "alumni3@demo.test": (Industry.MEDIA, [OpenTo.FIRST_YEARS, OpenTo.QUESTIONS_AHEAD]),
    "alumni4@demo.test": (Industry.HEALTHCARE, [OpenTo.KEEPING_IN_TOUCH]),
    "alumni5@demo.test": (Industry.ENERGY, [OpenTo.FIRST_YEARS, OpenTo.INTRODUCTIONS]),
    "alumni6@demo.test": (Industry.CONSULTING, [OpenTo.CAREER_CHANGERS]),
    "alumni7@demo.test": (Industry.GOVERNMENT, [OpenTo.LONGER, OpenTo.KEEPING_IN_TOUCH]),
    "alumni8@demo.test": (Industry.HEALTHCARE, [OpenTo.QUESTIONS_AHEAD]),
    "alumni9@demo.test": (Industry.ENERGY, [OpenTo.FIRST_YEARS]),
    "alumni10@demo.test": (Industry.FINANCE, []),
    "alumni11@demo.test": (Industry.EDUCATION, [OpenTo.CAREER_CHANGERS, OpenTo.INTRODUCTIONS]),
    "alumni12@demo.test": (Industry.TECHNOLOGY, [OpenTo.KEEPING_IN_TOUCH, OpenTo.LONGER]),
}
PAUSED = "alumni11@demo.test"
# Fully booked this month by real requests from the demo students (see _seed_at_capacity).
AT_CAPACITY = "alumni10@demo.test"
PENDING = ("alumni-pending@demo.test", "Pat Pending")


def _seed_volunteers(office) -> dict:
    from django.utils import timezone

    from apps.accounts.enums import Approval, Role
    from apps.accounts.services import user_create
    from apps.contacts.volunteers import volunteer_profile_get_or_create, volunteer_profile_update

    fields = {f.name: f for f in Field.objects.filter(office=office)}
    made, new = {}, []
    for (
        email,
        name,
        employer,
        title,
        field_names,
        location,
        year,
        programme,
        topics,
        formats,
        capacity,
    ) in VOLUNTEERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                office=office,
                email=email,
                full_name=name,
                password=None,
                role=Role.ALUMNI,
                email_verified=True,
            )
            new.append(user.pk)
        profile = volunteer_profile_get_or_create(user=user)
        if not profile.formats:
            volunteer_profile_update(
                user=user,
                profile=profile,
                employer=employer,
                job_title=title,
                fields=[fields[n] for n in field_names],
                location=location,
                graduation_year=year,
                programme=programme,
                topics=topics,
                formats=formats,
                capacity_per_month=capacity,
                industry=VOLUNTEER_OFFERS[email][0],
                open_to=VOLUNTEER_OFFERS[email][1],
                bio=f"{title} at {employer}. Glad to help students of Demo University.",
                paused_until=(timezone.localdate() + timedelta(days=45))
                if email == PAUSED
                else None,
            )
        elif not profile.industry:
            # A demo seeded before volunteers had an industry gets theirs.
            volunteer_profile_update(
                user=user,
                profile=profile,
                industry=VOLUNTEER_OFFERS[email][0],
                open_to=VOLUNTEER_OFFERS[email][1],
            )
        made[email] = profile
    if not User.objects.filter(email=PENDING[0]).exists():
        new.append(
            user_create(
                office=office,
                email=PENDING[0],
                full_name=PENDING[1],
                password=None,
                role=Role.ALUMNI,
                approval=Approval.PENDING,
                email_verified=True,
            ).pk
        )
    demo_password_set(user_ids=new)
    return made


def _seed_interviews(volunteers: dict) -> None:
    """Interviews in every state for the demo students, so each screen shows something."""
    from django.utils import timezone

    from apps.interviews import services as iv
    from apps.interviews.models import Interview, InterviewNotes
    from apps.interviews.selectors import question_bank_for_office
    from apps.interviews.services.notes import referrals_add
    from apps.interviews.services.questions import (
        interview_questions_share,
        prepared_questions_add_from_bank,
        question_bank_ensure,
    )

    sam = User.objects.get(email="student1@demo.test")
    priya = User.objects.get(email="student2@demo.test")
    if Interview.objects.filter(student__in=[sam, priya]).exists():
        return
    now = timezone.now()
    ask = (
        "Dear {name}, I'm exploring {field} and would value 15 minutes of your time for a "
        "short call about your path. I'm not looking for a job, just your perspective."
    )

    def request(student, email, field):
        vol = volunteers[email]
        return iv.interview_request_volunteer(
            student=student,
            volunteer=vol,
            message=ask.format(name=vol.user.full_name.split()[0], field=field),
        )

    def soon(days, hour=15):
        return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)

    # Held, with A.I.R. notes and two referrals.
    held = request(sam, "alumni1@demo.test", "consulting")
    iv.interview_accept(
        user=held.volunteer.user,
        interview=held,
        format="video",
        duration_minutes=30,
        slots=[soon(1)],
        meeting_url="https://meet.example.com/alex-sam",
    )
    # It ended two and a half hours ago: the thank-you is due later today.
    Interview.objects.filter(pk=held.pk).update(starts_at=now - timedelta(hours=3))
    held.refresh_from_db()
    iv.interview_complete(student=sam, interview=held)
    InterviewNotes.objects.update_or_create(
        interview=held,
        defaults={
            "advice": "Learn to structure problems out loud. Do mock cases with friends weekly.",
            "information": "Analysts work 50–60 hours; travel is lighter since 2020.",
            "referrals": "Talk to Hana Kim at McKinsey and Priya Shah at Bain.",
            "reflection": "Energising conversation; the problem-solving appeals to me.",
            "field_fit": 4,
        },
    )
    referrals_add(
        student=sam,
        interview=held,
        people=[
            {
                "full_name": "Hana Kim",
                "organisation": "McKinsey",
                "note": "Moved from consulting to strategy; good on the MBA question.",
            },
            {
                "full_name": "Priya Shah",
                "organisation": "Bain",
                "email": "priya.shah@example.com",
                "note": "Runs the Boston office's campus recruiting.",
            },
        ],
    )
    # Scheduled next week, with questions prepared and shared.
    scheduled = request(sam, "alumni2@demo.test", "public policy")
    iv.interview_accept(
        user=scheduled.volunteer.user,
        interview=scheduled,
        format="video",
        duration_minutes=15,
        slots=[soon(6)],
        meeting_url="https://meet.example.com/morgan-sam",
    )
    question_bank_ensure(office=sam.office)
    bank = list(question_bank_for_office(office_id=sam.office_id).values_list("pk", flat=True))
    prepared_questions_add_from_bank(student=sam, interview=scheduled, question_ids=bank[::3][:7])
    interview_questions_share(student=sam, interview=scheduled)
    # Accepted with three times to choose from.
    accepted = request(sam, "alumni7@demo.test", "public sector data")
    iv.interview_accept(
        user=accepted.volunteer.user,
        interview=accepted,
        format="in_person",
        duration_minutes=30,
        slots=[soon(3, 14), soon(4, 16), soon(5, 19)],
        location="City Hall, 1 City Hall Sq, Boston",
    )
    # Waiting for an answer, with a question in the thread.
    waiting = request(sam, "alumni3@demo.test", "data science")
    iv.interview_message(
        actor=waiting.volunteer.user,
        interview=waiting,
        body="Happy to help. Are you more interested in product or research?",
    )
    # Declined, and one that expired, for Priya.
    declined = request(priya, "alumni8@demo.test", "medical writing")
    iv.interview_decline(
        user=declined.volunteer.user,
        interview=declined,
        note="Deadline season for me. Try again in March!",
    )
    expired = request(priya, "alumni4@demo.test", "science communication")
    Interview.objects.filter(pk=expired.pk).update(requested_at=now - timedelta(days=15))
    iv.interview_expire(interview_id=expired.pk)
    # Withdrawn and cancelled.
    withdrawn = request(priya, "alumni6@demo.test", "consulting")
    iv.interview_withdraw(student=priya, interview=withdrawn)
    cancelled = request(priya, "alumni5@demo.test", "energy")
    iv.interview_accept(
        user=cancelled.volunteer.user,
        interview=cancelled,
        format="phone",
        duration_minutes=15,
        slots=[soon(2)],
    )
    iv.interview_cancel(
        actor=cancelled.volunteer.user,
        interview=cancelled,
        reason="A work trip came up; please ask me again next month.",
    )
    # A meeting the volunteer missed, for Jordan.
    jordan = User.objects.get(email="student3@demo.test")
    missed = request(jordan, "alumni12@demo.test", "climate tech")
    iv.interview_accept(
        user=missed.volunteer.user,
        interview=missed,
        format="video",
        duration_minutes=15,
        slots=[soon(1)],
        meeting_url="https://meet.example.com/omar-jordan",
    )
    Interview.objects.filter(pk=missed.pk).update(starts_at=now - timedelta(days=1))
    missed.refresh_from_db()
    iv.interview_no_show(
        student=jordan, interview=missed, note="Waited 15 minutes on the call; no one joined."
    )
    # A contact outside the platform, reached by the student's own email.
    tom = Contact.objects.get(owner=sam, full_name="Tom Becker")
    own = iv.interview_log_outreach(
        student=sam, contact=tom, message="Hi Tom, could we talk for 15 minutes?"
    )
    iv.interview_record_reply(
        student=sam,
        interview=own,
        accepted=True,
        starts_at=soon(8, 17),
        format="in_person",
        location="Tatte Bakery, Beacon St",
    )
    # Spread each story's timeline over the days it would have taken.
    for interview, days_ago in [
        (held, 9),
        (scheduled, 6),
        (accepted, 4),
        (waiting, 2),
        (declined, 8),
        (expired, 15),
        (withdrawn, 5),
        (cancelled, 7),
        (missed, 10),
        (own, 3),
    ]:
        _backdate(interview, days_ago=days_ago, now=now)


def _backdate(interview, *, days_ago: int, now) -> None:
    """Move an interview's request and timeline back in time, evenly from `days_ago`
    days ago to shortly after the meeting (held or missed) or to an hour ago."""
    from apps.contacts.models import VolunteerProfile
    from apps.interviews.enums import EventKind, State
    from apps.interviews.models import Interview, InterviewEvent

    interview.refresh_from_db()
    events = list(interview.events.order_by("pk"))
    start = now - timedelta(days=days_ago, hours=2)
    if interview.state in (State.COMPLETED, State.NO_SHOW) and interview.ends_at:
        end = min(interview.ends_at + timedelta(minutes=20), now)
    else:
        end = now - timedelta(hours=1)
    step = (end - start) / max(1, len(events) - 1)
    for n, event in enumerate(events):
        event.created_at = start + step * n
    InterviewEvent.objects.bulk_update(events, ["created_at"])
    # The answer moves with its timeline entry, and so does the volunteer's
    # response time that was counted from the real (seconds-long) wait.
    answer = next((e for e in events if e.kind in (EventKind.ACCEPTED, EventKind.DECLINED)), None)
    changes = {"requested_at": start}
    if answer is not None and interview.answered_at and interview.requested_at:
        changes["answered_at"] = answer.created_at
        waited = (answer.created_at - start) - (interview.answered_at - interview.requested_at)
        if interview.volunteer_id:
            VolunteerProfile.objects.filter(pk=interview.volunteer_id).update(
                response_seconds_total=F("response_seconds_total") + int(waited.total_seconds())
            )
    Interview.objects.filter(pk=interview.pk).update(**changes)


def _seed_at_capacity(volunteers: dict) -> None:
    """Requests from the demo students until AT_CAPACITY has no room left this month,
    so the directory shows one volunteer fully booked. A second run in the same month
    finds them full and asks nothing; in a later month it fills the new one."""
    from apps.interviews import selectors as interview_selectors
    from apps.interviews import services as iv

    profile = volunteers[AT_CAPACITY]
    for email in ("student3@demo.test", "student2@demo.test", "student1@demo.test"):
        profile.refresh_from_db()
        if interview_selectors.volunteer_availability_problem(volunteer=profile):
            return
        student = User.objects.get(email=email)
        try:
            iv.interview_request_volunteer(
                student=student,
                volunteer=profile,
                message=(
                    "Dear Noah, I'm curious about finance and would value 15 minutes of your "
                    "time to hear how you got started. I'm not looking for a job, just your "
                    "perspective."
                ),
            )
        except ValidationError:
            continue  # an open request with them already, or this student's limit


ALUMNI_TEMPLATE = {
    "name": "Fellow alumni",
    "subject": "A {office} student with a question about {field}",
    "body": (
        "Dear {name},\n\n"
        "I found you in the {office} alumni directory. I am {my_name}, studying "
        "{my_programme}, and I am exploring {field}.\n\n"
        "Could you spare {minutes} minutes for a short conversation about how you "
        "got where you are{organisation_clause}? I am not asking for a job, only for "
        "your advice.\n\n"
        "With thanks,\n{my_name}"
    ),
}


def _seed_request_templates(office) -> None:
    """The office's standard wording, and a second template students can pick."""
    request_template_ensure_default(office_id=office.pk)
    if not RequestTemplate.objects.filter(office=office, name=ALUMNI_TEMPLATE["name"]).exists():
        admin = User.objects.get(email="admin@demo.test")
        request_template_create(admin=admin, **ALUMNI_TEMPLATE)


def _seed_caseload(office) -> None:
    """advisor@demo.test advises the three demo students (the admin assigns them;
    the cohort's students are assigned by apps.demo.cohort); a second run finds them
    assigned and changes nothing."""
    admin = User.objects.get(email="admin@demo.test")
    advisor = User.objects.get(email="advisor@demo.test")
    students = User.objects.filter(
        office=office, role=Role.STUDENT, email__in=PROFILES
    ).values_list("pk", flat=True)
    assignments_add(admin=admin, advisor_id=advisor.pk, student_ids=list(students))


SAM_PITCH_THREAD = [
    (
        "advisor",
        "Strong start. Lead with the transit project: it is the most concrete thing "
        "you have done, and people remember stories more than interests.",
    ),
    ("student", "Thanks! Should I drop the line about Python and SQL then?"),
    (
        "advisor",
        "Keep it, but shorter: one clause after the project. And end with one question, not two.",
    ),
]


def _seed_comments() -> None:
    """advisor@demo.test's comment thread on Sam's pitch, with Sam's reply, and a
    coaching note about Sam; a second run finds the thread and adds nothing."""
    from apps.advising.models import CommentThread
    from apps.advising.services_comments import (
        coaching_note_add,
        comment_reply,
        comment_thread_start,
    )

    advisor = User.objects.get(email="advisor@demo.test")
    sam = User.objects.get(email="student1@demo.test")
    if CommentThread.objects.filter(student=sam, on=CommentThread.On.PITCH).exists():
        return
    (_who, first), *replies = SAM_PITCH_THREAD
    thread = comment_thread_start(
        advisor=advisor, student=sam, on=CommentThread.On.PITCH, interview_id=None, body=first
    )
    for who, body in replies:
        comment_reply(user=advisor if who == "advisor" else sam, thread=thread, body=body)
    coaching_note_add(
        advisor=advisor,
        student=sam,
        body="Confident with numbers, less so with cold outreach. Suggested starting with "
        "alumni from the transit project before consulting partners.",
    )


@transaction.atomic
def demo_seed() -> dict:
    summary = accounts_seed()
    for office in summary["office_objects"]:
        field_seed_defaults(office=office)
    _seed_students(summary["office_objects"][0])
    volunteers = _seed_volunteers(summary["office_objects"][0])
    # Before the original stories: its history ends where theirs begins (now), and
    # volunteers' monthly counts must move forward in time.
    cohort_seed(office=summary["office_objects"][0])
    _seed_interviews(volunteers)
    _seed_at_capacity(volunteers)
    _seed_request_templates(summary["office_objects"][0])
    _seed_caseload(summary["office_objects"][0])
    _seed_comments()
    summary["users"] = User.objects.count()
    return summary
