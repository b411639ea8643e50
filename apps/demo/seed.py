"""The demo offices, people and sample data. Idempotent: a second run finds what
the first made and changes nothing but passwords and verification."""

from django.db import transaction

from apps.accounts.demo import demo_seed as accounts_seed
from apps.accounts.models import User
from apps.contacts.enums import Source
from apps.contacts.models import Contact
from apps.contacts.services import contact_create
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


@transaction.atomic
def demo_seed() -> dict:
    summary = accounts_seed()
    for office in summary["office_objects"]:
        field_seed_defaults(office=office)
    _seed_students(summary["office_objects"][0])
    return summary
