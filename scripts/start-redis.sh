#!/usr/bin/env bash
# For `make up`: a local Redis on 127.0.0.1:6379 unless one already answers there. The Redis this
# script starts is recorded in <data dir>/run/redis.pid, so `deployflow down` stops it (and only it).
# DEPLOYFLOW_REDIS_PORT / DEPLOYFLOW_REDIS_DIR move it (tests start one on a free port).
set -euo pipefail
port="${DEPLOYFLOW_REDIS_PORT:-6379}"
dir="${DEPLOYFLOW_REDIS_DIR:-/var/lib/deployflow-redis}"
run_dir="$(realpath -m "${DEPLOYFLOW_DATA_DIR:-./data}")/run"
if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  mkdir -p "$dir" "$run_dir"
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$dir" \
    --logfile "$dir/redis.log" --pidfile "$run_dir/redis.pid"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 || { echo "start-redis: redis-server did not answer on port $port; see $dir/redis.log" >&2; exit 1; }
fi
