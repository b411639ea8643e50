"""Strict reading of the environment.

Every setting that comes from the environment is read here, so a bad value stops
start-up with a message that names the variable instead of failing later, deep in a
request, with an error about something else.
"""

import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}
BROKER_SCHEMES = {"redis", "rediss", "filesystem", "memory"}
CACHE_SCHEMES = {"redis", "rediss", "locmemcache", "filecache", "dummycache"}
EMAIL_SCHEMES = {"smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "filemail", "memorymail"}
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


class BadSetting(ImproperlyConfigured):
    def __init__(self, name: str, problem: str):
        super().__init__(f"Environment variable {name} is invalid: {problem}")


def _scheme_of(name: str, value: str, allowed: set[str]) -> str:
    scheme = urlsplit(value).scheme
    if "://" not in value or scheme not in allowed:
        raise BadSetting(name, f"{value!r} is not a URL with one of the schemes {sorted(allowed)}")
    return scheme


def database_url(default: str) -> dict:
    value = os.environ.get("DATABASE_URL", "").strip() or default
    scheme = _scheme_of("DATABASE_URL", value, DATABASE_SCHEMES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            config = env.db_url_config(value)
        except Exception as exc:  # environ raises several kinds on malformed URLs
            raise BadSetting("DATABASE_URL", str(exc)) from exc
    if not config.get("NAME"):
        raise BadSetting("DATABASE_URL", "it names no database")
    if scheme != "sqlite" and not config.get("HOST"):
        raise BadSetting("DATABASE_URL", "it names no host")
    config["CONN_MAX_AGE"] = integer("CONN_MAX_AGE", 60 if scheme != "sqlite" else 0)
    config["CONN_HEALTH_CHECKS"] = scheme != "sqlite"
    if scheme != "sqlite":
        # Django's PostgreSQL backend with a health check that asks the server only
        # when the connection's socket shows something (apps/core/postgresql).
        config["ENGINE"] = "apps.core.postgresql"
    if scheme != "sqlite":
        # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost.
        # The caseload's per-student subqueries pass it on any large office, and the
        # compiling took longer than running them (98 ms of 180 ms on 20,000
        # students). A web app's queries are short: off for every connection. Behind
        # a pooler that drops start-up options, set it on the role instead
        # (docs/deployment.md).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


def url(name: str, default: str, allowed: set[str]) -> str:
    value = os.environ.get(name, "").strip() or default
    if _scheme_of(name, value, allowed) in {"redis", "rediss"}:
        _check_redis(name, value)
    return value


def _check_redis(name: str, value: str) -> None:
    # The Redis clients accept these URLs as they are and fail only at the first
    # connection, so a typo would surface as a broken request or a silent worker.
    parts = urlsplit(value)
    try:
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise BadSetting(name, f"{value!r} has a port that is not a number") from exc
    if not parts.hostname:
        raise BadSetting(name, f"{value!r} names no host")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise BadSetting(name, f"{value!r} ends in {database!r}, not a database number")


def cache_url(default: str) -> dict:
    value = url("CACHE_URL", default, CACHE_SCHEMES)
    return env.cache_url_config(value)


def email_url(default: str) -> dict:
    value = url("EMAIL_URL", default, EMAIL_SCHEMES)
    try:
        return env.email_url_config(value)
    except Exception as exc:
        raise BadSetting("EMAIL_URL", str(exc)) from exc


def boolean(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise BadSetting(name, f"{value!r} is not a boolean (use true or false)")


def integer(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise BadSetting(name, f"{value!r} is not a whole number") from exc


def string(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required and is not set")
    return default


def string_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise BadSetting(name, f"{value!r} names nothing (use a comma-separated list)")
    return items


def time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    if value not in available_timezones():
        raise BadSetting(name, f"{value!r} is not an IANA time zone such as Europe/London")
    return value


def site_url(default: str) -> str:
    value = os.environ.get("SITE_URL", "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise BadSetting(
            "SITE_URL", f"{value!r} is not an http(s) URL such as https://fieldnotes.example.edu"
        )
    return value.rstrip("/")


def choice(name: str, default: str, allowed: set[str]) -> str:
    value = os.environ.get(name, "").strip() or default
    if value not in allowed:
        raise BadSetting(name, f"{value!r} is not one of {sorted(allowed)}")
    return value


def log_level(name: str, default: str) -> str:
    # Checked here because logging rejects a bad level only inside dictConfig, as
    # "Unable to configure root logger", which names neither the variable nor the value.
    value = os.environ.get(name, "").strip() or default
    if value.upper() not in LOG_LEVELS:
        raise BadSetting(name, f"{value!r} is not one of {sorted(LOG_LEVELS)}")
    return value.upper()
