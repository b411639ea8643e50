from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from apps.demo.seed import demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo offices, people and sample data. Safe to run again."

    def handle(self, *args, **options):
        # The sample requests and meetings would otherwise email the demo people:
        # their outbox rows are delivered here, to nowhere.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            EMAIL_OUTBOX_DISPATCH="inline",
        ):
            summary = demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary['offices']} offices, {summary['users']} people "
                f"(password '{summary['password']}')."
            )
        )
