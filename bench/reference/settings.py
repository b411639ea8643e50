"""The bare reference of bench/load.py: a Django project with nothing but one view
(and, beside it, the same view signed in with Django's own sessions and
authentication: `/signed-in/`, the ceiling any signed-in Django page stays under).

Not shipped and not part of Fieldnotes. It reads the same DATABASE_URL the same way
(config.env: persistent connections checked before each request, JIT off), with
Django's own backend, so that the reference and the app pay the same for a
connection and a query, and it runs under the same gunicorn
with the same number of workers. No middleware, no sessions, no authentication:
what is left is Django's request handling, one primary-key query and a template.
The signed-in view adds Django's SessionMiddleware and AuthenticationMiddleware as
decorators of that view alone, reading sessions the way Fieldnotes does (cached_db
on the same Redis cache) and the user with ModelBackend.
"""

from pathlib import Path

from config import env as E

SECRET_KEY = E.string("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = E.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "reference",
]
MIDDLEWARE = []
ROOT_URLCONF = "reference.urls"
WSGI_APPLICATION = "reference.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
DATABASES = {"default": E.database_url("")}
# Django's own PostgreSQL backend, as a bare Django project has it: config.env picks
# Fieldnotes' (apps/core/postgresql), whose health check skips Django's SELECT 1
# while the connection is quiet, and that saving is the app's, not Django's.
if DATABASES["default"]["ENGINE"] == "apps.core.postgresql":
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
CACHES = {"default": E.cache_url("redis://127.0.0.1:6379/1")}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
AUTH_USER_MODEL = "reference.SignedInPerson"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
USE_I18N = False
