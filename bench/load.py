"""Load benchmark: Fieldnotes' daily pages under 20 concurrent connections, each
measured next to a bare Django reference on the same machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldnotes_scale \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 CACHE_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/load.py                 # 8–10 minutes
    .venv/bin/python bench/load.py --growth --tenth-url postgres://…/fieldnotes_scale_tenth

The database is one `manage.py seed_scale` filled (docs/performance.md). The run:

1. collects the static files (the production settings serve hashed names);
2. starts two gunicorns on loopback with the same number of sync workers (3):
   Fieldnotes with `config.settings.production` (DEBUG off, a Redis cache, a fresh
   SECRET_KEY, no HTTPS redirect because loopback is plain HTTP), and the bare
   reference of bench/reference/ (one primary-key query, a five-line template);
3. signs in the seeded student, volunteer, advisor and office admin through
   /accounts/login/ (CSRF token and password, as a browser does) and keeps their
   session cookies;
4. for every page, alternates slices of load on the reference and on the page
   (`--rounds` × `--seconds` each), each slice driven by bench/load_driver.py in
   its own process at `--connections` connections, so that what the machine is
   doing at that moment hits both;
5. prints per page req/s, p50/p95/p99, errors and the page's share of the
   reference measured next to it, then the resident memory of every gunicorn
   worker after the run.

`--growth` instead runs every page in-process (Django's test client, the same
production settings) on the full and the tenth-size database, and prints the
median SQL time (summed with `connection.execute_wrapper`), the median total time
and their ratios, full over tenth.
"""

import argparse
import base64
import hmac
import http.client
import json
import os
import platform
import re
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# Run as a script, bench/ is already on the path (load_stats, load_driver).
sys.path.insert(0, str(ROOT))

from load_stats import (  # noqa: E402
    GrowthRow,
    LoadRow,
    Sample,
    format_growth_table,
    format_load_table,
    format_memory,
    format_reference_summary,
    lowest_medians,
)

PASSWORD = "fieldnotes-scale"  # seed_scale's SCALE_PASSWORD
TOTP_SECRET = "FIELDNOTESSCALETOTPSECRETFORBENC"  # seed_scale's SCALE_TOTP_SECRET
TWO_FACTOR_PATH = "/accounts/2fa/authenticate/"
LOGINS = {
    "student": "student@scale.test",  # 2,000 contacts, 120 interviews
    "volunteer": "volunteer@scale.test",  # the biggest inbox
    "advisor": "advisor@scale.test",  # 500 students
    "admin": "admin@scale.test",  # office admin
}
# One secret for the run: the servers and this process sign and read the same cookies.
SECRET_KEY = secrets.token_urlsafe(48)


@dataclass(frozen=True)
class Page:
    name: str
    who: str | None  # a key of LOGINS; None for a page read without signing in
    path: str  # {interview} and {feed} are filled in from the database
    floor: bool = False
    # Served by the reference's gunicorn, not Fieldnotes': a measure of Django itself.
    on_reference: bool = False


# Django's own signed-in ceiling: the reference's five-line page behind Django's
# session and authentication middleware (the session from Redis as Fieldnotes reads
# it, the user by ModelBackend), nothing of Fieldnotes. No signed-in Django page
# serves more; its share says how much of the floor's aim Django itself leaves.
CEILING = Page(
    "reference, signed in (Django's sessions and auth)",
    "reference",
    "/signed-in/",
    on_reference=True,
)

