"""Backups that are proven: a database built by the real migrations and seeded with
the demo office is backed up with `backup_db` and restored with `restore_db` (the
commands `make backup` and `make restore` run, as subprocesses), into a new
database on the same server. The restored database then has the same rows, serves
the same pages, and its outbox sends each pending due email once and no sent one
again. Rows sent after the dump was taken are sent a second time: the recovery
point of a dump (docs/reminders.md, "Restoring a backup").

The drill's two databases are named after the test database and dropped at the end.
"""

import html
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from apps.core.backups import BackupError, backup_create, backup_restore
from apps.core.models import OutboundEmail
from apps.core.outbox import outbox_bulk_enqueue, outbox_claim_due, outbox_row, outbox_send_due
from apps.interviews.models import Interview
from tests.conftest import service_missing

BASE_DIR = Path(__file__).resolve().parents[2]
Status = OutboundEmail.Status
# The tables whose content the drill compares row by row (the manifest compares
# every table's count).
KEY_FIELDS = {
    "accounts_user": ("id", "email", "role", "office_id", "password"),
    "interviews_interview": ("id", "student_id", "contact_id", "state", "starts_at", "held_at"),
    "contacts_contact": ("id", "owner_id", "full_name", "email"),
    "followups_followup": ("id", "interview_id", "kind", "status", "due_at", "done_at"),
    "core_outboundemail": ("id", "dedupe_key", "status", "due_at", "sent_at", "attempts"),
}
DRILL_DUE = {f"drill:due:{n}" for n in range(4)}


