"""`celery beat` for the fault tests: the project's Celery app with only the outbox
sweep, every FAULTS_SWEEP_SECONDS instead of every minute, so that "beat stopped for
three intervals" takes seconds. Run as `celery -A tests.faults.beat_app beat`."""

import os

from config.celery import app

app.conf.beat_schedule = {
    "outbox-sweep": {
        "task": "apps.core.tasks.outbox_sweep",
        "schedule": float(os.environ["FAULTS_SWEEP_SECONDS"]),
    },
}
