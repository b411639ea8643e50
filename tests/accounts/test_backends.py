"""The user read on every signed-in request (accounts.backends.AccountBackend.get_user,
through core.compiled.PrimaryKeyRead): the same user and office as the ORM's
`select_related("office")` read, in one query, read afresh on every request."""

import datetime

import pytest
from django.contrib.auth import get_user
from django.db import connections
from django.test import RequestFactory
from django.utils import timezone

from apps.accounts.backends import AccountBackend, user_with_office
from apps.accounts.models import Office, User
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def _values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _orm_read(pk) -> User:
    return User.objects.select_related("office").get(pk=pk)


@pytest.fixture
def superuser(db):
    """A platform superuser: no office."""
    return User.objects.create_superuser("root@platform.test", PASSWORD, full_name="Ruth Root")


@pytest.fixture
def signed_in_request(client):
    """The request of a browser signed in as `user`, its session already read, so
    that what is counted is the user read alone."""

    def _request(user):
        client.force_login(user)
        request = RequestFactory().get("/")
        request.session = client.session
        request.session.items()
        return request

    return _request


@pytest.mark.parametrize("who", ["student", "office_admin", "superuser"])
def test_backend_user_and_office_equal_the_orm_read(who, request, django_assert_num_queries):
    person = request.getfixturevalue(who)
    # Values of every kind the two tables hold: times, dates with time, nulls.
    User.objects.filter(pk=person.pk).update(
        last_login=datetime.datetime(2026, 11, 2, 9, 30, 15, 250000, tzinfo=datetime.UTC),
        last_activity_at=timezone.now(),
    )
    Office.objects.filter(members=person).update(
        retention_years=7, quiet_hours_start=datetime.time(22, 15)
    )
    expected = _orm_read(person.pk)

    with django_assert_num_queries(1):
        user = AccountBackend().get_user(person.pk)
        office = user.office

    assert type(user) is User
    assert _values(user) == _values(expected)
    assert user.get_deferred_fields() == set()
    assert (user._state.db, user._state.adding) == ("default", False)
    if expected.office is None:
        assert office is None
    else:
        assert type(office) is Office
        assert _values(office) == _values(expected.office)
        assert office.get_deferred_fields() == set()
        assert (office._state.db, office._state.adding) == ("default", False)


def test_backend_user_is_one_query_with_its_office(
    student, signed_in_request, django_assert_num_queries
):
    request = signed_in_request(student)

    with django_assert_num_queries(1) as captured:
        user = get_user(request)
        name = user.office.name

    assert user == student
    assert name == "Northfield University Career Center"
    assert "accounts_office" in captured.captured_queries[0]["sql"]


def test_backend_inactive_user_is_signed_out(student, signed_in_request):
    request = signed_in_request(student)
    User.objects.filter(pk=student.pk).update(is_active=False)

    assert AccountBackend().get_user(student.pk) is None
    assert get_user(request).is_authenticated is False


def test_backend_unknown_id_is_nobody(student, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert AccountBackend().get_user(student.pk + 1000) is None


def test_backend_reads_afresh_on_every_request(
    student, office, other_office, signed_in_request, django_assert_num_queries
):
    request = signed_in_request(student)
    assert get_user(request).office == office

    Office.objects.filter(pk=office.pk).update(name="Northfield Careers")
    assert get_user(request).office.name == "Northfield Careers"

    User.objects.filter(pk=student.pk).update(office=other_office, full_name="Sam Moved")
    moved = get_user(request)
    assert (moved.full_name, moved.office) == ("Sam Moved", other_office)
    assert moved.office.name == "Southbank College Careers"

    User.objects.filter(pk=student.pk).update(office=None, is_superuser=True)
    Office.objects.filter(pk=other_office.pk).delete()
    with django_assert_num_queries(1):
        assert get_user(request).office is None

    User.objects.filter(pk=student.pk).delete()
    assert get_user(request).is_authenticated is False


def test_backend_compiles_its_statement_once_per_connection(student):
    AccountBackend().get_user(student.pk)
    statement = user_with_office._statements[connections["default"]]

    AccountBackend().get_user(student.pk)

    assert user_with_office._statements[connections["default"]] is statement
    assert "ORDER BY" not in statement.sql
