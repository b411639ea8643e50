"""Start-up refuses bad environment values, naming the variable. Each case starts a
fresh interpreter, because settings are read once per process. Also here: the
deployment checks production must pass, the error pages config.urls names, and the
demo data."""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core import checks
from django.test import Client, override_settings
from django.urls import path

from apps.core.checks import (
    LINKS,
    SERVICES,
    cache_backend_check,
    celery_broker_check,
    email_backend_check,
    site_url_check,
)
from apps.core.links import site_url_host_allowed
from config import env as E
from config import urls as config_urls

# Variables the cases set; anything from the surrounding shell (CI's PostgreSQL
# and Redis URLs) is removed first so each case sees only its own value.
OWN_VARIABLES = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "TIME_ZONE",
    "SECRET_KEY",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "DEBUG",
    "LOG_LEVEL",
    "TRUSTED_PROXY_COUNT",
    "DJANGO_SETTINGS_MODULE",
}
GOOD_SECRET = "s" * 20 + "-production-secret-key-for-tests-only-0123456789"
# Production names every service; none is contacted by django.setup().
PRODUCTION = {
    "DATABASE_URL": "postgres://fieldnotes@db.example.edu:5432/fieldnotes",
    "CELERY_BROKER_URL": "redis://redis.example.edu:6379/0",
    "CACHE_URL": "redis://redis.example.edu:6379/1",
    "EMAIL_URL": "smtp://mail.example.edu:587",
    "SITE_URL": "https://fieldnotes.example.edu",
    "ALLOWED_HOSTS": "fieldnotes.example.edu",
    "SECRET_KEY": GOOD_SECRET,
}


SETUP = ("-c", "import django; django.setup()")
CHECK_DEPLOY = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")
# Values production accepts at start-up that only work on one machine.
ONE_MACHINE = {
    "EMAIL_URL": "consolemail://",
    "CACHE_URL": "locmemcache://",
    "CELERY_BROKER_URL": "filesystem://localhost/",
}


def _start(
    settings_module: str, argv: tuple[str, ...] = SETUP, **variables: str
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, *argv],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


BAD_LOCAL = [
    ("DATABASE_URL", "notaurl", "'notaurl' is not a URL with one of the schemes"),
    ("DATABASE_URL", "mysql://x/y", "'mysql://x/y' is not a URL with one of the schemes"),
    ("DATABASE_URL", "postgres://", "it names no database"),
    ("DATABASE_URL", "postgres:///fieldnotes", "it names no host"),
    ("CELERY_BROKER_URL", "amqp://guest@localhost//", "is not a URL with one of the schemes"),
    ("CELERY_BROKER_URL", "localhost:6379", "is not a URL with one of the schemes"),
    ("CELERY_BROKER_URL", "redis://127.0.0.1:notaport/0", "has a port that is not a number"),
    ("CELERY_BROKER_URL", "redis://127.0.0.1:6379/zero", "ends in 'zero', not a database number"),
    ("CACHE_URL", "memcached://127.0.0.1:11211", "is not a URL with one of the schemes"),
    ("CACHE_URL", "redis://", "'redis://' names no host"),
    ("TIME_ZONE", "Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not an IANA time zone"),
    ("DEBUG", "maybe", "'maybe' is not a boolean"),
    ("SITE_URL", "fieldnotes.example.edu", "is not an http(s) URL"),
    ("TRUSTED_PROXY_COUNT", "one", "'one' is not a whole number"),
    ("STAFF_IDLE_MINUTES", "half an hour", "'half an hour' is not a whole number"),
    ("STAFF_IDLE_MINUTES", "0", "0 is less than one minute"),
    (
        "LOG_LEVEL",
        "bogus",
        "'bogus' is not one of ['CRITICAL', 'DEBUG', 'ERROR', 'INFO', 'WARNING']",
    ),
]
BAD_PRODUCTION = [
    ("SECRET_KEY", None, "Environment variable SECRET_KEY is required and is not set"),
    ("SECRET_KEY", "too-short", "Environment variable SECRET_KEY is invalid: use at least 50"),
    ("SECRET_KEY", "insecure-" + "x" * 60, "Environment variable SECRET_KEY is invalid"),
    ("DATABASE_URL", None, "Environment variable DATABASE_URL is required and is not set"),
]


def _production(name: str, value: str | None) -> dict:
    variables = {k: v for k, v in PRODUCTION.items() if k != name}
    if value is not None:
        variables[name] = value
    return variables


# The start-up cases (`started`) cost tens of seconds of interpreters: with CI's
# two processes (--dist loadgroup) the module stays on one, so they start once.
pytestmark = pytest.mark.xdist_group("settings_startup")


