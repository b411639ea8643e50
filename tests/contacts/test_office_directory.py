"""The office's list of its volunteers at /office/directory/: 50 a page, searched
by name, email or organisation, in a constant number of queries."""

import pytest
from django.urls import reverse

from apps.accounts.enums import Role
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


@pytest.mark.parametrize("count", [1, 3, 60])
@pytest.mark.parametrize("q", ["", "vol"])
def test_office_directory_query_count(
    count, q, office, office_admin, login_as, django_assert_num_queries
):
    for n in range(count):
        volunteer_named(office, f"Vol {n:02}")
    browser = login_as(office_admin)

    # Session, user, the page's count, its rows, the alumni without a profile.
    with django_assert_num_queries(5):
        response = browser.get(URL, {"q": q})

    assert len(response.context["profiles"]) == min(count, 50)


@pytest.mark.parametrize("persona", ["advisor", "student", "alumni", "other_student"])
def test_office_directory_is_for_office_admins(persona, three, request, login_as):
    response = login_as(request.getfixturevalue(persona)).get(URL, {"q": "grace"})

    assert response.status_code == 403
