"""Real servers for the fault tests, each test with its own.

- `fault_redis`: a `redis-server` on a free port in a temporary directory (no
  persistence), so a test can shut it down and start it again empty without
  touching the Redis that other tests and developers share.
- `smtp`: an aiosmtpd server in this process that records every message it accepts
  by Message-ID (which carries the dedupe key), with the client port it came from,
  and can be told to answer 451 for a while or 550 for some recipients.
- `celery_procs`: Celery workers and beat as subprocesses against the test database,
  the test Redis and the recording SMTP server, each in a process group of its own
  that is killed whatever happens to the test.
- `own_postgres`: a PostgreSQL cluster of the test's own (initdb and pg_ctl on a
  free port, the test database's schema copied in), which the test's database
  connection and the workers it starts use, so that it can be restarted mid-batch
  without touching the PostgreSQL that other tests and developers share.
- `sweeper`: the beat task's body (`apps.core.tasks.outbox_sweep`) called from
  threads of this process, with the Celery app pointed at the test Redis.

Leases, sweeps and retry delays are seconds here (a 30-second lease and a sweep a
minute in production), in this process through `settings` and in the subprocesses
through the environment. FAULTS_LEASE_SECONDS and FAULTS_SWEEP_SECONDS run the
suite on other timings (the production ones, to measure the delays
docs/performance.md gives); each test's longest wait from due to sent is printed at
the end of the run.
"""

import contextlib
import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

import psutil
import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.db import connection, connections
from django.utils import timezone
from kombu import pools

from apps.core.models import OutboundEmail
from apps.core.tasks import outbox_sweep
from config.celery import app as celery_app
from tests.conftest import service_missing

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
LEASE_SECONDS = int(os.environ.get("FAULTS_LEASE_SECONDS", "5"))
SWEEP_SECONDS = float(os.environ.get("FAULTS_SWEEP_SECONDS", "0.5"))
BACKOFF_SECONDS = 1
# How long a test waits for every row to settle: its work, and a lease and a sweep
# twice over for rows whose task or worker was lost.
SETTLE_SECONDS = 90 + 2 * (LEASE_SECONDS + SWEEP_SECONDS)
# The workers' database sessions carry this name, so a test can end them all.
WORKER_APPLICATION_NAME = "fieldnotes-faults-worker"
Status = OutboundEmail.Status


_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_this_process() -> None:
    # Runs in the child between fork and exec: if pytest itself is killed (a CI
    # timeout), its servers and workers go too instead of living on.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, diagnose=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            details = f"\n{diagnose()}" if diagnose else ""
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{details}")
        time.sleep(0.1)


# --- The longest wait from due to sent ----------------------------------------------

MAX_DELAYS: dict[str, float] = {}
# Each row's due time as `make_due` made it: a retry moves `due_at` to its backoff.
FIRST_DUE: dict[int, datetime] = {}


def record_max_delay(request) -> float:
    """Note the test's longest wait from the time each email first fell due to
    `sent_at`, printed at the end."""
    longest = max(
        (sent_at - FIRST_DUE[pk]).total_seconds()
        for pk, sent_at in OutboundEmail.objects.filter(status=Status.SENT).values_list(
            "pk", "sent_at"
        )
    )
    MAX_DELAYS[request.node.name] = longest
    return longest


def pytest_terminal_summary(terminalreporter):
    if MAX_DELAYS:
        terminalreporter.section(
            f"outbox faults: longest wait from due to sent "
            f"(lease {LEASE_SECONDS} s, sweep every {SWEEP_SECONDS:g} s)"
        )
        for name, seconds in MAX_DELAYS.items():
            terminalreporter.line(f"{seconds:7.1f} s  {name}")


# --- Redis --------------------------------------------------------------------------


