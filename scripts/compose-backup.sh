#!/bin/sh
# Backups for the compose deployment, run in the postgres:16 image (its pg_dump
# matches the server): the `backup` service of docker-compose.yml.
#
#   docker compose run --rm backup                      # a dump into ./var/backups
#   docker compose run --rm backup restore /backups/fieldnotes-<time>.dump [--replace]
#
# The same files as `manage.py backup_db` (<db>-<UTC time>.dump and its .sha256, no
# .json manifest), so either tool restores the other's. Needs PGHOST, PGUSER,
# PGPASSWORD, PGDATABASE; BACKUP_DIR (/backups) and BACKUP_KEEP (14) are optional.
# See docs/deployment.md, "Backups".
set -eu

dir=${BACKUP_DIR:-/backups}
keep=${BACKUP_KEEP:-14}
db=${PGDATABASE:?PGDATABASE names the database}

backup() {
  case $keep in '' | *[!0-9]* | 0) echo "BACKUP_KEEP must be a whole number of at least 1" >&2; exit 2 ;; esac
  mkdir -p "$dir"
  name="$db-$(date -u +%Y%m%dT%H%M%SZ).dump"
  if [ -e "$dir/$name" ]; then
    echo "$dir/$name exists already; wait a second and try again" >&2
    exit 1
  fi
  # Written under another name and renamed once complete: a half-written file
  # never counts as a backup, and never pushes a good one out.
  if ! pg_dump --format=custom --no-password --file="$dir/$name.partial"; then
    rm -f "$dir/$name.partial"
    echo "pg_dump failed; no backup was made" >&2
    exit 1
  fi
  mv "$dir/$name.partial" "$dir/$name"
  (cd "$dir" && sha256sum "$name" >"$name.sha256")
  echo "backed up $db to $dir/$name ($(wc -c <"$dir/$name") bytes)"
  # The names sort by time; keep the newest $keep.
  ls "$dir" | grep -E "^$db-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort | head -n "-$keep" | while read -r old; do
    rm -f "$dir/$old" "$dir/$old.sha256" "$dir/$old.json"
    echo "removed $dir/$old (keeping the newest $keep)"
  done
}

restore() {
  file=${1:?usage: restore FILE [--replace]}
  replace=${2:-}
  [ -f "$file" ] || { echo "$file does not exist" >&2; exit 2; }
  if [ -f "$file.sha256" ]; then
    (cd "$(dirname "$file")" && sha256sum -c --quiet "$(basename "$file").sha256") || {
      echo "$file does not match its .sha256: damaged or incomplete; use another backup" >&2
      exit 1
    }
  fi
  tables=$(psql -XAtq -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
  if [ "$tables" != 0 ]; then
    if [ "$replace" != "--replace" ]; then
      echo "the database $db is not empty ($tables tables); stop web, worker and beat, then say --replace" >&2
      exit 1
    fi
    psql -Xq -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public"
  fi
  # All or nothing: one transaction, stopped at the first error.
  pg_restore --single-transaction --exit-on-error --no-owner --no-acl --no-password \
    --dbname="$db" "$file"
  echo "restored $file into $db; now check the migrations:"
  echo "  docker compose run --rm web python manage.py migrate --check"
}

command=${1:-backup}
[ $# -gt 0 ] && shift
case $command in
  backup) backup ;;
  restore) restore "$@" ;;
  *) echo "usage: $0 [backup | restore FILE [--replace]]" >&2; exit 2 ;;
esac
