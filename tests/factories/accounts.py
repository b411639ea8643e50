"""Offices and people, made through the same service the app uses, so a factory-made
user has the verified allauth EmailAddress a real one has."""

import factory
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