PAGES = [
    CEILING,
    # The floor: a signed-in page that reads the session, the user and one short
    # list (the student's research notes: none) under the full layout and
    # navigation; what any signed-in page costs at least.
    Page("floor: research notes", "student", "/me/research/", floor=True),
    Page("student home", "student", "/student/"),
    Page("contacts", "student", "/contacts/"),
    Page("target list", "student", "/targets/"),
    Page("directory", "student", "/directory/"),
    Page("directory, text search", "student", "/directory/?q=consult"),
    Page("conversations", "student", "/interviews/"),
    Page("an interview", "student", "/interviews/{interview}/"),
    Page("follow-ups", "student", "/followups/"),
    Page("calendar feed", None, "/calendar/{feed}.ics"),
    Page("volunteer home", "volunteer", "/alumni/"),
    Page("volunteer inbox", "volunteer", "/inbox/"),
    Page("advisor caseload", "advisor", "/advising/"),
    Page("advisor dashboard", "advisor", "/advising/dashboard/"),
    Page("office people", "admin", "/office/people/"),
    Page("office directory", "admin", "/office/directory/"),
]


def production_env(*, database_url: str, port: int, cache_url: str | None = None) -> dict:
    """The environment config.settings.production demands, for loopback."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": f"http://127.0.0.1:{port}",
            # Nothing here should send mail; if something does, it goes nowhere.
            "EMAIL_URL": "consolemail://",
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0",
            "CACHE_URL": cache_url or os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/1",
            # Plain HTTP on loopback; production sits behind TLS.
            "SECURE_SSL_REDIRECT": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def resolve_targets() -> tuple[dict, dict]:
    """The seeded users by role, and the ids the page paths need: the student's most
    recent held interview and the student's calendar feed (made if missing, as the
    calendar page would)."""
    from apps.accounts.models import User
    from apps.interviews import services
    from apps.interviews.enums import State
    from apps.interviews.models import Interview

    users = {}
    for role, email in LOGINS.items():
        user = User.objects.filter(email=email).first()
        if user is None:
            sys.exit(f"No user {email} in this database: fill it with `manage.py seed_scale`.")
        users[role] = user
    student = users["student"]
    interviews = Interview.objects.filter(student=student)
    interview = (
        interviews.filter(state=State.COMPLETED).order_by("-held_at", "-pk").first()
        or interviews.order_by("-pk").first()
    )
    if interview is None:
        sys.exit(f"{student.email} has no interview: is this a seed_scale database?")
    feed = services.calendar_feed_get_or_create(user=student)
    return users, {"interview": interview.pk, "feed": feed.token}


def reference_loop_ms() -> float:
    """The fixed pure-Python loop the other benchmarks print: how fast the machine
    was during the run."""
    started = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


# --- HTTP, from this process (sign-in and checks; the load is load_driver.py's) ---


def http_get(port: int, path: str, cookie: str = "", method="GET", body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if cookie:
            sent["Cookie"] = cookie
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        cookies = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        return response.status, cookies, response.read()
    finally:
        conn.close()


def sign_in(port: int, email: str) -> str:
    """Sign in as a browser does; returns the Cookie header a browser would then send
    (its CSRF cookie and its session)."""
    status, cookies, body = http_get(port, "/accounts/login/")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or "csrftoken" not in cookies or not found:
        sys.exit(f"The sign-in page answered {status} without a CSRF token.")
    form = urlencode(
        {"csrfmiddlewaretoken": found.group(1).decode(), "login": email, "password": PASSWORD}
    )
    status, cookies_after, _ = http_get(
        port,
        "/accounts/login/",
        cookie=f"csrftoken={cookies['csrftoken']}",
        method="POST",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    session = cookies_after.get("sessionid")
    if status != 302 or not session:
        sys.exit(f"Signing in as {email} failed (HTTP {status}): is the password {PASSWORD!r}?")
    # Signing in gives a new CSRF cookie (Django rotates it); the browser keeps it.
    csrf = cookies_after.get("csrftoken", cookies["csrftoken"])
    # Staff have an authenticator app (seed_scale) and pass its step, as a person does.
    cookie = f"csrftoken={csrf}; sessionid={session}"
    status, _, body = http_get(port, TWO_FACTOR_PATH, cookie=cookie)
    if status == 200 and b'name="code"' in body:
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        form = urlencode({"csrfmiddlewaretoken": found.group(1).decode(), "code": totp_now()})
        status, cookies_after, _ = http_get(
            port,
            TWO_FACTOR_PATH,
            cookie=cookie,
            method="POST",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        session = cookies_after.get("sessionid")
        if status != 302 or not session:
            sys.exit(f"The two-factor step for {email} failed (HTTP {status}).")
        csrf = cookies_after.get("csrftoken", csrf)
    # Both cookies, as a browser sends them on every later request: without the CSRF
    # cookie, every page that writes a token (every signed-in page: the layout's
    # forms) would make a new secret and send Set-Cookie, which no browser causes
    # after its first page.
    return f"csrftoken={csrf}; sessionid={session}"


def totp_now(secret: str = TOTP_SECRET, at: float | None = None) -> str:
    """The authenticator app's code (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# --- servers ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One gunicorn master with its sync workers, started and stopped by this run."""

    def __init__(self, *, name: str, app: str, env: dict, port: int, workers: int, logdir: Path):
        self.name, self.port = name, port
        self.log = logdir / f"{name}.log"
        command = [
            sys.executable, "-m", "gunicorn", app,
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--chdir", str(ROOT),
        ]  # fmt: skip
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                http_get(self.port, path)
                return
            except OSError:
                time.sleep(0.2)
        tail = self.log.read_text()[-3000:]
        self.stop()
        sys.exit(f"gunicorn ({self.name}) did not start; the end of its log:\n{tail}")

    def workers_rss_mb(self) -> list[float]:
        import psutil

        children = psutil.Process(self.process.pid).children()
        return sorted(child.memory_info().rss / 2**20 for child in children)

    def worker_pids(self) -> set[int]:
        import psutil

        return {child.pid for child in psutil.Process(self.process.pid).children()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def drive(port: int, path: str, cookie: str, *, seconds: float, connections: int) -> Sample:
    command = [
        sys.executable, str(BENCH / "load_driver.py"), "--port", str(port), "--path", path,
        "--connections", str(connections), "--seconds", str(seconds),
    ]  # fmt: skip
    if cookie:
        command += ["--cookie", cookie]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return Sample.from_driver(json.loads(done.stdout))


# --- the machine, for the record ---


def machine_description(database_url: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    connection.close()
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GB memory"
    except ImportError:
        pass
    database = urlsplit(database_url).path.lstrip("/")
    return [
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        f"machine: {os.cpu_count()} CPUs ({cpu}){memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, PostgreSQL {postgres} "
        f"(database {database})",
        f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"a 1M-step Python loop: {reference_loop_ms():.0f} ms",
    ]


# --- the two modes ---


def run_load(args) -> None:
    app_port, ref_port = free_port(), free_port()
    env = production_env(database_url=args.database_url, port=app_port)
    setup_django(env)
    from django.core.management import call_command
    from django.db import connection

    print("Collecting static files…", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    users, ids = resolve_targets()
    reference_path = f"/person/{users['student'].pk}/"
    header = machine_description(args.database_url)
    connection.close()

    ref_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "reference.settings",
        "REFERENCE_PORT": str(ref_port),
    }
    ref_env["PYTHONPATH"] = os.pathsep.join([str(BENCH), env["PYTHONPATH"]])
    pages = [p for p in PAGES if not args.only or any(o in p.name for o in args.only)]
    with tempfile.TemporaryDirectory(prefix="fieldnotes-load-") as logdir:
        servers = [
            Gunicorn(
                name=name, app=app, env=server_env, port=port, workers=args.workers,
                logdir=Path(logdir),
            )
            for name, app, server_env, port in (
                ("fieldnotes", "config.wsgi", env, app_port),
                ("reference", "reference.wsgi", ref_env, ref_port),
            )
        ]  # fmt: skip
        app, ref = servers
        try:
            app.wait_ready("/healthz")
            ref.wait_ready(reference_path)
            cookies = {role: sign_in(app_port, email) for role, email in LOGINS.items()}
            cookies[None] = ""
            cookies["reference"] = reference_session(ref_env, users["student"])
            rows = measure(args, pages, app, ref, cookies, ids, reference_path)
            app_rss, ref_rss = app.workers_rss_mb(), ref.workers_rss_mb()
        finally:
            for server in servers:
                server.stop()
    print()
    print("\n".join(header))
    print(
        f"load: {args.connections} connections, {args.workers} gunicorn sync workers each; "
        f"per page {args.rounds} × {args.seconds:g} s on the page, alternating with as many "
        f"on the reference"
    )
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(format_load_table(rows))
    print()
    print(format_reference_summary(rows))
    print(format_memory("Fieldnotes gunicorn after the run", app_rss))
    print(format_memory("reference gunicorn after the run", ref_rss))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "header": header,
                    "pages": [
                        {
                            "name": r.name,
                            "path": r.path,
                            "page": r.page.__dict__,
                            "reference": r.reference.__dict__,
                        }
                        for r in rows
                    ],
                    "rss_mb": {"fieldnotes": app_rss, "reference": ref_rss},
                }
            )
        )


