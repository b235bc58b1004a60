#!/usr/bin/env bash
# Make sure the local PostgreSQL used by the production-path tests answers.
# The embedded profile needs no server; this is only for `make test`.
set -uo pipefail
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