def _admin():
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def manage(database: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`manage.py` in a process of its own on `database`, as `make` runs it (with the
    real migrations, which this test process has switched off)."""
    env = {**os.environ, "DATABASE_URL": _url(database), "PYTHONPATH": str(BASE_DIR)}
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def drill_databases():
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            service_missing(f"needs {tool} (the PostgreSQL client tools)")
    base = connection.settings_dict["NAME"]
    names = [f"{base}_drill_source", f"{base}_drill_restored"]
    with _admin() as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    yield names
    connection.close()
    with _admin() as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def on_database(django_db_blocker):
    """Point this process's default connection at another database for a while."""

    @contextmanager
    def _on(name: str):
        saved = connection.settings_dict["NAME"]
        with django_db_blocker.unblock():
            connection.close()
            connection.settings_dict["NAME"] = name
            try:
                yield
            finally:
                connection.close()
                connection.settings_dict["NAME"] = saved

    return _on


def key_content() -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        content = {}
        for table, fields in KEY_FIELDS.items():
            cursor.execute(f"SELECT {', '.join(fields)} FROM {table} ORDER BY id")  # noqa: S608
            content[table] = cursor.fetchall()
    return content


def interview_page(interview: Interview) -> tuple[int, str]:
    browser = Client()
    browser.force_login(interview.student)
    response = browser.get(f"/interviews/{interview.pk}/")
    return response.status_code, response.content.decode()


def outbox_by_status() -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for key, status in OutboundEmail.objects.values_list("dedupe_key", "status"):
        rows.setdefault(status, set()).add(key)
    return rows


def sent_keys() -> set[str]:
    """The outbox rows whose messages this process sent, each once, by Message-ID."""
    by_message_id = {row.message_id: row.dedupe_key for row in OutboundEmail.objects.all()}
    keys = [by_message_id[message.extra_headers["Message-ID"]] for message in mail.outbox]
    assert len(keys) == len(set(keys)), f"sent twice: {sorted(keys)}"
    return set(keys)


@pytest.mark.needs_postgres
def test_backup_restored_into_a_fresh_database_serves_the_same_data_and_sends_due_mail_once(
    drill_databases, on_database, tmp_path
):
    source, restored = drill_databases
    manage(source, "migrate", "--noinput")
    manage(source, "seed_demo")
    now = timezone.now()
    with on_database(source):
        # Beside the demo's sent and future mail: four due, one of them claimed by a
        # delivery still in flight when the dump is taken (its lease has run out).
        outbox_bulk_enqueue(
            [
                outbox_row(
                    key=f"drill:due:{n}",
                    kind="drill/due",
                    subject=f"Due {n}",
                    text="Due.",
                    to=[f"due{n}@drill.test"],
                    due_at=now - timedelta(hours=1 if n == 0 else 0, minutes=10 - n),
                )
                for n in range(4)
            ]
            + [
                outbox_row(
                    key=f"drill:future:{n}",
                    kind="drill/future",
                    subject=f"Later {n}",
                    text="Later.",
                    to=[f"later{n}@drill.test"],
                    due_at=now + timedelta(days=1),
                )
                for n in range(2)
            ]
        )
        in_flight = outbox_claim_due(now=now - timedelta(minutes=5), batch=1)
        assert [OutboundEmail.objects.get(pk=pk).dedupe_key for pk, _ in in_flight] == [
            "drill:due:0"
        ]
        before = key_content()
        before_outbox = outbox_by_status()
        interview = Interview.objects.select_related("student", "contact").earliest("pk")
        before_page = interview_page(interview)
    assert len(before_outbox[Status.SENT]) > 100
    assert {"drill:future:0", "drill:future:1"} <= before_outbox[Status.PENDING]
    assert before_outbox[Status.SENDING] == {"drill:due:0"}
    assert before_page[0] == 200
    assert html.escape(interview.contact.full_name) in before_page[1]

    backups = tmp_path / "backups"
    backups.mkdir()
    older = [backups / f"{source}-2020010{day}T030000Z.dump" for day in (1, 2)]
    for old in older:
        for path in (old, Path(f"{old}.sha256"), Path(f"{old}.json")):
            path.write_text("an older backup\n")
    made = manage(source, "backup_db", "--dir", str(backups), "--keep", "2")
    dumps = sorted(backups.glob("*.dump"))
    assert [path.name for path in dumps][0] == older[1].name
    assert len(dumps) == 2
    dump = dumps[1]
    assert f"to {dump} (" in made.stdout
    assert f"removed {older[0]} (keeping the newest 2)" in made.stdout
    assert sorted(path.name for path in backups.iterdir()) == sorted(
        f"{path.name}{suffix}" for path in dumps for suffix in ("", ".json", ".sha256")
    )

    # After the dump: the source sends what is due (the in-flight row's lease has
    # run out), as a worker would have before the database was lost.
    with on_database(source):
        outbox_send_due()
        sent_after_dump = sent_keys()
    assert sent_after_dump == DRILL_DUE
    mail.outbox.clear()

    done = manage(source, "restore_db", str(dump), "--target-db", restored)
    assert "the same rows as its manifest" in done.stdout
    assert "the restored database is up to date with this code" in done.stdout
    refused = manage(source, "restore_db", str(dump), "--target-db", restored, check=False)
    assert refused.returncode == 1
    assert f"the database {restored} is not empty" in refused.stderr

    with on_database(restored):
        assert key_content() == before
        assert outbox_by_status() == before_outbox
        assert get_user_model().objects.filter(email="student1@demo.test").exists()
        page = interview_page(interview)
        assert page[0] == 200
        assert html.escape(interview.contact.full_name) in page[1]

        outbox_send_due()
        first = sent_keys()
        after_first = outbox_by_status()
        mail.outbox.clear()
        outbox_send_due()
        second = sent_keys()
    # Each due email once, the in-flight one included: the same messages (same
    # Message-IDs) the source had sent after the dump, so their recipients got two.
    # (The demo's own pending mail is due hours later; should a row of it fall due
    # while the test runs, it is sent once too.)
    assert first >= DRILL_DUE
    assert first - DRILL_DUE <= before_outbox[Status.PENDING]
    assert not first & before_outbox[Status.SENT]
    assert second == set()
    assert after_first[Status.SENT] == before_outbox[Status.SENT] | first
    assert {"drill:future:0", "drill:future:1"} <= after_first[Status.PENDING]
    assert Status.SENDING not in after_first


# --- The tools on their own: SQLite (every run) and the compose script ---------------


@pytest.fixture
def sqlite_alias(tmp_path, django_db_blocker):
    """A database alias on a SQLite file with a little data, as a bare machine's."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.executemany("INSERT INTO notes (body) VALUES (?)", [("one",), ("two",), ("three",)])
    db.close()
    connections.settings["drill_sqlite"] = connections.configure_settings(
        {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)},
        }
    )["default"]
    with django_db_blocker.unblock():
        yield "drill_sqlite", path
        connections["drill_sqlite"].close()
    del connections["drill_sqlite"]
    del connections.settings["drill_sqlite"]


def notes(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
    db.close()
    return rows


def test_sqlite_backup_restores_into_a_new_file_with_its_rows(sqlite_alias, tmp_path):
    alias, path = sqlite_alias
    backups = tmp_path / "backups"
    old = backups / "db-20200101T030000Z.sqlite3"
    backups.mkdir()
    old.write_text("an older backup\n")

    backup = backup_create(directory=backups, keep=1, alias=alias)

    assert backup.row_counts == {"notes": 3}
    assert backup.removed == [old]
    assert sorted(p.name for p in backups.iterdir()) == [
        backup.path.name,
        f"{backup.path.name}.json",
        f"{backup.path.name}.sha256",
    ]
    assert Path(f"{backup.path}.sha256").read_text() == f"{backup.sha256}  {backup.path.name}\n"
    manifest = json.loads(Path(f"{backup.path}.json").read_text())
    assert (manifest["vendor"], manifest["row_counts"]) == ("sqlite", {"notes": 3})
    target = tmp_path / "restored.sqlite3"
    restore = backup_restore(path=backup.path, alias=alias, database=str(target))
    assert (restore.row_counts, restore.checked_against_manifest) == ({"notes": 3}, True)
    assert notes(target) == [(1, "one"), (2, "two"), (3, "three")]


def test_restore_refuses_a_database_with_tables_unless_told_to_replace(sqlite_alias, tmp_path):
    alias, path = sqlite_alias
    backup = backup_create(directory=tmp_path / "backups", keep=3, alias=alias)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM notes WHERE id = 1")
    db.close()

    with pytest.raises(BackupError, match=r"the database .* is not empty \(1 tables\)"):
        backup_restore(path=backup.path, alias=alias)
    assert notes(path) == [(2, "two"), (3, "three")]

    backup_restore(path=backup.path, alias=alias, replace=True)
    assert notes(path) == [(1, "one"), (2, "two"), (3, "three")]


def test_restore_refuses_a_damaged_backup_and_changes_nothing(sqlite_alias, tmp_path):
    alias, _ = sqlite_alias
    backup = backup_create(directory=tmp_path / "backups", keep=3, alias=alias)
    with backup.path.open("ab") as handle:
        handle.write(b"x")
    target = tmp_path / "restored.sqlite3"

    with pytest.raises(BackupError, match="does not match .*: the file is damaged or incomplete"):
        backup_restore(path=backup.path, alias=alias, database=str(target))
    assert not target.exists()


def test_backup_command_refuses_a_bad_keep(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKUP_KEEP", "none")
    with pytest.raises(CommandError, match="BACKUP_KEEP must be a whole number of at least 1"):
        call_command("backup_db", "--dir", str(tmp_path))


@pytest.mark.needs_postgres
def test_restore_into_a_database_that_does_not_exist_says_to_create_it(django_db_blocker, tmp_path):
    dump = tmp_path / "fieldnotes-20261203T030000Z.dump"
    dump.write_bytes(b"PGDMP")
    missing = f"{connection.settings_dict['NAME']}_drill_missing"
    with (
        django_db_blocker.unblock(),
        pytest.raises(CommandError, match=f"cannot open the database {missing} .*create it first"),
    ):
        call_command("restore_db", str(dump), "--target-db", missing)


SCRIPT = BASE_DIR / "scripts" / "compose-backup.sh"


def script(database: str, *args: str, directory: Path) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "",
        "PGPASSWORD": db["PASSWORD"] or "",
        "PGDATABASE": database,
        "BACKUP_DIR": str(directory),
        "BACKUP_KEEP": "1",
    }
    return subprocess.run(
        ["sh", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.needs_postgres
def test_compose_script_backs_up_and_restores_all_or_nothing(drill_databases, tmp_path):
    source, restored = drill_databases
    with psycopg.connect(_url(source)) as db:
        db.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
        db.execute("INSERT INTO notes VALUES (1, 'one'), (2, 'two')")
    old = tmp_path / f"{source}-20200101T030000Z.dump"
    for path in (old, Path(f"{old}.sha256")):
        path.write_text("an older backup\n")
    made = script(source, directory=tmp_path)
    assert made.returncode == 0, made.stderr
    dumps = sorted(tmp_path.glob("*.dump"))
    assert len(dumps) == 1
    assert f"removed {old} (keeping the newest 1)" in made.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [dumps[0].name, f"{dumps[0].name}.sha256"]

    done = script(restored, "restore", str(dumps[0]), directory=tmp_path)
    assert done.returncode == 0, done.stderr
    again = script(restored, "restore", str(dumps[0]), directory=tmp_path)
    assert again.returncode == 1
    assert f"the database {restored} is not empty (1 tables)" in again.stderr
    with psycopg.connect(_url(restored)) as db:
        db.execute("INSERT INTO notes VALUES (3, 'three')")
    replaced = script(restored, "restore", str(dumps[0]), "--replace", directory=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    with psycopg.connect(_url(restored)) as db:
        assert db.execute("SELECT id, body FROM notes ORDER BY id").fetchall() == [
            (1, "one"),
            (2, "two"),
        ]
    with dumps[0].open("ab") as handle:
        handle.write(b"x")
    damaged = script(restored, "restore", str(dumps[0]), "--replace", directory=tmp_path)
    assert damaged.returncode == 1
    assert "does not match its .sha256" in damaged.stderr
