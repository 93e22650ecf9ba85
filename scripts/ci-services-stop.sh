#!/usr/bin/env bash
# Stops the throwaway PostgreSQL cluster started by scripts/ci-services.sh and removes its files.
# Safe to run when nothing is running. Uses the same CI_PG_DIR as the start script.
set -uo pipefail

pg_dir=${CI_PG_DIR:-/tmp/artist-bio-gen-ci-pg}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

if [ -n "$pg_bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 stop >/dev/null \
    || echo "warning: pg_ctl stop failed; see $pg_dir/server.log" >&2
fi
rm -rf "$pg_dir"
