#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster and Redis on free loopback ports in a temporary directory, exports
# DATABASE_URL and REDIS_URL, runs the given command, and stops what it started (also on failure or Ctrl-C).
# Used by `make test` and `make bench`.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server not found (apt-get install redis-server)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d /tmp/momentum-services.XXXXXX)
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres system user.
  id postgres >/dev/null 2>&1 || useradd --system --home "$WORK" postgres
  chown postgres "$WORK"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  status=$?
  set +e
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
  # a fault test may have restarted Redis as a daemon on the same port
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
  [ -f "$WORK/pg/postmaster.pid" ] && "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT INT TERM

echo "== starting PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT ($WORK)"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -U momentum --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 60 start \
  -o "-h 127.0.0.1 -p $PG_PORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB" >/dev/null \
  || { cat "$WORK/pg.log" >&2; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U momentum momentum

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" &
REDIS_PID=$!
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://momentum@127.0.0.1:$PG_PORT/momentum"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export MOMENTUM_PG_BIN="$PG_BIN" MOMENTUM_PG_DATA="$WORK/pg" MOMENTUM_PG_PORT="$PG_PORT" MOMENTUM_REDIS_PORT="$REDIS_PORT"
export MOMENTUM_SERVICES_DIR="$WORK"
"$@"
