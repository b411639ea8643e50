import factory
from factory.django import DjangoModelFactory

from apps.accounts.enums import Approval, Role
from apps.contacts.enums import Format
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_create
from apps.contacts.volunteers import volunteer_profile_get_or_create, volunteer_profile_update
from tests.factories.accounts import UserFactory


class ContactFactory(DjangoModelFactory):
    """Made through the service, as the app makes them. Pass `student=`."""

    class Meta:
        model = Contact

    full_name = factory.Sequence(lambda n: f"Contact {n}")
    organisation = ""
    email = ""

    @classmethod
    def _create(cls, model_class, student, **kwargs):
        return contact_create(student=student, **kwargs)


def make_volunteer(user, *, fields=(), capacity=3, employer="Acme Analytics") -> VolunteerProfile:
    """An alumni user's offer, taking requests (set directly: the profile form has
    its own tests)."""
    profile = volunteer_profile_get_or_create(user=user)
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        employer=employer,
        job_title="Data Scientist",
        formats=["video", "phone"],
        capacity_per_month=capacity,
        accepting_requests=True,
    )
    profile.refresh_from_db()
    profile.fields.set(fields)
    return profile


def volunteer_named(office, name, *, email=None, approval=Approval.APPROVED, fields=(), **data):
    """A new alumni volunteer in the office, their profile saved through the service.
    Their address is first.last@alumni.test unless `email` says otherwise."""
    slug = name.lower().replace(" ", ".")
    user = UserFactory(
        office=office, email=email or f"{slug}@alumni.test", full_name=name, role=Role.ALUMNI,
        approval=approval,
    )  # fmt: skip
    profile = volunteer_profile_get_or_create(user=user)
    data.setdefault("formats", [Format.VIDEO])
    volunteer_profile_update(user=user, profile=profile, fields=list(fields), **data)
    return profile
