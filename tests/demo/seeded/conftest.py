"""The demo data, seeded once for every test of this package (test_cohort.py and
test_seed.py, and the re-run's checks): seeding takes seconds (the cohort's six
months of history through the services), so it is done once, twice over (the second
run is under test), in a transaction rolled back when the package's last test ends;
each test runs inside it, in its own savepoint.

The package is its own directory so that no other test of tests/demo (the scale
seed, which needs an empty database) runs while the demo data is in place; in CI's
two processes the package's modules stay on one worker (their `xdist_group`
mark, with `--dist loadgroup`), so the seeding is not done once per worker."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from apps.accounts.models import User
from apps.advising.models import Assignment
from apps.contacts.models import Contact
from apps.core.models import OutboundEmail
from apps.followups.models import FollowUp, Interaction
from apps.interviews.models import Interview, InterviewEvent, InterviewNotes
from apps.students.models import StudentProfile

# Mid-month, so "this month" cannot end between seeding and looking.
NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)

# A student the second run must bring back (a demo login that stopped working
# would strand whoever tries the README's logins).
DEACTIVATED_BETWEEN_RUNS = "student1@demo.test"


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in [
            User,
            StudentProfile,
            Contact,
            Interview,
            InterviewEvent,
            InterviewNotes,
            FollowUp,
            Interaction,
            Assignment,
            OutboundEmail,
        ]
    }


@pytest.fixture(scope="package")
def seeded(django_db_setup, django_db_blocker):
    """What the two runs left: the counts and printed summary of each."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=True),
        transaction.atomic(),
    ):
        first_output, second_output = io.StringIO(), io.StringIO()
        call_command("seed_demo", stdout=first_output)
        first = counts()
        User.objects.filter(email=DEACTIVATED_BETWEEN_RUNS).update(is_active=False)
        call_command("seed_demo", stdout=second_output)
        yield {
            "first": first,
            "second": counts(),
            "first_output": first_output.getvalue(),
            "second_output": second_output.getvalue(),
        }
        transaction.set_rollback(True)