def measure(args, pages, app, ref, cookies, ids, reference_path) -> list[LoadRow]:
    pids_before = app.worker_pids()
    rows = []
    for page in pages:
        path = page.path.format(**ids)
        cookie = cookies[page.who]
        server = ref if page.on_reference else app
        # Warm every worker (templates, first queries) and say early if a page fails.
        statuses = {http_get(server.port, path, cookie)[0] for _ in range(2 * args.workers)}
        for _ in range(2 * args.workers):
            http_get(ref.port, reference_path)
        if statuses != {200}:
            print(f"  ! {page.name} ({path}) answered {sorted(statuses)} before the load")
        page_sample, ref_sample = Sample(), Sample()
        load = {"seconds": args.seconds, "connections": args.connections}
        for _ in range(args.rounds):
            ref_sample.add(drive(ref.port, reference_path, "", **load))
            page_sample.add(drive(server.port, path, cookie, **load))
        who = "student" if page.on_reference else page.who or "nobody (token)"
        row = LoadRow(
            page.name, who, path, page.floor, page_sample, ref_sample, ceiling=page.on_reference
        )
        rows.append(row)
        print(
            f"  {page.name:<26} {row.page.rate:7.1f} req/s ({row.share:4.0%} of "
            f"{row.reference.rate:.0f}), errors {row.page.error_count}",
            flush=True,
        )
    restarted = pids_before - app.worker_pids()
    if restarted:
        print(f"  ! {len(restarted)} Fieldnotes worker(s) were replaced during the run")
    return rows


