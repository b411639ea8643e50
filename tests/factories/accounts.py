"""Offices and people, made through the same service the app uses, so a factory-made
user has the verified allauth EmailAddress a real one has."""

import time

import factory
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from factory.django import DjangoModelFactory

from apps.accounts.enums import Approval, Role
from apps.accounts.models import Office, User
from apps.accounts.services import user_create

PASSWORD = "quiet-lantern-73"


class OfficeFactory(DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Office {n} Career Center")
    slug = factory.Sequence(lambda n: f"office-{n}")
    time_zone = "UTC"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    office = factory.SubFactory(OfficeFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = PASSWORD
    role = Role.STUDENT
    is_office_admin = False
    approval = Approval.APPROVED
    time_zone = None
    email_verified = True

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(**kwargs)

    @factory.post_generation
    def two_factor(obj, create, extracted, **kwargs):
        # Offices require two-factor sign-in of advisors and office admins by
        # default, so staff are made having set it up (an authenticator app), as
        # real ones will have; `two_factor=False` makes one who has not.
        wanted = obj.role == Role.ADVISOR if extracted is None else extracted
        if create and wanted:
            with_two_factor(obj)


def with_two_factor(user):
    """Give someone an authenticator app, as the staff personas have: their offices
    require two-factor sign-in of advisors and office admins."""
    TOTP.activate(user, generate_totp_secret())
    return user


def totp_code(user, valid_for: float = 0) -> str:
    """The code the person's authenticator app shows now.

    With `valid_for`, a code that would expire sooner is not given: as a person
    would, the caller waits for the next one. A browser test types the code and
    submits it a few seconds later on a busy machine, and a code taken in the last
    second of its period was refused once its period had passed."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_mfa_adapter().decrypt(authenticator.data["secret"])
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < valid_for:
        time.sleep(left + 0.05)
    counter = int(time.time()) // period
    return format_hotp_value(hotp_value(secret, counter))
