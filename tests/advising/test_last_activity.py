"""A student's last activity is one column on the user (User.last_activity_at), kept
by the contacts services, so the caseload sorts and filters a whole office on it.
It must agree with what the apps' own tables say: the latest contact added, the
latest keep-in-touch clock of a contact, the latest timeline entry of an interview
that is not the system's own."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import DateTimeField
from django.db.models.functions import Coalesce, Greatest

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.accounts.services import user_record_activity
from apps.contacts import transfer
from apps.contacts.selectors import student_contact_figures
from apps.contacts.services import contact_create
from apps.followups.services import interaction_log
from apps.interviews.enums import State
from apps.interviews.selectors import student_interview_figures
from tests.factories.interviews import InterviewFactory, mark_held

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def last_activity(user) -> datetime | None:
    return User.objects.values_list("last_activity_at", flat=True).get(pk=user.pk)


def test_it_only_moves_forward(student):
    user_record_activity(user_id=student.pk, at=NOW)
    user_record_activity(user_id=student.pk, at=NOW - timedelta(days=3))
    assert last_activity(student) == NOW

    user_record_activity(user_id=student.pk, at=NOW + timedelta(hours=1))
    assert last_activity(student) == NOW + timedelta(hours=1)


def test_a_contact_added_by_hand_is_activity(student, student2):
    assert last_activity(student) is None

    contact_create(student=student, full_name="Lee Park")

    assert (last_activity(student), last_activity(student2)) == (NOW, None)


def test_contacts_imported_from_a_file_are_activity(student):
    out = io.StringIO()
    transfer.contact_import_template_csv(out=out)
    header = out.getvalue().splitlines()[0]
    upload = SimpleUploadedFile(
        "contacts.csv", f"{header}\nAda Lovelace,ada@example.test\n".encode(), "text/csv"
    )
    contact_import = transfer.contact_import_parse(student=student, upload=upload)

    transfer.contact_import_confirm(
        student=student, contact_import=contact_import, include_duplicates=False
    )

    assert last_activity(student) == NOW


def test_a_meeting_held_and_a_later_logged_interaction_are_activity(
    student, volunteer, time_machine
):
    meeting = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=NOW - timedelta(hours=1),
    )
    mark_held(student=student, interview=meeting)
    held = last_activity(student)
    time_machine.move_to(NOW + timedelta(days=5), tick=False)

    interaction_log(student=student, contact=meeting.contact, kind="call", on=date(2026, 3, 7))
    logged = last_activity(student)
    interaction_log(student=student, contact=meeting.contact, kind="call", on=date(2026, 3, 4))

    assert held == NOW
    assert NOW + timedelta(days=3) < logged < NOW + timedelta(days=5)
    assert last_activity(student) == logged


def _computed(office):
    """The latest activity of each student of the office, from the apps' tables."""
    figures = {**student_contact_figures(), **student_interview_figures()}
    students = User.objects.filter(office=office, role=Role.STUDENT).annotate(
        **figures,
        computed=Greatest(
            Coalesce("last_interview_activity_at", "date_joined"),
            Coalesce("last_interaction_at", "date_joined"),
            Coalesce("last_contact_added_at", "date_joined"),
            output_field=DateTimeField(),
        ),
        kept=Coalesce("last_activity_at", "date_joined"),
    )
    return {s.email: (s.kept, s.computed) for s in students}


# That the column agrees with the tables after months of history made through the
# services (the demo seed and its cohort) is checked where the demo is seeded once:
# tests/demo/seeded/test_cohort.py::test_last_activity_agrees_with_the_tables_for_every_student.


def test_the_caseload_sorts_and_flags_on_the_kept_column(office, advisor, login_as):
    quiet = User.objects.create_user(
        email="q@northfield.test", full_name="Quinn Quiet", office=office, role=Role.STUDENT
    )
    busy = User.objects.create_user(
        email="b@northfield.test", full_name="Bea Busy", office=office, role=Role.STUDENT
    )
    User.objects.filter(pk__in=[quiet.pk, busy.pk]).update(date_joined=NOW - timedelta(days=90))
    user_record_activity(user_id=quiet.pk, at=NOW - timedelta(days=30))
    user_record_activity(user_id=busy.pk, at=NOW - timedelta(days=2))
    browser = login_as(advisor)

    stalled = browser.get("/advising/", {"scope": "office", "flag": "stalled"})
    by_activity = browser.get("/advising/", {"scope": "office", "sort": "-activity"})

    assert [s.full_name for s in stalled.context["page"].object_list] == ["Quinn Quiet"]
    names = [s.full_name for s in by_activity.context["page"].object_list]
    assert names.index("Bea Busy") < names.index("Quinn Quiet")


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_each_students_latest_activity(office, student, student2):
    """advising 0002 fills the column from the tables: the latest of a contact
    added, a contact's clock and a timeline entry that is not the system's own;
    when the student joined for one with none of these."""
    if not isinstance(settings.MIGRATION_MODULES, dict):
        pytest.skip("the suite builds its database without migrations: make test-migrations")
    tables = [
        ("accounts", "0003_user_last_activity"),
        ("contacts", "0004_contact_last_interaction"),
        ("interviews", "0004_drafts_and_request_templates"),
    ]
    before = [("advising", "0001_initial"), *tables]
    after = [("advising", "0002_last_activity_backfill"), *tables]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldUser = old.get_model("accounts", "User")
    OldContact = old.get_model("contacts", "Contact")
    OldInterview = old.get_model("interviews", "Interview")
    OldEvent = old.get_model("interviews", "InterviewEvent")
    joined = NOW - timedelta(days=200)
    OldUser.objects.filter(pk__in=[student.pk, student2.pk]).update(
        date_joined=joined, last_activity_at=None
    )
    contact = OldContact.objects.create(
        owner_id=student.pk, full_name="Lee", last_interaction_at=NOW - timedelta(days=9)
    )
    OldContact.objects.filter(pk=contact.pk).update(created_at=NOW - timedelta(days=20))
    interview = OldInterview.objects.create(student_id=student.pk, contact=contact)
    for kind, days in [("accepted", 5), ("nudged", 1)]:
        event = OldEvent.objects.create(interview=interview, kind=kind)
        OldEvent.objects.filter(pk=event.pk).update(created_at=NOW - timedelta(days=days))

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    filled = (last_activity(student), last_activity(student2))
    # Forward to every app's latest again, for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert filled == (NOW - timedelta(days=5), joined)