@pytest.fixture(scope="module")
def started():
    """Every start-up case at once: each is a separate interpreter, so they run in
    parallel to keep the suite fast."""
    cases = {("local", "good", None): ("config.settings.local", {})}
    cases[("production", "good", None)] = ("config.settings.production", PRODUCTION)
    for name, value, _ in BAD_LOCAL:
        cases[("local", name, value)] = ("config.settings.local", {name: value})
    for name, value, _ in BAD_PRODUCTION:
        cases[("production", name, value)] = (
            "config.settings.production",
            _production(name, value),
        )
    cases = {key: (module, SETUP, env) for key, (module, env) in cases.items()}
    cases[("deploy", "good", None)] = ("config.settings.production", CHECK_DEPLOY, PRODUCTION)
    cases[("deploy", "one machine", None)] = (
        "config.settings.production",
        CHECK_DEPLOY,
        {**PRODUCTION, **ONE_MACHINE},
    )
    cases[("deploy", "site url elsewhere", None)] = (
        "config.settings.production",
        CHECK_DEPLOY,
        {**PRODUCTION, "SITE_URL": "https://careers.example.edu:8443"},
    )
    cases[("wsgi", "site url elsewhere", None)] = (
        "config.settings.production",
        ("-c", "import config.wsgi"),
        {**PRODUCTION, "SITE_URL": "https://careers.example.edu"},
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {
            key: pool.submit(_start, module, argv, **env)
            for key, (module, argv, env) in cases.items()
        }
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(("name", "value", "problem"), BAD_LOCAL)
def test_settings_bad_environment_value_stops_startup_naming_the_variable(
    name, value, problem, started
):
    result = started[("local", name, value)]

    assert result.returncode != 0
    assert f"Environment variable {name} is invalid" in result.stderr
    assert problem in result.stderr


@pytest.mark.parametrize(("name", "value", "problem"), BAD_PRODUCTION)
def test_settings_production_without_a_real_value_stops_startup(name, value, problem, started):
    result = started[("production", name, value)]

    assert result.returncode != 0
    assert problem in result.stderr


@pytest.mark.parametrize("kind", ["local", "production"])
def test_settings_good_environment_starts(kind, started):
    result = started[(kind, "good", None)]

    assert (result.returncode, result.stderr) == (0, "")


def test_settings_log_level_is_accepted_in_any_case(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", " warning ")

    assert E.log_level("LOG_LEVEL", "INFO") == "WARNING"


def test_settings_postgresql_connections_turn_jit_off(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://fieldnotes@db.example.edu:5432/fieldnotes")

    assert E.database_url("sqlite:///x")["OPTIONS"]["options"] == "-c jit=off"


def test_settings_postgresql_urls_get_the_quiet_health_check_backend(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://fieldnotes@db.example.edu:5432/fieldnotes")
    config = E.database_url("sqlite:///x")

    assert config["ENGINE"] == "apps.core.postgresql"
    assert config["CONN_HEALTH_CHECKS"] is True
    monkeypatch.delenv("DATABASE_URL")
    assert E.database_url("sqlite:///x")["ENGINE"] == "django.db.backends.sqlite3"


def test_settings_sqlite_gets_no_postgresql_options(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert "options" not in E.database_url("sqlite:///x").get("OPTIONS", {})


@pytest.mark.needs_postgres
def test_settings_the_test_database_connection_runs_without_jit(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


# --- The signed-in floor (issue 10) ---------------------------------------------

FLOOR = (
    "-c",
    "import django; django.setup(); from django.conf import settings; "
    "from django.template import engines; "
    "print(settings.SESSION_ENGINE); "
    "print(settings.USER_COPY_SECONDS); "
    "print([f'{type(x).__module__}.{type(x).__name__}' "
    "for x in engines['django'].engine.template_loaders])",
)


@pytest.mark.parametrize(
    ("module", "variables", "engine", "copy_seconds"),
    [
        (
            "config.settings.production",
            PRODUCTION,
            "django.contrib.sessions.backends.cached_db",
            "60",
        ),
        (
            "config.settings.production",
            {**PRODUCTION, "USER_COPY_SECONDS": "0"},
            "django.contrib.sessions.backends.cached_db",
            "0",
        ),
        (
            "config.settings.production",
            {**PRODUCTION, "CACHE_URL": "filecache:///tmp/fieldnotes-cache"},
            "django.contrib.sessions.backends.db",
            "0",
        ),
        ("config.settings.local", {}, "django.contrib.sessions.backends.db", "0"),
    ],
)
def test_settings_sessions_come_from_redis_when_the_cache_is_redis(
    module, variables, engine, copy_seconds
):
    result = _start(module, FLOOR, **variables)

    assert result.returncode == 0, result.stderr
    session_engine, user_copy_seconds, loaders = result.stdout.splitlines()
    assert session_engine == engine
    # The user's kept copies (accounts.copies) need a cache every process shares.
    assert user_copy_seconds == copy_seconds
    # Templates are parsed once per process: Django wraps the loaders in its cached
    # loader when TEMPLATES names none, whatever DEBUG says.
    assert loaders == "['django.template.loaders.cached.Loader']"


# --- Deployment checks ------------------------------------------------------------


def test_settings_production_with_real_services_passes_the_deployment_checks(started):
    result = started[("deploy", "good", None)]

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (1 silenced).\n"


def test_settings_production_with_one_machine_services_fails_the_deployment_checks(started):
    result = started[("deploy", "one machine", None)]

    assert result.returncode == 1
    assert re.findall(r"\((\S+)\) ", result.stderr) == [
        "fieldnotes.W001",
        "fieldnotes.W002",
        "fieldnotes.W003",
    ]
    assert "EMAIL_BACKEND is django.core.mail.backends.console.EmailBackend" in result.stderr
    assert "The 'default' cache uses django.core.cache.backends.locmem.LocMemCache" in (
        result.stderr
    )
    assert "CELERY_BROKER_URL uses the filesystem transport" in result.stderr


def test_settings_deploy_check_fails_when_site_url_is_not_an_allowed_host(started):
    result = started[("deploy", "site url elsewhere", None)]

    assert result.returncode == 1
    assert re.findall(r"\((\S+)\) ", result.stderr) == ["fieldnotes.W004"]
    assert (
        "SITE_URL is https://careers.example.edu:8443, whose host 'careers.example.edu' is "
        "not in ALLOWED_HOSTS ['fieldnotes.example.edu']" in result.stderr
    )


def test_settings_web_start_up_logs_a_site_url_that_is_not_an_allowed_host(started):
    result = started[("wsgi", "site url elsewhere", None)]

    assert result.returncode == 0
    assert "whose host 'careers.example.edu' is not in ALLOWED_HOSTS" in result.stderr
    assert "(fieldnotes.W004)" in result.stderr


@pytest.mark.parametrize(
    ("site_url", "allowed", "ok"),
    [
        ("https://fieldnotes.example.edu", ["fieldnotes.example.edu"], True),
        ("https://Fieldnotes.Example.edu:8443/", ["fieldnotes.example.edu"], True),
        ("https://fieldnotes.example.edu", [".example.edu"], True),
        ("https://example.edu", [".example.edu"], True),
        ("https://fieldnotes.example.edu", ["*"], True),
        ("http://[::1]:8000", ["localhost", "[::1]"], True),
        ("http://127.0.0.1:8000", ["localhost", "127.0.0.1"], True),
        ("https://careers.example.edu", ["fieldnotes.example.edu"], False),
        ("https://example.edu.evil.test", [".example.edu"], False),
        ("https://fieldnotes.example.edu", ["example.edu"], False),
        ("http://localhost:8000", [], False),
    ],
)
def test_settings_site_url_host_allowed(site_url, allowed, ok):
    with override_settings(DEBUG=False):
        assert site_url_host_allowed(site_url, allowed) is ok


def test_settings_site_url_check_runs_without_deploy_too():
    with override_settings(SITE_URL="https://careers.example.edu", ALLOWED_HOSTS=["x.test"]):
        plain = checks.run_checks(tags=[LINKS])
        direct = site_url_check()

    assert [(w.id, w.level) for w in plain] == [("fieldnotes.W004", checks.WARNING)]
    assert [w.id for w in direct] == ["fieldnotes.W004"]


def test_settings_site_url_check_is_silent_when_the_host_matches():
    with override_settings(
        SITE_URL="https://fieldnotes.example.edu", ALLOWED_HOSTS=[".example.edu"]
    ):
        assert checks.run_checks(include_deployment_checks=True, tags=[LINKS]) == []


SMTP = "django.core.mail.backends.smtp.EmailBackend"
REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                           "LOCATION": "redis://redis.example.edu:6379/1"}}  # fmt: skip
REDIS_BROKER = "redis://redis.example.edu:6379/0"


@pytest.mark.parametrize("backend", ["console", "locmem", "filebased", "dummy"])
def test_settings_deploy_check_warns_about_email_that_is_never_delivered(backend):
    with override_settings(EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend"):
        warnings = email_backend_check()

    assert [(w.id, w.level) for w in warnings] == [("fieldnotes.W001", checks.WARNING)]
    assert f"backends.{backend}.EmailBackend" in warnings[0].msg


@pytest.mark.parametrize(
    "backend", ["locmem.LocMemCache", "filebased.FileBasedCache", "dummy.DummyCache"]
)
def test_settings_deploy_check_warns_about_a_cache_not_shared_by_every_process(backend):
    caches = {
        **REDIS_CACHE,
        "other": {"BACKEND": f"django.core.cache.backends.{backend}", "LOCATION": "/tmp/x"},
    }
    with override_settings(CACHES=caches):
        warnings = cache_backend_check()

    assert [(w.id, w.level) for w in warnings] == [("fieldnotes.W002", checks.WARNING)]
    assert f"The 'other' cache uses django.core.cache.backends.{backend}," in warnings[0].msg


@pytest.mark.parametrize("url", ["filesystem://localhost/", "memory://"])
def test_settings_deploy_check_warns_about_a_broker_on_one_machine(url):
    with override_settings(CELERY_BROKER_URL=url):
        warnings = celery_broker_check()

    assert [(w.id, w.level) for w in warnings] == [("fieldnotes.W003", checks.WARNING)]


@pytest.mark.parametrize("broker", [REDIS_BROKER, "rediss://redis.example.edu:6380/0"])
def test_settings_deploy_checks_are_silent_with_smtp_and_redis(broker):
    with override_settings(EMAIL_BACKEND=SMTP, CACHES=REDIS_CACHE, CELERY_BROKER_URL=broker):
        found = checks.run_checks(include_deployment_checks=True, tags=[SERVICES])

    assert found == []


def test_settings_service_checks_run_only_with_deploy():
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        CELERY_BROKER_URL="memory://",
    ):
        plain = checks.run_checks(tags=[SERVICES])
        deploy = checks.run_checks(include_deployment_checks=True, tags=[SERVICES])

    assert plain == []
    assert sorted(w.id for w in deploy) == ["fieldnotes.W001", "fieldnotes.W002", "fieldnotes.W003"]


# --- Error pages ------------------------------------------------------------------


def _fail(request):
    raise RuntimeError("a bug deep in a view")


# The project's URLs and error handlers, plus one view that fails, as ROOT_URLCONF.
urlpatterns = [path("__fail__/", _fail), *config_urls.urlpatterns]
handler403 = config_urls.handler403
handler404 = config_urls.handler404
handler500 = config_urls.handler500


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_settings_unhandled_error_shows_the_friendly_500_page(student, caplog):
    browser = Client(raise_request_exception=False)
    browser.force_login(student)

    response = browser.get("/__fail__/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "a bug deep in a view" not in page
    assert "Traceback" not in page
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == [
        "Internal Server Error: /__fail__/"
    ]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_settings_forbidden_page_is_the_friendly_403(alumni, login_as):
    response = login_as(alumni).get("/directory/")

    assert response.status_code == 403
    assert response.templates[0].name == "403.html"
    assert "This page is not for your account" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_settings_missing_page_is_the_friendly_404(student, login_as, nobody):
    for browser in (login_as(student), nobody):
        response = browser.get("/no-such-page/")

        assert response.status_code == 404
        assert response.templates[0].name == "404.html"
        assert "We could not find that page" in response.content.decode()


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_every_page_denies_the_browser_features_it_does_not_use(client, student, login_as):
    for response in (client.get("/accounts/login/"), login_as(student).get("/")):
        policy = dict(
            part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
        )
        assert policy["camera"] == policy["microphone"] == policy["geolocation"] == "()"
        assert policy["payment"] == policy["usb"] == "()"
        assert policy["publickey-credentials-get"] == "(self)"


def test_favicon_ico_points_at_the_svg_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")


def test_each_xdist_worker_after_the_first_gets_redis_databases_of_its_own():
    from config.settings.test import _redis_database_for_worker

    assert _redis_database_for_worker("redis://127.0.0.1:6379/15", 0) == "redis://127.0.0.1:6379/15"
    assert _redis_database_for_worker("redis://127.0.0.1:6379/15", 1) == "redis://127.0.0.1:6379/11"
    assert _redis_database_for_worker("redis://127.0.0.1:6379/14", 1) == "redis://127.0.0.1:6379/10"
    assert _redis_database_for_worker("rediss://cache:6380/2", 1) == "rediss://cache:6380/14"
    # Not a Redis database URL: left alone.
    assert _redis_database_for_worker("filesystem://localhost/", 1) == "filesystem://localhost/"
    assert _redis_database_for_worker("memory://", 1) == "memory://"
