"""The test suite. Uses DATABASE_URL and CELERY_BROKER_URL when set (CI runs on
PostgreSQL and Redis), the embedded defaults otherwise."""

import os
import re

# pytest-xdist runs the suite in several processes (CI: `-n 2`). pytest-django gives
# each its own test database; here each worker after the first gets its own Redis
# databases too, so one worker's cache.clear() or queued tasks never reach the
# other's. The environment is rewritten, not only the settings, because Celery and
# the subprocesses some tests start read CELERY_BROKER_URL from it.
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _redis_database_for_worker(url: str, index: int) -> str:
    match = re.fullmatch(r"(rediss?://[^/]+)/(\d+)", url)
    if not match or index == 0:
        return url
    return f"{match[1]}/{(int(match[2]) - 4 * index) % 16}"


for _name in ("CELERY_BROKER_URL", "CACHE_URL"):
    if os.environ.get(_name):
        os.environ[_name] = _redis_database_for_worker(os.environ[_name], _XDIST_INDEX)

from config.settings.base import *  # noqa: E402, F403

if not os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The literal query counts include the session's read; they must not depend on
# whether the run has Redis (CI) or not (production's cached_db is checked in
# tests/test_settings.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Likewise the user's read on every request: the counts are those of a request with
# no kept copy (accounts.copies is tested with it on, tests/accounts/test_copies.py).
USER_COPY_SECONDS = 0

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
CELERY_TASK_ALWAYS_EAGER = False

# Queued emails are delivered in the test process right after commit, through the
# same delivery function a worker runs.
EMAIL_OUTBOX_DISPATCH = "inline"

# List pages render with queries disabled (apps.core.rendering.render_list): a
# template that reads a relation its view did not load fails the page's test.
TEMPLATE_QUERIES_FORBIDDEN = True
