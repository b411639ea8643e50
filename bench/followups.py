"""The outbox under load: claiming in a big table, dispatch rate, and lag.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE fieldnotes_bench_outbox'
    DJANGO_SETTINGS_MODULE=config.settings.local \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldnotes_bench_outbox \\
    .venv/bin/python bench/followups.py [--only claim|dispatch|lag] [--lag-rows 2000]

Migrates the database and EMPTIES ITS OUTBOX TABLE (so its name must contain
"bench"). Starts what it needs and stops it at the end: a redis-server on a free
port (the broker), an SMTP sink (aiosmtpd, in this process, counting messages),
Celery workers, beat, and `send_due_reminders` processes. See bench/README.md.

1. claim: 1,000,000 rows, 10,000 of them due, made by one INSERT ... SELECT
   generate_series; times claiming all the due rows in batches as the sweep does
   (claim only, then claim and enqueue to Redis), prints EXPLAIN ANALYZE of the
   claim query, then the same at 100,000 rows, and the ratio.
2. dispatch: emails per second to the SMTP sink, from `send_due_reminders` (one
   SMTP connection per process, reused) in 1 and 4 processes, and from a Celery
   worker (one connection per pool process, kept between tasks) with 1 and 4
   pool processes.
3. lag: beat (the production schedule: a sweep every minute) and one worker,
   with --lag-rows emails falling due evenly over --lag-minutes; prints p50, p99
   and the worst of sent_at - due_at.
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.core.outbox import CLAIM_BATCH, outbox_claim_due  # noqa: E402

CELERY = Path(sys.executable).with_name("celery")
TABLE = "core_outboundemail"

# One statement makes the whole table: `due` rows pending and due within the last
# hour, and of the rest 88% sent over the past year, 9% pending over the next 90
# days, 2% cancelled and 1% failed, roughly what a year of reminders leaves.
LOAD_SQL = f"""
INSERT INTO {TABLE} (dedupe_key, kind, subject_ref, from_email, "to", cc, reply_to,
    headers, subject, text, html, attachments, due_at, status, lease_until, attempts,
    sent_at, last_error, created_at, recipient_id)
SELECT 'bench:' || i, 'followups.checkin', '', 'Fieldnotes <no-reply@fieldnotes.localhost>',
    jsonb_build_array('person' || i || '@example.test'), '[]', '[]', '{{}}',
    'Time to check in with Alex', 'It has been three months since you last talked.',
    '', '[]',
    CASE WHEN g.kind = 'due' THEN now() - (i %% 3600) * interval '1 second'
         WHEN g.kind = 'future' THEN now() + (i %% 7776000 + 60) * interval '1 second'
         ELSE now() - (i %% 31536000 + 3600) * interval '1 second' END,
    CASE WHEN g.kind IN ('due', 'future') THEN 'pending' ELSE g.kind END,
    NULL,
    CASE g.kind WHEN 'sent' THEN 1 WHEN 'failed' THEN 6 ELSE 0 END,
    CASE WHEN g.kind = 'sent' THEN now() - (i %% 31536000 + 3500) * interval '1 second' END,
    CASE WHEN g.kind = 'failed' THEN 'SMTPRecipientsRefused: 550' ELSE '' END,
    now() - interval '1 day', NULL
FROM (
    SELECT i, CASE WHEN i <= %(due)s THEN 'due'
                   WHEN i %% 100 < 88 THEN 'sent'
                   WHEN i %% 100 < 97 THEN 'future'
                   WHEN i %% 100 < 99 THEN 'cancelled'
                   ELSE 'failed' END AS kind
    FROM generate_series(1, %(total)s) AS i
) AS g
"""


def reference_loop_ms() -> float:
    """A fixed pure-Python loop, printed with the results: on a shared machine the
    same code runs at different speeds from one minute to the next."""
    started = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sql(statement: str, params=None) -> list:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def load(*, total: int, due: int) -> float:
    started = time.perf_counter()
    sql(f"TRUNCATE {TABLE} RESTART IDENTITY")
    sql(LOAD_SQL, {"total": total, "due": due})
    sql(f"VACUUM ANALYZE {TABLE}")
    return time.perf_counter() - started


def reset_claimed() -> None:
    sql(f"UPDATE {TABLE} SET status = 'pending', lease_until = NULL WHERE status = 'sending'")
    sql(f"VACUUM ANALYZE {TABLE}")


# --- Servers ------------------------------------------------------------------------


class Sink:
    """An SMTP server that accepts everything and counts it."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


