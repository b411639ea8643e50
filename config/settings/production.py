"""Production: every secret from the environment, HTTPS only, SMTP for email."""

from config import env as E
from config.settings.base import *  # noqa: F403

DEBUG = False

# The embedded defaults (SQLite, a filesystem broker, a per-process cache, console
# email) are for one developer's machine; production must name real services.
for _name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL"):
    E.string(_name)

SECRET_KEY = E.string("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise E.BadSetting("SECRET_KEY", "use at least 50 random characters")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = E.boolean("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = E.integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = E.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = E.boolean("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS preloading commits the whole domain to HTTPS in browsers for months; each
# university decides that for its own domain (SECURE_HSTS_PRELOAD=true), so the
# check that nags about it is silenced rather than the choice made for them.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
