"""Merging two records of one person (issue 13, point 2)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.contacts.services import MergeRefused, contact_merge
from apps.followups.enums import ACTIVE_STATUSES, Kind, Status
from apps.followups.models import FollowUp, Interaction
from apps.followups.services import interaction_log, keep_in_touch_start
from apps.interviews.enums import State
from apps.interviews.models import Interview, Referral
from apps.interviews.services import referrals_add
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory


@pytest.fixture
def pair(student, consulting):
    keep = ContactFactory(
        student=student,
        full_name="Kim Park",
        organisation="Northwind",
        field=consulting,
        notes="Met at the fair.",
        tags=["policy"],
    )
    drop = ContactFactory(
        student=student,
        full_name="kim park",
        organisation="NORTHWIND",
        email="kim@northwind.test",
        job_title="Analyst",
        notes="Ask about the data team.",
        tags=["data", "Policy"],
    )
    return keep, drop


def _url(keep, drop):
    return reverse("contact_merge", args=[keep.pk, drop.pk])


def test_merge_keeps_history_notes_and_referral_chains(login_as, student, pair):
    keep, drop = pair
    referrer = ContactFactory(student=student, full_name="Jordan Lee")
    Contact.objects.filter(pk=drop.pk).update(referred_by=referrer)
    referred = ContactFactory(student=student, full_name="Lee Wong", referred_by=drop)
    held = InterviewFactory(student=student, contact=drop, state=State.COMPLETED)
    [suggested] = referrals_add(student=student, interview=held, people=[{"full_name": "Ana Ruiz"}])
    named = InterviewFactory(student=student, contact=referrer, state=State.COMPLETED)
    Referral.objects.create(interview=named, full_name="Kim Park", contact=drop)
    keep_in_touch_start(contact=drop, at=timezone.now() - timedelta(days=9), what="Met")
    logged = interaction_log(
        student=student, contact=drop, kind="call", on=timezone.localdate()
    ).interaction

    response = login_as(student).post(
        _url(keep, drop), {"email": "drop", "job_title": "drop", "referred_by": "drop"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("contact_detail", args=[keep.pk])
    assert not Contact.objects.filter(pk=drop.pk).exists()
    keep.refresh_from_db()
    assert (keep.email, keep.job_title, keep.organisation) == (
        "kim@northwind.test",
        "Analyst",
        "Northwind",
    )
    assert keep.notes == "Met at the fair.\n\nAsk about the data team."
    assert keep.tags == ["policy", "data"]
    assert keep.referred_by == referrer
    assert Contact.objects.get(pk=referred.pk).referred_by == keep
    assert Contact.objects.get(pk=suggested.contact.pk).referred_by == keep
    assert list(Interview.objects.filter(contact=keep)) == [held]
    assert Referral.objects.get(interview=named).contact == keep
    assert Interaction.objects.get(pk=logged.pk).contact == keep


def test_merge_takes_the_furthest_stage_and_the_latest_clock(student, pair):
    keep, drop = pair
    now = timezone.now()
    Contact.objects.filter(pk=keep.pk).update(
        stage=Stage.MET, last_interaction_at=now - timedelta(days=40), last_interaction="Met"
    )
    Contact.objects.filter(pk=drop.pk).update(
        stage=Stage.REQUESTED, last_interaction_at=now - timedelta(days=2), last_interaction="Asked"
    )

    kept = contact_merge(student=student, keep=keep, drop=drop)

    assert (kept.stage, kept.last_interaction_at, kept.last_interaction) == (
        Stage.MET,
        now - timedelta(days=2),
        "Asked",
    )


def test_merge_keeps_one_running_check_in_due_from_the_merged_clock(student, pair):
    keep, drop = pair
    now = timezone.now()
    keep_in_touch_start(contact=keep, at=now - timedelta(days=60), what="Met")
    keep_in_touch_start(contact=drop, at=now - timedelta(days=5), what="Met")

    kept = contact_merge(student=student, keep=keep, drop=drop)

    active = FollowUp.objects.filter(
        contact=kept, kind=Kind.KEEP_IN_TOUCH, status__in=ACTIVE_STATUSES
    )
    assert active.count() == 1
    assert active.get().due_at.date() > (now + timedelta(days=80)).date()
    assert FollowUp.objects.filter(contact=kept, status=Status.STOPPED).count() == 1


def test_merge_keeps_the_newer_of_two_drafts(student, pair):
    keep, drop = pair
    InterviewFactory(student=student, contact=keep, state=State.DRAFT)
    newer = InterviewFactory(student=student, contact=drop, state=State.DRAFT)

    contact_merge(student=student, keep=keep, drop=drop)

    assert list(Interview.objects.filter(state=State.DRAFT)) == [newer]
    assert Interview.objects.get(pk=newer.pk).contact == keep


def test_merge_moves_the_directory_link_and_target_rank(student, pair, volunteer, consulting):
    keep, drop = pair
    Contact.objects.filter(pk=drop.pk).update(volunteer=volunteer, target_rank=1, field=consulting)

    kept = contact_merge(student=student, keep=keep, drop=drop)

    assert (kept.volunteer, kept.target_rank) == (volunteer, 1)


def test_merge_of_two_different_volunteers_is_refused(login_as, student, office, pair, volunteer):
    from apps.accounts.enums import Role
    from tests.factories.accounts import UserFactory

    keep, drop = pair
    other = make_volunteer(
        UserFactory(office=office, email="al@alumni.test", full_name="Al", role=Role.ALUMNI)
    )
    Contact.objects.filter(pk=keep.pk).update(volunteer=volunteer)
    Contact.objects.filter(pk=drop.pk).update(volunteer=other)

    response = login_as(student).post(_url(keep, drop), {})

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "These two are different volunteers of the directory, so they stay apart."
    ]
    assert Contact.objects.filter(pk__in=[keep.pk, drop.pk]).count() == 2


def test_merge_with_itself_is_refused(login_as, student, pair):
    keep, _drop = pair

    assert login_as(student).post(_url(keep, keep), {}).status_code == 400
    with pytest.raises(MergeRefused):
        contact_merge(student=student, keep=keep, drop=keep)


@pytest.mark.parametrize("persona", ["student2", "other_student", "advisor", "alumni"])
def test_only_the_owner_can_merge(request, login_as, pair, persona):
    keep, drop = pair
    browser = login_as(request.getfixturevalue(persona))

    got = browser.get(_url(keep, drop))
    posted = browser.post(_url(keep, drop), {})

    assert (got.status_code, posted.status_code) in [((404, 404)), ((403, 403))]
    assert Contact.objects.filter(pk__in=[keep.pk, drop.pk]).count() == 2


def test_merge_with_another_students_contact_is_404(login_as, student, student2, pair):
    keep, _drop = pair
    theirs = ContactFactory(student=student2, full_name="Kim Park", organisation="Northwind")

    assert login_as(student).post(_url(keep, theirs), {}).status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_merge_service_refuses_another_students_contact(student, student2, pair):
    keep, _drop = pair
    theirs = ContactFactory(student=student2, full_name="Kim Park")

    with pytest.raises(PermissionError):
        contact_merge(student=student, keep=keep, drop=theirs)


def test_merge_page_shows_both_side_by_side_with_choices(
    login_as, student, pair, django_assert_num_queries
):
    keep, drop = pair
    browser = login_as(student)
    browser.get(reverse("contact_list"))

    with django_assert_num_queries(4):
        response = browser.get(_url(keep, drop))

    page = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "full_name",
        "email",
        "organisation",
        "job_title",
        "field",
    ]
    assert response.context["form"]["email"].initial == "drop"
    assert response.context["form"]["full_name"].initial == "keep"
    assert "kim@northwind.test" in page
    assert reverse("contact_merge", args=[drop.pk, keep.pk]) in page


def test_merge_bad_choice_saves_nothing(login_as, student, pair):
    keep, drop = pair

    response = login_as(student).post(_url(keep, drop), {"email": "both"})

    assert response.status_code == 400
    assert Contact.objects.filter(pk__in=[keep.pk, drop.pk]).count() == 2
