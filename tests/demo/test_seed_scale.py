"""Scale data (`manage.py seed_scale`, apps.demo.scale): the shape the options ask
for, every interview state, what the services would have left behind (a thank-you
for every held meeting, each contact's stage and clock, each student's last
activity, the volunteers' request statistics, the outbox), usable sign-ins,
determinism under --seed, and refusal of a database that has data.

The tests of the class TestSeeded share one seeding at --scale 0.001 (an office of 20
students, 5 volunteers, 200 contacts and 100 interviews, and two of one student
each), in a transaction rolled back when the class is done; the others start from an
empty database."""

import io
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from apps.accounts.enums import Role
from apps.accounts.models import Office, User
from apps.advising.models import Assignment, Comment, CommentThread
from apps.contacts.enums import Stage
from apps.contacts.models import Contact, VolunteerProfile
from apps.contacts.services import contact_create
from apps.core.models import OutboundEmail
from apps.demo.scale import SCALE_PASSWORD
from apps.followups.enums import ACTIVE_STATUSES, Kind, Status
from apps.followups.models import FollowUp, Interaction
from apps.followups.services import add_months
from apps.interviews.enums import NOT_INTERACTIONS, OPEN_STATES, State
from apps.interviews.models import Interview, InterviewEvent, InterviewNotes
from tests.advising.test_last_activity import _computed

pytestmark = pytest.mark.django_db

# Mid-month, mid-afternoon.
NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


def _seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        output = _seed("--scale", "0.001")
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def big(seeded):
    return Office.objects.get(slug="scale")


def _students(office):
    return User.objects.filter(office=office, role=Role.STUDENT)


def _hours(office):
    return timedelta(hours=office.thank_you_hours)


def _expected_stage(contact) -> str:
    interview = contact.interviews.first()
    if interview is None:
        return Stage.IDENTIFIED
    thanked = FollowUp.objects.filter(interview=interview, status=Status.DONE).exists()
    checked_in = FollowUp.objects.filter(
        contact=contact, kind=Kind.KEEP_IN_TOUCH, status=Status.DONE
    ).exists()
    return {
        State.DRAFT: Stage.IDENTIFIED,
        State.REQUESTED: Stage.REQUESTED,
        State.ACCEPTED: Stage.REQUESTED,
        State.SCHEDULED: Stage.SCHEDULED,
        State.DECLINED: Stage.DECLINED,
        State.EXPIRED: Stage.NO_RESPONSE,
        State.NO_SHOW: Stage.NO_RESPONSE,
        State.WITHDRAWN: Stage.IDENTIFIED,
        State.CANCELLED: Stage.IDENTIFIED,
        State.COMPLETED: Stage.KEEPING_IN_TOUCH
        if checked_in
        else Stage.THANKED
        if thanked
        else Stage.MET,
    }[interview.state]


def _computed_mismatches(office) -> dict:
    return {
        email: (kept, computed)
        for email, (kept, computed) in _computed(office).items()
        if kept != computed
    }


