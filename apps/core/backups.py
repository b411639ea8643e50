"""Backups of the database, and restores that check what they restored.

PostgreSQL (every deployment): `backup_create` runs `pg_dump --format=custom`
inside a REPEATABLE READ transaction that exported its snapshot, and counts every
table's rows in that same snapshot, so the manifest says exactly what the dump
holds. Next to `<db>-<UTC time>.dump` it writes `<dump>.sha256` (the `sha256sum`
format, so `sha256sum -c` checks it too) and `<dump>.json` (size, checksum, server
and pg_dump versions, the latest migration of each app, the row counts). The dump is
written under a `.partial` name and renamed when complete, so a half-written file
never counts as a backup, and only then are the oldest beyond `keep` removed.

`backup_restore` checks the checksum, refuses a target database that has tables
unless told to replace them, restores with `pg_restore --single-transaction
--exit-on-error` (all or nothing), compares every table's rows with the manifest,
and reports the migrations the code has that the restored database lacks.

SQLite (the bare-machine default): the same files, made with SQLite's online
backup API (a consistent copy while the app runs), restored the same way.

docs/deployment.md ("Backups") has the commands, the compose service and the
recovery point and time; docs/reminders.md what a restore means for the outbox.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.db import OperationalError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

DUMP_SUFFIX = {"postgresql": ".dump", "sqlite": ".sqlite3"}
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<db>.+)-(?P<stamp>\d{8}T\d{6}Z)\.(dump|sqlite3)$")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Backup:
    path: Path
    sha256: str
    size: int
    row_counts: dict[str, int]
    removed: list[Path] = field(default_factory=list)


@dataclass
class Restore:
    database: str
    row_counts: dict[str, int]
    checked_against_manifest: bool
    unapplied_migrations: list[str]
    unknown_migrations: list[str]


# --- Connections ----------------------------------------------------------------------


def _pg_env(settings_dict: dict, name: str | None = None) -> dict[str, str]:
    """The libpq environment for pg_dump, pg_restore: what Django connects with."""
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS") or {}
    for key, value in {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": name or settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
    }.items():
        if value not in (None, ""):
            env[key] = str(value)
    return env


@contextmanager
def _connection_to(alias: str, name: str) -> Iterator:
    """A Django connection like `alias`'s, to database `name` (for checking a
    restored database that is not the one the settings name)."""
    if name == connections[alias].settings_dict["NAME"]:
        yield connections[alias]
        return
    other = f"{alias}__restore_check"
    connections.settings[other] = {**connections[alias].settings_dict, "NAME": name}
    try:
        yield connections[other]
    finally:
        connections[other].close()
        del connections[other]
        del connections.settings[other]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(at least the server's major version)"
        )
    return path


# --- Facts about a database -----------------------------------------------------------


def _table_names(conn) -> list[str]:
    return sorted(conn.introspection.table_names(conn.cursor()))


def _row_counts(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 (introspected names)
        counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations(cursor) -> dict[str, str]:
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def _migration_state(conn) -> tuple[list[str], list[str]]:
    """Migrations the code has and `conn`'s database has not applied, and applied
    ones the code does not know (a dump from newer code)."""
    executor = MigrationExecutor(conn)
    graph = executor.loader.graph
    plan = executor.migration_plan(graph.leaf_nodes())
    applied = executor.recorder.applied_migrations()
    unapplied = [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in graph.nodes)
    return unapplied, unknown


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- Backing up -----------------------------------------------------------------------


def backup_create(*, directory: Path, keep: int, alias: str = "default") -> Backup:
    """Back up `alias`'s database into `directory` and keep the newest `keep`."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    conn = connections[alias]
    vendor = conn.vendor
    if vendor not in DUMP_SUFFIX:
        raise BackupError(f"backups are for PostgreSQL and SQLite, not {vendor}")
    directory.mkdir(parents=True, exist_ok=True)
    db_name = Path(str(conn.settings_dict["NAME"])).stem if vendor == "sqlite" else None
    db_name = db_name or conn.settings_dict["NAME"]
    stamp = datetime.now(UTC).strftime(_STAMP)
    final = directory / f"{db_name}-{stamp}{DUMP_SUFFIX[vendor]}"
    if final.exists():
        raise BackupError(f"{final} exists already; wait a second and try again")
    partial = final.with_name(final.name + ".partial")
    try:
        if vendor == "postgresql":
            facts = _dump_postgresql(conn, partial)
        else:
            facts = _copy_sqlite(conn, partial)
        checksum = _sha256(partial)
        size = partial.stat().st_size
        Path(f"{final}.sha256").write_text(f"{checksum}  {final.name}\n")
        manifest = {
            "file": final.name,
            "database": db_name,
            "vendor": vendor,
            "created_at": datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC).isoformat(),
            "size": size,
            "sha256": checksum,
            **facts,
        }
        Path(f"{final}.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        # Last, so that a dump under its final name always has its checksum.
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    removed = _prune(directory, db_name, DUMP_SUFFIX[vendor], keep)
    return Backup(final, checksum, size, facts["row_counts"], removed)


def _dump_postgresql(conn, path: Path) -> dict:
    pg_dump = _tool("pg_dump")
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, check=True)
    if conn.in_atomic_block:
        raise BackupError("a backup cannot run inside a transaction: it needs its own snapshot")
    # One read-only REPEATABLE READ transaction: pg_dump reads the snapshot it
    # exports, so the counts below describe exactly the rows in the dump.
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        done = subprocess.run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
                f"--file={path}",
            ],
            env=_pg_env(conn.settings_dict),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        counts = _row_counts(cursor, _table_names(conn), conn.ops.quote_name)
        migrations = _latest_migrations(cursor)
        transaction.set_rollback(True, using=conn.alias)
    return {
        "server_version": server_version,
        "pg_dump_version": version.stdout.strip(),
        "latest_migrations": migrations,
        "row_counts": counts,
    }


