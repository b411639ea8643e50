"""The advisor's caseload at /advising/: one row per student, every figure from
the database, filters, sorts, pages, and the CSV of exactly what is shown."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.enums import Role
from apps.accounts.services import members_set_active, user_update_profile
from apps.advising.models import AccessRecord
from apps.advising.services import assignments_add
from apps.advising.services_people import assignments_remove
from apps.interviews.enums import State
from apps.interviews.services import interview_request_volunteer
from apps.students.selectors import student_profile_get
from apps.students.services import field_save, field_seed_defaults, student_profile_update
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory, mark_held
from tests.factories.students import FieldFactory

# Tuesday 3 March 2026, 10:00 in New York.
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
URL = "/advising/"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _rows(response) -> list[dict]:
    return [
        {
            "name": s.full_name,
            "contacts": s.contacts_count,
            "targets": s.targets,
            "requests": s.requests_sent,
            "accepted": s.accepted,
            "held": s.held,
            "on_time": s.thanks_on_time,
            "late": s.thanks_late,
            "missing": s.thanks_missing,
            "overdue": s.overdue_followups,
            "stage": s.furthest_stage,
            "stalled": s.is_stalled,
        }
        for s in response.context["page"].object_list
    ]


def _names(response) -> list[str]:
    return [s.full_name for s in response.context["page"].object_list]


def _assign(office_admin, advisor, *students):
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[s.pk for s in students])


@pytest.fixture
def busy(student, volunteer, consulting, time_machine):
    """Sam: three contacts (two on the target list), a request waiting, and a
    meeting held ten minutes ago whose thank-you is still to write."""
    ContactFactory(student=student, full_name="Lee Park", field=consulting, on_target_list=True)
    ContactFactory(student=student, full_name="Kim Roe")
    InterviewFactory(student=student, state=State.REQUESTED, requested_at=NOW - timedelta(days=2))
    meeting = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=NOW - timedelta(minutes=40),
    )
    mark_held(student=student, interview=meeting)
    return student


# --- Who may see it -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["student", "alumni"])
def test_students_and_volunteers_get_403(persona, request, login_as):
    response = login_as(request.getfixturevalue(persona)).get(URL)

    assert response.status_code == 403


def test_a_visitor_is_sent_to_sign_in(nobody):
    response = nobody.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_offices_students_never_appear(advisor, student, other_student, login_as):
    response = login_as(advisor).get(URL, {"scope": "office"})

    assert _names(response) == ["Sam Student"]


def test_the_old_advisor_home_leads_to_the_caseload(advisor, login_as):
    response = login_as(advisor).get("/advisor/")

    assert (response.status_code, response["Location"]) == (302, URL)


# --- Scope ----------------------------------------------------------------------------


def test_an_advisor_with_students_sees_theirs_first_and_the_office_on_request(
    advisor, office_admin, student, student2, login_as
):
    _assign(office_admin, advisor, student2)
    browser = login_as(advisor)

    mine = browser.get(URL)
    office = browser.get(URL, {"scope": "office"})

    assert _names(mine) == ["Priya Patel"]
    assert _names(office) == ["Priya Patel", "Sam Student"]


def test_an_advisor_without_students_sees_the_whole_office(advisor, student, login_as):
    response = login_as(advisor).get(URL)

    assert response.context["query"].scope == "office"
    assert _names(response) == ["Sam Student"]


def test_my_students_when_there_are_none_says_so_and_links_the_office(advisor, login_as):
    response = login_as(advisor).get(URL, {"scope": "mine"})

    assert "No students are assigned to you yet" in response.content.decode()


# --- Figures ------------------------------------------------------------------------


def test_each_figure_is_the_students_own(busy, student2, advisor, login_as):
    response = login_as(advisor).get(URL)

    assert _rows(response) == [
        {
            "name": "Priya Patel",
            "contacts": 0,
            "targets": 0,
            "requests": 0,
            "accepted": 0,
            "held": 0,
            "on_time": 0,
            "late": 0,
            "missing": 0,
            "overdue": 0,
            "stage": "",
            "stalled": False,
        },
        {
            "name": "Sam Student",
            "contacts": 4,
            "targets": 1,
            "requests": 2,
            "accepted": 1,
            "held": 1,
            "on_time": 0,
            "late": 0,
            "missing": 0,
            "overdue": 0,
            "stage": "met",
            "stalled": False,
        },
    ]


def test_a_thank_you_left_past_its_window_is_missing_and_flagged(
    busy, advisor, login_as, time_machine
):
    time_machine.move_to(NOW + timedelta(days=2), tick=False)

    response = login_as(advisor).get(URL, {"flag": "missed_thank_you"})

    [row] = _rows(response)
    assert (row["name"], row["missing"], row["overdue"]) == ("Sam Student", 1, 1)
    assert "missed thank-you" in response.content.decode()


def test_a_student_with_no_activity_for_the_office_threshold_is_stalled(office, advisor, login_as):
    quiet = UserFactory(office=office, email="q@northfield.test", full_name="Quinn Quiet")
    UserFactory(office=office, email="n@northfield.test", full_name="Nia New")
    type(quiet).objects.filter(pk=quiet.pk).update(date_joined=NOW - timedelta(days=22))

    response = login_as(advisor).get(URL, {"flag": "stalled"})

    assert _names(response) == ["Quinn Quiet"]


def test_the_stalled_threshold_is_the_offices(office, advisor, login_as):
    quiet = UserFactory(office=office, email="q@northfield.test", full_name="Quinn Quiet")
    type(quiet).objects.filter(pk=quiet.pk).update(date_joined=NOW - timedelta(days=22))
    type(office).objects.filter(pk=office.pk).update(stalled_days=30)

    response = login_as(advisor).get(URL, {"flag": "stalled"})

    assert _names(response) == []


def test_no_targets_and_no_advisor_flags(busy, student2, office_admin, advisor, login_as):
    _assign(office_admin, advisor, busy)
    browser = login_as(advisor)

    assert _names(browser.get(URL, {"scope": "office", "flag": "no_targets"})) == ["Priya Patel"]
    assert _names(browser.get(URL, {"scope": "office", "flag": "unassigned"})) == ["Priya Patel"]


def test_a_request_sent_despite_the_job_ask_warning_is_flagged(
    student, student2, alumni, advisor, login_as
):
    interview_request_volunteer(
        student=student,
        volunteer=make_volunteer(alumni),
        message="Are you hiring analysts? Could we talk for 15 minutes?",
        job_ask_reason="My uncle works there and told me to ask.",
    )
    browser = login_as(advisor)

    flagged = browser.get(URL, {"scope": "office", "flag": "job_ask"})
    everyone = browser.get(URL, {"scope": "office"})
    csv_rows = _csv(browser.get("/advising/caseload.csv", {"scope": "office"}))

    assert _names(flagged) == ["Sam Student"]
    assert "asked for a job" in flagged.content.decode()
    assert [(s.full_name, s.job_asks) for s in everyone.context["page"].object_list] == [
        ("Priya Patel", 0),
        ("Sam Student", 1),
    ]
    flags = {row[0]: row[-1] for row in csv_rows[1:]}
    assert "asked for a job" in flags["Sam Student"]
    assert "asked for a job" not in flags["Priya Patel"]


# --- Filters, search, sort ----------------------------------------------------------


def test_search_by_name_or_email(student, student2, advisor, login_as):
    browser = login_as(advisor)

    assert _names(browser.get(URL, {"q": "priya@"})) == ["Priya Patel"]
    assert _names(browser.get(URL, {"q": "stu sam"})) == []
    assert _names(browser.get(URL, {"q": "Student"})) == ["Sam Student"]


def test_filter_by_programme_year_and_field(student, student2, consulting, advisor, login_as):
    sam = student_profile_get(user=student)
    sam.programme, sam.graduation_year = "Economics", 2027
    sam.save()
    sam.fields.add(consulting)
    priya = student_profile_get(user=student2)
    priya.programme, priya.graduation_year = "History", 2027
    priya.save()
    browser = login_as(advisor)

    assert _names(browser.get(URL, {"programme": "Economics"})) == ["Sam Student"]
    assert _names(browser.get(URL, {"year": "2027"})) == ["Priya Patel", "Sam Student"]
    assert _names(browser.get(URL, {"field": consulting.pk})) == ["Sam Student"]


def test_filter_by_stage(busy, student2, advisor, login_as):
    assert _names(login_as(advisor).get(URL, {"stage": "met"})) == ["Sam Student"]


def test_every_column_sorts_both_ways(busy, student2, advisor, login_as):
    browser = login_as(advisor)
    from apps.advising.selectors import SORTS

    for key in SORTS:
        up = _names(browser.get(URL, {"sort": key}))
        down = _names(browser.get(URL, {"sort": f"-{key}"}))
        assert sorted(up) == ["Priya Patel", "Sam Student"], key
        assert sorted(down) == sorted(up), key
    assert _names(browser.get(URL, {"sort": "-contacts"})) == ["Sam Student", "Priya Patel"]
    assert _names(browser.get(URL, {"sort": "contacts"})) == ["Priya Patel", "Sam Student"]
    assert _names(browser.get(URL, {"sort": "-name"})) == ["Sam Student", "Priya Patel"]


def test_a_heading_links_to_its_sort_and_then_the_reverse(student, advisor, login_as):
    browser = login_as(advisor)

    first = browser.get(URL, {"sort": "name"}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-name">Student</a>' in first
    assert '<a href="?sort=contacts">Contacts</a>' in first


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "password"}, "The table cannot be sorted that way."),
        ({"flag": "vip"}, "Select a valid choice. vip is not one of the available choices."),
        ({"year": "soon"}, "Enter a whole number."),
    ],
)
def test_bad_filters_are_a_400_that_says_why(params, message, student, advisor, login_as):
    response = login_as(advisor).get(URL, params)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Sam Student" not in response.content.decode()


# --- Pages and queries ----------------------------------------------------------------


def test_fifty_a_page_and_the_filters_survive_paging(office, advisor, login_as):
    for n in range(55):
        UserFactory(office=office, email=f"s{n:02}@northfield.test", full_name=f"Student {n:02}")
    browser = login_as(advisor)

    first = browser.get(URL, {"q": "Student", "sort": "-name"})
    second = browser.get(URL, {"q": "Student", "sort": "-name", "page": 2})

    assert len(_names(first)) == 50
    assert _names(second) == [f"Student {n:02}" for n in range(4, -1, -1)]
    assert 'href="?q=Student&amp;sort=-name&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize("students", [1, 3, 50])
def test_the_query_count_does_not_depend_on_the_number_of_students(
    students, office, volunteer, advisor, login_as, django_assert_num_queries
):
    for n in range(students):
        someone = UserFactory(office=office, email=f"s{n}@northfield.test", full_name=f"S {n}")
        ContactFactory(student=someone, full_name="Lee Park", on_target_list=True)
        InterviewFactory(student=someone, volunteer=volunteer, state=State.REQUESTED)
    browser = login_as(advisor)

    # Session, user, the programmes and fields of the filters, has-caseload, the count,
    # the page.
    with django_assert_num_queries(7):
        response = browser.get(URL)

    assert response.status_code == 200
    assert len(_names(response)) == students


@pytest.mark.parametrize("students", [1, 3, 50])
def test_my_students_second_view_reads_its_count_from_the_cache(
    students, office, office_admin, volunteer, advisor, login_as, django_assert_num_queries
):
    mine = []
    for n in range(students):
        someone = UserFactory(office=office, email=f"s{n}@northfield.test", full_name=f"S {n}")
        ContactFactory(student=someone, full_name="Lee Park", on_target_list=True)
        InterviewFactory(student=someone, volunteer=volunteer, state=State.REQUESTED)
        mine.append(someone)
    _assign(office_admin, advisor, *mine)
    browser = login_as(advisor)
    browser.get(URL)

    # Session, user, the page: the programmes, the fields of the filter, whether the
    # advisor has students (selectors.caseload_cached) and the count are cached.
    with django_assert_num_queries(3):
        response = browser.get(URL)

    assert response.context["page"].paginator.count == students
    assert len(_names(response)) == students


def _count(browser, **params) -> int:
    return browser.get(URL, params).context["page"].paginator.count


def test_the_count_follows_assignments_and_names_at_once(
    advisor, office_admin, student, student2, login_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _assign(office_admin, advisor, student)
    browser = login_as(advisor)
    assert (_count(browser), _count(browser, q="Zoe"), _count(browser, scope="office")) == (1, 0, 2)

    with django_capture_on_commit_callbacks(execute=True):
        _assign(office_admin, advisor, student2)
    assert _count(browser) == 2

    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(user=student2, full_name="Zoe Patel", time_zone="UTC")
    assert _count(browser, q="Zoe") == 1

    with django_capture_on_commit_callbacks(execute=True):
        members_set_active(admin=office_admin, member_ids=[student.pk], active=False)
    assert (_count(browser), _count(browser, scope="office")) == (1, 1)

    with django_capture_on_commit_callbacks(execute=True):
        assignments_remove(admin=office_admin, advisor_id=advisor.pk, student_ids=[student2.pk])
    assert _count(browser, scope="mine") == 0


def test_the_default_scope_follows_assignments_at_once(
    advisor, office_admin, student, login_as, django_capture_on_commit_callbacks
):
    """Whether the advisor has students is kept in the cache with the membership's
    version (selectors.caseload_cached): an assignment made or ended shows at once."""
    browser = login_as(advisor)
    assert browser.get(URL).context["query"].scope == "office"

    with django_capture_on_commit_callbacks(execute=True):
        _assign(office_admin, advisor, student)
    assert browser.get(URL).context["query"].scope == "mine"

    with django_capture_on_commit_callbacks(execute=True):
        assignments_remove(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    assert browser.get(URL).context["query"].scope == "office"


def test_a_count_under_a_flag_is_never_cached(advisor, student, login_as):
    browser = login_as(advisor)
    assert (_count(browser, flag="no_targets"), _count(browser, stage="identified")) == (1, 0)

    # Adding a target announces nothing to the caseload's counts.
    ContactFactory(student=student, full_name="Lee Park", on_target_list=True)

    assert (_count(browser, flag="no_targets"), _count(browser, stage="identified")) == (0, 1)


def test_a_count_under_a_field_is_never_cached(advisor, student, consulting, login_as):
    browser = login_as(advisor)
    assert _count(browser, field=consulting.pk) == 0

    student_profile_get(user=student).fields.add(consulting)

    assert _count(browser, field=consulting.pk) == 1


def _field_options(browser) -> list[tuple[str, str]]:
    """The caseload form's field filter, as (value, label) after "Any"."""
    return browser.get(URL).context["form"].fields["field"].choices[1:]


