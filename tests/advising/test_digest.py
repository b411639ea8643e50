"""The advisors' weekly digest: Monday from 08:00 in the advisor's time zone, one
email through the outbox about their caseload (stalled students, missed
thank-yous, students' replies to their comments), once a week, never about another
office's or another advisor's students, and off when they turn it off."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.advising.digest import DIGEST_EMAIL, advisor_digests_create
from apps.advising.services import assignments_add
from apps.advising.services_comments import comment_reply, comment_thread_start
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_send_due
from apps.followups.enums import Topic
from apps.followups.notifications import notification_preference_update, unsubscribe_token
from tests.factories.accounts import UserFactory
from tests.factories.interviews import InterviewFactory, mark_held
from tests.factories.students import student_profile_set

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 08:05 in New York (the advisor persona's zone) is 13:05 UTC.
MONDAY_0805_NY = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)
Sent = OutboundEmail.Status


@pytest.fixture
def caseload(office, office_admin, advisor, student, student2, volunteer, time_machine):
    """Dana advises Sam, who met Alex two days ago and never thanked them, and Priya,
    who has done nothing for a month. Sam replied to Dana's comment on Friday."""
    User.objects.filter(pk=advisor.pk).update(time_zone="America/New_York")
    advisor.refresh_from_db()
    time_machine.move_to(MONDAY_0805_NY - timedelta(days=40), tick=False)
    User.objects.filter(pk__in=[student.pk, student2.pk]).update(
        date_joined=MONDAY_0805_NY - timedelta(days=40)
    )
    assignments_add(
        admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk, student2.pk]
    )
    time_machine.move_to(MONDAY_0805_NY - timedelta(days=3), tick=False)
    meeting = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state="scheduled",
        starts_at=MONDAY_0805_NY - timedelta(days=3, hours=1),
    )
    mark_held(student=student, interview=meeting)
    student_profile_set(
        student,
        programme="Economics",
        graduation_year=2027,
        pitch="I study economics and want to work in health care.",
    )
    thread = comment_thread_start(
        advisor=advisor, student=student, on="pitch", interview_id=None, body="Shorter?"
    )
    comment_reply(user=student, thread=thread, body="Done, have a look.")
    time_machine.move_to(MONDAY_0805_NY, tick=False)
    return {"sam": student, "priya": student2}


def digests():
    return list(OutboundEmail.objects.filter(kind=DIGEST_EMAIL))


def test_monday_at_eight_the_advisor_gets_one_digest_of_their_caseload(caseload, advisor):
    made = advisor_digests_create()
    again = advisor_digests_create()

    [row] = digests()
    assert (made, again) == (1, 0)
    assert (row.to, row.recipient_id, row.due_at) == ([advisor.email], advisor.pk, MONDAY_0805_NY)
    assert row.dedupe_key == f"advisor-digest:{advisor.pk}:2026-W10"
    assert row.subject == "Your students this week"
    stalled, missed = row.text.split("A thank-you missed")
    assert "Priya Patel" in stalled and "Sam Student" not in stalled
    assert "Sam Student (1 missed)" in missed
    assert "“Done, have a look.”" in missed
    assert f"/advising/students/{caseload['sam'].pk}/" in row.text
    assert "List-Unsubscribe" in row.headers


@pytest.mark.parametrize(
    "when",
    [
        MONDAY_0805_NY - timedelta(minutes=10),  # 07:55 in New York
        MONDAY_0805_NY + timedelta(hours=4),  # 12:05
        MONDAY_0805_NY + timedelta(days=1),  # Tuesday
    ],
)
def test_no_digest_outside_monday_morning_in_the_advisors_zone(
    caseload, advisor, time_machine, when
):
    time_machine.move_to(when, tick=False)

    assert (advisor_digests_create(), digests()) == (0, [])


def test_another_week_brings_another_digest(caseload, advisor, time_machine):
    advisor_digests_create()
    time_machine.move_to(MONDAY_0805_NY + timedelta(days=7), tick=False)

    assert advisor_digests_create() == 1
    assert len(digests()) == 2


def test_an_advisor_who_turned_it_off_gets_none(caseload, advisor):
    notification_preference_update(user=advisor, advisor_digest=False)

    assert (advisor_digests_create(), digests()) == (0, [])


def test_turned_off_after_it_was_made_it_is_not_sent(caseload, advisor, mailoutbox):
    advisor_digests_create()
    notification_preference_update(user=advisor, advisor_digest=False)

    outbox_send_due()

    [row] = digests()
    assert (row.status, row.last_error) == (Sent.CANCELLED, "unsubscribed")
    assert [m for m in mailoutbox if m.to == [advisor.email]] == []


def test_it_is_sent_through_the_outbox(caseload, advisor, mailoutbox):
    advisor_digests_create()

    outbox_send_due()

    [message] = [m for m in mailoutbox if m.to == [advisor.email]]
    assert message.subject == "Your students this week"
    assert "Priya Patel" in message.body
    assert "Priya Patel" in message.alternatives[0][0]


def test_nothing_to_say_no_email(office, office_admin, advisor, student, time_machine):
    time_machine.move_to(MONDAY_0805_NY, tick=False)
    User.objects.filter(pk=advisor.pk).update(time_zone="America/New_York")
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])

    assert (advisor_digests_create(), digests()) == (0, [])


def test_only_the_advisors_own_students_are_in_it(caseload, office, office_admin, advisor):
    other = UserFactory(
        office=office, email="o@northfield.test", full_name="Olu Other", role=Role.ADVISOR
    )
    User.objects.filter(pk=other.pk).update(time_zone="America/New_York")
    quiet = UserFactory(office=office, email="q@northfield.test", full_name="Quinn Quiet")
    User.objects.filter(pk=quiet.pk).update(date_joined=MONDAY_0805_NY - timedelta(days=60))
    assignments_add(admin=office_admin, advisor_id=other.pk, student_ids=[quiet.pk])

    advisor_digests_create()

    by_advisor = {row.recipient_id: row.text for row in digests()}
    assert "Quinn Quiet" in by_advisor[other.pk]
    assert "Priya Patel" not in by_advisor[other.pk]
    assert "Sam Student" not in by_advisor[other.pk]
    assert "Quinn Quiet" not in by_advisor[advisor.pk]


def test_advisors_without_a_caseload_and_other_roles_get_none(office, student, time_machine):
    time_machine.move_to(MONDAY_0805_NY, tick=False)
    UserFactory(office=office, email="x@northfield.test", role=Role.ADVISOR)

    assert (advisor_digests_create(), digests()) == (0, [])


def test_the_one_click_link_turns_it_off(caseload, advisor, nobody):
    token = unsubscribe_token(user_id=advisor.pk, topic=Topic.ADVISOR_DIGEST)

    nobody.post(reverse("unsubscribe", args=[token]))

    assert (advisor_digests_create(), digests()) == (0, [])


def test_advisors_choose_it_in_their_email_settings(advisor, login_as):
    browser = login_as(advisor)

    page = browser.get(reverse("notification_settings"))
    saved = browser.post(reverse("notification_settings"), {})

    html = page.content.decode()
    assert "Weekly digests of my students, on Mondays" in html
    assert "Thank-you reminders" not in html
    assert "How should reminders reach you?" not in html
    assert saved.status_code == 302
    assert advisor.notification_preference.advisor_digest is False
