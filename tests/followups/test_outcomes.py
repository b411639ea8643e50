"""What came of the advice: a student checking in with a directory volunteer may
say what came of their advice, and that volunteer (only) sees it on their home."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.core import statements
from apps.followups.enums import Kind, Status
from apps.followups.models import FollowUp
from apps.followups.selectors import advice_outcomes_for_volunteer
from tests.factories.accounts import UserFactory
from tests.factories.contacts import make_volunteer
from tests.factories.interviews import InterviewFactory, mark_held

OUTCOME = "I got an internship in policy research"


def _met(student, volunteer=None):
    interview = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state="scheduled",
        starts_at=timezone.now() - timedelta(minutes=45),
        duration_minutes=30,
    )
    mark_held(student=student, interview=interview)
    return FollowUp.objects.get(
        contact=interview.contact, kind=Kind.KEEP_IN_TOUCH, status=Status.OPEN
    )


def _done(browser, checkin, **data):
    return browser.post(reverse("followup_done", args=[checkin.pk]), {"note": "", **data})


def test_the_volunteer_sees_what_came_of_their_advice(login_as, student, alumni, volunteer):
    checkin = _met(student, volunteer)

    _done(login_as(student), checkin, outcome=f"  {OUTCOME}  ")
    home = login_as(alumni).get(reverse("alumni_home")).content.decode()

    checkin.refresh_from_db()
    assert (checkin.status, checkin.outcome) == (Status.DONE, OUTCOME)
    assert "What came of your advice" in home
    assert f"“{OUTCOME}”" in home
    assert "Sam Student, keeping in touch after talking with you" in home


def test_the_outcome_is_offered_only_for_a_contact_on_fieldnotes(login_as, student, volunteer):
    on_fieldnotes = _met(student, volunteer)
    off_fieldnotes = _met(student)

    page = login_as(student).get(reverse("followup_list")).content.decode()

    assert f'id="outcome-{on_fieldnotes.pk}"' in page
    assert f'id="outcome-{off_fieldnotes.pk}"' not in page


def test_nobody_else_sees_it(login_as, student, volunteer, office, other_office):
    _done(login_as(student), _met(student, volunteer), outcome=OUTCOME)
    other_alumni = UserFactory(office=office, role="alumni", email="other.alumni@x.test")
    make_volunteer(other_alumni)
    elsewhere = UserFactory(office=other_office, role="alumni", email="far.alumni@x.test")
    make_volunteer(elsewhere)

    for user in (other_alumni, elsewhere):
        home = login_as(user).get(reverse("alumni_home")).content.decode()
        assert OUTCOME not in home
        assert "What came of your advice" not in home


def test_a_deactivated_students_outcome_is_no_longer_shown(login_as, student, alumni, volunteer):
    _done(login_as(student), _met(student, volunteer), outcome=OUTCOME)
    type(student).objects.filter(pk=student.pk).update(is_active=False)

    home = login_as(alumni).get(reverse("alumni_home")).content.decode()

    assert OUTCOME not in home


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("x" * 301, "Ensure this value has at most 300 characters (it has 301)."),
        ("first line\nsecond line", "Write it on one line, without line breaks or tabs."),
    ],
)
def test_a_bad_outcome_is_refused_and_the_check_in_stays_open(
    login_as, student, volunteer, outcome, message
):
    checkin = _met(student, volunteer)

    response = _done(login_as(student), checkin, outcome=outcome)

    checkin.refresh_from_db()
    assert response.status_code == 302
    assert [m.message for m in get_messages(response.wsgi_request)] == [message]
    assert (checkin.status, checkin.outcome) == (Status.OPEN, "")
    assert FollowUp.objects.filter(kind=Kind.KEEP_IN_TOUCH).count() == 1


def test_the_home_shows_the_five_newest(login_as, student, alumni, volunteer, time_machine):
    browser = login_as(student)
    checkin = _met(student, volunteer)
    for n in range(7):
        _done(browser, checkin, outcome=f"Outcome number {n}")
        time_machine.shift(timedelta(days=1))
        checkin = FollowUp.objects.get(kind=Kind.KEEP_IN_TOUCH, status=Status.OPEN)

    home = login_as(alumni).get(reverse("alumni_home"))
    body = home.content.decode()

    assert body.count("data-outcome") == 5
    assert "Outcome number 6" in body and "Outcome number 2" in body
    assert "Outcome number 1" not in body
    assert body.index("Outcome number 6") < body.index("Outcome number 2")


def test_an_erased_students_outcome_is_gone_and_is_in_their_export(
    login_as, student, alumni, volunteer
):
    from apps.advising.rights import account_erase, data_export_tables

    _done(login_as(student), _met(student, volunteer), outcome=OUTCOME)
    exported = {table.name: list(table.rows()) for table in data_export_tables(student)}

    account_erase(user_id=student.pk, reason="asked")
    home = login_as(alumni).get(reverse("alumni_home")).content.decode()

    assert [row["outcome"] for row in exported["followups"] if row["outcome"]] == [OUTCOME]
    assert not FollowUp.objects.exclude(outcome="").exists()
    assert OUTCOME not in home


def test_the_outcomes_read_is_compiled_once_and_bound_per_volunteer(
    login_as, student, student2, alumni, volunteer, office, django_assert_num_queries
):
    statements.statements_clear()
    _done(login_as(student), _met(student, volunteer), outcome=OUTCOME)
    _done(login_as(student2), _met(student2, volunteer), outcome="A second outcome")
    other = make_volunteer(UserFactory(office=office, role="alumni", email="o.alumni@x.test"))
    advice_outcomes_for_volunteer(volunteer=other)

    with django_assert_num_queries(1):
        outcomes = advice_outcomes_for_volunteer(volunteer=volunteer)
        seen = [(f.outcome, f.student.full_name) for f in outcomes]
    with django_assert_num_queries(1):
        one = advice_outcomes_for_volunteer(volunteer=volunteer, limit=1)

    assert sorted(seen) == sorted(
        [(OUTCOME, student.full_name), ("A second outcome", student2.full_name)]
    )
    assert [f.pk for f in one] == [outcomes[0].pk]
    assert advice_outcomes_for_volunteer(volunteer=other) == []
    assert {shape[1] for shape in statements._statements("default")} == {
        "followups.advice_outcomes"
    }
    statements.statements_clear()