def reference_session(ref_env: dict, user) -> str:
    """A session the signed-in reference reads as Django's own login would have
    written it (ModelBackend, the password's session hash under the run's
    SECRET_KEY), in the same database and Redis cache: the Cookie header value."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    # Signing in through Fieldnotes may have upgraded the password's hash since the
    # user was read, and the session hash is made from it.
    user.refresh_from_db(fields=["password"])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save(must_create=True)
    cookie = f"sessionid={session.session_key}"
    status, _, body = http_get(int(ref_env["REFERENCE_PORT"]), CEILING.path, cookie)
    if status != 200:
        sys.exit(f"The signed-in reference answered {status}: {body[:200]!r}")
    return cookie


def run_growth(args) -> None:
    if not args.tenth_url:
        sys.exit("--growth needs --tenth-url (the database `seed_scale --scale 0.1` filled).")
    # The pages name hashed static files: without a manifest the production
    # settings cannot draw one (a fresh clone has none until a first run).
    collect = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=production_env(database_url=args.database_url, port=8000),
        capture_output=True,
        text=True,
    )
    if collect.returncode:
        sys.exit(f"collectstatic failed:\n{collect.stderr[-2000:]}")
    passes = {"full": [], "tenth": []}
    for round_ in range(1, args.passes + 1):
        for label, url in (("full", args.database_url), ("tenth", args.tenth_url)):
            print(f"In-process pass {round_} of {args.passes} on the {label} database…", flush=True)
            passes[label].append(in_process_subprocess(args, url, label))
    results = {label: lowest_medians(runs) for label, runs in passes.items()}
    setup_django(production_env(database_url=args.database_url, port=8000))
    header = machine_description(args.database_url)
    rows = [
        GrowthRow(name, results["full"][name], results["tenth"][name])
        for name in results["full"]
        if name in results["tenth"]
    ]
    print()
    print("\n".join(header))
    print(
        f"in-process, Django's test client: per page the lowest of {args.passes} medians "
        f"of {args.requests} requests, the passes alternating between the databases\n"
    )
    print(format_growth_table(rows))
    bad = [
        f"{name} ({label}: HTTP {result[name]['status']})"
        for label, result in results.items()
        for name in result
        if result[name]["status"] != 200
    ]
    if bad:
        print("\nPages that did not answer 200: " + ", ".join(bad))


def in_process_subprocess(args, url: str, label: str) -> dict:
    # Each pass gets its own in-memory cache: the two databases have the same office
    # ids, and a shared cache would serve one database's cached figures to the other.
    env = production_env(database_url=url, port=8000, cache_url="locmemcache://")
    command = [sys.executable, __file__, "--in-process", "--requests", str(args.requests)]
    if args.only:
        command += ["--only", *args.only]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"The in-process pass on {label} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def record_second_factor(client, user) -> None:
    """For staff with an authenticator app: what allauth records in the session when
    its step is passed (the load path passes the real step, sign_in above)."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    authenticator = Authenticator.objects.filter(user=user, type="totp").first()
    if authenticator is None:
        return
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "mfa", id=authenticator.pk, type="totp")
    request.session.save()


