"""Kept statements (core.statements) prepared once per PostgreSQL connection, so that
PostgreSQL parses and plans them once instead of on every request (planning was up
to a fifth of a page's SQL time: 0.8 of the caseload's 3.9 ms).

Django's psycopg cursors bind parameters on the client, which PostgreSQL cannot
prepare, so this uses SQL's own `PREPARE name (types) AS ...` and runs the statement
as `EXECUTE name(...)` through Django's cursor (logged and counted as the one query it
is). Each parameter's type is declared as the type of the literal the client-side
binding would have written for that value (a bare integer is `integer` or `bigint`,
text and NULL are `unknown` and resolved from their context as a literal is, a time
`timestamptz`, and so on), so a prepared statement means exactly what the plain one
did; a value of another kind (a list, a float, anything else) leaves the statement
unprepared. So does a search pattern (core.statements' "like" slots): its plan
depends on the pattern, which a prepared statement's generic plan cannot know.

The `PREPARE` itself runs on the driver's connection, not Django's cursor (it is
not a query of the page; a test's literal count is the same whichever test runs
first), inside a savepoint when a transaction is open, so that a statement
PostgreSQL will not prepare (a parameter whose type it cannot tell) leaves the
transaction as it was and is then run unprepared. Prepared statements live as long
as their connection (CONN_MAX_AGE) and survive a rollback. Behind a pooler in
transaction mode (PgBouncer), where a connection's next transaction may run on
another server connection, set DATABASE_PREPARED_STATEMENTS=0.
"""

import decimal
import itertools
import re
import weakref

from django.conf import settings

# Per driver connection: (sql, types) → the EXECUTE text, or None if PostgreSQL
# would not prepare it.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_names = itertools.count(1)
_PLACEHOLDER = re.compile(r"%([s%])")

INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1


# Per kind of value (its type, and for times whether they carry a zone): the type of
# the literal psycopg's client-side binding writes for it, found by writing one.
_kinds: dict[tuple, str | None] = {}
_CAST = re.compile(r"^E?'.*'::([a-z0-9_ ]+)$", re.DOTALL)


def _literal_type(value, raw) -> str | None:
    """The type of the literal psycopg's client-side binding writes for `value`, or
    None for a value this module does not prepare."""
    if value is None or type(value) is str:
        return "unknown"
    kind = type(value)
    if kind is float or (kind is decimal.Decimal and not value.is_finite()):
        return None  # a float's literal is `numeric` or `'NaN'::float8`, by value
    key = (kind, getattr(value, "tzinfo", None) is not None)
    found = _kinds.get(key, "")
    if found == "":
        with raw.cursor() as cursor:
            found = _kinds[key] = _literal_kind(cursor.mogrify("%s", [value]).strip())
    if found == "integer" and not INT4_MIN <= value <= INT4_MAX:
        return "bigint" if INT8_MIN <= value <= INT8_MAX else "numeric"
    return found


def _literal_kind(literal: str) -> str | None:
    if literal in ("true", "false"):
        return "boolean"
    if re.fullmatch(r"-?\d+", literal):
        return "integer"  # or bigint, by value
    if re.fullmatch(r"-?\d+\.\d*", literal):
        return "numeric"
    if re.fullmatch(r"E?'.*'", literal, re.DOTALL):
        return "unknown"  # text, resolved from its context as a literal is
    cast = _CAST.fullmatch(literal)
    if cast and cast[1] in ("timestamptz", "timestamp", "date", "time", "timetz", "uuid", "bytea"):
        return cast[1]
    return None


def _numbered(sql: str) -> str:
    """The statement with $1, $2, … where Django's SQL has %s, and % for %%."""
    counter = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: f"${next(counter)}" if m[1] == "s" else "%", sql)


def execute_text(sql: str, params: tuple, connection) -> str | None:
    """The `EXECUTE` to run instead of `sql` with `params` on `connection`, preparing
    the statement first if this connection has not; None to run `sql` as it is."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return None
    raw = connection.connection
    types = tuple(_literal_type(p, raw) for p in params)
    if None in types:
        return None
    kept = _prepared.get(raw)
    if kept is None:
        kept = _prepared[raw] = {}
    key = (sql, types)
    if key in kept:
        return kept[key]
    name = f"fieldnotes_{next(_names)}"
    declared = f" ({', '.join(types)})" if types else ""
    execute = None
    if _prepare(raw, f"PREPARE {name}{declared} AS {_numbered(sql)}"):
        execute = (
            f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
        )
    kept[key] = execute
    return execute


def _prepare(raw, text: str) -> bool:
    from psycopg import Error
    from psycopg.pq import TransactionStatus

    status = raw.info.transaction_status
    if status not in (TransactionStatus.IDLE, TransactionStatus.INTRANS):
        return False  # a failed transaction: the plain statement fails as it would have
    in_transaction = status == TransactionStatus.INTRANS
    if in_transaction:
        raw.execute("SAVEPOINT fieldnotes_prepare")
    try:
        raw.execute(text)
    except Error:
        if in_transaction:
            raw.execute("ROLLBACK TO SAVEPOINT fieldnotes_prepare")
            raw.execute("RELEASE SAVEPOINT fieldnotes_prepare")
        return False
    if in_transaction:
        raw.execute("RELEASE SAVEPOINT fieldnotes_prepare")
    return True
