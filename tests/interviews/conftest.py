"""Shared fixtures for the interviews tests: volunteers ready to be asked."""

import pytest

from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import volunteer_profile_get_or_create
from tests.factories.students import FieldFactory


def make_volunteer(user, *, fields=(), capacity=3, employer="Acme Analytics") -> VolunteerProfile:
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


@pytest.fixture
def consulting(office):
    return FieldFactory(office=office, name="Consulting")


@pytest.fixture
def volunteer(alumni, consulting):
    """The `alumni` persona's offer, taking requests."""
    return make_volunteer(alumni, fields=[consulting])


@pytest.fixture
def other_volunteer(other_alumni):
    return make_volunteer(other_alumni)
