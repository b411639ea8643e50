"""The office dashboard at /advising/dashboard/: true figures on a small office built
by hand, each against the previous period, the filters, who may see it, bad input,
a query count that does not grow with the students, and one CSV per chart."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from apps.advising.dashboard import dashboard_figures
from apps.contacts.models import Contact
from apps.core.periods import Period
from apps.followups.enums import InteractionKind, Kind, Status
from apps.followups.models import FollowUp, Interaction
from apps.interviews.enums import EventKind, State
from apps.interviews.models import InterviewEvent
from apps.interviews.selectors.office import (
    volunteer_median_response,
    volunteer_ranking_for_office,
)
from apps.students.selectors import student_cohort, student_profile_get
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, volunteer_named
from tests.factories.interviews import InterviewFactory
from tests.factories.students import FieldFactory

# Tuesday 3 March 2026, 10:00 in New York (the office's zone).
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
URL = "/advising/dashboard/"
CSV_URL = "/advising/dashboard.csv"
# February 2026; the previous period is the 28 days before it, 4 to 31 January.
FEBRUARY = {"start": "2026-02-01", "end": "2026-02-28"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def at(month: int, day: int, hour: int = 14) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _contact(student, *, added: datetime, **kwargs) -> Contact:
    contact = ContactFactory(student=student, **kwargs)
    Contact.objects.filter(pk=contact.pk).update(created_at=added)
    return contact


def _interview(
    student, *, state, requested, answered=None, held=None, volunteer=None, contact=None
):
    interview = InterviewFactory(
        student=student,
        contact=contact,
        volunteer=volunteer,
        state=state,
        requested_at=requested,
        answered_at=answered,
        starts_at=held - timedelta(hours=1) if held else None,
        held_at=held,
    )
    event = InterviewEvent.objects.create(
        interview=interview, actor=student, kind=EventKind.REQUESTED
    )
    InterviewEvent.objects.filter(pk=event.pk).update(created_at=requested)
    return interview


def _thank_you(interview, *, done=None, on_time=None) -> FollowUp:
    return FollowUp.objects.create(
        student=interview.student,
        contact=interview.contact,
        interview=interview,
        kind=Kind.THANK_YOU,
        due_at=interview.held_at + timedelta(hours=24),
        status=Status.DONE if done else Status.OPEN,
        done_at=done,
        on_time=on_time,
    )


def _profile(student, programme, year):
    profile = student_profile_get(user=student)
    profile.programme, profile.graduation_year = programme, year
    profile.save()


@pytest.fixture
def office_data(office, student, student2, volunteer, consulting, other_student, other_volunteer):
    """Sam (Economics 2027), Priya (History 2028) and Quinn, who did nothing in
    February; three volunteers (Alex, Blair, Casey); another office busy too."""
    law = FieldFactory(office=office, name="Law")
    blair = volunteer_named(office, "Blair Brown")
    volunteer_named(office, "Casey Cole")
    quinn = UserFactory(office=office, email="quinn@northfield.test", full_name="Quinn Quiet")
    _profile(student, "Economics", 2027)
    _profile(student2, "History", 2028)

    # Sam: ranked a contact in January; in February two requests to contacts of
    # his own (one declined) and one to Alex, two meetings held: one thanked on
    # time, one not thanked at all.
    _contact(student, added=at(1, 10), full_name="Lee Park", on_target_list=True)
    _contact(student, added=at(2, 8), full_name="Lou Law", field=law)
    met = _interview(
        student,
        volunteer=volunteer,
        state=State.COMPLETED,
        requested=at(2, 3),
        answered=at(2, 3, 18),
        held=at(2, 10, 15),
    )
    _thank_you(met, done=at(2, 10, 20), on_time=True)
    _interview(student, state=State.DECLINED, requested=at(2, 5), answered=at(2, 6))
    unthanked = _interview(
        student, state=State.COMPLETED, requested=at(2, 20), answered=at(2, 21), held=at(2, 24, 15)
    )
    _thank_you(unthanked)

    # Priya: ranked a contact in February, asked Blair (held, thanked late) and
    # logged a call with them afterwards; Alex declined her in January.
    _contact(student2, added=at(2, 2), full_name="Kim Roe", field=consulting, on_target_list=True)
    _contact(student2, added=at(2, 9), full_name="Lane Law", field=law)
    with_blair = _interview(
        student2,
        volunteer=blair,
        state=State.COMPLETED,
        requested=at(2, 12),
        answered=at(2, 12, 16),
        held=at(2, 17, 15),
    )
    _thank_you(with_blair, done=at(2, 19, 12), on_time=False)
    Interaction.objects.create(
        student=student2,
        contact=with_blair.contact,
        kind=InteractionKind.CALL,
        occurred_at=at(2, 20),
    )
    _interview(
        student2, volunteer=volunteer, state=State.DECLINED, requested=at(1, 10), answered=at(1, 11)
    )

    # Quinn added a contact in January and has been quiet since.
    _contact(quinn, added=at(1, 15), full_name="Mo Chen")

    # Another office, as busy in February: none of it may count.
    _contact(other_student, added=at(2, 2), full_name="Ola Target", on_target_list=True)
    theirs = _interview(
        other_student,
        volunteer=other_volunteer,
        state=State.COMPLETED,
        requested=at(2, 10),
        answered=at(2, 10, 15),
        held=at(2, 15, 15),
    )
    _thank_you(theirs, done=at(2, 15, 18), on_time=True)
    return office


def _headlines(response) -> dict:
    return {
        f["key"]: (f["value"], f["previous"], f["change"]) for f in response.context["headlines"]
    }


def _funnel(response) -> list:
    return [(f.label, f.value, f.previous) for f in response.context["figures"].funnel]


# --- The figures ----------------------------------------------------------------------


def test_the_funnel_counts_students_at_each_step_in_each_period(office_data, advisor, login_as):
    response = login_as(advisor).get(URL, FEBRUARY)

    assert response.status_code == 200
    assert response.context["figures"].students == 3
    assert _funnel(response) == [
        ("Have a target list", 2, 1),
        ("Sent a request", 2, 1),
        ("Had a request accepted", 2, 0),
        ("Held a conversation", 2, 0),
        ("Thanked on time", 1, 0),
        ("Kept in touch", 1, 0),
    ]


def test_headline_figures_against_the_previous_period(office_data, advisor, login_as):
    response = login_as(advisor).get(URL, FEBRUARY)

    assert _headlines(response) == {
        "requests": ("4", "1", "+300%"),
        "acceptance": ("75%", "0%", "+75 pts"),
        "held": ("3", "0", "new"),
        "on_time": ("33%", "–", "–"),
        "inactive": ("1", "0", "new"),
    }
    page = response.content.decode()
    assert "vs previous period: +300%" in page
    # When they were computed, in the advisor's zone.
    assert "Figures as of 10:00" in page


def test_conversations_and_thank_yous_week_by_week(office_data, advisor, login_as):
    figures = login_as(advisor).get(URL, FEBRUARY).context["figures"]

    assert figures.unit == "week"
    assert [(b.start.isoformat(), b.value) for b in figures.conversations] == [
        ("2026-01-26", 0),
        ("2026-02-02", 0),
        ("2026-02-09", 1),
        ("2026-02-16", 1),
        ("2026-02-23", 1),
    ]
    assert [(b.on_time, b.late, b.missing, b.rate) for b in figures.thank_yous] == [
        (0, 0, 0, None),
        (0, 0, 0, None),
        (1, 0, 0, 100.0),
        (0, 1, 0, 0.0),
        (0, 0, 1, 0.0),
    ]


def test_a_long_range_is_shown_month_by_month(office_data, office):
    figures = dashboard_figures(
        office=office, start=datetime(2025, 8, 1).date(), end=datetime(2026, 2, 28).date()
    )

    assert figures.unit == "month"
    assert [(b.start.isoformat(), b.value) for b in figures.conversations][-2:] == [
        ("2026-01-01", 0),
        ("2026-02-01", 3),
    ]


def test_top_fields_by_students_then_contacts(office_data, advisor, login_as):
    figures = login_as(advisor).get(URL, FEBRUARY).context["figures"]

    assert [(r["field__name"], r["students"], r["contacts"]) for r in figures.fields] == [
        ("Law", 2, 2),
        ("Consulting", 1, 1),
    ]


def test_volunteer_engagement(office_data, advisor, login_as):
    response = login_as(advisor).get(URL, FEBRUARY)
    engagement = response.context["figures"].engagement

    assert (engagement.volunteers, engagement.asked) == (3, 2)
    assert (engagement.received.value, engagement.received.previous) == (2, 1)
    assert (engagement.acceptance.value, engagement.acceptance.previous) == (100.0, 0.0)
    assert engagement.median_response.value == timedelta(hours=3)
    assert engagement.median_response.previous == timedelta(hours=24)
    assert [(r["user__full_name"], r["requests"]) for r in engagement.most] == [
        ("Alex Alumni", 1),
        ("Blair Brown", 1),
        ("Casey Cole", 0),
    ]
    assert engagement.least == []  # all three are among the five most asked
    assert (engagement.busiest, engagement.busiest_requests) == (1, 1)
    assert (engagement.busiest_share, round(engagement.even_share)) == (50.0, 33)
    assert [f["change"] for f in response.context["engagement"]] == ["+100%", "+100 pts", "−88%"]


def test_the_least_asked_volunteers(office_data, office):
    cohort = student_cohort(office_id=office.pk)
    february = Period(start=at(2, 1, 5), end=at(3, 1, 5))

    most = volunteer_ranking_for_office(cohort=cohort, period=february, most=True, limit=1)
    least = volunteer_ranking_for_office(cohort=cohort, period=february, most=False, limit=1)

    assert [(r["user__full_name"], r["requests"], r["volunteers"]) for r in most] == [
        ("Alex Alumni", 1, 3)
    ]
    assert [(r["user__full_name"], r["requests"]) for r in least] == [("Casey Cole", 0)]


def test_the_median_of_an_even_and_an_odd_number_of_answers(office, student, volunteer):
    alex = ContactFactory(student=student, volunteer=volunteer, full_name="Alex Alumni")
    for hours in (1, 2, 10):
        _interview(
            student,
            volunteer=volunteer,
            contact=alex,
            state=State.DECLINED,
            requested=at(2, 3 + hours),
            answered=at(2, 3 + hours) + timedelta(hours=hours),
        )
    cohort = student_cohort(office_id=office.pk)

    odd = volunteer_median_response(cohort=cohort, periods=[Period(at(2, 1), at(3, 1))])
    even = volunteer_median_response(cohort=cohort, periods=[Period(at(2, 1), at(2, 10))])

    assert odd == [timedelta(hours=2)]
    assert even == [timedelta(hours=1, minutes=30)]


# --- Filters --------------------------------------------------------------------------


def test_the_programme_filter_narrows_every_figure(office_data, advisor, login_as):
    response = login_as(advisor).get(URL, {**FEBRUARY, "programme": "Economics"})

    figures = response.context["figures"]
    assert figures.students == 1
    assert _headlines(response)["requests"] == ("3", "0", "new")
    assert [b.value for b in figures.conversations] == [0, 0, 1, 0, 1]
    assert figures.engagement.received.value == 1
    assert [(r["field__name"], r["students"]) for r in figures.fields] == [("Law", 1)]


def test_the_graduation_year_filter(office_data, advisor, login_as):
    response = login_as(advisor).get(URL, {**FEBRUARY, "year": "2028"})

    assert response.context["figures"].students == 1
    assert _funnel(response)[0] == ("Have a target list", 1, 0)
    assert _headlines(response)["requests"] == ("1", "1", "±0%")


def test_the_presets(office_data, advisor, login_as):
    browser = login_as(advisor)

    default = browser.get(URL).context["figures"]
    term = browser.get(URL, {"range": "term"}).context["figures"]
    year = browser.get(URL, {"range": "12m"}).context["figures"]

    assert (default.first.isoformat(), default.last.isoformat()) == ("2026-02-02", "2026-03-03")
    assert (term.first.isoformat(), term.last.isoformat()) == ("2026-01-01", "2026-03-03")
    assert (year.first.isoformat(), year.last.isoformat()) == ("2025-03-04", "2026-03-03")
    assert year.unit == "month"


# --- Who may see it -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["student", "alumni", "other_student", "other_alumni"])
def test_students_and_volunteers_get_403(persona, request, login_as, volunteer):
    browser = login_as(request.getfixturevalue(persona))

    assert browser.get(URL).status_code == 403
    assert browser.get(CSV_URL, {"chart": "funnel"}).status_code == 403


def test_a_visitor_is_sent_to_sign_in(nobody):
    response = nobody.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_office_admins_see_it_too(office_data, office_admin, login_as):
    response = login_as(office_admin).get(URL, FEBRUARY)

    assert response.status_code == 200
    assert _headlines(response)["requests"][0] == "4"


def test_another_office_sees_only_its_own(office_data, other_admin, login_as):
    response = login_as(other_admin).get(URL, FEBRUARY)

    figures = response.context["figures"]
    assert figures.students == 1
    assert _headlines(response)["requests"] == ("1", "0", "new")
    assert [(r["user__full_name"], r["requests"]) for r in figures.engagement.most] == [
        ("Ola Alumni", 1)
    ]
    assert figures.fields == []
    page = response.content.decode()
    assert "Alex Alumni" not in page and "Blair Brown" not in page


def test_the_dashboard_is_in_the_advisors_navigation(advisor, student, login_as):
    advisor_page = login_as(advisor).get(URL)
    student_page = login_as(student).get("/home/", follow=True)

    assert [(i["label"], i["active"]) for i in advisor_page.context["nav_items"]] == [
        ("Caseload", False),
        ("Dashboard", True),
    ]
    assert "Dashboard" not in [str(i["label"]) for i in student_page.context["nav_items"]]


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-02-28", "end": "2026-02-01"}, "The start date must be on or before"),
        ({"start": "soon", "end": "2026-02-01"}, "From: Enter a valid date."),
        ({"start": "2020-01-01", "end": "2026-02-01"}, "Choose a period of at most three years."),
        ({"start": "2026-02-01"}, "Enter both dates, or choose a period."),
        ({"start": "1900-01-01", "end": "1900-02-01"}, "Choose dates between 1 January 2000"),
        ({"range": "forever"}, "Select a valid choice."),
        (
            {"programme": "Astrology"},
            "Programme: Select a valid choice. Astrology is not one of the available choices.",
        ),
        ({"year": "next"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_a_clear_message_not_an_error(params, message, office_data, advisor, login_as):
    response = login_as(advisor).get(URL, params)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "figures" not in response.context
    assert "Headline figures" not in page


def test_an_unknown_chart_is_404(office_data, advisor, login_as):
    browser = login_as(advisor)

    assert browser.get(CSV_URL, {"chart": "secrets"}).status_code == 404
    assert browser.get(CSV_URL).status_code == 404


def test_a_csv_with_bad_dates_is_400(office_data, advisor, login_as):
    response = login_as(advisor).get(CSV_URL, {"chart": "funnel", "start": "x", "end": "y"})

    assert response.status_code == 400


# --- Queries and the cache ------------------------------------------------------------


@pytest.mark.parametrize("students", [1, 3, 50])
def test_the_query_count_does_not_depend_on_the_number_of_students(
    students, office, volunteer, consulting, advisor, login_as, django_assert_num_queries
):
    for n in range(students):
        someone = UserFactory(office=office, email=f"s{n}@northfield.test", full_name=f"S {n}")
        _profile(someone, "Economics", 2027)
        _contact(someone, added=at(2, 2), field=consulting, on_target_list=True)
        held = _interview(
            someone,
            volunteer=volunteer,
            state=State.COMPLETED,
            requested=at(2, 3),
            answered=at(2, 4),
            held=at(2, 10),
        )
        _thank_you(held, done=at(2, 10, 20), on_time=True)
    browser = login_as(advisor)

    # Session, user, the programmes of the filter; then the figures: contacts,
    # interviews, thank-yous, the students who followed up, students and the
    # inactive, two series, volunteers, the median, most and least asked, the
    # busiest tenth, top fields.
    with django_assert_num_queries(16):
        response = browser.get(URL, {**FEBRUARY, "programme": "Economics"})

    assert response.status_code == 200
    assert response.context["figures"].students == students
    assert _headlines(response)["held"][0] == str(students)


def test_figures_are_cached_and_refresh_recomputes(
    office_data, advisor, login_as, time_machine, django_assert_num_queries
):
    browser = login_as(advisor)
    browser.get(URL, FEBRUARY)
    time_machine.move_to(NOW + timedelta(minutes=2), tick=False)
    # A staff session notes when it was last used at most once a minute
    # (accounts.mfa); let another request write that, so the count below is the page's.
    browser.get("/healthz")

    # The session and the user: the figures and the programme choices are cached.
    with django_assert_num_queries(2):
        cached = browser.get(URL, FEBRUARY)
    fresh = browser.get(URL, {**FEBRUARY, "refresh": "1"})

    assert "Figures as of 10:00" in cached.content.decode()
    assert "Figures as of 10:02" in fresh.content.decode()


# --- CSV ------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_funnel_csv(office_data, advisor, login_as):
    response = login_as(advisor).get(CSV_URL, {**FEBRUARY, "chart": "funnel"})

    assert response["Content-Type"] == "text/csv"
    assert "dashboard-funnel-20260201-20260228.csv" in response["Content-Disposition"]
    assert _csv(response) == [
        ["Step", "This period", "Previous period", "Change"],
        ["Students", "3", "3", ""],
        ["Have a target list", "2", "1", "up 100%"],
        ["Sent a request", "2", "1", "up 100%"],
        ["Had a request accepted", "2", "0", "new"],
        ["Held a conversation", "2", "0", "new"],
        ["Thanked on time", "1", "0", "new"],
        ["Kept in touch", "1", "0", "new"],
    ]


def test_the_series_csvs(office_data, advisor, login_as):
    browser = login_as(advisor)

    held = _csv(browser.get(CSV_URL, {**FEBRUARY, "chart": "conversations"}))
    thanks = _csv(browser.get(CSV_URL, {**FEBRUARY, "chart": "thank_yous"}))

    assert held == [
        ["Week of", "Conversations held"],
        ["2026-01-26", "0"],
        ["2026-02-02", "0"],
        ["2026-02-09", "1"],
        ["2026-02-16", "1"],
        ["2026-02-23", "1"],
    ]
    assert thanks[0] == ["Week of", "On time", "Late", "Missing", "On-time rate"]
    assert thanks[3:] == [["2026-02-09", "1", "0", "0", "100"], ["2026-02-16", "0", "1", "0", "0"],
                          ["2026-02-23", "0", "0", "1", "0"]]  # fmt: skip


def test_the_volunteers_and_summary_csvs(office_data, advisor, login_as):
    browser = login_as(advisor)

    volunteers = _csv(browser.get(CSV_URL, {**FEBRUARY, "chart": "volunteers"}))
    summary = _csv(browser.get(CSV_URL, {**FEBRUARY, "chart": "summary"}))

    assert volunteers == [
        ["List", "Volunteer", "Employer", "Requests received"],
        ["Most asked", "Alex Alumni", "Acme Analytics", "1"],
        ["Most asked", "Blair Brown", "", "1"],
        ["Most asked", "Casey Cole", "", "0"],
    ]
    assert ["Median time to answer", "3 hours", "24 hours", "down 88%"] in summary
    assert ["Thank-yous on time", "33%", "–", "–"] in summary


def test_csv_cells_that_would_be_formulas_stay_text(office, student, advisor, login_as):
    field = FieldFactory(office=office, name="=HYPERLINK(1)")
    _contact(student, added=at(2, 2), field=field)

    rows = _csv(login_as(advisor).get(CSV_URL, {**FEBRUARY, "chart": "fields"}))

    assert rows == [["Field", "Students", "Contacts added"], ["'=HYPERLINK(1)", "1", "1"]]


def test_another_offices_csv_holds_none_of_ours(office_data, other_admin, login_as):
    rows = _csv(login_as(other_admin).get(CSV_URL, {**FEBRUARY, "chart": "volunteers"}))

    assert rows == [
        ["List", "Volunteer", "Employer", "Requests received"],
        ["Most asked", "Ola Alumni", "Acme Analytics", "1"],
    ]