class RedisServer:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
                *("--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_this_process,
        )
        wait_until(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_timeout=0.5) as client:
                return client.ping()
        except redis.RedisError:
            return False

    def shutdown_nosave(self) -> None:
        subprocess.run(
            [shutil.which("redis-cli"), "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def fault_redis(tmp_path):
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        service_missing("needs the redis-server and redis-cli programs")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()


# --- SMTP ---------------------------------------------------------------------------


@dataclass(eq=False)
class SmtpSession:
    client_port: int
    accepted: list[str] = field(default_factory=list)
    quit: bool = False


class SmtpRecorder:
    """An aiosmtpd handler that keeps every accepted message's Message-ID. Its
    hooks run on the server's thread, the test reads from its own: one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, SmtpSession]] = []
        self.sessions: dict[object, SmtpSession] = {}
        self.refuse: set[str] = set()
        self.refused = 0
        self.tempfail_until = 0.0
        self.tempfailed = 0
        self.closed_ports: set[int] = set()
        self.kill_report: dict = {}
        # Called with each accepted message's Message-ID before the server answers
        # "250 queued" (on the server's thread): the sender is waiting for it.
        self.before_250 = None
        # Called likewise; when it returns True the server keeps the message (it
        # is recorded as accepted) and closes the connection without answering,
        # so the sender cannot know whether it was accepted.
        self.close_instead_of_250 = None
        self.closed_after_data: list[str] = []

    def _session(self, session) -> SmtpSession:
        if session not in self.sessions:
            self.sessions[session] = SmtpSession(client_port=session.peer[1])
        return self.sessions[session]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if address in self.refuse:
                self.refused += 1
                return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if time.monotonic() < self.tempfail_until:
                self.tempfailed += 1
                return "451 4.3.0 Busy, try again later"
            headers = BytesParser().parsebytes(envelope.original_content, headersonly=True)
            record = self._session(session)
            record.accepted.append(headers["Message-ID"])
            self.accepted.append((headers["Message-ID"], record))
        if self.before_250 is not None:
            self.before_250(headers["Message-ID"])
        if self.close_instead_of_250 is not None and self.close_instead_of_250(
            headers["Message-ID"]
        ):
            with self.lock:
                self.closed_after_data.append(headers["Message-ID"])
            # The reply aiosmtpd writes after this goes nowhere: the client reads
            # the end of the stream where it waits for "250".
            server.transport.close()
        return "250 OK: queued"

    async def handle_QUIT(self, server, session, envelope):
        with self.lock:
            self._session(session).quit = True
        return "221 Bye"

    def connection_closed(self, client_port: int) -> None:
        with self.lock:
            self.closed_ports.add(client_port)

    def all_closed(self, client_ports: set[int]) -> bool:
        with self.lock:
            return client_ports <= self.closed_ports

    def counts(self) -> Counter:
        with self.lock:
            return Counter(message_id for message_id, _ in self.accepted)

    def delivered(self) -> int:
        with self.lock:
            return len(self.accepted)

    def tempfail_for(self, seconds: float) -> None:
        with self.lock:
            self.tempfail_until = time.monotonic() + seconds

    def sessions_of(self, message_id: str) -> list[SmtpSession]:
        with self.lock:
            return [record for mid, record in self.accepted if mid == message_id]

    def unfinished_from(self, client_ports: set[int]) -> set[str]:
        """Messages accepted on a connection from one of these client ports that
        never said QUIT: their sender stopped between the server's "250 queued"
        and the end of its delivery."""
        with self.lock:
            return {
                record.accepted[-1]
                for record in self.sessions.values()
                if record.client_port in client_ports and record.accepted and not record.quit
            }


class RecordingSMTP(SMTP):
    def connection_lost(self, error):
        # After this the session can accept nothing more: whatever its client sent
        # before it died has been handled (and recorded) or dropped.
        self.event_handler.connection_closed(self.session.peer[1])
        super().connection_lost(error)


class RecordingController(Controller):
    def factory(self):
        return RecordingSMTP(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def smtp():
    recorder = SmtpRecorder()
    controller = RecordingController(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()


# --- Celery -------------------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcesses:
    def __init__(self, directory: Path, env: dict[str, str]):
        self.directory = directory
        self.env = env
        self.procs: list[subprocess.Popen] = []

    def _spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [str(CELERY), *args],
                cwd=BASE_DIR,
                env={**self.env, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_this_process,
            )
        proc.log = log
        self.procs.append(proc)
        return proc

    def worker(
        self, name: str, *, concurrency: int = 2, env: dict | None = None
    ) -> subprocess.Popen:
        proc = self._spawn(
            name,
            [
                *("-A", "config", "worker", "-P", "prefork", "-c", str(concurrency)),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("-Q", "celery", "-n", f"{name}@faults", "-l", "info"),
            ],
            env=env,
        )
        wait_until(
            lambda: proc.poll() is not None or b" ready." in proc.log.read_bytes(),
            timeout=60,
            what=f"worker {name} to start",
            diagnose=self.logs,
        )
        assert proc.poll() is None, self.logs()
        return proc

    def beat(self, name: str, *, every: float, env: dict | None = None) -> subprocess.Popen:
        return self._spawn(
            name,
            [
                *("-A", "tests.faults.beat_app", "beat", "-l", "info"),
                *("-s", str(self.directory / "beat-schedule")),
                f"--pidfile={self.directory / f'{name}.pid'}",
            ],
            env={**(env or {}), "FAULTS_SWEEP_SECONDS": str(every)},
        )

    def stop(self, proc: subprocess.Popen) -> None:
        """Graceful stop (SIGTERM), as a deployment would."""
        proc.terminate()
        proc.wait(timeout=30)

    def kill_all(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(
            f"--- {proc.log.name} (last 3000 characters)\n"
            + proc.log.read_text(errors="replace")[-3000:]
            for proc in self.procs
        )


@pytest.fixture
def celery_procs(transactional_db, fault_redis, smtp, tmp_path, settings):
    """Requests the database first, so its flush comes after every process is gone."""
    settings.EMAIL_OUTBOX_LEASE_SECONDS = LEASE_SECONDS
    settings.EMAIL_OUTBOX_BACKOFF_SECONDS = BACKOFF_SECONDS
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": fault_redis.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp[1]}",
        "EMAIL_OUTBOX_DISPATCH": "celery",
        "EMAIL_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "EMAIL_OUTBOX_BACKOFF_SECONDS": str(BACKOFF_SECONDS),
        # libpq names every session the workers open (psycopg reads it).
        "PGAPPNAME": WORKER_APPLICATION_NAME,
    }
    directory = tmp_path / "celery"
    directory.mkdir()
    procs = CeleryProcesses(directory, env)
    try:
        yield procs
    finally:
        procs.kill_all()


def _drop_broker_connections() -> None:
    # The app keeps its broker connections in kombu's pools, made from the URL it
    # had at first use; dropping them makes the next publish connect afresh.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def test_broker(fault_redis):
    """This process's Celery app publishes to the test Redis for the test."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_write_url
    conf.broker_url = conf.broker_write_url = fault_redis.url
    _drop_broker_connections()
    try:
        yield fault_redis
    finally:
        _drop_broker_connections()
        conf.broker_url, conf.broker_write_url = saved


class Sweeper:
    """What beat does, from `threads` schedulers at once: run the sweep task's body
    every `every` seconds. Errors (a broker that is down) are kept, not raised."""

    def __init__(self, *, threads: int, every: float):
        self.every = every
        self.stopping = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.idle = threading.Semaphore(threads)
        self.start_together = threading.Barrier(threads)
        self.lock = threading.Lock()
        self.claimed = 0
        self.errors: list[Exception] = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> "Sweeper":
        for thread in self.threads:
            thread.start()
        return self

    def _run(self) -> None:
        try:
            self.start_together.wait(timeout=10)
            while not self.stopping.is_set():
                if not self.running.wait(0.05):
                    continue
                with self.idle_while_sweeping():
                    try:
                        claimed = outbox_sweep()
                    except Exception as exc:
                        with self.lock:
                            self.errors.append(exc)
                    else:
                        with self.lock:
                            self.claimed += claimed
                self.stopping.wait(self.every)
        finally:
            connections.close_all()

    @contextlib.contextmanager
    def idle_while_sweeping(self):
        self.idle.acquire()
        try:
            yield
        finally:
            self.idle.release()

    @contextlib.contextmanager
    def paused(self):
        """No sweep runs inside the block: every thread has finished the sweep it
        was in and waits. What a test sees in the broker there is not raced by a
        sweep publishing."""
        self.running.clear()
        held = 0
        try:
            for _ in self.threads:
                assert self.idle.acquire(timeout=30), "a sweep did not finish"
                held += 1
            yield
        finally:
            for _ in range(held):
                self.idle.release()
            self.running.set()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)
            assert not thread.is_alive(), "a sweeper thread did not stop"


@pytest.fixture
def sweeper(test_broker, celery_procs):
    started: list[Sweeper] = []

    def _start(*, threads: int = 1, every: float = SWEEP_SECONDS) -> Sweeper:
        started.append(Sweeper(threads=threads, every=every).start())
        return started[-1]

    try:
        yield _start
    finally:
        for each in started:
            each.stop()


# --- A PostgreSQL cluster of the test's own ----------------------------------------


def _postgres_bindir() -> Path | None:
    """The server programs: PG_BINDIR, else Debian's newest, else the PATH."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name)
    )[::-1]
    candidates.append(str(Path(shutil.which("initdb") or "/nonexistent").parent))
    for directory in filter(None, candidates):
        if all((Path(directory) / name).exists() for name in ("initdb", "pg_ctl", "pg_dump")):
            return Path(directory)
    return None


class PostgresCluster:
    """initdb'd in a temporary directory, served on a free port of 127.0.0.1 with
    trust authentication. As root it runs as the `postgres` user (initdb refuses
    root). Durability is off (fsync): the test restarts it cleanly, it never
    crashes it."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="fieldnotes-faults-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            self.run_as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")
        self.restarts: list[float] = []

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self.run_as, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr.decode(errors='replace')}"

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            *("-D", str(self.data), "-U", "postgres", "-A", "trust"),
            *("-E", "UTF8", "--locale=C", "--no-sync"),
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._pg_ctl("-w", "-o", options, "start")

    def restart(self) -> float:
        """`pg_ctl restart -m fast` (every session ended, the server down, started
        again): returns how long it took."""
        started = time.monotonic()
        self._pg_ctl("-w", "-m", "fast", "restart")
        self.restarts.append(time.monotonic() - started)
        return self.restarts[-1]

    def copy_schema(self, source: dict, name: str) -> None:
        """Create database `name` here with the schema of the database `source`
        (Django's settings for it) describes."""
        env = {**os.environ, "PGPASSWORD": source["PASSWORD"] or ""}
        target = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        psql = [str(self.bindir / "psql"), *target, "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(
            [*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{name}"'], check=True, env=env
        )
        dump = subprocess.run(
            [
                str(self.bindir / "pg_dump"),
                *("-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432)),
                *("-U", source["USER"] or "postgres", "--schema-only", "--no-owner"),
                source["NAME"],
            ],
            capture_output=True,
            check=True,
            env=env,
            timeout=60,
        ).stdout
        subprocess.run(
            [*psql, "-d", name], input=dump, capture_output=True, check=True, env=env, timeout=60
        )

    def stop(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def own_postgres(transactional_db):
    """The test's database connection (and the Celery processes started after this,
    see `_database_url`) moves to a cluster of its own for the test. Request it
    before `celery_procs`."""
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL")
    bindir = _postgres_bindir()
    if bindir is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        service_missing("needs PostgreSQL's server programs (initdb, pg_ctl, pg_dump)")
    cluster = PostgresCluster(bindir)
    db = connection.settings_dict
    saved = db["HOST"], db["PORT"]
    try:
        cluster.start()
        cluster.copy_schema(db, db["NAME"])
        connections.close_all()
        # Every thread's connection is made from this same dictionary.
        db["HOST"], db["PORT"] = "127.0.0.1", cluster.port
        yield cluster
    finally:
        connections.close_all()
        db["HOST"], db["PORT"] = saved
        cluster.stop()


# --- Rows and assertions ------------------------------------------------------------


def make_due(count: int, *, prefix: str, due_at=None, start: int = 0) -> list[OutboundEmail]:
    due_at = due_at or timezone.now()
    rows = [
        OutboundEmail(
            dedupe_key=f"{prefix}:{n}",
            kind="fault-test",
            from_email="Fieldnotes <no-reply@fieldnotes.localhost>",
            to=[f"person{n}@example.test"],
            subject=f"Reminder {n}",
            text=f"Reminder number {n}.",
            due_at=due_at(n) if callable(due_at) else due_at,
        )
        for n in range(start, start + count)
    ]
    created = OutboundEmail.objects.bulk_create(rows)
    FIRST_DUE.update((row.pk, row.due_at) for row in created)
    return created


def status_counts() -> dict[str, int]:
    return Counter(OutboundEmail.objects.values_list("status", flat=True))


def all_settled() -> bool:
    return not OutboundEmail.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists()


def describe(recorder: SmtpRecorder, procs: CeleryProcesses):
    def _describe() -> str:
        return (
            f"rows by status: {dict(status_counts())}; SMTP accepted {recorder.delivered()}\n"
            + procs.logs()
        )

    return _describe


def assert_delivered_exactly_once(recorder: SmtpRecorder, *, resent=frozenset()) -> None:
    """Every `sent` row reached the SMTP server once; `resent` lists the Message-IDs
    proven to have been accepted just before their sender was killed, which are
    expected twice (see `kill_and_find_unfinished`)."""
    rows = list(OutboundEmail.objects.all())
    counts = recorder.counts()
    sent = {row.message_id for row in rows if row.status == Status.SENT}
    assert set(counts) == sent
    doubled = {mid: n for mid, n in counts.items() if n != 1}
    assert doubled == dict.fromkeys(resent, 2), recorder.kill_report | {
        mid: [(s.client_port, s.accepted[-3:], s.quit) for s in recorder.sessions_of(mid)]
        for mid in doubled
    }
    assert [row.dedupe_key for row in rows if row.status == Status.SENDING] == []


# --- Ending database sessions ---------------------------------------------------------


class SessionTerminator:
    """Ends every database session of the Celery workers, as a failover, a pooler
    restart or an administrator's `pg_terminate_backend` does, from a connection of
    its own (outside Django, so it can be used from the SMTP server's thread)."""

    def __init__(self):
        db = connection.settings_dict
        self.conn = psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"] or None,
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            autocommit=True,
        )
        self.lock = threading.Lock()
        self.ended = 0

    def end_worker_sessions(self) -> int:
        """End them and wait until they are gone; returns how many there were."""
        with self.lock:
            pids = [
                pid
                for (pid,) in self.conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                    [WORKER_APPLICATION_NAME],
                )
            ]
            for pid in pids:
                self.conn.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + 10
            while self.conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
            ).fetchone():
                assert time.monotonic() < deadline, "the workers' sessions did not end"
                time.sleep(0.005)
            self.ended += len(pids)
            return len(pids)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def terminator(celery_procs):
    terminating = SessionTerminator()
    try:
        yield terminating
    finally:
        terminating.close()


