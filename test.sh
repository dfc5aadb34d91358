#!/usr/bin/env bash
# The test suite. Plain: SQLite + in-memory channel layer. With DATABASE_URL (PostgreSQL)
# and REDIS_URL set, the same suite runs against them, plus the PostgreSQL/Redis-only tests.
#
# With no arguments the whole suite runs on pytest-xdist workers, each with its own test
# database (test_<name>_gw0, …) and one test class or module at a time. TEST_WORKERS sets
# their number; the default is one more than the cores (at most 8): a worker is often
# waiting for a server or a command it started, and the extra one uses that time.
# Extra arguments go to pytest as they are and run in one process, which starts sooner
# for a selection: ./test.sh users -k login (add -n 2 for workers).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/venv.sh
source scripts/venv.sh requirements-dev.txt

if [ "$#" -eq 0 ]; then
  cores="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
  workers="${TEST_WORKERS:-$((cores + 1 > 8 ? 8 : cores + 1))}"
  echo "The whole suite on $workers workers (TEST_WORKERS=$workers)"
  set -- -n "$workers" --dist loadscope --durations=10
fi
exec python -m pytest "$@"
