"""The test suite. Uses DATABASE_URL and CELERY_BROKER_URL when set (CI runs on
PostgreSQL and Redis), the embedded defaults otherwise."""

import os

from config.settings.base import *  # noqa: F403

if not os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The literal query counts include the session's read; they must not depend on
# whether the run has Redis (CI) or not (production's cached_db is checked in
# tests/test_settings.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

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
