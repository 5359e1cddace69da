#!/usr/bin/env bash
# Services the test suite needs, started before `npm ci` by .ci/run.
#
# PostgreSQL for the ledger's server-store tests (packages/ledger). Idempotent:
# installs the server if its binaries are missing, starts a cluster listening
# on 127.0.0.1 only (a cluster already running is left as it is), and makes
# sure the role and database of the tests exist. The tests connect with
#   PARLEY_TEST_PG_URL (default postgres://parley:parley@127.0.0.1:5432/parley_test)
# and this script creates exactly that default; it also writes the URL to
# ${PARLEY_PG_URL_FILE:-/tmp/parley-test-pg-url} for tools that want to read it.
#
# Uses the packaged Debian cluster when there is one; otherwise, or when
# PARLEY_PG_DATA names a directory, a private cluster initialised there.
# PARLEY_PG_PORT changes the port (default 5432).
set -euo pipefail

PG_PORT="${PARLEY_PG_PORT:-5432}"
PG_USER=parley
PG_PASSWORD=parley
PG_DB=parley_test
URL="postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DB}"
URL_FILE="${PARLEY_PG_URL_FILE:-/tmp/parley-test-pg-url}"

log() { echo "services: $*" >&2; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

server_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; fi
}

# 1. Install the server when it is missing.
BIN="$(server_bin_dir)"
if [ -z "$BIN" ]; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql >/dev/null
  BIN="$(server_bin_dir)"
  [ -n "$BIN" ] || { log "postgresql installed but no server binaries found"; exit 1; }
fi
VERSION="$(basename "$(dirname "$BIN")")"
SOCKET_DIR=/var/run/postgresql

# 2. Start a cluster on 127.0.0.1 unless one already answers.
if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
  log "postgresql already running on 127.0.0.1:${PG_PORT}"
elif [ -z "${PARLEY_PG_DATA:-}" ] && command -v pg_ctlcluster >/dev/null && [ -d "/etc/postgresql/${VERSION}/main" ]; then
  log "starting cluster ${VERSION}/main"
  mkdir -p "$SOCKET_DIR" && chown postgres:postgres "$SOCKET_DIR" 2>/dev/null || true
  # Options on the command line, so the packaged configuration stays untouched.
  pg_ctlcluster "$VERSION" main stop 2>/dev/null || true
  pg_ctlcluster "$VERSION" main start -- -o "-c listen_addresses=127.0.0.1 -c port=${PG_PORT}"
else
  DATA="${PARLEY_PG_DATA:-/var/tmp/parley-postgres}"
  SOCKET_DIR=/tmp
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb into $DATA"
    mkdir -p "$DATA" && chown postgres:postgres "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  fi
  log "starting postgres from $DATA"
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-k $SOCKET_DIR -h 127.0.0.1 -p $PG_PORT" start
fi

for _ in $(seq 1 60); do
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.5
done
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || { log "postgresql did not come up"; exit 1; }

# 3. Role and database of the tests (over the Unix socket, as the superuser).
for d in /var/run/postgresql /tmp; do
  if [ -S "$d/.s.PGSQL.${PG_PORT}" ]; then SOCKET_DIR="$d"; break; fi
done
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" -d postgres "$@"; }
if [ "$(psql_admin -tAc "select 1 from pg_roles where rolname = '${PG_USER}'")" != "1" ]; then
  psql_admin -c "create role ${PG_USER} login password '${PG_PASSWORD}'"
fi
if [ "$(psql_admin -tAc "select 1 from pg_database where datname = '${PG_DB}'")" != "1" ]; then
  psql_admin -c "create database ${PG_DB} owner ${PG_USER}"
fi

echo "$URL" >"$URL_FILE"
log "PostgreSQL ready: $URL"
