from django.core.management.base import BaseCommand

from apps.advising.rights import account_erase


class Command(BaseCommand):
    help = (
        "Erase the personal data of the given accounts (students and volunteers), as a "
        "carried-out deletion request does: to repeat erasures after restoring a "
        "backup older than them. Safe to run again: an erased account is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("user_ids", nargs="+", type=int)
        parser.add_argument("--reason", default="repeated after a restore")

    def handle(self, *args, user_ids, reason, **options):
        erased = [pk for pk in user_ids if account_erase(user_id=pk, reason=reason)]
        self.stdout.write(f"erased {len(erased)}, skipped {len(user_ids) - len(erased)}")