def _copy_sqlite(conn, path: Path) -> dict:
    source = sqlite3.connect(conn.settings_dict["NAME"])
    target = sqlite3.connect(path)
    try:
        # The online backup API: a consistent copy while other processes write.
        source.backup(target)
        cursor = target.cursor()
        tables = [
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = _row_counts(cursor, tables, conn.ops.quote_name)
        migrations = _latest_migrations(cursor) if "django_migrations" in tables else {}
    finally:
        target.close()
        source.close()
    return {
        "sqlite_version": sqlite3.sqlite_version,
        "latest_migrations": migrations,
        "row_counts": counts,
    }


def _prune(directory: Path, db_name: str, suffix: str, keep: int) -> list[Path]:
    ours = sorted(
        path
        for path in directory.glob(f"{glob.escape(db_name)}-*{suffix}")
        if (match := _NAME.match(path.name)) and match["db"] == db_name
    )
    removed = []
    for old in ours[:-keep]:
        for companion in (old, Path(f"{old}.sha256"), Path(f"{old}.json")):
            if companion.exists():
                companion.unlink()
                removed.append(companion)
    return removed


# --- Restoring ------------------------------------------------------------------------


def _verify(path: Path) -> dict | None:
    """Check the dump against its .sha256; return its manifest, if it has one."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    sums = Path(f"{path}.sha256")
    if sums.exists():
        expected = sums.read_text().split()[0]
        actual = _sha256(path)
        if actual != expected:
            raise BackupError(
                f"{path} does not match {sums.name} (sha256 {actual}, expected {expected}): "
                "the file is damaged or incomplete; use another backup"
            )
    manifest = Path(f"{path}.json")
    return json.loads(manifest.read_text()) if manifest.exists() else None


def backup_restore(
    *, path: Path, alias: str = "default", database: str | None = None, replace: bool = False
) -> Restore:
    """Restore the backup at `path` into `database` (by default `alias`'s own),
    on the server `alias` connects to."""
    manifest = _verify(path)
    conn = connections[alias]
    vendor = conn.vendor
    if manifest and manifest["vendor"] != vendor:
        raise BackupError(
            f"{path.name} is a {manifest['vendor']} backup; this database is {vendor}"
        )
    target = database or conn.settings_dict["NAME"]
    with _connection_to(alias, target) as target_conn:
        try:
            existing = _table_names(target_conn)
        except OperationalError as exc:
            raise BackupError(
                f"cannot open the database {target} ({str(exc).strip()}); create it first "
                "(createdb), or check the connection settings"
            ) from exc
        if existing and not replace:
            raise BackupError(
                f"the database {target} is not empty ({len(existing)} tables); restore into "
                "a new database, or say --replace to drop everything in it first"
            )
        if vendor == "postgresql":
            _restore_postgresql(target_conn, path, replace=bool(existing))
        else:
            _restore_sqlite(target_conn, path)
        tables = _table_names(target_conn)
        with target_conn.cursor() as cursor:
            counts = _row_counts(cursor, tables, target_conn.ops.quote_name)
        if manifest and counts != manifest["row_counts"]:
            differ = sorted(
                table
                for table in set(counts) | set(manifest["row_counts"])
                if counts.get(table) != manifest["row_counts"].get(table)
            )
            raise BackupError(
                f"the restored rows differ from the manifest in {', '.join(differ)}; "
                "do not use this database"
            )
        unapplied, unknown = _migration_state(target_conn)
    return Restore(target, counts, manifest is not None, unapplied, unknown)


def _restore_postgresql(conn, path: Path, *, replace: bool) -> None:
    pg_restore = _tool("pg_restore")
    if replace:
        # Everything goes, tables a later migration added included: a restore must
        # leave exactly what the dump holds, which `pg_restore --clean` (dropping
        # only the dump's own objects) does not.
        with conn.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    conn.close()
    done = subprocess.run(
        [
            pg_restore,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-acl",
            "--no-password",
            f"--dbname={conn.settings_dict['NAME']}",
            str(path),
        ],
        env=_pg_env(conn.settings_dict),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored: {done.stderr.strip()}")


def _restore_sqlite(conn, path: Path) -> None:
    conn.close()
    source = sqlite3.connect(path)
    target = sqlite3.connect(conn.settings_dict["NAME"])
    try:
        # Replaces the whole file's content, in one step, under SQLite's locks.
        source.backup(target)
    finally:
        target.close()
        source.close()
