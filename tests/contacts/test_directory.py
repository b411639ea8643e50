import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import Approval, Role
from apps.contacts.directory import (
    DirectoryFilters,
    directory_list_for_student,
    directory_month_start,
)
from apps.contacts.enums import Format, Source
from apps.contacts.models import Contact
from apps.contacts.volunteers import (
    volunteer_add_to_contacts,
    volunteer_deactivate,
    volunteer_pause,
    volunteer_profile_get_or_create,
    volunteer_stats_record_answer,
    volunteer_stats_record_request,
)
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/directory/"


def set_student_interests(student, *, fields=(), companies=()):
    profile = student_profile_get(user=student)
    student_profile_update(
        profile=profile, programme="", graduation_year=None, fields=list(fields),
        interest_tags=[], target_companies=list(companies), pitch="",
    )  # fmt: skip


def names(response):
    return [v.user.full_name for v in response.context["page"].object_list]


@pytest.fixture
def fields(office):
    return {n: FieldFactory(office=office, name=n) for n in ("Consulting", "Healthcare", "Law")}


# --- Who appears ---------------------------------------------------------------------


def test_directory_shows_only_eligible_volunteers_of_the_students_office(
    student, login_as, office, other_office, office_admin
):
    volunteer_named(office, "Eve Eligible")
    volunteer_named(office, "Pat Pending", approval=Approval.PENDING)
    volunteer_named(office, "Rita Rejected", approval=Approval.REJECTED)
    paused = volunteer_named(office, "Paula Paused")
    volunteer_pause(user=paused.user, profile=paused, until=timezone.localdate() + timedelta(1))
    gone = volunteer_named(office, "Dee Deactivated")
    volunteer_deactivate(admin=office_admin, profile=gone)
    volunteer_named(office, "Nina Notaccepting", accepting_requests=False)
    inactive = volunteer_named(office, "Ian Inactive")
    inactive.user.is_active = False
    inactive.user.save()
    volunteer_profile_get_or_create(
        user=UserFactory(office=office, email="new@alumni.test", full_name="Ned New",
                         role=Role.ALUMNI)
    )  # fmt: skip
    volunteer_named(other_office, "Olga Otheroffice")

    response = login_as(student).get(DIRECTORY)

    assert response.status_code == 200
    assert names(response) == ["Eve Eligible"]
    page = response.content.decode()
    for hidden in ("Pat Pending", "Rita", "Paula", "Dee", "Nina", "Ian", "Ned New", "Olga"):
        assert hidden not in page


def test_directory_pause_that_ended_yesterday_shows_the_volunteer_again(student, login_as, office):
    profile = volunteer_named(office, "Paula Paused")
    profile.__class__.objects.filter(pk=profile.pk).update(
        paused_until=timezone.localdate() - timedelta(days=1)
    )

    assert names(login_as(student).get(DIRECTORY)) == ["Paula Paused"]


@pytest.mark.parametrize("persona", ["alumni", "advisor", "office_admin"])
def test_directory_is_for_students_only(request, login_as, office, persona):
    profile = volunteer_named(office, "Eve Eligible")
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(DIRECTORY).status_code == 403
    assert browser.get(reverse("directory_detail", args=[profile.pk])).status_code == 403
    assert browser.post(reverse("directory_contact_add", args=[profile.pk])).status_code == 403


def test_directory_and_detail_never_show_email_or_phone(student, login_as, office):
    profile = volunteer_named(
        office, "Eve Eligible", phone="+1 617 555 0199", employer="Acme",
        linkedin_url="https://www.linkedin.com/in/eve", show_linkedin_in_directory=False,
        share_phone_on_accept=True,
    )  # fmt: skip
    browser = login_as(student)

    for url in (DIRECTORY, reverse("directory_detail", args=[profile.pk])):
        page = browser.get(url).content.decode()
        assert "Eve Eligible" in page
        assert "eve.eligible@alumni.test" not in page
        assert "555 0199" not in page
        assert "linkedin.com/in/eve" not in page


