#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the integration tests and prints the URL
# to export, e.g.  eval "$(bash scripts/ci-services.sh | sed 's/^/export /')"
#
# The cluster lives under /tmp, trusts local connections and runs without fsync: it holds test
# data only and is recreated on every call, so running this twice leaves exactly one server.
# Needs root (the server runs as the `postgres` user) and no systemd.
#
# Environment: CI_PG_DIR (default /tmp/artist-bio-gen-ci-pg), CI_PG_PORT (default 55432).
set -euo pipefail

pg_dir=${CI_PG_DIR:-/tmp/artist-bio-gen-ci-pg}
pg_port=${CI_PG_PORT:-55432}
pg_db=bios_test

find_pg_bin() {
  # The newest installed server major version wins.
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || ! command -v psql >/dev/null 2>&1; then
  echo "PostgreSQL binaries not found; installing with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  pg_bin=$(find_pg_bin)
fi
if ! id postgres >/dev/null 2>&1; then
  echo "error: the 'postgres' system user is missing (it comes with the postgresql package)" >&2
  exit 1
fi

# Idempotence: stop a server left by a previous call, then start from an empty directory.
bash "$(dirname "$0")/ci-services-stop.sh" >/dev/null 2>&1 || true
rm -rf "$pg_dir"
install -d -o postgres -g postgres -m 0700 "$pg_dir"

runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 \
  --locale=C --no-sync >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null

psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE $pg_db" >/dev/null

echo "PG_URL=postgres://postgres@127.0.0.1:$pg_port/$pg_db"