def in_process_pass(args) -> None:
    """One database, every page through Django's test client; prints one JSON line.
    Without setup_test_environment, whose template instrumentation is not server
    time."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    users, ids = resolve_targets()
    clients = {None: Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
        record_second_factor(clients[role], user)
    out = {}
    for page in PAGES:
        if page.on_reference or (args.only and not any(o in page.name for o in args.only)):
            continue
        client, path = clients[page.who], page.path.format(**ids)
        for _ in range(3):
            status = client.get(path).status_code
        sql_ms, total_ms, queries = [], [], []
        for _ in range(args.requests):
            spent = [0.0, 0]

            def timed(execute, sql, params, many, context, spent=spent):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent[0] += time.perf_counter() - started
                    spent[1] += 1

            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                status = client.get(path).status_code
            total_ms.append((time.perf_counter() - started) * 1000)
            sql_ms.append(spent[0] * 1000)
            queries.append(spent[1])
        out[page.name] = {
            "sql_ms": statistics.median(sql_ms),
            "total_ms": statistics.median(total_ms),
            "queries": round(statistics.median(queries)),
            "status": status,
        }
    print(json.dumps(out))


def database_url_default() -> str:
    return os.environ.get("DATABASE_URL", "")


def tenth_url_guess(url: str) -> str:
    """fieldnotes_scale → fieldnotes_scale_tenth, the name docs/performance.md uses."""
    if not url:
        return ""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_tenth"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=database_url_default())
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers, each")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one slice")
    parser.add_argument("--rounds", type=int, default=5, help="slices per page (and reference)")
    parser.add_argument("--only", nargs="+", help="pages whose name contains one of these")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--growth", action="store_true", help="full vs tenth, in-process")
    parser.add_argument("--tenth-url", help="the tenth-size database (default: <name>_tenth)")
    parser.add_argument("--requests", type=int, default=10, help="--growth: requests per pass")
    parser.add_argument("--passes", type=int, default=5, help="--growth: passes per database")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.in_process:
        in_process_pass(args)
        return
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL (or --database-url) to a PostgreSQL database seed_scale filled.")
    if args.growth:
        args.tenth_url = args.tenth_url or tenth_url_guess(args.database_url)
        run_growth(args)
    else:
        run_load(args)


if __name__ == "__main__":
    main()
