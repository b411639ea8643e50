"""Deployment checks (`manage.py check --deploy`) for the services production needs.

Production insists that DATABASE_URL, CELERY_BROKER_URL, CACHE_URL and EMAIL_URL are
set, but any valid value passes, including the development ones. These checks warn
about the values that work on one machine and fail quietly in production.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

from apps.core.links import site_url_host, site_url_host_allowed

# Backends that send nothing anywhere: mail is printed, kept or dropped.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
# Caches not shared by every web and worker process, with why.
UNSHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache": "each process keeps for itself",
    "django.core.cache.backends.filebased.FileBasedCache": "each machine keeps for itself",
    "django.core.cache.backends.dummy.DummyCache": "stores nothing",
}
# A custom tag as well, so `check --deploy --tag services` runs just these.
SERVICES = "services"
# Brokers that reach only some workers, with which.
LOCAL_BROKER_SCHEMES = {
    "filesystem": "workers on this machine",
    "memory": "workers in the same process",
}


@register(SERVICES, deploy=True)
def email_backend_check(app_configs=None, **kwargs):
    if settings.EMAIL_BACKEND not in UNDELIVERED_EMAIL_BACKENDS:
        return []
    return [
        Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: no email leaves the server, so "
            "nobody receives invitations, confirmation links or reminders.",
            hint="Set EMAIL_URL to your SMTP server, e.g. smtp+tls://user:password@host:587.",
            id="fieldnotes.W001",
        )
    ]


@register(SERVICES, Tags.caches, deploy=True)
def cache_backend_check(app_configs=None, **kwargs):
    return [
        Warning(
            f"The {alias!r} cache uses {config['BACKEND']}, which "
            f"{UNSHARED_CACHE_BACKENDS[config['BACKEND']]}: sign-in rate limits are not "
            "shared by all web processes (an attacker gets more tries) and a worker's "
            "import progress may not reach the page.",
            hint="Set CACHE_URL to Redis, e.g. redis://host:6379/1.",
            id="fieldnotes.W002",
        )
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND") in UNSHARED_CACHE_BACKENDS
    ]


@register(SERVICES, deploy=True)
def celery_broker_check(app_configs=None, **kwargs):
    scheme = urlsplit(settings.CELERY_BROKER_URL).scheme
    if scheme not in LOCAL_BROKER_SCHEMES:
        return []
    return [
        Warning(
            f"CELERY_BROKER_URL uses the {scheme} transport: tasks reach only "
            f"{LOCAL_BROKER_SCHEMES[scheme]}, and queued tasks are lost with the machine.",
            hint="Set CELERY_BROKER_URL to Redis, e.g. redis://host:6379/0.",
            id="fieldnotes.W003",
        )
    ]


# Not a deploy-only check: it also runs when the server starts (runserver, and the
# `migrate` that starts the container; config/wsgi.py logs it for gunicorn), and
# `check --deploy` runs it with the rest.
LINKS = "links"


@register(LINKS, Tags.urls)
def site_url_check(app_configs=None, **kwargs):
    if site_url_host_allowed():
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL}, whose host {site_url_host()!r} is not in "
            f"ALLOWED_HOSTS {settings.ALLOWED_HOSTS!r}: links in emails and calendar "
            "feeds lead to a page this site refuses, or to another server.",
            hint="Set SITE_URL to the address people open the site at, and list its "
            "host in ALLOWED_HOSTS (e.g. SITE_URL=https://fieldnotes.example.edu, "
            "ALLOWED_HOSTS=fieldnotes.example.edu).",
            id="fieldnotes.W004",
        )
    ]