class Servers:
    """The broker, the SMTP sink and every process started, stopped in close()."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
        self.procs: list[subprocess.Popen] = []
        self.redis_port = free_port()
        self.broker_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.redis = self.spawn(
            "redis",
            [
                shutil.which("redis-server"),
                *("--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.tmp)),
            ],
        )
        self.sink = Sink()
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": (
                f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
                f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_BROKER_URL": self.broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "EMAIL_OUTBOX_DISPATCH": "celery",
        }
        from config.celery import app

        app.conf.broker_url = app.conf.broker_write_url = self.broker_url
        time.sleep(0.5)

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.tmp / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                [str(a) for a in args],
                cwd=ROOT,
                env=getattr(self, "env", None),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def worker(self, concurrency: int) -> subprocess.Popen:
        name = f"worker-c{concurrency}-{len(self.procs)}"
        proc = self.spawn(
            name,
            [
                CELERY,
                *("-A", "config", "worker", "-P", "prefork", "-c", str(concurrency)),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("-Q", "celery", "-n", f"{name}@bench", "-l", "info"),
            ],
        )
        log = self.tmp / f"{name}.log"
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def purge(self) -> None:
        subprocess.run(
            [shutil.which("redis-cli"), "-p", str(self.redis_port), "flushall"],
            capture_output=True,
            check=True,
        )

    def close(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)
        self.smtp.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- 1. Claim -----------------------------------------------------------------------


def claim_all() -> tuple[float, list[float]]:
    batches = []
    started = time.perf_counter()
    while True:
        t = time.perf_counter()
        claimed = outbox_claim_due()
        batches.append(time.perf_counter() - t)
        if len(claimed) < CLAIM_BATCH:
            break
    return time.perf_counter() - started, batches


def explain_claim() -> list[tuple[str, list[str]]]:
    """Each SELECT of one claim, with its EXPLAIN ANALYZE, rolled back."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            outbox_claim_due()
        selects = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        plans = [
            (select, [row[0] for row in sql(f"EXPLAIN (ANALYZE, BUFFERS) {select}")])
            for select in selects
        ]
        transaction.set_rollback(True)
    return plans


def bench_claim(servers: Servers, *, sizes: list[int], due: int, repeats: int) -> None:
    from apps.core.tasks import outbox_sweep

    results = {}
    for total in sizes:
        print(f"\n== {total:,} rows, {due:,} due ==")
        print(f"loaded in {load(total=total, due=due):.1f} s (INSERT ... SELECT, VACUUM ANALYZE)")
        plans = explain_claim()
        for statement, plan in plans:
            print("claim query:", statement)
            print("\n".join("    " + line for line in plan))
        print(
            "uses the partial index outbox_pending_due:",
            any("outbox_pending_due" in line for _, plan in plans for line in plan),
        )
        totals = []
        for _ in range(repeats):
            reset_claimed()
            total_s, batches = claim_all()
            totals.append(total_s)
            print(
                f"claimed {due:,} in {len(batches)} batches of {CLAIM_BATCH}:"
                f" {total_s * 1000:.0f} ms"
                f" (batch median {statistics.median(batches) * 1000:.1f} ms,"
                f" max {max(batches) * 1000:.1f} ms)"
            )
        sweeps = []
        for _ in range(repeats):
            reset_claimed()
            servers.purge()
            started = time.perf_counter()
            handed = 0
            while swept := outbox_sweep():
                handed += swept
            sweeps.append(time.perf_counter() - started)
            assert handed == due, handed
        servers.purge()
        print(
            f"claimed and enqueued {due:,} tasks to Redis (outbox_sweep runs):"
            f" median {statistics.median(sweeps) * 1000:.0f} ms"
        )
        results[total] = (statistics.median(totals), statistics.median(sweeps))
    if len(sizes) == 2:
        (small, large) = sorted(sizes)
        print(
            f"\nratio {large:,} / {small:,} rows:"
            f" claim {results[large][0] / results[small][0]:.2f}x,"
            f" claim and enqueue {results[large][1] / results[small][1]:.2f}x (aim <= 1.5x)"
        )


# --- 2. Dispatch --------------------------------------------------------------------


def load_due(count: int) -> None:
    load(total=count, due=count)


def sent_span() -> tuple[int, float]:
    [(count, first, last)] = sql(
        f"SELECT count(*), min(sent_at), max(sent_at) FROM {TABLE} WHERE status = 'sent'"
    )
    return count, (last - first).total_seconds() if count else 0.0


