"""Shared fixtures for the interviews tests: volunteers ready to be asked."""

import pytest

from tests.factories.contacts import make_volunteer
from tests.factories.students import FieldFactory


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
