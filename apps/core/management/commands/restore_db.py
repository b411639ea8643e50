from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_db (or any pg_dump --format=custom file) into "
        "the database, or into --target-db on the same server. Checks the .sha256, "
        "refuses a database that has tables unless --replace, restores all or nothing, "
        "compares every table's rows with the .json manifest, and fails if the code has "
        "migrations the restored database lacks. Stop web, worker and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .dump (or .sqlite3) file")
        parser.add_argument(
            "--target-db",
            help="restore into this database on the same server instead (PostgreSQL: it "
            "must exist; SQLite: a file path)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="drop everything in a non-empty target first (PostgreSQL: its public schema)",
        )
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, **options):
        try:
            restore = backup_restore(
                path=options["file"],
                alias=options["database"],
                database=options["target_db"],
                replace=options["replace"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(restore.row_counts.values())
        checked = (
            "the same rows as its manifest"
            if restore.checked_against_manifest
            else "no manifest to compare with"
        )
        self.stdout.write(
            f"restored {len(restore.row_counts)} tables, {rows} rows, into "
            f"{restore.database}: {checked}"
        )
        for name in restore.unknown_migrations:
            self.stderr.write(f"the backup has a migration this code does not know: {name}")
        if restore.unapplied_migrations:
            raise CommandError(
                f"restored, but {len(restore.unapplied_migrations)} migrations of this code "
                f"are not applied ({', '.join(restore.unapplied_migrations)}): run "
                "`python manage.py migrate` before starting the app"
            )
        self.stdout.write("migrations: the restored database is up to date with this code")
