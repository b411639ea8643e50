import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import BackupError, backup_create


def _keep_default() -> int:
    value = os.environ.get("BACKUP_KEEP", "14").strip()
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"BACKUP_KEEP must be a whole number of at least 1, not {value!r}")
    return int(value)


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump's custom format; SQLite: an online "
        "copy) into BACKUP_DIR (default var/backups) as <db>-<UTC time>.dump with a "
        ".sha256 and a .json manifest of every table's rows, then keep only the newest "
        "BACKUP_KEEP (default 14). See docs/deployment.md, Backups."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=Path(os.environ.get("BACKUP_DIR", "").strip() or "var/backups"),
            help="the folder for backups (default: $BACKUP_DIR, or var/backups)",
        )
        parser.add_argument(
            "--keep", type=int, help="how many backups to keep (default: $BACKUP_KEEP, or 14)"
        )
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, **options):
        keep = options["keep"] if options["keep"] is not None else _keep_default()
        try:
            backup = backup_create(directory=options["dir"], keep=keep, alias=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(backup.row_counts.values())
        self.stdout.write(
            f"backed up {len(backup.row_counts)} tables, {rows} rows, to {backup.path} "
            f"({backup.size} bytes, sha256 {backup.sha256})"
        )
        for path in backup.removed:
            self.stdout.write(f"removed {path} (keeping the newest {keep})")