def test_directory_detail_shows_linkedin_only_when_the_volunteer_allows(student, login_as, office):
    profile = volunteer_named(
        office, "Eve Eligible", linkedin_url="https://www.linkedin.com/in/eve",
        show_linkedin_in_directory=True, bio="Ten years in health tech.", languages="French",
    )  # fmt: skip

    page = login_as(student).get(reverse("directory_detail", args=[profile.pk])).content.decode()

    assert 'href="https://www.linkedin.com/in/eve"' in page
    assert "Ten years in health tech." in page
    assert "French" in page
    assert "not enough requests yet" in page


@pytest.mark.parametrize("who", ["paused_elsewhere", "pending", "other_office", "deactivated"])
def test_directory_detail_of_an_invisible_volunteer_is_404(
    student, login_as, office, other_office, office_admin, who
):
    if who == "paused_elsewhere":
        # Another office's volunteer stays unknown, paused or not.
        profile = volunteer_named(other_office, "Paula Paused")
        volunteer_pause(
            user=profile.user, profile=profile, until=timezone.localdate() + timedelta(days=3)
        )
    elif who == "pending":
        profile = volunteer_named(office, "Pat Pending", approval=Approval.PENDING)
    elif who == "other_office":
        profile = volunteer_named(other_office, "Olga Otheroffice")
    else:
        profile = volunteer_named(office, "Dee Deactivated")
        volunteer_deactivate(admin=office_admin, profile=profile)

    response = login_as(student).get(reverse("directory_detail", args=[profile.pk]))

    assert response.status_code == 404


def _card_of(page: str, name: str) -> str:
    [card] = [c for c in re.findall(r"<article.*?</article>", page, re.S) if name in c]
    return card


@pytest.mark.parametrize(
    ("received", "answered", "hours_each", "rate", "typical"),
    [
        (10, 8, 5, "80%", "5 h"),
        (4, 3, 72, "75%", "3 d"),
        (3, 3, 47, "100%", "47 h"),
    ],
)
def test_directory_card_shows_response_rate_and_typical_response_time(
    student, login_as, office, received, answered, hours_each, rate, typical
):
    profile = volunteer_named(office, "Quinn Quick")
    volunteer_named(office, "Nia New")
    # Last month's requests: they count towards the statistics, not this month's capacity.
    last_month = timezone.now() - timedelta(days=40)
    for _ in range(received):
        volunteer_stats_record_request(profile=profile, now=last_month)
    for _ in range(answered):
        volunteer_stats_record_answer(profile=profile, seconds=hours_each * 3600)

    browser = login_as(student)

    page = browser.get(DIRECTORY).content.decode()
    detail = browser.get(reverse("directory_detail", args=[profile.pk])).content.decode()

    card = _card_of(page, "Quinn Quick")
    assert f'Response rate</dt><dd class="col-6 mb-0">{rate}</dd>' in card
    assert f'Typical response time</dt><dd class="col-6 mb-0">{typical}</dd>' in card
    assert "Has time this month" in card
    assert f'Response rate</dt><dd class="col-sm-8">{rate}</dd>' in detail
    assert f'response time</dt><dd class="col-sm-8">{typical}</dd>' in detail
    assert card.count("not enough requests yet") == 0
    assert _card_of(page, "Nia New").count("not enough requests yet") == 2


# --- Order -------------------------------------------------------------------------------


