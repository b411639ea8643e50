from django.core.management.base import BaseCommand

from apps.core.outbox import outbox_send_due

# The outcomes always printed, in this order; any other (a row another sender had
# already taken) is printed after them when it happened.
OUTCOMES = ["sent", "retry", "failed", "deferred", "cancelled"]


class Command(BaseCommand):
    help = (
        "Send every outbox email that is due (reminders and all other mail) from this "
        "process, over one SMTP connection: for sites that run cron instead of Celery "
        "beat. Safe to run again, and alongside beat and workers."
    )

    def handle(self, *args, **options):
        counts = outbox_send_due()
        outcomes = OUTCOMES + sorted(set(counts) - set(OUTCOMES))
        self.stdout.write(", ".join(f"{outcome} {counts.get(outcome, 0)}" for outcome in outcomes))
