"""The bare reference of bench/load.py: a Django project with nothing but one view.

Not shipped and not part of Fieldnotes. It reads the same DATABASE_URL the same way
(config.env: persistent connections, JIT off), so that the reference and the app
pay the same for a connection and a query, and it runs under the same gunicorn
with the same number of workers. No middleware, no sessions, no authentication:
what is left is Django's request handling, one primary-key query and a template.
"""

from pathlib import Path

from config import env as E

SECRET_KEY = E.string("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = E.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
INSTALLED_APPS = ["reference"]
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
USE_I18N = False
