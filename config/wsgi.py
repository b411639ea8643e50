import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()

# gunicorn runs no system checks, and a wrong SITE_URL breaks every emailed link
# without an error anywhere: say so in each worker's log when it starts.
from apps.core.checks import site_url_check  # noqa: E402

for warning in site_url_check():
    logging.getLogger("apps.core.checks").warning(
        "%s (%s) %s", warning.msg, warning.id, warning.hint
    )
