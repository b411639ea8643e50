"""The office's list of its volunteers at /office/directory/: 50 a page, searched
by name, email or organisation, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from apps.accounts.enums import Role
from apps.accounts.services import user_update_profile, volunteer_decide
from apps.advising.rights import account_erase
from apps.contacts.directory import (
    _office_version,
    office_directory_changed,
    office_directory_summary,
)
from apps.contacts.models import VolunteerProfile
from apps.contacts.volunteers import (
    volunteer_deactivate,
    volunteer_pause,
    volunteer_profile_get_or_create,
)
from tests.factories.accounts import UserFactory
from tests.factories.contacts import volunteer_named

pytestmark = pytest.mark.django_db

URL = "/office/directory/"


def _names(response) -> list[str]:
    return [p.user.full_name for p in response.context["profiles"]]


@pytest.fixture
def three(office):
    return [
        volunteer_named(office, "Ada Lovelace", employer="Analytical Engines"),
        volunteer_named(office, "Grace Hopper", employer="Navy Computing"),
        volunteer_named(office, "Katherine Johnson", email="kj@nasa.test", employer="NASA"),
    ]


def test_the_route_is_the_office_directory():
    assert reverse("office_directory") == URL


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("grace", ["Grace Hopper"]),
        ("NASA.TEST", ["Katherine Johnson"]),
        ("engines", ["Ada Lovelace"]),
        ("  computing ", ["Grace Hopper"]),
        ("", ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]),
        ("nobody-like-this", []),
    ],
)
def test_office_directory_search(q, expected, three, office_admin, login_as):
    response = login_as(office_admin).get(URL, {"q": q})

    assert response.status_code == 200
    assert _names(response) == expected


def test_office_directory_search_never_reaches_another_office(
    three, office_admin, other_office, login_as
):
    volunteer_named(other_office, "Grace Other", employer="Navy Computing")

    response = login_as(office_admin).get(URL, {"q": "navy"})

    assert _names(response) == ["Grace Hopper"]
    assert "Grace Other" not in response.content.decode()


def test_office_directory_search_too_long_is_400(office_admin, login_as):
    response = login_as(office_admin).get(URL, {"q": "x" * 101})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "q": ["Ensure this value has at most 100 characters (it has 101)."]
    }


def test_office_directory_pages_fifty_at_a_time_keeping_the_search(office, office_admin, login_as):
    for n in range(55):
        volunteer_named(office, f"Vol {n:02}", employer="Acme")
    browser = login_as(office_admin)

    first = browser.get(URL, {"q": "acme"})
    second = browser.get(URL, {"q": "acme", "page": "2"})

    assert len(first.context["profiles"]) == 50
    assert _names(second) == [f"Vol {n:02}" for n in range(50, 55)]
    assert 'href="?q=acme&amp;page=2"' in first.content.decode()


def test_office_directory_names_at_most_fifty_without_a_profile(office, office_admin, login_as):
    for n in range(52):
        UserFactory(office=office, role=Role.ALUMNI, full_name=f"Alum {n:02}")

    response = login_as(office_admin).get(URL)

    assert len(response.context["without_profile"]) == 50
    assert response.context["without_profile_count"] == 52
    assert "The first 50 of 52" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3, 50, 60])
@pytest.mark.parametrize(("q", "cold", "warm"), [("", 5, 3), ("vol", 6, 4)])
def test_office_directory_query_count(
    count, q, cold, warm, office, office_admin, login_as, django_assert_num_queries
):
    for n in range(count):
        volunteer_named(office, f"Vol {n:02}")
    browser = login_as(office_admin)

    # Session, user, the office's figures (its volunteers, the alumni without a
    # profile: read once, then cached), the search's count, the page's rows.
    with django_assert_num_queries(cold):
        response = browser.get(URL, {"q": q})
    with django_assert_num_queries(warm):
        again = browser.get(URL, {"q": q})

    assert len(response.context["profiles"]) == min(count, 50)
    assert _names(again) == _names(response)
    assert again.context["page"].paginator.count == count


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni", "other_student"])
def test_office_directory_is_for_office_admins(persona, three, request, login_as):
    response = login_as(request.getfixturevalue(persona)).get(URL, {"q": "grace"})

    assert response.status_code == 403


# --- The office's figures come from the cache: every change shows at once ------------


def _count(browser) -> int:
    return browser.get(URL).context["page"].paginator.count


def test_office_directory_counts_a_new_volunteer_at_once(three, office, office_admin, login_as):
    browser = login_as(office_admin)
    assert _count(browser) == 3

    volunteer_named(office, "Dorothy Vaughan")

    response = browser.get(URL)
    assert response.context["page"].paginator.count == 4
    assert "4 volunteers" in response.content.decode()


def test_office_directory_forgets_a_deleted_volunteer_at_once(three, office_admin, login_as):
    browser = login_as(office_admin)
    assert _count(browser) == 3

    three[0].user.delete()

    assert _count(browser) == 2


def test_office_directory_names_an_approved_alumnus_at_once(
    three, office_admin, pending_alumni, login_as
):
    browser = login_as(office_admin)
    assert browser.get(URL).context["without_profile"] == []

    volunteer_decide(admin=office_admin, volunteer=pending_alumni, approve=True)

    assert browser.get(URL).context["without_profile"] == ["Pat Pending"]


def test_office_directory_moves_an_alumnus_who_opens_a_profile_at_once(
    three, office_admin, alumni, login_as
):
    browser = login_as(office_admin)
    assert browser.get(URL).context["without_profile"] == ["Alex Alumni"]

    volunteer_profile_get_or_create(user=alumni)

    response = browser.get(URL)
    assert response.context["without_profile"] == []
    assert response.context["page"].paginator.count == 4


def test_office_directory_shows_a_new_name_at_once(three, office_admin, alumni, login_as):
    browser = login_as(office_admin)
    assert browser.get(URL).context["without_profile"] == ["Alex Alumni"]

    user_update_profile(user=alumni, full_name="Alexandra Alumni", time_zone="UTC")

    assert browser.get(URL).context["without_profile"] == ["Alexandra Alumni"]


def test_office_directory_shows_an_erasure_at_once(three, office_admin, alumni, login_as):
    browser = login_as(office_admin)
    assert browser.get(URL).context["without_profile"] == ["Alex Alumni"]

    # The account's name is changed by an UPDATE, which no model signal sees.
    assert account_erase(user_id=alumni.pk, actor=office_admin, reason="asked")

    assert browser.get(URL).context["without_profile"] == ["A former volunteer"]


def test_office_directory_change_is_seen_again_after_the_commit(
    office, django_capture_on_commit_callbacks
):
    # A page that read the figures between the change and its commit stored them
    # under the first new version; the commit makes another.
    before = _office_version(office.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        office_directory_changed(office_id=office.pk)
    during = _office_version(office.pk)
    for callback in callbacks:
        callback()

    assert len({before, during, _office_version(office.pk)}) == 3


def test_office_directory_figures_survive_a_sign_in(three, office, office_admin):
    summary = office_directory_summary(admin=office_admin)
    version = _office_version(office.pk)
    user = three[0].user

    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])

    assert _office_version(office.pk) == version
    assert office_directory_summary(admin=office_admin) == summary


def _figure_reads(monkeypatch) -> list:
    """The cache reads of the office list's entries from now on, by method."""
    reads, depth = [], [0]
    for method in ("get", "get_many"):
        original = getattr(cache, method)

        def read(keys, *args, _method=method, _original=original, **kwargs):
            named = [keys] if isinstance(keys, str) else list(keys)
            # A cache without get_many of its own (locmem) gets each key: one read.
            if not depth[0] and any(key.startswith("office-directory-") for key in named):
                reads.append((_method, [key.split(":")[0] for key in named]))
            depth[0] += 1
            try:
                return _original(keys, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(cache, method, read)
    return reads


def test_office_directory_figures_are_read_in_one_cache_round_trip(
    three, office, office_admin, login_as, monkeypatch, django_assert_num_queries
):
    browser = login_as(office_admin)
    browser.get(URL)  # the figures counted and kept
    reads = _figure_reads(monkeypatch)

    with django_assert_num_queries(3):  # session, user, the page's rows
        response = browser.get(URL)
    volunteer_named(office, "Dorothy Vaughan")
    changed = browser.get(URL)

    one = ("get_many", ["office-directory-version", "office-directory-summary"])
    assert reads == [one, one]
    assert response.context["page"].paginator.count == 3
    assert changed.context["page"].paginator.count == 4


def test_office_directory_figures_are_each_offices_own(
    three, office, other_office, office_admin, other_admin, login_as
):
    volunteer_named(other_office, "Olga Other")
    ours, theirs = login_as(office_admin), login_as(other_admin)
    assert (_count(ours), _count(theirs)) == (3, 1)
    version = _office_version(office.pk)

    volunteer_named(other_office, "Otto Other")

    assert _office_version(office.pk) == version
    assert (_count(ours), _count(theirs)) == (3, 2)


def test_office_directory_same_names_in_account_order(office, office_admin, login_as):
    first = volunteer_named(office, "Sam Same", email="sam1@alumni.test")
    second = volunteer_named(office, "Sam Same", email="sam2@alumni.test")

    profiles = login_as(office_admin).get(URL).context["profiles"]

    assert [p.pk for p in profiles] == [first.pk, second.pk]


def test_office_directory_pages_past_the_last_show_the_last(office, office_admin, login_as):
    for n in range(55):
        volunteer_named(office, f"Vol {n:02}")
    browser = login_as(office_admin)

    second = browser.get(URL, {"page": "2"})
    beyond = browser.get(URL, {"page": "99"})

    assert _names(second) == [f"Vol {n:02}" for n in range(50, 55)]
    assert _names(beyond) == _names(second)
    assert "Page 2 of 2" in beyond.content.decode()


def test_office_directory_rows_badges_and_actions(office, office_admin, login_as):
    paused = volunteer_named(office, "Paula Paused", employer="Acme", job_title="Analyst")
    until = timezone.localdate() + timedelta(days=7)
    volunteer_pause(user=paused.user, profile=paused, until=until)
    gone = volunteer_named(office, "Dee Deactivated", capacity_per_month=4)
    volunteer_deactivate(admin=office_admin, profile=gone)

    html = login_as(office_admin).get(URL).content.decode()

    paused_label = f"paused until {date_format(until, 'j M Y')}"
    assert f'<span class="badge text-bg-warning text-wrap">{paused_label}</span>' in html
    assert '<span class="badge text-bg-dark">deactivated</span>' in html
    assert "Analyst, Acme" in html
    assert "0 of 4 requests" in html
    assert (
        f'formaction="{reverse("office_volunteer_deactivate", args=[paused.pk])}">Deactivate'
        in html
    )
    assert (
        f'formaction="{reverse("office_volunteer_reactivate", args=[gone.pk])}">Reactivate' in html
    )


def test_office_directory_status_incomplete_and_pause_over(office, office_admin, login_as):
    # Opened but never saved: it offers no way to meet.
    empty = volunteer_profile_get_or_create(
        user=UserFactory(office=office, role=Role.ALUMNI, full_name="Ina Incomplete")
    )
    back = volunteer_named(office, "Paul Back")
    VolunteerProfile.objects.filter(pk=back.pk).update(
        paused_until=timezone.localdate() - timedelta(days=1)
    )

    profiles = login_as(office_admin).get(URL).context["profiles"]

    assert [(p.pk, p.status) for p in profiles] == [(empty.pk, "incomplete"), (back.pk, "active")]


def test_office_directory_change_survives_an_unreachable_cache(
    office, alumni, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("no cache")

    monkeypatch.setattr("apps.contacts.directory.cache.set", unreachable)

    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(user=alumni, full_name="Alexandra Alumni", time_zone="UTC")

    alumni.refresh_from_db()
    assert alumni.full_name == "Alexandra Alumni"
    # (The other caches of the office warn of their own; this list's, twice.)
    assert [r.getMessage() for r in caplog.records if r.name == "apps.contacts.directory"] == [
        f"office {office.pk}: the directory's figures kept"
    ] * 2
    assert (
        f"office {office.pk}: the membership counts kept: the cache could not be reached"
        in caplog.messages
    )
