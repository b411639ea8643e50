"""Django's PostgreSQL backend, with a health check that costs no round trip while
the connection shows nothing wrong.

With CONN_HEALTH_CHECKS on (config.env turns it on for PostgreSQL), Django runs
`SELECT 1` on a kept connection before the first query of every request: on the
signed-in floor page that is one of its two round trips to the database, and
PostgreSQL's work for it runs on the same two cores as the pages. It is what lets a
request survive a connection the server ended in between (a restart, a terminated
backend, an idle timeout, a pooler that closed it).

A server that ends a connection says so on it: it sends its FATAL message and
closes the socket (or the socket is reset), so the socket turns readable, and an
idle connection's socket has nothing else to read (this project never LISTENs). So
a connection that is open, idle outside a transaction, not marked broken by psycopg
and whose socket has nothing to read is usable without asking; anything else
(something to read, an error, a transaction left open) gets Django's own check, the
`SELECT 1`, exactly as before. A peer gone silently (no reset ever arrives) is seen
by neither check until TCP gives up: Django's `SELECT 1` would wait for it as well.
"""

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

_WATCH = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


def socket_quiet(connection) -> bool:
    """Whether a psycopg connection is open, idle outside a transaction, and its
    socket has nothing to read and no error or hang-up to report, now."""
    if connection.closed or connection.broken:
        return False
    if connection.pgconn.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(connection.pgconn.socket, _WATCH)
        return not poller.poll(0)
    except (OSError, ValueError, psycopg.Error):  # no socket to watch: ask the server
        return False


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is not None and socket_quiet(self.connection):
            return True
        return super().is_usable()
