"""A burst of due emails while people use the site, on real services.

5,000 emails fall due at once while 20 signed-in students browse their daily pages
on a gunicorn serving the test database. A real Celery worker (4 pool processes)
and a real `celery beat` send them to the recording SMTP server on the production
lease (30 s); the sweep runs every BURST_SWEEP_SECONDS (10 s here, a minute in
production, where the lag adds up to that minute of waiting for the sweep).

Passes when every email arrives exactly once, the 99th percentile of the wait from
due to sent is under two minutes, and no page fails. The page timings (p50, p95 per
page) and the lag (p50, p99, longest) are printed at the end of the run
(docs/performance.md). Not in `make test` or `make test-faults`: `make test-burst`.
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client

from apps.core.models import OutboundEmail
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory
from tests.faults.conftest import (
    BASE_DIR,
    FIRST_DUE,
    _database_url,
    _die_with_this_process,
    assert_delivered_exactly_once,
    describe,
    free_port,
    make_due,
    record_max_delay,
    status_counts,
    wait_until,
)

pytestmark = [
    pytest.mark.burst,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]
Status = OutboundEmail.Status

EMAILS = int(os.environ.get("BURST_EMAILS", "5000"))
USERS = 20
SWEEP_SECONDS = float(os.environ.get("BURST_SWEEP_SECONDS", "10"))
LEASE_SECONDS = 30
THINK_SECONDS = (3.0, 7.0)
# How long the students browse before the burst: the pages' own figures on this
# machine (each gunicorn worker's first requests among them), printed beside those
# during the burst.
BASELINE_SECONDS = float(os.environ.get("BURST_BASELINE_SECONDS", "20"))
PAGES = ["/student/", "/contacts/", "/targets/", "/followups/", "/interviews/", "/me/research/"]
LAG_P99_WITHIN = 120.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: list[float], share: float) -> float:
    return percentile(seconds, share) * 1000


class WebServer:
    def __init__(self, directory: Path, env: dict[str, str]):
        self.port = free_port()
        self.log = directory / "gunicorn.log"
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    gunicorn,
                    "config.wsgi",
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "3"),
                    *("--timeout", "60"),
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_this_process,
            )
        wait_until(self.answers, timeout=60, what="gunicorn to answer /healthz")

    def answers(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=30)


@pytest.fixture
def web(celery_procs, fault_redis, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": fault_redis.url,
        # The same key signs the sessions this process makes.
        "SECRET_KEY": settings.SECRET_KEY,
    }
    env.pop("CACHE_URL", None)
    server = WebServer(tmp_path, env)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class Browsers:
    """USERS threads, one signed-in student each, going round the daily pages with
    a pause between pages, until stopped."""

    def __init__(self, base: str, cookies: list[str]):
        self.base = base
        self.cookies = cookies
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        # Every request's time, before the burst (False) and during it (True).
        self.phase = False
        self.by_phase: dict[bool, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._browse, args=(n, cookie), daemon=True)
            for n, cookie in enumerate(cookies)
        ]

    def start(self) -> "Browsers":
        for thread in self.threads:
            thread.start()
        return self

    def _browse(self, n: int, cookie: str) -> None:
        session = requests.Session()
        session.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
        rng = random.Random(n)
        pages = PAGES[n % len(PAGES) :] + PAGES[: n % len(PAGES)]
        while not self.stopping.is_set():
            for path in pages:
                started = time.monotonic()
                try:
                    response = session.get(self.base + path, timeout=30, allow_redirects=False)
                    problem = None if response.status_code == 200 else str(response.status_code)
                except requests.RequestException as exc:
                    problem = type(exc).__name__
                took = time.monotonic() - started
                with self.lock:
                    self.timings[path].append(took)
                    self.by_phase[self.phase].append(took)
                    if problem:
                        self.errors.append(f"{path}: {problem}")
                if self.stopping.wait(rng.uniform(*THINK_SECONDS)):
                    return

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=40)


def students_signed_in(count: int) -> list[str]:
    """`count` students with a few contacts each, and a session cookie for each."""
    cookies = []
    for n in range(count):
        student = UserFactory(email=f"burst{n}@northfield.test", full_name=f"Burst Student {n}")
        for _ in range(5):
            ContactFactory(student=student, organisation="Acme Analytics")
        client = Client()
        client.force_login(student)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return cookies


def test_burst_of_due_emails_while_users_browse(smtp, celery_procs, web, request, capsys):
    recorder, _ = smtp
    started = time.monotonic()
    production_lease = {"EMAIL_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS)}
    worker = celery_procs.worker("burst", concurrency=4, env=production_lease)
    # Beat runs before the burst, as deployed: the burst waits for its next sweep.
    celery_procs.beat("beat", every=SWEEP_SECONDS)
    browsers = Browsers(web.url, students_signed_in(USERS)).start()
    time.sleep(BASELINE_SECONDS)  # the pages before the burst
    browsers.phase = True
    rows = make_due(EMAILS, prefix="burst")
    burst_at = time.monotonic()
    try:
        wait_until(
            lambda: (
                recorder.delivered() >= EMAILS
                and not OutboundEmail.objects.filter(
                    status__in=[Status.PENDING, Status.SENDING]
                ).exists()
            ),
            timeout=LAG_P99_WITHIN + 180,
            what=f"all {EMAILS} emails sent",
            diagnose=describe(recorder, celery_procs),
        )
        drained = time.monotonic() - burst_at
    finally:
        browsers.stop()

    assert worker.poll() is None, "the worker died"
    assert status_counts() == {Status.SENT: EMAILS}
    assert_delivered_exactly_once(recorder)
    sent_at = dict(OutboundEmail.objects.values_list("pk", "sent_at"))
    lags = [(sent_at[row.pk] - FIRST_DUE[row.pk]).total_seconds() for row in rows]
    record_max_delay(request)
    every = [took for timings in browsers.timings.values() for took in timings]
    lines = [
        f"{EMAILS} due at once, {USERS} students browsing; sweep every {SWEEP_SECONDS:g} s,"
        f" lease {LEASE_SECONDS} s, 1 worker of 4 pool processes, 3 gunicorn workers",
        f"all sent {drained:.1f} s after the burst ({EMAILS / drained:.0f} emails/s);"
        f" test {time.monotonic() - started:.0f} s",
        f"lag due to sent: p50 {statistics.median(lags):.1f} s, p99 {percentile(lags, 0.99):.1f} s,"
        f" longest {max(lags):.1f} s",
        f"pages: {len(every)} requests, {len(browsers.errors)} errors,"
        f" p50 {ms(every, 0.5):.0f} ms, p95 {ms(every, 0.95):.0f} ms",
        *(
            f"  {label:<16} {len(browsers.by_phase[phase]):4d} requests,"
            f" p50 {ms(browsers.by_phase[phase], 0.5):5.0f} ms,"
            f" p95 {ms(browsers.by_phase[phase], 0.95):5.0f} ms"
            for label, phase in (("before the burst", False), ("during the burst", True))
            if browsers.by_phase[phase]
        ),
        *(
            f"  {path:<16} {len(timings):4d} requests,"
            f" p50 {ms(timings, 0.5):5.0f} ms, p95 {ms(timings, 0.95):5.0f} ms"
            for path, timings in sorted(browsers.timings.items())
        ),
    ]
    with capsys.disabled():
        print("\n  " + "\n  ".join(lines))
    assert browsers.errors == []
    assert all(len(browsers.timings[path]) > 0 for path in PAGES)
    assert percentile(lags, 0.99) < LAG_P99_WITHIN
