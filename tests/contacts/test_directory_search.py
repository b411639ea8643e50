"""The directory's typo-tolerant search (pg_trgm, PostgreSQL only) with its "Did you
mean", and the industry, major and "open to" filters."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.contacts.directory import did_you_mean, trigram_similarity, volunteer_majors_for_office
from apps.contacts.enums import Industry, OpenTo
from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import (
    volunteer_add_to_contacts,
    volunteer_pause,
    volunteer_profile_update,
)
from tests.contacts.test_directory import DIRECTORY, names, set_student_interests
from tests.factories.contacts import volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consulting(office):
    return FieldFactory(office=office, name="Consulting")


@pytest.fixture
def cast(office, consulting):
    """Two Deloitte consultants, one who talks about consulting without the field,
    and someone unrelated."""
    volunteer_named(
        office,
        "Alex Alumni",
        employer="Deloitte",
        job_title="Senior Manager",
        fields=[consulting],
        industry=Industry.CONSULTING,
        programme="Economics",
    )
    volunteer_named(
        office,
        "Dana Deloitte",
        employer="Deloitte",
        job_title="Analyst",
        industry=Industry.CONSULTING,
        programme="Mathematics",
    )
    volunteer_named(
        office,
        "Bo Topic",
        employer="Spotify",
        topics="Leaving consulting for tech",
        industry=Industry.TECHNOLOGY,
    )
    volunteer_named(office, "Cy Other", employer="Pfizer", job_title="Medical Writer",
                    industry=Industry.HEALTHCARE, programme="Chemistry")  # fmt: skip


# --- Typos (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.needs_postgres
def test_directory_misspelt_employer_finds_its_people_and_suggests_the_spelling(
    student, login_as, cast
):
    response = login_as(student).get(DIRECTORY, {"q": "Delotte"})

    assert response.status_code == 200
    assert sorted(names(response)) == ["Alex Alumni", "Dana Deloitte"]
    page = response.context["page"]
    assert (page.fuzzy, page.did_you_mean) == (True, "Deloitte")
    html = response.content.decode()
    assert "Nobody matches “Delotte” as written" in html
    assert 'Did you mean <a href="?q=Deloitte" class="alert-link">Deloitte</a>?' in html


@pytest.mark.needs_postgres
def test_directory_close_spellings_come_in_fit_order(student, login_as, office, consulting):
    volunteer_named(office, "Ann Plain", employer="Deloitte")
    volunteer_named(office, "Zed Fit", employer="Deloitte", fields=[consulting])
    set_student_interests(student, fields=[consulting])

    response = login_as(student).get(DIRECTORY, {"q": "Delotte"})

    assert names(response) == ["Zed Fit", "Ann Plain"]
    assert "best matches first" not in response.content.decode()


@pytest.mark.needs_postgres
def test_directory_misspelt_word_matches_fields_and_topics(student, login_as, cast):
    response = login_as(student).get(DIRECTORY, {"q": "consultng"})

    assert sorted(names(response)) == ["Alex Alumni", "Bo Topic"]
    assert response.context["page"].did_you_mean.lower() == "consulting"


@pytest.mark.needs_postgres
def test_directory_misspelt_word_among_right_ones_corrects_only_that_word(student, login_as, cast):
    response = login_as(student).get(DIRECTORY, {"q": "deloitte managr"})

    assert names(response) == ["Alex Alumni"]
    assert response.context["page"].did_you_mean == "Deloitte Manager"


@pytest.mark.needs_postgres
def test_directory_exact_words_keep_the_full_text_search_and_its_ranking(
    student, login_as, office, cast
):
    volunteer_named(office, "Ed Typo", topics="Life at Deloite")

    response = login_as(student).get(DIRECTORY, {"q": "deloitte"})

    # Full text found people, so the misspelt "Deloite" is not added and nothing is
    # suggested; the employers (weight A) rank as before.
    assert sorted(names(response)) == ["Alex Alumni", "Dana Deloitte"]
    assert (response.context["page"].fuzzy, response.context["page"].did_you_mean) == (False, "")
    assert "Did you mean" not in response.content.decode()


@pytest.mark.needs_postgres
def test_directory_typo_search_never_finds_or_suggests_another_offices_people(
    student, login_as, office, other_office
):
    volunteer_named(other_office, "Olga Other", employer="Deloitte")
    volunteer_named(office, "Del Ta", employer="Delta Air Lines")
    hidden = volunteer_named(office, "Paula Paused", employer="Deloitte")
    volunteer_pause(
        user=hidden.user, profile=hidden, until=timezone.localdate() + timedelta(days=1)
    )

    response = login_as(student).get(DIRECTORY, {"q": "Delotte"})

    assert names(response) == []
    assert (response.context["page"].fuzzy, response.context["page"].did_you_mean) == (False, "")
    assert "Deloitte" not in response.content.decode()


@pytest.mark.needs_postgres
def test_directory_typo_search_combines_with_filters(student, login_as, cast):
    browser = login_as(student)

    assert names(browser.get(DIRECTORY, {"q": "Delotte", "major": "mathematics"})) == [
        "Dana Deloitte"
    ]
    assert names(browser.get(DIRECTORY, {"q": "consultng", "industry": "technology"})) == [
        "Bo Topic"
    ]
    assert names(browser.get(DIRECTORY, {"q": "Delotte", "industry": "healthcare"})) == []


@pytest.mark.needs_postgres
def test_directory_typo_search_paginates_keeping_the_search(student, login_as, office):
    for n in range(21):
        volunteer_named(office, f"Vol {n:02d}", employer="Deloitte")
    browser = login_as(student)

    first = browser.get(DIRECTORY, {"q": "Delotte"})
    second = browser.get(DIRECTORY, {"q": "Delotte", "page": 2})
    past_the_end = browser.get(DIRECTORY, {"q": "Delotte", "page": 9})

    assert len(first.context["page"].object_list) == 20
    assert "?q=Delotte&amp;page=2" in first.content.decode()
    assert names(second) == ["Vol 20"]
    assert second.context["page"].did_you_mean == "Deloitte"
    assert "21 volunteers found" in second.content.decode()
    assert names(past_the_end) == ["Vol 20"]


@pytest.mark.needs_postgres
@pytest.mark.parametrize(("count", "queries"), [(1, 9), (3, 9)])
def test_directory_typo_search_query_count_is_constant(
    student, login_as, office, consulting, django_assert_num_queries, count, queries
):
    set_student_interests(student, fields=[consulting], companies=["Deloitte"])
    for n in range(count):
        profile = volunteer_named(office, f"Vol {n}", employer="Deloitte", fields=[consulting])
        if n == 0:
            volunteer_add_to_contacts(student=student, profile=profile)
    browser = login_as(student)

    # Session, user, the student's interests, the full-text page (empty), the
    # threshold (SET LOCAL), the trigram page, its cards with their fields, the field
    # and major filter lists: the default page's 7 and two.
    with django_assert_num_queries(queries):
        response = browser.get(DIRECTORY, {"q": "Delotte"})

    assert len(response.context["page"].object_list) == count
    assert response.context["page"].did_you_mean == "Deloitte"


def test_directory_misspelling_on_sqlite_stays_a_plain_search(student, login_as, cast):
    if connection.vendor == "postgresql":
        pytest.skip("the plain search is the SQLite fallback")

    response = login_as(student).get(DIRECTORY, {"q": "Delotte"})

    assert names(response) == []
    assert (response.context["page"].fuzzy, response.context["page"].did_you_mean) == (False, "")
    assert names(login_as(student).get(DIRECTORY, {"q": "Deloitte"})) == [
        "Alex Alumni",
        "Dana Deloitte",
    ]


# --- The suggestion -------------------------------------------------------------------


def test_trigram_similarity_is_pg_trgms():
    # pg_trgm: SELECT similarity('delotte', 'deloitte') = 0.5454..., ('cat', 'dog') = 0.
    assert trigram_similarity("Delotte", "deloitte") == pytest.approx(6 / 11)
    assert trigram_similarity("cat", "dog") == 0.0
    assert trigram_similarity("Word", "word") == 1.0


def test_did_you_mean_takes_the_closest_word_of_the_profiles_found(office, cast):
    profiles = VolunteerProfile.objects.filter(employer="Deloitte").select_related("user")

    assert did_you_mean(["Delotte"], profiles) == "Deloitte"
    assert did_you_mean(["delotte", "anlyst"], profiles) == "Deloitte Analyst"
    assert did_you_mean(["deloitte"], profiles) == ""
    # Nothing close enough: the word is kept, and with nothing changed no suggestion.
    assert did_you_mean(["xyzzy"], profiles) == ""


# --- Industry, major and "open to" --------------------------------------------------------


def test_directory_filters_by_industry_major_and_open_to(student, login_as, office, cast):
    volunteer_named(office, "Eve Changer", open_to=[OpenTo.CAREER_CHANGERS, OpenTo.LONGER],
                    programme="economics")  # fmt: skip
    browser = login_as(student)

    def found(**params):
        return sorted(names(browser.get(DIRECTORY, params)))

    assert found(industry=Industry.CONSULTING) == ["Alex Alumni", "Dana Deloitte"]
    assert found(industry=Industry.LAW) == []
    assert found(major="Economics") == ["Alex Alumni", "Eve Changer"]
    assert found(major="ECONOMICS") == ["Alex Alumni", "Eve Changer"]
    assert found(open_to=OpenTo.CAREER_CHANGERS) == ["Eve Changer"]
    assert found(open_to=OpenTo.INTRODUCTIONS) == []
    assert found(q="deloitte", major="Mathematics") == ["Dana Deloitte"]
    assert found(industry=Industry.CONSULTING, major="Economics") == ["Alex Alumni"]
    page = browser.get(DIRECTORY, {"industry": "consulting", "major": "economics",
                                   "open_to": "longer"}).content.decode()  # fmt: skip
    assert '<option value="consulting" selected>' in page
    assert '<option value="Economics" selected>Economics</option>' in page
    assert '<option value="longer" selected>' in page
    # Set filters keep "More filters" open on a phone.
    assert 'class="collapse d-md-block show" id="directory-more-filters"' in page


def test_directory_major_choices_are_the_offices_listed_volunteers_once_each(
    student, office, other_office
):
    volunteer_named(office, "Ann A", programme="Economics")
    volunteer_named(office, "Bo B", programme="economics")
    volunteer_named(office, "Cy C", programme="Biology")
    paused = volunteer_named(office, "Paula Paused", programme="Astronomy")
    volunteer_pause(user=paused.user, profile=paused, until=timezone.localdate() + timedelta(1))
    volunteer_named(office, "Nina Notaccepting", programme="Law", accepting_requests=False)
    volunteer_named(other_office, "Olga Other", programme="Zoology")

    assert volunteer_majors_for_office(office_id=office.pk) == ["Biology", "Economics"]


def test_directory_major_list_is_cached_and_a_saved_profile_refreshes_it(
    student, login_as, office, django_assert_num_queries, django_capture_on_commit_callbacks
):
    ann = volunteer_named(office, "Ann A", programme="Economics")
    browser = login_as(student)
    browser.get(DIRECTORY)

    # The default page's 7 but the major list, the fields and the ranking, all kept in
    # the cache.
    with django_assert_num_queries(4):
        again = browser.get(DIRECTORY)
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_profile_update(user=ann.user, profile=ann, programme="Physics")

    assert '<option value="Economics">' in again.content.decode()
    assert volunteer_majors_for_office(office_id=office.pk) == ["Physics"]
    assert names(browser.get(DIRECTORY, {"major": "Physics"})) == ["Ann A"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"industry": "pyramid_schemes"}, "Industry: Choose an industry from the list."),
        ({"major": "Zoology"}, "Major: Choose a major from the list."),
        ({"open_to": "a_job"}, "Open to: Choose what the volunteer is open to from the list."),
    ],
)
def test_directory_bad_industry_major_or_open_to_is_a_400_and_left_out(
    student, login_as, office, other_office, params, message
):
    volunteer_named(office, "Ann A", programme="Economics", industry=Industry.LAW)
    # Another office's major is not a choice here.
    volunteer_named(other_office, "Olga Other", programme="Zoology")

    response = login_as(student).get(DIRECTORY, {"q": "ann", **params})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert names(response) == ["Ann A"]


def test_directory_bad_filter_in_an_htmx_search_is_a_400_partial(student, login_as, office):
    volunteer_named(office, "Ann A")

    response = login_as(student).get(
        DIRECTORY, {"industry": "nope"}, headers={"HX-Request": "true"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in page
    assert "Choose an industry from the list." in page
    # The full page tells htmx to swap a 400 in like a 200.
    full = login_as(student).get(DIRECTORY).content.decode()
    assert '{"code": "400", "swap": true}' in full


def test_directory_paginates_keeping_the_new_filters(student, login_as, office):
    for n in range(21):
        volunteer_named(office, f"Vol {n:02d}", industry=Industry.LAW, programme="History",
                        open_to=[OpenTo.FIRST_YEARS])  # fmt: skip
    params = {"industry": "law", "major": "History", "open_to": "first_years"}
    browser = login_as(student)

    first = browser.get(DIRECTORY, params)
    second = browser.get(DIRECTORY, {**params, "page": 2})

    assert "?industry=law&amp;major=History&amp;open_to=first_years&amp;page=2" in (
        first.content.decode()
    )
    assert names(second) == ["Vol 20"]


def test_directory_card_and_detail_show_industry_major_and_open_to(student, login_as, office):
    profile = volunteer_named(office, "Ann A", industry=Industry.ENERGY, programme="Physics",
                              graduation_year=2014,
                              open_to=[OpenTo.QUESTIONS_AHEAD, OpenTo.INTRODUCTIONS])  # fmt: skip
    browser = login_as(student)

    card = browser.get(DIRECTORY).content.decode()
    detail = browser.get(f"/directory/{profile.pk}/").content.decode()

    assert "Energy, utilities and environment" in card
    assert 'Class of 2014 · <span class="visually-hidden">Major: </span>Physics' in card
    assert "Reading your questions beforehand, Suggesting others to talk to" in card
    assert "Energy, utilities and environment" in detail
    assert "Reading your questions beforehand, Suggesting others to talk to" in detail