def test_directory_fit_score_orders_by_fields_company_and_spare_capacity(student, office, fields):
    set_student_interests(
        student, fields=[fields["Consulting"], fields["Healthcare"]], companies=[" acme HEALTH"]
    )
    # relevance = 1 + 2 × shared fields + 3 × target company; × spare / capacity
    both = volunteer_named(
        office,
        "Ann Both",
        fields=[fields["Consulting"], fields["Healthcare"]],
        employer="Acme Health",
        capacity_per_month=4,
    )  # 1+4+3 = 8 × 2/4 = 4
    company = volunteer_named(
        office, "Bo Company", employer="ACME Health", capacity_per_month=2
    )  # 1+0+3 = 4 × 2/2 = 4
    one_field = volunteer_named(
        office, "Cy Onefield", fields=[fields["Consulting"], fields["Law"]], capacity_per_month=3
    )  # 1+2 = 3 × 3/3 = 3
    nothing = volunteer_named(
        office, "Di Nothing", fields=[fields["Law"]], employer="Acme Health Partners"
    )  # 1 × 3/3 = 1
    booked = volunteer_named(
        office,
        "Ed Booked",
        employer="Acme Health",
        fields=[fields["Consulting"], fields["Healthcare"]],
    )  # 8 × 0/3 = 0
    for profile, received in ((both, 2), (booked, 5)):
        for _ in range(received):
            volunteer_stats_record_request(profile=profile)

    rows = list(directory_list_for_student(student=student))

    assert [(r.user.full_name, r.field_overlap, r.company_match, r.spare_capacity, r.fit_score)
            for r in rows] == [
        ("Ann Both", 2, 1, 2, 4.0),
        ("Bo Company", 0, 1, 2, 4.0),
        ("Cy Onefield", 1, 0, 3, 3.0),
        ("Di Nothing", 0, 0, 3, 1.0),
        ("Ed Booked", 2, 1, 0, 0.0),
    ]  # fmt: skip
    assert {both.pk, company.pk, one_field.pk, nothing.pk, booked.pk} == {r.pk for r in rows}


def test_directory_fit_score_without_student_profile_orders_by_spare_share_then_name(
    student, login_as, office
):
    volunteer_named(office, "Zed Roomy", capacity_per_month=10)
    volunteer_named(office, "Amy Small", capacity_per_month=1)

    response = login_as(student).get(DIRECTORY)

    assert names(response) == ["Amy Small", "Zed Roomy"]
    assert [v.fit_score for v in response.context["page"].object_list] == [1.0, 1.0]


def test_directory_accepting_now_filter_leaves_out_fully_booked(student, office):
    roomy = volunteer_named(office, "Rae Roomy")
    booked = volunteer_named(office, "Bea Booked", capacity_per_month=2)
    for _ in range(2):
        volunteer_stats_record_request(profile=booked)

    rows = directory_list_for_student(student=student, filters=DirectoryFilters(accepting_now=True))

    assert [r.pk for r in rows] == [roomy.pk]


# --- Search and filters ---------------------------------------------------------------


@pytest.fixture
def searchable(office, fields):
    return {
        "employer": volunteer_named(office, "Ann Employer", employer="Globex Shipping",
                                   job_title="Analyst"),
        "topic": volunteer_named(office, "Bo Topic", topics="Negotiating salaries, freelancing"),
        "bio": volunteer_named(office, "Cy Bio", bio="I left architecture for urban planning."),
        "field": volunteer_named(office, "Di Field", fields=[fields["Healthcare"]]),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("globex", ["Ann Employer"]),
        ("Globex shipping", ["Ann Employer"]),
        ("glob", ["Ann Employer"]),
        ("freelancing", ["Bo Topic"]),
        ("architecture", ["Cy Bio"]),
        ("healthcare", ["Di Field"]),
        ("cy", ["Cy Bio"]),
        ("globex architecture", []),
        ("'&|!:*()", ["Ann Employer", "Bo Topic", "Cy Bio", "Di Field"]),
    ],
)
def test_directory_text_search_finds_by_name_employer_topic_bio_and_field(
    student, login_as, searchable, q, expected
):
    response = login_as(student).get(DIRECTORY, {"q": q})

    assert response.status_code == 200
    assert sorted(names(response)) == expected


@pytest.mark.needs_postgres
def test_directory_text_search_ranks_employer_above_topics_above_bio(student, office):
    volunteer_named(office, "Cy Bio", bio="Before that I interned at Initech for a summer.")
    volunteer_named(office, "Bo Topic", topics="What working at Initech taught me")
    volunteer_named(office, "Ann Employer", employer="Initech")

    rows = directory_list_for_student(student=student, filters=DirectoryFilters(q="initech"))

    assert [r.user.full_name for r in rows] == ["Ann Employer", "Bo Topic", "Cy Bio"]
    assert rows[0].rank > rows[1].rank > rows[2].rank


