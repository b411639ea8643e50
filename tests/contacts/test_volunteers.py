from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from apps.accounts.enums import Role
from apps.contacts.directory import volunteer_list_for_admin, volunteers_with_status
from apps.contacts.enums import Format, Industry, OpenTo
from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import (
    volunteer_deactivate,
    volunteer_pause,
    volunteer_profile_get_or_create,
    volunteer_profile_update,
    volunteer_stats_record_request,
)
from apps.core.models import OutboundEmail
from tests.factories.accounts import UserFactory
from tests.factories.contacts import volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = "/volunteer/profile/"


@pytest.fixture
def fields(office):
    return [FieldFactory(office=office, name=n) for n in ("Consulting", "Healthcare", "Law")]


def _post(fields, **overrides):
    data = {
        "employer": "  Acme Health ",
        "job_title": "Product manager",
        "fields": [fields[0].pk, fields[1].pk],
        "location": "Boston, MA",
        "graduation_year": "2015",
        "programme": "Economics",
        "industry": Industry.HEALTHCARE,
        "open_to": [OpenTo.CAREER_CHANGERS, OpenTo.KEEPING_IN_TOUCH],
        "bio": "Moved from consulting into health tech.",
        "topics": "Switching careers; product management",
        "formats": [Format.VIDEO, Format.PHONE],
        "languages": "English, Spanish",
        "capacity_per_month": "4",
        "accepting_requests": "on",
        "paused_until": "",
        "phone": "+1 617 555 0100",
        "linkedin_url": "https://www.linkedin.com/in/alex-alumni",
        "share_email_on_accept": "on",
        "show_linkedin_in_directory": "on",
    }
    data.update(overrides)
    return data


def _snapshot(profile):
    profile = VolunteerProfile.objects.get(pk=profile.pk)
    return {
        **{f: getattr(profile, f) for f in ("employer", "capacity_per_month", "paused_until",
                                             "phone", "linkedin_url", "formats", "industry",
                                             "open_to")},
        "fields": sorted(profile.fields.values_list("name", flat=True)),
    }  # fmt: skip


# --- Profile page --------------------------------------------------------------------


def test_volunteer_profile_first_visit_creates_empty_profile_in_users_office(alumni, login_as):
    response = login_as(alumni).get(PROFILE_URL)

    assert response.status_code == 200
    profile = VolunteerProfile.objects.get(user=alumni)
    assert (profile.office, profile.formats, profile.capacity_per_month) == (alumni.office, [], 3)
    assert "Not listed yet" in response.content.decode()


