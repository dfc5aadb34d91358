#!/usr/bin/env bash
# Quick start: virtualenv + pinned requirements, SQLite migrations, demo data, then Daphne
# (HTTP + WebSocket) on http://127.0.0.1:8000 with the in-memory channel layer.
# Running it again reuses everything it made.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/venv.sh
source scripts/venv.sh requirements.txt

export DEBUG="${DEBUG:-1}"
unset DATABASE_URL REDIS_URL DATABASE_ENGINE 2>/dev/null || true

python manage.py migrate --noinput
python manage.py seed_demo
exec python -m core.serve -b "${HOST:-127.0.0.1}" -p "${PORT:-8000}" core.asgi:application