def wait_all_sent(count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sql(f"SELECT count(*) FROM {TABLE} WHERE status = 'sent'")[0][0] < count:
        if time.monotonic() > deadline:
            raise RuntimeError("not everything was sent in time")
        time.sleep(0.5)


def bench_dispatch(servers: Servers, *, rows: int) -> None:
    from apps.core.tasks import outbox_sweep

    print(f"\n== dispatch: {rows:,} due emails to the SMTP sink ==")
    for processes in (1, 4):
        load_due(rows)
        before = servers.sink.count
        procs = [
            servers.spawn(
                f"send-due-{processes}-{n}",
                [sys.executable, "manage.py", "send_due_reminders"],
            )
            for n in range(processes)
        ]
        for proc in procs:
            proc.wait(timeout=600)
        count, span = sent_span()
        print(
            f"send_due_reminders x{processes} (one reused SMTP connection each):"
            f" {count / span:,.0f} emails/s ({count:,} in {span:.1f} s;"
            f" sink got {servers.sink.count - before:,})"
        )
    for concurrency in (1, 4):
        load_due(rows)
        servers.purge()
        before = servers.sink.count
        worker = servers.worker(concurrency)
        while outbox_sweep():
            pass
        wait_all_sent(rows, timeout=600)
        servers.stop(worker)
        count, span = sent_span()
        print(
            f"celery worker -c {concurrency} (one SMTP connection per pool process, kept):"
            f" {count / span:,.0f} emails/s ({count:,} in {span:.1f} s;"
            f" sink got {servers.sink.count - before:,})"
        )


# --- 3. Lag -------------------------------------------------------------------------


def bench_lag(servers: Servers, *, rows: int, minutes: float) -> None:
    print(f"\n== lag: beat (sweep every 60 s) and one worker (-c 2), {rows:,} emails due")
    print(f"   evenly over {minutes:g} minutes ==")
    sql(f"TRUNCATE {TABLE} RESTART IDENTITY")
    sql(
        LOAD_SQL.replace(
            "now() - (i %% 3600) * interval '1 second'",
            "now() + interval '20 seconds'"
            f" + (i - 1) * interval '{minutes * 60 / rows:.6f} seconds'",
        ),
        {"total": rows, "due": rows},
    )
    servers.purge()
    worker = servers.worker(2)
    beat = servers.spawn(
        "beat",
        [
            CELERY,
            *("-A", "config", "beat", "-l", "info"),
            *("-s", servers.tmp / "beat-schedule", f"--pidfile={servers.tmp / 'beat.pid'}"),
        ],
    )
    wait_all_sent(rows, timeout=minutes * 60 + 300)
    servers.stop(beat)
    servers.stop(worker)
    lags = sorted(
        seconds
        for (seconds,) in sql(
            f"SELECT extract(epoch FROM sent_at - due_at) FROM {TABLE} WHERE status = 'sent'"
        )
    )
    p50 = statistics.median(lags)
    p99 = lags[int(len(lags) * 0.99) - 1]
    print(
        f"lag due_at -> sent_at: p50 {p50:.1f} s, p99 {p99:.1f} s, max {lags[-1]:.1f} s"
        f" (aim p99 <= 120 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["claim", "dispatch", "lag"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dispatch-rows", type=int, default=3_000)
    parser.add_argument("--lag-rows", type=int, default=2_000)
    parser.add_argument("--lag-minutes", type=float, default=3)
    args = parser.parse_args()

    db = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in db:
        sys.exit(f"Needs a PostgreSQL database whose name contains 'bench'; this is {db}.")
    print(f"Database: PostgreSQL {sql('SHOW server_version')[0][0]}, {db}")
    print(
        f"Machine: {os.cpu_count()} CPUs; a 1M-step Python loop took {reference_loop_ms():.0f} ms"
    )
    call_command("migrate", verbosity=0)
    # Stopped with SIGTERM (a timeout, kill), it still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    servers = Servers()
    try:
        if args.only in (None, "claim"):
            bench_claim(
                servers, sizes=[args.rows, args.small_rows], due=args.due, repeats=args.repeats
            )
        if args.only in (None, "dispatch"):
            bench_dispatch(servers, rows=args.dispatch_rows)
        if args.only in (None, "lag"):
            bench_lag(servers, rows=args.lag_rows, minutes=args.lag_minutes)
    finally:
        servers.close()
        sql(f"TRUNCATE {TABLE} RESTART IDENTITY")


if __name__ == "__main__":
    main()
