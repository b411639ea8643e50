"""Demo offices and people for `make run` and screenshots. Idempotent: a second run
finds what the first made and only resets passwords, verification and the two-factor
policy.

Two-factor: the demo office does not require it of its staff, so its advisors sign in
with the password alone (for a quick look, the browser tests and the screenshot
tool); its admin can switch the policy on in Office settings to see the setup page.
The other office requires it, and its admin has an authenticator app whose secret is
published in the README, to show the sign-in's second step."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Office, User
from apps.accounts.services import user_create

DEMO_PASSWORD = "fieldnotes-demo"

OFFICES = [
    {
        "slug": "demo",
        "name": "Demo University Career Center",
        "time_zone": "America/New_York",
        "staff_two_factor_required": False,
    },
    {
        "slug": "other",
        "name": "Other College Careers Office",
        "time_zone": "Europe/London",
        "staff_two_factor_required": True,
    },
]
# Published (README): the code for admin@other.test is computed from it. Base32.
DEMO_TOTP_SECRET = "FIELDNOTESDEMOTOTPSECRETFORDEMO2"
DEMO_TWO_FACTOR_EMAILS = ["admin@other.test"]

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
        if office.staff_two_factor_required != spec["staff_two_factor_required"]:
            office.staff_two_factor_required = spec["staff_two_factor_required"]
            office.save(update_fields=["staff_two_factor_required"])
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
        if (
            email in DEMO_TWO_FACTOR_EMAILS
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
    return {
        "offices": len(offices),
        "office_objects": [offices[spec["slug"]] for spec in OFFICES],
        "users": len(PEOPLE),
        "password": DEMO_PASSWORD,
    }
