"""Start-up refuses bad environment values, naming the variable. Each case starts a
fresh interpreter, because settings are read once per process."""

import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from apps.accounts.demo import DEMO_PASSWORD, OFFICES, PEOPLE
from apps.accounts.models import Office, User
from apps.demo.seed import PENDING, VOLUNTEERS
from apps.interviews.enums import State
from apps.interviews.models import Interview

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


def _start(settings_module: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
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
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {key: pool.submit(_start, module, **env) for key, (module, env) in cases.items()}
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


@pytest.mark.django_db
def test_settings_seed_demo_is_idempotent_and_every_demo_user_can_sign_in():
    def counts():
        return (Office.objects.count(), User.objects.count(), EmailAddress.objects.count())

    first_output, second_output = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first_output)
    after_first = counts()
    User.objects.filter(email="student1@demo.test").update(is_active=False)
    call_command("seed_demo", stdout=second_output)

    extra = {v[0] for v in VOLUNTEERS} - {p[1] for p in PEOPLE} | {PENDING[0]}
    assert after_first == (len(OFFICES), len(PEOPLE) + len(extra), len(PEOPLE) + len(extra))
    assert counts() == after_first
    assert second_output.getvalue() == first_output.getvalue()
    assert first_output.getvalue().startswith("Demo data ready: ")
    states = set(Interview.objects.values_list("state", flat=True))
    assert states == set(State.values) - {State.DRAFT}
    for email in [p[1] for p in PEOPLE] + sorted(extra - {PENDING[0]}):
        browser = Client()
        response = browser.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert (email, response.status_code, response.get("Location")) == (email, 302, "/")
