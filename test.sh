#!/usr/bin/env bash
# The test suite. Plain: SQLite + in-memory channel layer. With DATABASE_URL (PostgreSQL)
# and REDIS_URL set, the same suite runs against them, plus the PostgreSQL/Redis-only tests.
# Extra arguments go to pytest, e.g. ./test.sh users -k login
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/venv.sh
source scripts/venv.sh requirements-dev.txt

exec python -m pytest "$@"
