"""apps.core.prepared: a kept statement is prepared once per PostgreSQL connection and
run as `EXECUTE`, with each parameter declared as the type of the literal the
client-side binding would have written, so the rows are the ORM's; what PostgreSQL
will not prepare, a search pattern and values of other kinds run as plain SQL."""

import decimal
import uuid
from datetime import UTC, date, datetime, time

import pytest
from django.db import connection, transaction
from django.db.models import Value
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from psycopg.types.numeric import Int4

from apps.accounts.enums import Role
from apps.accounts.models import User
from apps.core import prepared, statements
from apps.core.statements import StatementRows

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db]

SENTINELS = {
    "office_id": 2_000_000_011,
    "role": "qzxroleqzx",
    "since": datetime(1901, 1, 1, tzinfo=UTC),
}


@pytest.fixture(autouse=True)
def _postgres_and_fresh():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    statements.statements_clear()
    yield
    statements.statements_clear()


def _build(values):
    return (
        User.objects.filter(
            office_id=values["office_id"], role=values["role"], date_joined__gte=values["since"]
        )
        .annotate(label=Value("x"), one=Value(1))
        .order_by("full_name", "pk")
    )


def _rows(office, role=Role.STUDENT, since=datetime(2000, 1, 1, tzinfo=UTC)):
    return StatementRows(
        shape=("prepared-test",),
        build=_build,
        inputs={"office_id": office.pk, "role": role, "since": since},
        sentinels=SENTINELS,
    )[0:10]


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


def test_prepared_a_kept_statement_runs_as_execute_with_the_orms_rows(
    student, student2, advisor, office
):
    orm = list(
        _build(
            {
                "office_id": office.pk,
                "role": Role.STUDENT,
                "since": datetime(2000, 1, 1, tzinfo=UTC),
            }
        )[0:10]
    )
    first = _rows(office)  # compiled, kept, run as plain SQL

    with CaptureQueriesContext(connection) as queries:
        again = _rows(office)
        third = _rows(office)

    assert len(queries) == 2  # the PREPARE is not a query of the page
    assert all(q["sql"].startswith("EXECUTE fieldnotes_") for q in queries)
    seen = [
        [(u.pk, u.full_name, u.label, u.one) for u in rows] for rows in (orm, first, again, third)
    ]
    assert seen[0] == seen[1] == seen[2] == seen[3]
    assert [u.full_name for u in again] == ["Priya Patel", "Sam Student"]
    assert isinstance(again[0].one, int) and again[0].label == "x"
    [declared] = [s for s in _prepared_here() if '"accounts_user"' in s]
    # Value("x") and Value(1) as their literals; the time a timestamptz; the office an
    # integer; the role (a TextChoices value) text resolved from its column.
    assert "(unknown, integer, timestamptz, integer, unknown)" in declared.replace("\n", " ")


@pytest.mark.django_db(transaction=True)
def test_prepared_once_per_connection_and_again_on_a_new_one(student, office):
    connection.close()  # a connection of its own: prepared statements outlive a test
    _rows(office)
    _rows(office)
    _rows(office)
    assert len(_prepared_here()) == 1

    connection.close()
    assert [u.pk for u in _rows(office)] == [student.pk]
    assert len(_prepared_here()) == 1


def test_prepared_another_type_of_value_gets_its_own_statement(student, office):
    def rows(office_id):
        return StatementRows(
            shape=("prepared-test",),
            build=_build,
            inputs={
                "office_id": office_id,
                "role": Role.STUDENT,
                "since": datetime(2000, 1, 1, tzinfo=UTC),
            },
            sentinels=SENTINELS,
        )[0:10]

    rows(office.pk)
    assert [u.pk for u in rows(office.pk)] == [student.pk]
    assert rows(2**40) == []  # an id past integer's range: a bigint literal

    declared = [s.replace("\n", " ") for s in _prepared_here() if '"accounts_user"' in s]
    assert len(declared) == 2, declared
    assert "(unknown, integer, timestamptz, integer, unknown)" in declared[0]
    assert "(unknown, integer, timestamptz, bigint, unknown)" in declared[1]


def test_prepared_a_search_pattern_is_never_prepared(student, office):
    def build(values):
        return User.objects.filter(
            office_id=values["office_id"], full_name__icontains=values["q"]
        ).order_by("pk")

    def rows():
        return StatementRows(
            shape=("prepared-search",),
            build=build,
            inputs={"office_id": office.pk, "q": "sam"},
            sentinels={"office_id": 2_000_000_011, "q": "qzxqzx"},
        )[0:5]

    rows()
    with CaptureQueriesContext(connection) as queries:
        assert [u.pk for u in rows()] == [student.pk]
    assert not queries[0]["sql"].startswith("EXECUTE")


def test_prepared_off_by_setting(student, office):
    with override_settings(DATABASE_PREPARED_STATEMENTS=False):
        _rows(office)
        with CaptureQueriesContext(connection) as queries:
            assert [u.pk for u in _rows(office)] == [student.pk]
    assert queries[0]["sql"].startswith("SELECT")


def test_prepared_a_statement_postgres_will_not_prepare_leaves_the_transaction_usable(db):
    with transaction.atomic():
        # PostgreSQL cannot tell the type of `$1 IS NULL`: the PREPARE fails in its
        # savepoint, and the statement runs as it is.
        assert prepared.execute_text("SELECT %s IS NULL", (None,), connection) is None
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s IS NULL", (None,))
            assert cursor.fetchone() == (True,)
        assert User.objects.count() == 0
    # Asked again, it is not tried again.
    assert prepared.execute_text("SELECT %s IS NULL", (None,), connection) is None


def test_prepared_percent_signs_and_parameters_are_numbered(db):
    sql = "SELECT %s::text || '%%', %s + 1"
    execute = prepared.execute_text(sql, ("50", 41), connection)
    assert execute is not None and execute.endswith("(%s, %s)")
    with connection.cursor() as cursor:
        cursor.execute(execute, ("50", 41))
        assert cursor.fetchone() == ("50%", 42)
        cursor.execute(sql, ("50", 41))
        assert cursor.fetchone() == ("50%", 42)


LONG_NAMES = {
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "time": "time without time zone",
}


@pytest.mark.parametrize(
    ("value", "declared"),
    [
        (None, "unknown"),
        ("text", "unknown"),
        (Role.STUDENT, "unknown"),
        (True, "boolean"),
        (7, "integer"),
        (Int4(7), "integer"),
        (2**31, "bigint"),
        (-(2**31) - 1, "bigint"),
        (2**63, "numeric"),
        (decimal.Decimal("1.25"), "numeric"),
        (datetime(2026, 12, 4, 9, 30, tzinfo=UTC), "timestamptz"),
        (datetime(2026, 12, 4, 9, 30), "timestamp"),
        (date(2026, 12, 4), "date"),
        (time(9, 30), "time"),
        (uuid.UUID(int=5), "uuid"),
        (1.5, None),
        (decimal.Decimal("NaN"), None),
        ([1, 2], None),
    ],
)
def test_prepared_each_value_is_declared_as_its_literal(value, declared, db):
    connection.ensure_connection()
    assert prepared._literal_type(value, connection.connection) == declared
    if declared is not None:
        # The declared type is the literal's: PostgreSQL agrees.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_typeof(%s)::text", (value,))
            assert cursor.fetchone()[0] == LONG_NAMES.get(declared, declared)