def test_a_field_added_renamed_or_retired_shows_on_the_filter_at_once(
    office_admin, advisor, consulting, login_as, django_capture_on_commit_callbacks
):
    """The fields' choices are kept in the cache with the version of the office's
    fields (students.selectors.field_choices_kept), which field_save replaces."""
    browser = login_as(advisor)
    assert _field_options(browser) == [(consulting.pk, "Consulting")]
    assert _field_options(browser) == [(consulting.pk, "Consulting")]  # now from the cache

    with django_capture_on_commit_callbacks(execute=True):
        law = field_save(admin=office_admin, name="Law")
    assert _field_options(browser) == [(consulting.pk, "Consulting"), (law.pk, "Law")]
    assert f'<option value="{law.pk}">Law</option>' in browser.get(URL).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        field_save(admin=office_admin, field=consulting, name="Strategy consulting")
    assert _field_options(browser) == [(law.pk, "Law"), (consulting.pk, "Strategy consulting")]
    html = browser.get(URL).content.decode()
    assert f'<option value="{consulting.pk}">Strategy consulting</option>' in html

    with django_capture_on_commit_callbacks(execute=True):
        field_save(admin=office_admin, field=law, name="Law", is_active=False)
    assert _field_options(browser) == [(consulting.pk, "Strategy consulting")]


