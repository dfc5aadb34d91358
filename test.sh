#!/usr/bin/env bash
# The test suite. Plain: SQLite + in-memory channel layer. With DATABASE_URL (PostgreSQL)
# and REDIS_URL set, the same suite runs against them, plus the PostgreSQL/Redis-only tests.
#
# With no arguments the whole suite runs on TEST_WORKERS parallel pytest-xdist workers
# (default 3; each has its own test database, test_<name>_gw0, …), one test class or
# module per worker at a time. Extra arguments go to pytest and run in one process, which
# starts sooner for a selection: ./test.sh users -k login (add -n 2 for workers).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/venv.sh
source scripts/venv.sh requirements-dev.txt

if [ "$#" -eq 0 ]; then
  set -- -n "${TEST_WORKERS:-3}" --dist loadscope --durations=10
fi
exec python -m pytest "$@"
