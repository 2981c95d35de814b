#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and development, idempotently:
# installs Debian's postgresql package if missing, makes a cluster in $LIANCHA_PG_DIR
# (default /tmp/liancha-pg) listening on 127.0.0.1:$LIANCHA_PG_PORT only (default 55432),
# starts it, creates the role and database "liancha" and prints the SQLAlchemy URL.
#
#   bash scripts/postgres.sh          # prints postgresql+psycopg://liancha:liancha@127.0.0.1:55432/liancha
#   bash scripts/postgres.sh stop     # stops the server (the data folder stays)
#
# The server runs as the "postgres" system user: PostgreSQL refuses to run as root. Its folder is
# under /tmp rather than the checkout because the postgres user may not be able to enter the checkout.
set -euo pipefail

PG_DIR="${LIANCHA_PG_DIR:-/tmp/liancha-pg}"
PG_PORT="${LIANCHA_PG_PORT:-55432}"
PG_USER="liancha"
PG_PASSWORD="liancha"
PG_DB="liancha"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "postgres.sh: installing the Debian postgresql package" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
fi
# The newest installed major version.
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

as_postgres() {
  if [ "$(id -un)" = "postgres" ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -u postgres "$@"
  fi
}

if [ "${1:-}" = "stop" ]; then
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2
  fi
  exit 0
fi

if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
  echo "postgres.sh: creating a cluster in $PG_DIR/data" >&2
  $SUDO mkdir -p "$PG_DIR"
  $SUDO chown postgres:postgres "$PG_DIR"
  $SUDO chmod 700 "$PG_DIR"
  # UTF-8 whatever the machine's locale; C collation keeps the server independent of system locales.
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -E UTF8 --locale=C -U postgres \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  cat <<EOF | as_postgres tee -a "$PG_DIR/data/postgresql.conf" >/dev/null
# LianCha test server: loopback only, its own port and socket folder so it clashes with nothing.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 200
# A throwaway server: durability is not needed and fsync costs the tests minutes on a busy disk.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
  echo "postgres.sh: starting the server on 127.0.0.1:$PG_PORT" >&2
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start >/dev/null
fi

psql_admin() {
  as_postgres "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}
# CREATEDB: the tests make one database per test from a migrated template.
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != "1" ]; then
  psql_admin -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
  psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi
# Tests drop their databases WITH (FORCE), which must be allowed to end any session still in them.
psql_admin -c "GRANT pg_signal_backend TO $PG_USER" >/dev/null
# Autovacuum workers entering a test database just before it is dropped only cost time here.
if [ "$(psql_admin -c "SHOW autovacuum")" != "off" ]; then
  psql_admin -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
fi

echo "postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