class TestSeeded:
    def test_the_large_office_has_the_sizes_asked_for_and_two_small_ones(self, big):
        small = Office.objects.exclude(pk=big.pk)

        assert _students(big).count() == 20
        assert VolunteerProfile.objects.filter(office=big).count() == 5
        assert User.objects.filter(office=big, role=Role.ALUMNI).count() == 5
        assert Contact.objects.filter(owner__office=big).count() == 200
        assert Interview.objects.filter(student__office=big).count() == 100
        # Two office admins and one advisor per 500 students.
        assert User.objects.filter(office=big, role=Role.ADVISOR, is_office_admin=True).count() == 2
        assert (
            User.objects.filter(office=big, role=Role.ADVISOR, is_office_admin=False).count() == 1
        )
        assert sorted(small.values_list("slug", flat=True)) == ["scale-small-1", "scale-small-2"]
        for office in small:
            assert _students(office).count() == 1
            assert VolunteerProfile.objects.filter(office=office).count() == 1
            assert Contact.objects.filter(owner__office=office).count() == 2
            assert Interview.objects.filter(student__office=office).count() == 1

    def test_every_interview_state_is_there(self, big):
        states = set(Interview.objects.filter(student__office=big).values_list("state", flat=True))

        assert states == set(State.values)

    def test_names_employers_and_dates_are_varied_over_two_years(self, big):
        students = _students(big)
        contacts = Contact.objects.filter(owner__office=big)
        requested = Interview.objects.filter(student__office=big, requested_at__isnull=False)
        first = min(requested.values_list("requested_at", flat=True))

        assert students.values("full_name").distinct().count() >= 15
        assert contacts.values("organisation").distinct().count() >= 15
        assert (NOW - first).days > 300
        assert Interview.objects.filter(volunteer__isnull=False, student__office=big).exists()
        assert Interview.objects.filter(volunteer__isnull=True, student__office=big).exists()

    def test_every_held_meeting_has_its_thank_you_and_nothing_else_does(self, seeded):
        held = set(Interview.objects.filter(state=State.COMPLETED).values_list("pk", flat=True))
        thanks = list(FollowUp.objects.filter(kind=Kind.THANK_YOU))

        assert held
        assert sorted(f.interview_id for f in thanks) == sorted(held)
        for followup in thanks:
            interview = followup.interview
            assert followup.due_at == interview.ends_at + _hours(interview.student.office)
            assert followup.contact_id == interview.contact_id
            if followup.status == Status.DONE:
                assert followup.on_time == (followup.done_at <= followup.due_at)
                assert interview.held_at <= followup.done_at <= NOW

    def test_met_contacts_keep_in_touch_on_their_clock(self, seeded):
        met = Contact.objects.filter(interviews__state=State.COMPLETED)
        active = FollowUp.objects.filter(kind=Kind.KEEP_IN_TOUCH, status__in=ACTIVE_STATUSES)
        per_contact = Counter(active.values_list("contact_id", flat=True))

        assert met.exists()
        assert max(per_contact.values()) == 1
        for followup in active.select_related("contact"):
            assert followup.due_at == add_months(
                followup.contact.last_interaction_at, followup.cadence_months
            )
        for contact in met:
            assert FollowUp.objects.filter(contact=contact, kind=Kind.KEEP_IN_TOUCH).exists()

    def test_each_contacts_stage_and_clock_say_what_its_history_says(self, seeded):
        for contact in Contact.objects.prefetch_related("interviews"):
            moments = [
                *InterviewEvent.objects.filter(interview__contact=contact)
                .exclude(kind__in=NOT_INTERACTIONS)
                .values_list("created_at", flat=True),
                *InterviewNotes.objects.filter(interview__contact=contact).values_list(
                    "updated_at", flat=True
                ),
                *FollowUp.objects.filter(contact=contact, done_at__isnull=False).values_list(
                    "done_at", flat=True
                ),
                *Interaction.objects.filter(contact=contact).values_list("occurred_at", flat=True),
            ]
            assert contact.stage == _expected_stage(contact), contact.pk
            assert contact.last_interaction_at == (max(moments) if moments else None), contact.pk

    def test_last_activity_agrees_with_the_tables_for_every_student(self, seeded):
        for office in Office.objects.all():
            assert _computed_mismatches(office) == {}
        assert (
            not _students(Office.objects.get(slug="scale"))
            .filter(last_activity_at__isnull=True)
            .exists()
        )

    def test_timelines_run_forward_from_draft_to_the_interviews_state(self, seeded):
        for interview in Interview.objects.prefetch_related("events"):
            events = sorted(interview.events.all(), key=lambda e: e.pk)
            moves = [e for e in events if e.to_state]
            times = [e.created_at for e in events]

            assert times == sorted(times), interview.pk
            assert moves[-1].to_state == interview.state, interview.pk
            assert all(a.to_state == b.from_state for a, b in zip(moves, moves[1:], strict=False))
            assert max(times) <= NOW
            if interview.state != State.DRAFT:
                assert (
                    interview.requested_at
                    == next(e for e in events if e.kind == "requested").created_at
                )

    def test_students_stay_within_the_open_request_limit(self, seeded):
        open_per_student = Counter(
            Interview.objects.filter(state__in=OPEN_STATES).values_list("student_id", flat=True)
        )

        assert max(open_per_student.values()) <= 5

    def test_volunteer_statistics_count_their_requests(self, seeded):
        for profile in VolunteerProfile.objects.all():
            theirs = Interview.objects.filter(volunteer=profile).exclude(state=State.DRAFT)
            assert profile.requests_received == theirs.count()
            assert profile.requests_answered == theirs.filter(answered_at__isnull=False).count()
            assert profile.requests_in_month <= profile.capacity_per_month

    def test_the_outbox_holds_sent_rows_in_the_past_and_pending_only_in_the_future(self, seeded):
        rows = OutboundEmail.objects.all()

        assert rows.filter(status=OutboundEmail.Status.SENT).count() > 100
        assert not rows.filter(status=OutboundEmail.Status.PENDING, due_at__lt=NOW).exists()
        assert not rows.filter(sent_at__gt=NOW).exists()
        assert not rows.filter(status=OutboundEmail.Status.SENT, sent_at__isnull=True).exists()
        held = Interview.objects.filter(state=State.COMPLETED).values_list("pk", flat=True)
        lapsed = set(
            rows.filter(kind="followups/thanks_lapsed").values_list("dedupe_key", flat=True)
        )
        assert lapsed == {f"thanks:{pk}:lapsed" for pk in held}
        # A thank-you sent cancels the reminders still waiting for it.
        for followup in FollowUp.objects.filter(kind=Kind.THANK_YOU, status=Status.DONE):
            later = rows.filter(subject_ref=followup.ref, due_at__gt=followup.done_at)
            assert set(later.values_list("status", flat=True)) <= {OutboundEmail.Status.CANCELLED}

    def test_advising_data_is_there(self, big):
        advisor = User.objects.get(email="advisor@scale.test")

        assert Assignment.objects.filter(advisor=advisor).count() == 20
        assert CommentThread.objects.exists() == Comment.objects.exists()
        for thread in CommentThread.objects.all():
            assert thread.comment_count == thread.comments.count()

    def test_everyone_signs_in_with_the_documented_password(self, seeded, client):
        users = User.objects.all()

        assert users.count() == EmailAddress.objects.filter(verified=True, primary=True).count()
        assert all(user.check_password(SCALE_PASSWORD) for user in users)
        response = client.post(
            "/accounts/login/", {"login": "student@scale.test", "password": SCALE_PASSWORD}
        )
        assert response.status_code == 302
        assert client.get("/").wsgi_request.user.email == "student@scale.test"

    def test_the_named_logins_are_printed_and_fit_their_role(self, seeded):
        roles = {
            "admin@scale.test": Role.ADVISOR,
            "advisor@scale.test": Role.ADVISOR,
            "student@scale.test": Role.STUDENT,
            "volunteer@scale.test": Role.ALUMNI,
        }
        student = User.objects.get(email="student@scale.test")
        inbox = Counter(
            Interview.objects.exclude(volunteer=None)
            .filter(student__office=student.office)
            .values_list("volunteer__user__email", flat=True)
        )

        for email, role in roles.items():
            assert email in seeded
            assert User.objects.get(email=email).role == role
        assert User.objects.get(email="admin@scale.test").is_office_admin
        assert SCALE_PASSWORD in seeded
        # Staff must use two-factor: the named staff have an authenticator app, whose
        # secret bench/load.py knows; nobody else has one.
        assert set(
            Authenticator.objects.filter(user__office=student.office).values_list(
                "user__email", flat=True
            )
        ) == {"admin@scale.test", "advisor@scale.test"}
        assert Contact.objects.filter(owner=student).count() == max(
            Contact.objects.filter(owner__office=student.office)
            .values_list("owner")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        assert inbox.most_common(1)[0][0] == "volunteer@scale.test"

    def test_rows_made_afterwards_get_new_ids(self, seeded):
        """The seeded ids are given by hand; the sequences were moved past them."""
        student = User.objects.get(email="student@scale.test")
        top = Contact.objects.order_by("-pk").values_list("pk", flat=True).first()

        contact = contact_create(student=student, full_name="Lee Park")
        interaction = Interaction.objects.create(
            student=student, contact=contact, kind="call", occurred_at=NOW
        )

        assert contact.pk > top
        assert interaction.pk > 0


def _snapshot() -> dict:
    return {
        "users": list(
            User.objects.order_by("email").values_list(
                "email", "full_name", "date_joined", "last_activity_at"
            )
        ),
        "contacts": list(
            Contact.objects.order_by("pk").values_list(
                "owner__email", "full_name", "stage", "last_interaction_at"
            )
        ),
        "interviews": list(
            Interview.objects.order_by("pk").values_list("state", "requested_at", "held_at", "uid")
        ),
        "outbox": list(
            OutboundEmail.objects.order_by("pk").values_list("dedupe_key", "status", "due_at")
        ),
    }


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data():
    runs = defaultdict(list)
    with time_machine.travel(NOW, tick=False):
        for seed in ("7", "7", "8"):
            with transaction.atomic():
                _seed("--scale", "0.0005", "--seed", seed)
                runs[seed].append(_snapshot())
                transaction.set_rollback(True)

    assert runs["7"][0] == runs["7"][1]
    assert runs["7"][0]["users"] != runs["8"][0]["users"]


def test_a_database_with_data_is_refused_and_left_as_it_was(student):
    cache.set("kept-by-this-database", 1)
    with pytest.raises(CommandError, match="already has data"):
        _seed("--scale", "0.001")

    assert cache.get("kept-by-this-database") == 1

    assert list(Office.objects.values_list("slug", flat=True)) == [student.office.slug]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contacts", "10", "--interviews", "11"], "need at least as many contacts"),
        (["--scale", "0"], "--scale must be above 0"),
        (["--students", "0"], "at least one student"),
    ],
)
def test_impossible_sizes_are_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        _seed(*args)

    assert not Office.objects.exists()


def test_explicit_sizes_override_the_scale():
    # What a cache kept for an earlier database is gone once the seed is done: its
    # ids are this database's ids again.
    cache.set("advising-threads-version:1", "from-an-earlier-database")
    with time_machine.travel(NOW, tick=False):
        output = _seed(
            "--students", "7", "--volunteers", "3", "--contacts", "40", "--interviews", "25"
        )
    assert cache.get("advising-threads-version:1") is None
    assert "The cache was cleared" in output
    big = Office.objects.get(slug="scale")

    assert _students(big).count() == 7
    assert VolunteerProfile.objects.filter(office=big).count() == 3
    assert Contact.objects.filter(owner__office=big).count() == 40
    assert Interview.objects.filter(student__office=big).count() == 25
    assert _computed_mismatches(big) == {}