def test_volunteer_profile_edit_saves_every_field(alumni, login_as, fields):
    browser = login_as(alumni)

    response = browser.post(PROFILE_URL, _post(fields))

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    profile = VolunteerProfile.objects.get(user=alumni)
    assert (
        profile.employer, profile.job_title, profile.location, profile.graduation_year,
        profile.programme, profile.languages, profile.capacity_per_month, profile.phone,
        profile.linkedin_url, profile.formats, profile.accepting_requests,
        profile.share_email_on_accept, profile.share_phone_on_accept,
        profile.show_linkedin_in_directory,
    ) == (
        "Acme Health", "Product manager", "Boston, MA", 2015, "Economics", "English, Spanish",
        4, "+1 617 555 0100", "https://www.linkedin.com/in/alex-alumni",
        [Format.PHONE, Format.VIDEO], True, True, False, True,
    )  # fmt: skip
    assert (profile.industry, profile.open_to) == (
        Industry.HEALTHCARE,
        [OpenTo.KEEPING_IN_TOUCH, OpenTo.CAREER_CHANGERS],
    )
    assert sorted(profile.fields.values_list("name", flat=True)) == ["Consulting", "Healthcare"]
    assert profile.search_words == (
        "Alex Alumni Acme Health Product manager Consulting Healthcare "
        "Switching careers; product management"
    )
    assert profile.search_document == (
        "Alex Alumni Acme Health Product manager\n"
        "Consulting Healthcare Switching careers; product management\n"
        "Moved from consulting into health tech."
    )
    page = browser.get(PROFILE_URL).content.decode()
    assert "Students of Northfield University Career Center can find you" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"capacity_per_month": "0"}, "capacity_per_month", "greater than or equal to 1"),
        ({"capacity_per_month": "31"}, "capacity_per_month", "less than or equal to 30"),
        ({"paused_until": "PAST"}, "paused_until", "Choose a date after today."),
        ({"paused_until": "TODAY"}, "paused_until", "Choose a date after today."),
        ({"linkedin_url": "not a url"}, "linkedin_url", "Enter a valid URL."),
        ({"linkedin_url": "https://example.com/alex"}, "linkedin_url", "LinkedIn profile"),
        ({"phone": "call me maybe"}, "phone", "Enter a phone number of digits"),
        ({"formats": []}, "formats", "Choose at least one way you are willing to meet."),
        ({"formats": ["carrier_pigeon"]}, "formats", "Select a valid choice."),
        ({"graduation_year": "1900"}, "graduation_year", "Enter a year between 1950 and"),
        ({"industry": "pyramid_schemes"}, "industry", "Select a valid choice."),
        ({"open_to": ["a_job"]}, "open_to", "Select a valid choice."),
    ],
)
def test_volunteer_profile_bad_input_is_refused_with_message_and_nothing_changes(
    alumni, login_as, fields, overrides, field, message
):
    browser = login_as(alumni)
    browser.post(PROFILE_URL, _post(fields))
    profile = VolunteerProfile.objects.get(user=alumni)
    before = _snapshot(profile)
    today = timezone.localdate()
    dates = {"PAST": today - timedelta(days=1), "TODAY": today}
    overrides = {k: dates.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}

    response = browser.post(PROFILE_URL, _post(fields, employer="Changed Inc", **overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert _snapshot(profile) == before


def test_volunteer_profile_pending_alumni_is_sent_to_pending_page(pending_alumni, login_as):
    response = login_as(pending_alumni).get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("alumni_pending")
    assert not VolunteerProfile.objects.exists()


@pytest.mark.parametrize("persona", ["student", "advisor", "office_admin", "other_student"])
def test_volunteer_profile_refuses_other_roles(request, login_as, persona):
    user = request.getfixturevalue(persona)

    response = login_as(user).get(PROFILE_URL)

    assert response.status_code == 403
    assert not VolunteerProfile.objects.exists()


def test_volunteer_profile_anonymous_is_sent_to_login(nobody):
    response = nobody.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_volunteer_profile_update_refuses_someone_elses_profile_and_foreign_fields(
    alumni, office, other_office
):
    other = UserFactory(office=office, email="jo@alumni.test", role=Role.ALUMNI)
    profile = volunteer_profile_get_or_create(user=other)
    mine = volunteer_profile_get_or_create(user=alumni)
    foreign = FieldFactory(office=other_office, name="Consulting")

    with pytest.raises(PermissionError):
        volunteer_profile_update(user=alumni, profile=profile, employer="Hijacked")
    with pytest.raises(PermissionError):
        volunteer_profile_update(user=alumni, profile=mine, fields=[foreign])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"open_to": ["a_job"]}, "open_to", "Choose what you are open to from the list."),
        ({"industry": "pyramid_schemes"}, "industry", "is not a valid choice."),
    ],
)
def test_volunteer_profile_update_refuses_unknown_industry_or_open_to(alumni, data, field, message):
    profile = volunteer_named(alumni.office, "Vi Volunteer", industry=Industry.LAW,
                              open_to=[OpenTo.INTRODUCTIONS])  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        volunteer_profile_update(user=profile.user, profile=profile, employer="Changed", **data)

    assert message in " ".join(refused.value.message_dict[field])
    stored = VolunteerProfile.objects.get(pk=profile.pk)
    assert (stored.employer, stored.industry, stored.open_to) == (
        "",
        Industry.LAW,
        [OpenTo.INTRODUCTIONS],
    )


