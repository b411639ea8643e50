from celery import current_app
from csp.decorators import csp_exempt
from django.conf import settings
from django.db import connection
from django.http import HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        # The project's app (config/celery.py), made the default for every thread by
        # Celery's Django fix-up: core does not import config.
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1,
                interval_start=0,
                interval_step=0,
                timeout=settings.HEALTHZ_BROKER_TIMEOUT,
            )
            if conn.transport.driver_type == "redis":
                conn.default_channel.client.ping()
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {name: "ok" if ok else "unreachable" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


@require_GET
def favicon(request):
    # Resolved per request: with the production storage the hashed name is known
    # only once collectstatic has run.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@csp_exempt()
def error_500(request):
    # A plain template with no context: the database or a context processor may be
    # what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