def test_directory_filters_by_field_location_format_and_years(student, login_as, office, fields):
    volunteer_named(
        office,
        "Ann A",
        fields=[fields["Law"]],
        location="Boston, MA",
        formats=[Format.IN_PERSON],
        graduation_year=2010,
    )
    volunteer_named(
        office,
        "Bo B",
        fields=[fields["Law"], fields["Consulting"]],
        location="Chicago",
        formats=[Format.VIDEO, Format.EMAIL],
        graduation_year=2018,
    )
    volunteer_named(office, "Cy C", location="South Boston", formats=[Format.PHONE],
                   graduation_year=2022)  # fmt: skip
    browser = login_as(student)

    def found(**params):
        return names(browser.get(DIRECTORY, params))

    assert found(field=fields["Law"].pk) == ["Ann A", "Bo B"]
    assert found(location="boston") == ["Ann A", "Cy C"]
    assert found(format=Format.EMAIL) == ["Bo B"]
    assert found(format=Format.IN_PERSON) == ["Ann A"]
    assert found(year_from=2011, year_to=2022) == ["Bo B", "Cy C"]
    assert found(year_from=2018, year_to=2018) == ["Bo B"]
    assert found(year_to=2015) == ["Ann A"]
    assert found(field=fields["Law"].pk, location="chicago", year_from=2015) == ["Bo B"]
    page = browser.get(DIRECTORY, {"field": fields["Law"].pk, "format": Format.EMAIL})
    assert f'<option value="{fields["Law"].pk}" selected>Law</option>' in page.content.decode()
    assert '<option value="email" selected>Email</option>' in page.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_from": "2020", "year_to": "2010"},
         "“Graduated to” must not be before “Graduated from”."),
        ({"year_from": "1800"}, "Enter a year between 1950 and"),
        ({"year_to": "abc"}, "Enter a whole number."),
        ({"field": "999999"}, "Select a valid choice."),
    ],
)  # fmt: skip
def test_directory_bad_filters_are_reported_and_left_out(
    student, login_as, office, params, message
):
    volunteer_named(office, "Ann A", graduation_year=2012)

    response = login_as(student).get(DIRECTORY, params)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert names(response) == ["Ann A"]