def test_migration_0006_fills_the_trigram_words_of_existing_profiles(office):
    trigram = import_module("apps.contacts.migrations.0007_volunteer_industry_open_to_trigram")
    profile = volunteer_named(
        office, "Ann Words", employer="Deloitte", job_title="Senior Manager",
        fields=[FieldFactory(office=office, name="Consulting")], topics="Case interviews",
        bio="Not in the words.",
    )  # fmt: skip
    VolunteerProfile.objects.filter(pk=profile.pk).update(search_words="")

    trigram.fill_search_words(django_apps, None)

    assert VolunteerProfile.objects.get(pk=profile.pk).search_words == (
        "Ann Words Deloitte Senior Manager Consulting Case interviews"
    )


def test_volunteer_profile_get_or_create_refuses_students(student):
    with pytest.raises(PermissionError):
        volunteer_profile_get_or_create(user=student)


# --- Pausing -------------------------------------------------------------------------


def test_volunteer_pause_shows_paused_state_and_resume_clears_it(alumni, login_as, fields):
    browser = login_as(alumni)
    browser.post(PROFILE_URL, _post(fields))
    until = timezone.localdate() + timedelta(days=10)

    response = browser.post(reverse("volunteer_pause"), {"until": until.isoformat()})

    assert response.status_code == 302
    profile = VolunteerProfile.objects.get(user=alumni)
    assert profile.paused_until == until
    page = browser.get(PROFILE_URL).content.decode()
    assert f"Paused until {date_format(until, 'DATE_FORMAT')}." in page

    browser.post(reverse("volunteer_pause"), {"resume": "1"})

    profile.refresh_from_db()
    assert (profile.paused_until, profile.accepting_requests) == (None, True)


def test_volunteer_pause_in_the_past_is_refused(alumni, login_as, fields):
    browser = login_as(alumni)
    browser.post(PROFILE_URL, _post(fields))
    yesterday = timezone.localdate() - timedelta(days=1)

    response = browser.post(reverse("volunteer_pause"), {"until": yesterday.isoformat()})

    assert response.status_code == 400
    assert "Choose a date after today." in response.content.decode()
    assert VolunteerProfile.objects.get(user=alumni).paused_until is None


def test_volunteer_profile_expired_pause_does_not_block_other_edits(alumni, fields):
    profile = volunteer_profile_get_or_create(user=alumni)
    volunteer_pause(user=alumni, profile=profile, until=timezone.localdate() + timedelta(days=2))
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        paused_until=timezone.localdate() - timedelta(days=1)
    )
    profile.refresh_from_db()

    volunteer_profile_update(
        user=alumni, profile=profile, employer="Acme", formats=[Format.EMAIL],
        paused_until=profile.paused_until,
    )  # fmt: skip

    profile.refresh_from_db()
    assert (profile.employer, profile.paused_until) == ("Acme", None)


# --- The office's volunteer list --------------------------------------------------------


def _volunteer(office, n, **data):
    return volunteer_named(office, f"Vol {n}", email=f"vol{n}@alumni.test", **data)


def test_office_directory_lists_approved_volunteers_with_status(
    office_admin, login_as, office, alumni, pending_alumni, other_alumni
):
    active = _volunteer(office, 1, employer="Acme")
    paused = _volunteer(office, 2)
    volunteer_pause(user=paused.user, profile=paused, until=timezone.localdate() + timedelta(7))
    off = _volunteer(office, 3, accepting_requests=False)
    gone = _volunteer(office, 4)
    volunteer_deactivate(admin=office_admin, profile=gone)
    volunteer_profile_get_or_create(user=pending_alumni)
    volunteer_profile_get_or_create(user=other_alumni)

    response = login_as(office_admin).get(reverse("office_directory"))

    assert response.status_code == 200
    statuses = {p.user.full_name: p.status for p in response.context["profiles"]}
    assert statuses == {
        active.user.full_name: "active",
        paused.user.full_name: "paused",
        off.user.full_name: "not_accepting",
        gone.user.full_name: "deactivated",
    }
    assert response.context["without_profile"] == ["Alex Alumni"]
    page = response.content.decode()
    assert "Pat Pending" not in page
    assert "Ola Alumni" not in page


