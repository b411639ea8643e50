"""Settings shared by every environment. Values that differ come from the environment,
read strictly by config.env; see .env.example for the full list."""

from importlib.util import find_spec

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config import env as E
from config.celery_schedule import BEAT_SCHEDULE

BASE_DIR = E.BASE_DIR
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = E.string("SECRET_KEY", "insecure-local-development-key-do-not-use-in-production")
DEBUG = E.boolean("DEBUG", False)
ALLOWED_HOSTS = E.string_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = E.string_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = E.site_url("http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "apps.core",
    "apps.accounts",
    "apps.students",
    "apps.contacts",
    "apps.interviews",
    "apps.followups",
    "apps.advising",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RequestSizeLimitMiddleware",
    "apps.core.middleware.ClientAddressMiddleware",
    "apps.accounts.middleware.SessionMiddleware",
    "apps.core.middleware.OneLanguageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.middleware.StaffSessionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "apps.accounts.middleware.UserTimeZoneMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": E.database_url(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The contact book's covering index (contacts.Contact, contact_book_counts) has
# columns it only carries (INCLUDE): PostgreSQL's; SQLite, the embedded default,
# builds it without them and warns on every start. Nothing to act on there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# The embedded default is a file cache so that web and worker processes share it
# (rate limits, import progress); Redis in CI, compose and production.
CACHES = {"default": E.cache_url(f"filecache://{VAR_DIR / 'cache'}")}
# Django's Redis cache builds a Redis client on every call; ours keeps one per
# connection pool (apps/core/cache.py), which the floor page measured.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "apps.core.cache.ReusedClientRedisCache"

# Every signed-in request reads its session. With Redis as the cache, it is read
# from Redis and written to both (cached_db): the database stays the record, so
# a Redis flush or eviction signs nobody out. With a file or per-process cache,
# the database alone (docs/deployment.md, "Sessions").
if CACHES["default"]["BACKEND"] == "apps.core.cache.ReusedClientRedisCache":
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The signed-in user and office come from a copy each process keeps, checked against
# version tokens in the cache on every request, for at most this many seconds after
# it was read (accounts.copies); 0 reads them from the database every time. Needs a
# cache all processes share: Redis, not the embedded default's.
USER_COPY_SECONDS = E.integer(
    "USER_COPY_SECONDS",
    60 if CACHES["default"]["BACKEND"] == "apps.core.cache.ReusedClientRedisCache" else 0,
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.AccountBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verified before first use; sign-up is by
# invitation or the per-office volunteer page only (see accounts.adapters).
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
# Tell people when their password or email address changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# The "no such account" mail would point to allauth's sign-up page, which is shut.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so they are visible and reviewed.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# "Email me a sign-in code": how someone whose password attempts are limited (by
# someone else's failures, or their own) still gets in (docs/security.md).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# How many proxies in front of the app append to X-Forwarded-For: the sign-in limits
# count per client address, which behind a proxy is read from that header.
ALLAUTH_TRUSTED_PROXY_COUNT = E.integer("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Fieldnotes] "
# An authenticator app, recovery codes and security keys (WebAuthn, through fido2).
# Required of advisors and office admins where their office says so
# (Office.staff_two_factor_required; accounts.middleware.StaffSessionMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Fieldnotes"
# fido2 accepts only https origins; config/settings/local.py allows http for
# localhost development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

# Campus single sign-on (issue 11): each office's identity provider is an app built
# from its accounts.OfficeSignOn (apps/accounts/sso.py), matched to accounts by
# verified email by the adapter. allauth's openid_connect provider is replaced by a
# subclass that sends and checks a nonce and always verifies the id_token signature.
# SAML needs python3-saml and xmlsec (django-allauth's [saml] extra; xmlsec's wheels
# carry libxmlsec1). Installed with the project; a machine without them runs
# without SAML (the office page then refuses it, and its tests skip, or fail in CI).
SAML_AVAILABLE = find_spec("onelogin") is not None and find_spec("xmlsec") is not None
if SAML_AVAILABLE:
    INSTALLED_APPS.insert(
        INSTALLED_APPS.index("allauth.socialaccount.providers.openid_connect") + 1,
        "allauth.socialaccount.providers.saml",
    )
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"provider_class": "apps.accounts.sso.CampusOpenIDConnectProvider"},
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
# A staff member's session ends after this many minutes without a request (students
# and volunteers are not timed out).
STAFF_IDLE_MINUTES = E.integer("STAFF_IDLE_MINUTES", 30)
if STAFF_IDLE_MINUTES < 1:
    raise E.BadSetting("STAFF_IDLE_MINUTES", f"{STAFF_IDLE_MINUTES} is less than one minute")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
TIME_ZONE = E.time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "apps.core.storage.StaticFilesStorage"},
}

_email = E.email_url("consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 20
# How a queued email reaches SMTP once its transaction commits: "celery" hands the
# outbox row's id to a worker; "inline" sends it in the same process (tests, or a
# site without workers that runs `send_due_reminders` from cron for retries).
EMAIL_OUTBOX_DISPATCH = E.choice("EMAIL_OUTBOX_DISPATCH", "celery", {"celery", "inline"})
# How long a claimed outbox row stays a worker's before the sweep may take it back:
# a delivery renews it every third of a lease while it runs (docs/reminders.md), so
# this is how long a row whose worker died, or whose task was lost, waits before the
# next sweep (at most a minute later) takes it back. The first retry delay after a
# temporary SMTP error (doubled each time, up to 2 hours). The fault tests shorten
# both; production keeps the defaults.
EMAIL_OUTBOX_LEASE_SECONDS = E.integer("EMAIL_OUTBOX_LEASE_SECONDS", 30)
EMAIL_OUTBOX_BACKOFF_SECONDS = E.integer("EMAIL_OUTBOX_BACKOFF_SECONDS", 60)
for _name in ("EMAIL_OUTBOX_LEASE_SECONDS", "EMAIL_OUTBOX_BACKOFF_SECONDS"):
    if globals()[_name] < 1:
        raise E.BadSetting(_name, "it must be at least 1 (seconds)")
DEFAULT_FROM_EMAIL = E.string("DEFAULT_FROM_EMAIL", "Fieldnotes <no-reply@fieldnotes.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. The embedded default is kombu's filesystem transport, which needs no
# server; Redis in CI, compose and production.
CELERY_BROKER_URL = E.url("CELERY_BROKER_URL", "filesystem://localhost/", E.BROKER_SCHEMES)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Without this, a task whose worker died is redelivered only after an hour.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": E.log_level("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The largest request body taken in (RequestSizeLimitMiddleware): the biggest
# upload is a 2 MB CSV, with room for the form around it.
MAX_REQUEST_BYTES = 3 * 1024 * 1024
SESSION_COOKIE_HTTPONLY = True
# Browser features no page of Fieldnotes uses, denied to it and to anything it
# might embed (django-permissions-policy). Security keys (WebAuthn) stay allowed
# here, to register them and to sign in with them.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "ambient-light-sensor": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Office invitations expire after this many days.
INVITATION_TTL_DAYS = 14
HEALTHZ_BROKER_TIMEOUT = 2


# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this
# site only; no inline script or style anywhere (htmx's indicator styles are off,
# see base.html), no plugins, no framing, forms post here only. data: images are
# allowed for the QR code of two-factor sign-up. The stand-alone 500 page is exempt.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
