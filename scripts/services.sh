#!/usr/bin/env bash
# Make sure the local PostgreSQL and Redis used by the production-path tests
# answer. The embedded profile needs no server; this is only for `make test`.
set -uo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if redis_up; then
  echo "Redis is up"
elif command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 20); do redis_up && break; sleep 0.25; done
  redis_up && echo "Redis started"
fi
if ! redis_up; then
  if [ -n "${CI:-}" ]; then
    echo "services: Redis is not reachable on 127.0.0.1:6379 (install redis-server)" >&2; exit 2
  fi
  echo "Redis not reachable: the replication test will be skipped"
fi

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is up"; exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do
    pg_isready -q -h 127.0.0.1 -p 5432 && { echo "PostgreSQL started"; exit 0; }
    sleep 0.5
  done
fi
if [ -n "${CI:-}" ]; then
  echo "services: PostgreSQL is not reachable on 127.0.0.1:5432 (install and start it)" >&2; exit 2
fi
echo "PostgreSQL not reachable: its tests will be skipped"