def test_office_directory_shows_at_capacity_from_this_months_requests(office_admin, office):
    full = _volunteer(office, 1, capacity_per_month=2)
    roomy = _volunteer(office, 2, capacity_per_month=2)
    for _ in range(2):
        volunteer_stats_record_request(profile=full)
    # Last month's requests do not count against this month's capacity.
    volunteer_stats_record_request(profile=roomy, now=timezone.now() - timedelta(days=40))
    volunteer_stats_record_request(profile=roomy)

    rows = volunteers_with_status(volunteer_list_for_admin(admin=office_admin), office=office)

    assert [(r.pk, r.status, r.requests_this_month, r.spare_capacity) for r in rows] == [
        (full.pk, "at_capacity", 2, 0),
        (roomy.pk, "active", 1, 1),
    ]


# Session, user, the page's rows; the office's figures (its volunteers, the alumni
# without a profile) from the cache, filled by the request before.
@pytest.mark.parametrize(("count", "queries"), [(1, 3), (3, 3)])
def test_office_directory_query_count_is_constant(
    office_admin, login_as, office, django_assert_num_queries, count, queries
):
    for n in range(count):
        _volunteer(office, n)
    browser = login_as(office_admin)
    browser.get(reverse("office_directory"))

    with django_assert_num_queries(queries):
        response = browser.get(reverse("office_directory"))

    assert len(response.context["profiles"]) == count


def test_office_volunteer_deactivate_and_reactivate_tell_the_volunteer(
    office_admin, login_as, office, mailoutbox, django_capture_on_commit_callbacks
):
    profile = _volunteer(office, 1)
    browser = login_as(office_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("office_volunteer_deactivate", args=[profile.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("office_directory")
    profile.refresh_from_db()
    assert profile.deactivated_at is not None
    assert [(m.to, m.reply_to, m.subject) for m in mailoutbox] == [
        (["vol1@alumni.test"], ["avery@northfield.test"],
         "Your volunteer profile at Northfield University Career Center is hidden"),
    ]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("office_volunteer_deactivate", args=[profile.pk]))
    assert len(mailoutbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("office_volunteer_reactivate", args=[profile.pk]))

    profile.refresh_from_db()
    assert profile.deactivated_at is None
    assert mailoutbox[1].subject == (
        "Your volunteer profile at Northfield University Career Center is back in the directory"
    )
    assert "/volunteer/profile/" in mailoutbox[1].body
    # Both are the volunteer's (their data export, their office's delivery page).
    assert list(OutboundEmail.objects.values_list("recipient_id", "subject_ref")) == [
        (profile.user_id, f"volunteerprofile:{profile.pk}"),
        (profile.user_id, f"volunteerprofile:{profile.pk}"),
    ]


def test_office_volunteer_deactivate_other_offices_admin_gets_404(other_admin, login_as, office):
    profile = _volunteer(office, 1)

    response = login_as(other_admin).post(reverse("office_volunteer_deactivate", args=[profile.pk]))

    assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.deactivated_at is None


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni"])
def test_office_directory_non_admins_get_403(request, login_as, office, persona):
    profile = _volunteer(office, 1)
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(reverse("office_directory")).status_code == 403
    response = browser.post(reverse("office_volunteer_deactivate", args=[profile.pk]))
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.deactivated_at is None


def test_volunteer_deactivate_service_refuses_other_office(other_admin, office):
    profile = _volunteer(office, 1)

    with pytest.raises(PermissionError):
        volunteer_deactivate(admin=other_admin, profile=profile)


def test_hourly_rebuild_picks_up_a_renamed_volunteer(alumni, office):
    from apps.accounts.services import user_update_profile
    from apps.contacts.tasks import volunteer_search_rebuild_all
    from apps.contacts.volunteers import volunteer_profile_get_or_create

    profile = volunteer_profile_get_or_create(user=alumni)
    user_update_profile(user=alumni, full_name="Zebulon Quince", time_zone="UTC")

    volunteer_search_rebuild_all()

    profile.refresh_from_db()
    assert "Zebulon Quince" in profile.search_document