# --- Killing ------------------------------------------------------------------------


def _ports_towards(procs: list[psutil.Process], port: int) -> set[int]:
    return {
        conn.laddr.port
        for proc in procs
        for conn in proc.net_connections(kind="tcp")
        if conn.raddr and conn.raddr.port == port
    }


def talking_to(proc: psutil.Process, port: int) -> bool:
    return bool(_ports_towards([proc], port))


def kill_and_find_unfinished(
    victims: list[psutil.Process], *, recorder: SmtpRecorder, smtp_port: int
) -> set[str]:
    """`kill -9` the first of `victims` (the others are its pool children, which
    die with it) and return the Message-IDs that will be sent a second time
    because the kill fell in the documented window: the SMTP server had accepted
    the message and the killed process had not yet committed `sent`.

    The victims are frozen first, so the connections they have open are exactly
    those at the kill. A message is in the window when its SMTP session never got
    to QUIT (which comes after the `sent` UPDATE) and its row is not `sent` once
    every database session of the victims has ended (so no UPDATE of theirs is
    still in flight) and the SMTP server has seen each of their connections close
    (so a message whose last bytes were still in the server's buffer at the kill
    has been accepted or dropped by then). Nothing else can touch such a row before
    its lease runs out: the delivery had taken it for its attempt, so the broker's
    redelivery of the killed task, or any other task for that claim, finds the
    attempt made and does nothing."""
    for proc in victims:
        proc.send_signal(signal.SIGSTOP)
    db_port = int(connection.settings_dict["PORT"] or 5432)
    smtp_ports = _ports_towards(victims, smtp_port)
    db_ports = _ports_towards(victims, db_port)
    killed_at = time.monotonic()
    victims[0].send_signal(signal.SIGKILL)
    # Celery's pool processes get SIGKILL when their parent dies (PR_SET_PDEATHSIG),
    # which ends them even while they are stopped; they are not let run again, or
    # they could start talking to the SMTP server after the snapshot above.
    _, alive = psutil.wait_procs(victims, timeout=10)
    assert alive == [], f"still alive after kill -9 of {victims[0].pid}: {alive}"

    def backends_gone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(%s)",
                [list(db_ports)],
            )
            return cursor.fetchone()[0] == 0

    wait_until(backends_gone, timeout=10, what="the killed processes' database sessions to end")
    wait_until(
        lambda: recorder.all_closed(smtp_ports),
        timeout=10,
        what="the SMTP server to see the killed processes' connections close",
    )
    unfinished = recorder.unfinished_from(smtp_ports)
    not_sent = {
        row.message_id
        for row in OutboundEmail.objects.exclude(status=Status.SENT)
        if row.message_id in unfinished
    }
    assert time.monotonic() - killed_at < LEASE_SECONDS, "too slow to tell before the lease ran out"
    recorder.kill_report = {"smtp_ports": smtp_ports, "db_ports": db_ports, "resent": not_sent}
    return not_sent
