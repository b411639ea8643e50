"""The PostgreSQL backend's health check (apps/core/postgresql): no round trip while
the kept connection's socket is quiet, Django's `SELECT 1` whenever it is not, and a
connection the server ended is closed and replaced before a request uses it."""

import time

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.db.backends.postgresql import base as django_postgresql

from apps.core.postgresql import base as ours

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server_checks(monkeypatch):
    """Counts the times Django's own check (the SELECT 1) runs."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


@pytest.fixture
def other_session():
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        yield other


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def _health_check():
    """What Django does before a request's first query on a kept connection."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_the_connection_is_this_backends():
    assert isinstance(connections["default"], ours.DatabaseWrapper)


def test_a_quiet_idle_connection_is_usable_without_asking_the_server(server_checks):
    pid = _backend_pid()

    _health_check()

    assert server_checks == []
    assert connection.connection is not None
    assert _backend_pid() == pid


def test_a_connection_the_server_ended_is_replaced_before_it_is_used(server_checks, other_session):
    pid = _backend_pid()
    other_session.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert _until(lambda: not ours.socket_quiet(connection.connection))

    _health_check()

    assert server_checks == ["default"]
    assert connection.connection is None
    new_pid = _backend_pid()
    assert new_pid != pid


def test_a_socket_with_something_to_read_gets_the_servers_check(server_checks, other_session):
    with connection.cursor() as cursor:
        cursor.execute("LISTEN fieldnotes_health_test")
    other_session.execute("NOTIFY fieldnotes_health_test")
    assert _until(lambda: not ours.socket_quiet(connection.connection))

    _health_check()

    assert server_checks == ["default"]
    assert connection.connection is not None  # still good: kept
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")


def test_a_connection_inside_a_transaction_gets_the_servers_check(server_checks):
    with transaction.atomic():
        _backend_pid()
        assert ours.socket_quiet(connection.connection) is False
    assert ours.socket_quiet(connection.connection) is True


def test_a_closed_or_broken_connection_is_not_quiet():
    _backend_pid()
    raw = connection.connection
    connection.close()
    assert raw.closed
    assert ours.socket_quiet(raw) is False