def test_the_default_fields_show_on_the_filter_once_seeded(
    office, advisor, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(advisor)
    assert _field_options(browser) == []

    with django_capture_on_commit_callbacks(execute=True):
        added = field_seed_defaults(office=office)

    assert added > 0
    assert len(_field_options(browser)) == added


def test_the_fields_kept_are_each_offices_own(
    office_admin, advisor, other_admin, consulting, login_as, django_capture_on_commit_callbacks
):
    medicine = FieldFactory(office=other_admin.office, name="Medicine")
    assert _field_options(login_as(advisor)) == [(consulting.pk, "Consulting")]
    with django_capture_on_commit_callbacks(execute=True):
        field_save(admin=office_admin, name="Law")

    assert _field_options(login_as(other_admin)) == [(medicine.pk, "Medicine")]


def test_a_new_graduation_year_shows_at_once(
    advisor, student, login_as, django_capture_on_commit_callbacks
):
    browser = login_as(advisor)
    assert _count(browser, year="2028") == 0

    with django_capture_on_commit_callbacks(execute=True):
        student_profile_update(
            profile=student_profile_get(user=student),
            programme="",
            graduation_year=2028,
            fields=[],
            interest_tags=[],
            target_companies=[],
            pitch="",
        )

    assert _count(browser, year="2028") == 1


def test_the_count_is_each_advisors_own(advisor, office_admin, student, student2, login_as):
    _assign(office_admin, advisor, student)
    _assign(office_admin, office_admin, student, student2)

    assert _count(login_as(advisor)) == 1
    assert _count(login_as(office_admin)) == 2
    assert _count(login_as(advisor)) == 1


# --- CSV ------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_is_exactly_what_the_page_shows(busy, student2, advisor, login_as):
    browser = login_as(advisor)

    response = browser.get("/advising/caseload.csv", {"q": "sam", "sort": "-contacts"})

    assert response["Content-Type"] == "text/csv"
    rows = _csv(response)
    assert rows[0] == [
        "Name", "Email", "Programme", "Graduation year", "Contacts", "On target lists",
        "Requests sent", "Accepted", "Conversations held", "Thank-yous on time",
        "Thank-yous late", "Thank-yous missing", "Overdue follow-ups", "Last activity",
        "Stage", "Flags",
    ]  # fmt: skip
    assert rows[1:] == [
        [
            "Sam Student", "sam@northfield.test", "", "", "4", "1", "2", "1", "1", "0", "0",
            "0", "0", "2026-03-03 10:00", "Met", "",
        ]
    ]  # fmt: skip


def test_the_csv_export_is_logged_with_who_what_and_where(student, advisor, login_as):
    login_as(advisor).get("/advising/caseload.csv", {"scope": "office"}, REMOTE_ADDR="203.0.113.9")

    assert list(AccessRecord.objects.values_list("actor", "subject", "what", "detail", "ip")) == [
        (advisor.pk, None, "caseload_csv", "scope=office", "203.0.113.9")
    ]


def test_a_name_that_would_be_a_formula_stays_text(office, advisor, login_as):
    UserFactory(office=office, email="x@northfield.test", full_name="=HYPERLINK(1)")

    rows = _csv(login_as(advisor).get("/advising/caseload.csv"))

    assert rows[1][0] == "'=HYPERLINK(1)"


def test_students_cannot_download_the_csv(student, login_as):
    assert login_as(student).get("/advising/caseload.csv").status_code == 403
    assert not AccessRecord.objects.exists()


def test_the_role_filter_ignores_advisors_and_alumni(office, advisor, alumni, login_as):
    UserFactory(office=office, email="a2@northfield.test", full_name="Ada", role=Role.ADVISOR)

    assert _names(login_as(advisor).get(URL)) == []
