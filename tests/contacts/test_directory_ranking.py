"""The student's directory ranking kept in the cache (contacts.directory, RANKING_TTL):
whatever changes who is in the directory or where they rank shows on the next page
at once, and nobody of another office ever appears.

Changes are made through the services inside django_capture_on_commit_callbacks, as
in production, where the office's directory version is replaced after commit."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.enums import Approval
from apps.accounts.models import User
from apps.accounts.services import member_set_active, volunteer_decide
from apps.contacts import directory
from apps.contacts.directory import DirectoryFilters, directory_page_for_student
from apps.contacts.erasure import volunteer_erase
from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import (
    volunteer_deactivate,
    volunteer_pause,
    volunteer_profile_update,
    volunteer_reactivate,
    volunteer_stats_record_request,
)
from apps.students.selectors import student_profile_get
from apps.students.services import student_profile_update
from tests.factories.contacts import volunteer_named
from tests.factories.students import FieldFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/directory/"


def names(response):
    return [v.user.full_name for v in response.context["page"].object_list]


def found(response) -> int:
    return response.context["page"].paginator.count


@pytest.fixture
def three(office):
    return [volunteer_named(office, name) for name in ("Ann A", "Bo B", "Cy C")]


@pytest.fixture
def browser(login_as, student):
    return login_as(student)


def test_directory_ranking_second_page_load_does_not_rank_again(
    browser, three, django_assert_num_queries
):
    first = browser.get(DIRECTORY)

    # The first load's 7 but the ranking, the majors and the fields.
    with django_assert_num_queries(4):
        again = browser.get(DIRECTORY)

    assert names(again) == names(first) == ["Ann A", "Bo B", "Cy C"]
    assert found(again) == 3


def test_directory_volunteer_pausing_disappears_at_once(
    browser, three, django_capture_on_commit_callbacks
):
    browser.get(DIRECTORY)
    bo = three[1]

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_pause(user=bo.user, profile=bo, until=timezone.localdate() + timedelta(days=3))
    response = browser.get(DIRECTORY)

    assert (names(response), found(response)) == (["Ann A", "Cy C"], 2)
    assert "2 volunteers found" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_pause(user=bo.user, profile=bo, until=None)

    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B", "Cy C"]


def test_directory_volunteer_who_left_is_never_shown_even_if_the_change_was_missed(browser, three):
    browser.get(DIRECTORY)
    # Written behind the services' back: the office's version is not replaced.
    VolunteerProfile.objects.filter(pk=three[0].pk).update(accepting_requests=False)
    User.objects.filter(pk=three[2].user_id).update(is_active=False)

    assert names(browser.get(DIRECTORY)) == ["Bo B"]


def test_directory_new_volunteer_appears_at_once(
    browser, office, three, django_capture_on_commit_callbacks
):
    browser.get(DIRECTORY)

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_named(office, "Al Newcomer")
    response = browser.get(DIRECTORY)

    assert (names(response), found(response)) == (["Al Newcomer", "Ann A", "Bo B", "Cy C"], 4)


def test_directory_volunteer_approved_by_the_office_appears_at_once(
    browser, office, office_admin, three, django_capture_on_commit_callbacks
):
    waiting = volunteer_named(office, "Al Waiting", approval=Approval.PENDING)
    assert "Al Waiting" not in names(browser.get(DIRECTORY))

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_decide(admin=office_admin, volunteer=waiting.user, approve=True)

    assert names(browser.get(DIRECTORY))[0] == "Al Waiting"


def test_directory_account_deactivated_and_reactivated_shows_at_once(
    browser, office_admin, three, django_capture_on_commit_callbacks
):
    browser.get(DIRECTORY)
    ann = three[0]

    with django_capture_on_commit_callbacks(execute=True):
        member_set_active(admin=office_admin, member=ann.user, active=False)
    response = browser.get(DIRECTORY)
    assert (names(response), found(response)) == (["Bo B", "Cy C"], 2)

    with django_capture_on_commit_callbacks(execute=True):
        member_set_active(admin=office_admin, member=ann.user, active=True)
    response = browser.get(DIRECTORY)
    assert (names(response), found(response)) == (["Ann A", "Bo B", "Cy C"], 3)


def test_directory_profile_deactivated_reactivated_or_erased_shows_at_once(
    browser, office_admin, three, django_capture_on_commit_callbacks
):
    ann, bo, _ = three
    browser.get(DIRECTORY)

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_deactivate(admin=office_admin, profile=ann)
    assert found(browser.get(DIRECTORY)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_reactivate(admin=office_admin, profile=ann)
    assert found(browser.get(DIRECTORY)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_erase(bo.user)
    response = browser.get(DIRECTORY)
    assert (names(response), found(response)) == (["Ann A", "Cy C"], 2)


def test_directory_request_counted_against_capacity_reorders_at_once(
    browser, office, django_capture_on_commit_callbacks
):
    ann = volunteer_named(office, "Ann A", capacity_per_month=1)
    volunteer_named(office, "Bo B", capacity_per_month=1)
    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B"]

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_stats_record_request(profile=ann)
    response = browser.get(DIRECTORY)

    # Fully booked sinks to the end.
    assert [(v.user.full_name, v.fit_score) for v in response.context["page"].object_list] == [
        ("Bo B", 1.0),
        ("Ann A", 0.0),
    ]
    accepting = browser.get(DIRECTORY, {"accepting": "on"})
    assert names(accepting) == ["Bo B"]


def test_directory_edited_profile_moves_at_once(
    browser, office, student, django_capture_on_commit_callbacks
):
    consulting = FieldFactory(office=office, name="Consulting")
    student_profile_update(
        profile=student_profile_get(user=student), programme="", graduation_year=None,
        fields=[consulting], interest_tags=[], target_companies=[], pitch="",
    )  # fmt: skip
    volunteer_named(office, "Ann A")
    bo = volunteer_named(office, "Bo B")
    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B"]

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_profile_update(user=bo.user, profile=bo, fields=[consulting])

    assert names(browser.get(DIRECTORY)) == ["Bo B", "Ann A"]
    assert names(browser.get(DIRECTORY, {"field": consulting.pk})) == ["Bo B"]


def test_directory_students_own_interests_reorder_at_once(browser, office, student):
    law = FieldFactory(office=office, name="Law")
    volunteer_named(office, "Ann A")
    volunteer_named(office, "Bo B", fields=[law])
    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B"]

    # No version is replaced: the student's fields are part of the ranking's key.
    student_profile_update(
        profile=student_profile_get(user=student), programme="", graduation_year=None,
        fields=[law], interest_tags=[], target_companies=[], pitch="",
    )  # fmt: skip

    assert names(browser.get(DIRECTORY)) == ["Bo B", "Ann A"]


def test_directory_another_offices_volunteer_never_appears(
    browser,
    login_as,
    office,
    other_office,
    other_student,
    three,
    django_capture_on_commit_callbacks,
):
    olga = volunteer_named(other_office, "Olga Other")
    # The other office's student, with the same (no) interests, ranks first.
    theirs = login_as(other_student).get(DIRECTORY)
    assert names(theirs) == ["Olga Other"]

    ours = browser.get(DIRECTORY)
    assert (names(ours), found(ours)) == (["Ann A", "Bo B", "Cy C"], 3)
    assert "Olga" not in ours.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        volunteer_profile_update(user=olga.user, profile=olga, employer="Ann A Consulting")
    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B", "Cy C"]
    assert names(browser.get(DIRECTORY, {"q": "consulting"})) == []
    assert names(login_as(other_student).get(DIRECTORY)) == ["Olga Other"]


def test_directory_filters_and_search_after_the_default_page_was_kept(browser, office):
    volunteer_named(office, "Ann A", location="Denver", employer="Globex")
    volunteer_named(office, "Bo B", location="Boston", topics="freelancing")
    volunteer_named(office, "Cy C", location="Denver", topics="freelance design")
    assert found(browser.get(DIRECTORY)) == 3

    assert names(browser.get(DIRECTORY, {"location": "denver"})) == ["Ann A", "Cy C"]
    assert names(browser.get(DIRECTORY, {"q": "globex"})) == ["Ann A"]
    assert sorted(names(browser.get(DIRECTORY, {"q": "freelanc"}))) == ["Bo B", "Cy C"]
    assert names(browser.get(DIRECTORY, {"q": "freelanc", "location": "Denver"})) == ["Cy C"]
    # And the same again, now from the cache.
    assert names(browser.get(DIRECTORY, {"location": "denver"})) == ["Ann A", "Cy C"]
    assert names(browser.get(DIRECTORY, {"q": "globex"})) == ["Ann A"]
    assert found(browser.get(DIRECTORY)) == 3


def test_directory_htmx_results_come_from_the_same_ranking(browser, three):
    browser.get(DIRECTORY)

    partial = browser.get(DIRECTORY, {"q": "bo"}, headers={"HX-Request": "true"})

    assert names(partial) == ["Bo B"]
    assert "<html" not in partial.content.decode()


def test_directory_pause_running_out_at_midnight_shows_the_volunteer_next_day(
    browser, office, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 12, 9, 12, tzinfo=UTC), tick=False)
    ann = volunteer_named(office, "Ann A")
    volunteer_named(office, "Bo B")
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_pause(user=ann.user, profile=ann, until=timezone.localdate() + timedelta(days=1))
    assert names(browser.get(DIRECTORY)) == ["Bo B"]

    # Nothing is written when a pause runs out: the day is part of the key.
    time_machine.move_to(datetime(2026, 12, 11, 12, tzinfo=UTC), tick=False)

    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B"]


def test_directory_capacity_freed_by_a_new_month_shows_at_once(
    browser, office, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    ann = volunteer_named(office, "Ann A", capacity_per_month=1)
    volunteer_named(office, "Bo B", capacity_per_month=2)
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_stats_record_request(profile=ann)
    assert names(browser.get(DIRECTORY)) == ["Bo B", "Ann A"]

    # 1 December in New York, the office's time zone: nothing is written.
    time_machine.move_to(datetime(2026, 12, 1, 6, tzinfo=UTC), tick=False)

    assert names(browser.get(DIRECTORY)) == ["Ann A", "Bo B"]


def test_directory_deep_pages_read_the_rest_of_the_ranking(
    student, office, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(directory, "RANKING_HEAD", 3)
    for n in range(7):
        volunteer_named(office, f"Vol {n}")

    def page(number):
        shown = directory_page_for_student(student=student, page_number=number, per_page=2)
        return [v.user.full_name for v in shown.object_list], shown.number

    assert page(3) == (["Vol 4", "Vol 5"], 3)  # ranks everyone and keeps them
    with django_assert_num_queries(2):  # interests, the page's rows with their fields
        assert page(1) == (["Vol 0", "Vol 1"], 1)
    with django_assert_num_queries(2):
        assert page(2) == (["Vol 2", "Vol 3"], 2)
    with django_assert_num_queries(2):
        assert page(4) == (["Vol 6"], 4)
    with django_assert_num_queries(2):
        assert page(99) == (["Vol 6"], 4)


def test_directory_ranking_is_ranked_again_when_the_rest_is_gone(student, office, monkeypatch):
    monkeypatch.setattr(directory, "RANKING_HEAD", 2)
    for n in range(5):
        volunteer_named(office, f"Vol {n}")
    directory_page_for_student(student=student, per_page=2)
    key = directory._ranking_key(
        office=student.office, filters=DirectoryFilters(),
        interests=directory.student_interests(student), terms=(),
    )  # fmt: skip
    assert cache.delete(f"{key}:tail")

    shown = directory_page_for_student(student=student, page_number=3, per_page=2)

    assert [v.user.full_name for v in shown.object_list] == ["Vol 4"]
    assert shown.paginator.count == 5


def _entry(key: str) -> str:
    # A key without its office and digest: "directory-ranking", "students:field-choices".
    return ":".join(key.split(":")[:2]) if key.startswith("students:") else key.split(":")[0]


def _directory_reads(monkeypatch) -> list:
    """The cache reads of directory entries (the ranking, its version, the majors) and
    of the office's field choices from now on, by method: the session's and the
    user's reads are left out."""
    reads, depth = [], [0]
    for method in ("get", "get_many"):
        original = getattr(cache, method)

        def read(keys, *args, _method=method, _original=original, **kwargs):
            named = [keys] if isinstance(keys, str) else list(keys)
            # A cache without get_many of its own (locmem) gets each key: one read.
            if not depth[0] and any(key.startswith("directory-") for key in named):
                reads.append((_method, [_entry(key) for key in named]))
            depth[0] += 1
            try:
                return _original(keys, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(cache, method, read)
    return reads


def test_the_page_reads_its_ranking_majors_and_fields_in_one_cache_round_trip(
    login_as, student, office, three, monkeypatch
):
    volunteer_named(office, "Di D", programme="Maths")
    browser = login_as(student)
    FieldFactory(office=office, name="Geology")
    browser.get(DIRECTORY)  # ranked and kept, the majors and the fields too
    reads = _directory_reads(monkeypatch)

    page = browser.get(DIRECTORY)
    partial = browser.get(DIRECTORY, {"page": "1"}, headers={"HX-Request": "true"})
    major = browser.get(DIRECTORY, {"major": "maths"})

    ranking = ["directory-version", "directory-ranking"]
    fields = ["students:fields-version", "students:field-choices"]
    one = ("get_many", [*ranking, "directory-majors", *fields])
    # The partial offers neither; a major asked for is checked against the majors first.
    assert reads == [
        one,
        ("get_many", ranking),
        ("get", ["directory-majors"]),
        ("get_many", [*ranking, *fields]),
    ]
    assert '<option value="Maths">Maths</option>' in page.content.decode()
    assert ">Geology</option>" in page.content.decode()
    assert partial.status_code == 200
    assert '<option value="Maths" selected>Maths</option>' in major.content.decode()
