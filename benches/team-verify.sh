#!/usr/bin/env bash
# `team verify` re-scoring for real: a history made by the binary under test
# (`demo-data --trainees 100 --days 90`), brought into a throw-away PostgreSQL cluster with
# `team import`, then every attempt re-scored from its replies by a verifier login.
#
#   benches/team-verify.sh [SALESDOJO_BINARY]      (default: target/release/salesdojo)
#
# Prints the wall time and peak memory of `team verify` (GNU time) and its summary line.
# Needs PostgreSQL's server binaries (initdb, pg_ctl); run as root, the cluster runs as the
# `postgres` user, as in the tests.
set -euo pipefail
bin="$(realpath "${1:-target/release/salesdojo}")"
pgbin="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | tail -1)")"
work="$(mktemp -d /tmp/salesdojo-verify-XXXXXX)"
trap 'runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
chown postgres "$work" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
echo secret > "$work/pw"; chmod 644 "$work/pw"
as_pg "$pgbin/initdb" -D "$work/data" -A scram-sha-256 -U admin --pwfile="$work/pw" --no-sync -E UTF8 --locale=C >/dev/null
port=$((20000 + RANDOM % 20000))
as_pg "$pgbin/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off" -l "$work/log" -w start >/dev/null
export PGPASSWORD=secret
admin="postgres://admin@127.0.0.1:$port/salesdojo"
psql "postgres://admin@127.0.0.1:$port/postgres" -qc "CREATE DATABASE salesdojo"
"$bin" --db "$work/history.db" demo-data --trainees 100 --days 90 --seed 7 >/dev/null
"$bin" team init "$admin" >/dev/null
"$bin" team import --server "$admin" "$work/history.db" >/dev/null
pw="$("$bin" team add-user ver --role verifier --server "$admin" | awk -F'\t' '$1 == "ver" { print $3 }')"
cd "$work"
PGPASSWORD="$pw" /usr/bin/time -f "team verify: %e s wall, %M KB peak" \
  "$bin" --db "$work/verifier.db" team verify --server "postgres://ver@127.0.0.1:$port/salesdojo"
