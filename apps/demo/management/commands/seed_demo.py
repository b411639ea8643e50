from django.core.management.base import BaseCommand

from apps.demo.seed import demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo offices and people. Safe to run again."

    def handle(self, *args, **options):
        summary = demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary['offices']} offices, {summary['users']} people "
                f"(password '{summary['password']}')."
            )
        )
