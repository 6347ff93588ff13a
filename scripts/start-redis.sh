#!/usr/bin/env bash
# For `make up`: a local Redis on 127.0.0.1:6379 unless one already answers there.
set -euo pipefail
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/deployflow-redis
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --dir /var/lib/deployflow-redis \
    --logfile /var/log/deployflow-redis.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