def test_directory_htmx_request_gets_only_the_results_partial(student, login_as, office):
    volunteer_named(office, "Ann A", employer="Globex")

    response = login_as(student).get(DIRECTORY, {"q": "globex"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "1 volunteer found" in page
    assert "Ann A" in page
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize(
    ("query", "folded"),
    [("", True), ("?q=data", True), ("?location=Boston", False), ("?accepting=on", False)],
)
def test_directory_filters_fold_away_on_a_phone_unless_one_is_set(student, login_as, query, folded):
    html = login_as(student).get(reverse("directory") + query).content.decode()

    block = re.search(
        r'<div class="collapse d-md-block( show)?" id="directory-more-filters">', html
    )
    assert block is not None
    assert (block.group(1) is None) is folded
    assert f'aria-expanded="{"false" if folded else "true"}"' in html


def test_directory_paginates_twenty_per_page_keeping_filters(student, login_as, office):
    for n in range(21):
        volunteer_named(office, f"Vol {n:02d}", location="Denver")
    browser = login_as(student)

    first = browser.get(DIRECTORY, {"location": "denver"})
    second = browser.get(DIRECTORY, {"location": "denver", "page": 2})

    assert len(first.context["page"].object_list) == 20
    assert names(second) == ["Vol 20"]
    assert "?location=denver&amp;page=2" in first.content.decode()
    assert "21 volunteers found" in second.content.decode()
    assert names(browser.get(DIRECTORY, {"location": "denver", "page": 99})) == ["Vol 20"]
    assert names(browser.get(DIRECTORY, {"location": "denver", "page": "x"}))[0] == "Vol 00"
    # Thirty digits made an OFFSET beyond a bigint: a 500 on PostgreSQL.
    huge = browser.get(DIRECTORY, {"location": "denver", "page": "9" * 30})
    assert (huge.status_code, names(huge)) == (200, ["Vol 20"])


@pytest.mark.parametrize("count", [1, 3, 50])
def test_directory_query_count_is_constant(
    student, login_as, office, fields, django_assert_num_queries, count
):
    set_student_interests(student, fields=[fields["Law"]], companies=["Acme"])
    for n in range(count):
        profile = volunteer_named(
            office, f"Vol {n:02d}", fields=[fields["Law"], fields["Consulting"]]
        )
        if n == 0:
            volunteer_add_to_contacts(student=student, profile=profile)
    browser = login_as(student)

    # Session, user, the student's interests, the ranking, the page's rows with their
    # fields, the field and major options.
    with django_assert_num_queries(7):
        response = browser.get(DIRECTORY)
    # The ranking, the majors and the fields are kept in the cache.
    with django_assert_num_queries(4):
        again = browser.get(DIRECTORY)
    # Only the results: session, user, interests, the page's rows with their fields.
    with django_assert_num_queries(4):
        partial = browser.get(DIRECTORY, {"page": 2}, headers={"HX-Request": "true"})

    assert len(response.context["page"].object_list) == min(count, 20)
    assert names(again) == names(response)
    assert len(partial.context["page"].object_list) == min(count, 20)


# --- Add to my contacts -----------------------------------------------------------------


def test_directory_add_to_contacts_creates_a_linked_contact_without_email_or_phone(
    student, login_as, office, fields
):
    set_student_interests(student, fields=[fields["Law"]])
    profile = volunteer_named(
        office, "Eve Eligible", employer="Acme", job_title="Counsel", location="Boston",
        fields=[fields["Consulting"], fields["Law"]], phone="+1 617 555 0199",
        linkedin_url="https://www.linkedin.com/in/eve",
    )  # fmt: skip
    browser = login_as(student)

    response = browser.post(reverse("directory_contact_add", args=[profile.pk]))

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contact_detail", args=[contact.pk])
    assert (
        contact.owner, contact.volunteer, contact.source, contact.full_name, contact.organisation,
        contact.job_title, contact.location, contact.field, contact.email, contact.phone,
        contact.linkedin_url,
    ) == (
        student, profile, Source.ALUMNI_DIRECTORY, "Eve Eligible", "Acme", "Counsel", "Boston",
        fields["Law"], "", "", "",
    )  # fmt: skip
    page = browser.get(DIRECTORY).content.decode()
    assert "In your contacts" in page
    assert reverse("contact_detail", args=[contact.pk]) in page
    assert reverse("directory_contact_add", args=[profile.pk]) not in page


def test_directory_add_to_contacts_field_falls_back_to_the_volunteers_first(
    student, office, fields
):
    profile = volunteer_named(office, "Eve Eligible", fields=[fields["Law"], fields["Consulting"]])

    contact, created = volunteer_add_to_contacts(student=student, profile=profile)

    assert (created, contact.field) == (True, fields["Consulting"])


def test_directory_add_to_contacts_twice_redirects_to_the_existing_contact(
    student, login_as, office
):
    profile = volunteer_named(office, "Eve Eligible")
    browser = login_as(student)
    browser.post(reverse("directory_contact_add", args=[profile.pk]), follow=True)
    contact = Contact.objects.get()

    response = browser.post(reverse("directory_contact_add", args=[profile.pk]), follow=True)

    assert response.redirect_chain == [(reverse("contact_detail", args=[contact.pk]), 302)]
    assert Contact.objects.count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "Eve Eligible is already in your contacts."
    ]


def test_directory_add_to_contacts_is_per_student(student, student2, login_as, office):
    profile = volunteer_named(office, "Eve Eligible")
    ContactFactory(student=student2, full_name="Someone else")

    login_as(student).post(reverse("directory_contact_add", args=[profile.pk]))
    login_as(student2).post(reverse("directory_contact_add", args=[profile.pk]))

    assert sorted(
        Contact.objects.filter(volunteer=profile).values_list("owner__email", flat=True)
    ) == ["priya@northfield.test", "sam@northfield.test"]


@pytest.mark.parametrize("who", ["other_office", "paused"])
def test_directory_add_to_contacts_of_an_invisible_volunteer_is_404(
    student, login_as, office, other_office, who
):
    profile = volunteer_named(other_office if who == "other_office" else office, "Olga Other")
    if who == "paused":
        volunteer_pause(
            user=profile.user, profile=profile, until=timezone.localdate() + timedelta(days=3)
        )

    response = login_as(student).post(reverse("directory_contact_add", args=[profile.pk]))

    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_directory_add_to_contacts_get_is_not_allowed(student, login_as, office):
    profile = volunteer_named(office, "Eve Eligible")

    response = login_as(student).get(reverse("directory_contact_add", args=[profile.pk]))

    assert response.status_code == 405
    assert not Contact.objects.exists()


def test_directory_month_start_is_the_first_of_the_month_in_the_offices_time_zone(office):
    # 03:00 UTC on 1 December is still 30 November in New York.
    start = directory_month_start(office=office, now=datetime(2026, 12, 1, 3, tzinfo=UTC))

    assert start.isoformat() == "2026-11-01T00:00:00-04:00"


# --- A volunteer taking a break (issue 13.5) -----------------------------------------


def test_directory_detail_of_a_paused_volunteer_says_until_when_with_similar_ones(
    student, login_as, office, other_office, fields
):
    ava = volunteer_named(
        office, "Ava Away", fields=[fields["Consulting"]], industry="finance", employer="Bank"
    )
    back = timezone.localdate() + timedelta(days=20)
    volunteer_pause(user=ava.user, profile=ava, until=back)
    same_field = volunteer_named(office, "Fay Field", fields=[fields["Consulting"]])
    same_industry = volunteer_named(office, "Ian Industry", industry="finance")
    volunteer_named(office, "Una Unlike", fields=[fields["Law"]], industry="technology")
    volunteer_named(other_office, "Olga Otheroffice", industry="finance")
    busy = volunteer_named(office, "Bo Booked", industry="finance", capacity_per_month=1)
    volunteer_stats_record_request(profile=busy)
    also_away = volunteer_named(office, "Al Alsoaway", industry="finance")
    volunteer_pause(
        user=also_away.user, profile=also_away, until=timezone.localdate() + timedelta(days=3)
    )

    response = login_as(student).get(reverse("directory_detail", args=[ava.pk]))

    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.content.decode())
    assert f"Ava is taking a break until {back.day} {back:%B}." in page
    assert sorted(v.user.full_name for v in response.context["similar"]) == [
        same_field.user.full_name,
        same_industry.user.full_name,
    ]
    assert reverse("interview_request_volunteer", args=[ava.pk]) not in page
    assert reverse("interview_request_volunteer", args=[same_field.pk]) in page


