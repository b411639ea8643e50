"""Demo offices and people for `make run` and screenshots. Idempotent: a second run
finds what the first made and only resets passwords and verification."""

from allauth.account.models import EmailAddress
from django.db import transaction

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Office, User
from apps.accounts.services import user_create

DEMO_PASSWORD = "fieldnotes-demo"

OFFICES = [
    {"slug": "demo", "name": "Demo University Career Center", "time_zone": "America/New_York"},
    {"slug": "other", "name": "Other College Careers Office", "time_zone": "Europe/London"},
]

PEOPLE = [
    ("demo", "admin@demo.test", "Avery Admin", Role.ADVISOR, True),
    ("demo", "advisor@demo.test", "Dana Advisor", Role.ADVISOR, False),
    ("demo", "advisor2@demo.test", "Rowan Reyes", Role.ADVISOR, False),
    ("demo", "student1@demo.test", "Sam Student", Role.STUDENT, False),
    ("demo", "student2@demo.test", "Priya Patel", Role.STUDENT, False),
    ("demo", "student3@demo.test", "Jordan Lee", Role.STUDENT, False),
    ("demo", "alumni1@demo.test", "Alex Alumni", Role.ALUMNI, False),
    ("demo", "alumni2@demo.test", "Morgan Chen", Role.ALUMNI, False),
    ("demo", "alumni3@demo.test", "Riley Okafor", Role.ALUMNI, False),
    ("other", "admin@other.test", "Olive Admin", Role.ADVISOR, True),
    ("other", "student@other.test", "Oscar Student", Role.STUDENT, False),
    ("other", "alumni@other.test", "Ola Alumni", Role.ALUMNI, False),
]


@transaction.atomic
def demo_seed() -> dict:
    offices = {}
    for spec in OFFICES:
        office, _ = Office.objects.get_or_create(slug=spec["slug"], defaults=spec)
        offices[spec["slug"]] = office
    for slug, email, name, role, is_admin in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                office=offices[slug],
                email=email,
                full_name=name,
                password=DEMO_PASSWORD,
                role=role,
                is_office_admin=is_admin,
                approval=Approval.APPROVED,
                email_verified=True,
            )
        else:
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
    return {
        "offices": len(offices),
        "office_objects": [offices[spec["slug"]] for spec in OFFICES],
        "users": len(PEOPLE),
        "password": DEMO_PASSWORD,
    }