def test_directory_detail_of_a_volunteer_not_accepting_says_so(student, login_as, office):
    profile = volunteer_named(office, "Nina Notnow", accepting_requests=False)

    response = login_as(student).get(reverse("directory_detail", args=[profile.pk]))

    assert response.status_code == 200
    assert "Nina is taking a break from requests for now." in response.content.decode()
    assert response.context["similar"] == []


def test_directory_detail_of_a_paused_volunteer_shows_at_most_three_similar(
    student, login_as, office, fields
):
    ava = volunteer_named(office, "Ava Away", fields=[fields["Consulting"]])
    volunteer_pause(user=ava.user, profile=ava, until=timezone.localdate() + timedelta(days=9))
    for n in range(5):
        volunteer_named(office, f"Sim {n}", fields=[fields["Consulting"]])

    response = login_as(student).get(reverse("directory_detail", args=[ava.pk]))

    assert len(response.context["similar"]) == 3


@pytest.mark.parametrize("count", [1, 3, 10])
def test_directory_detail_of_a_paused_volunteer_query_count(
    student, login_as, office, fields, count, django_assert_num_queries
):
    ava = volunteer_named(office, "Ava Away", fields=[fields["Consulting"]])
    volunteer_pause(user=ava.user, profile=ava, until=timezone.localdate() + timedelta(days=9))
    for n in range(count):
        volunteer_named(office, f"Sim {n}", fields=[fields["Consulting"], fields["Law"]])
    browser = login_as(student)

    # session, user with office, the directory's lookup (not there), the volunteer
    # away, their fields, the student's interests, the similar ones, their fields
    with django_assert_num_queries(8):
        response = browser.get(reverse("directory_detail", args=[ava.pk]))

    assert len(response.context["similar"]) == min(count, 3)
