#!/usr/bin/env bash
# Container entrypoint for the Redwan Courses Center backend.
#
#   docker-entrypoint.sh COMMAND [ARGS...]
#       Server / one-off mode: wait for the database, apply migrations, collect static
#       files, then exec COMMAND.
#
#   docker-entrypoint.sh web [GUNICORN-OPTIONS...]
#       The REST side of the split layout (docker-compose.yml's `django-web-app`; also the
#       image's CMD): wait, migrate, collect static files, then exec gunicorn (WSGI,
#       Redwan_courses_center.wsgi) on $BIND_HOST:$PORT with $GUNICORN_WORKERS sync
#       workers. Serves /api/, /auth/, /courses-admin/, static files and the health
#       checks; no access log (nginx keeps one without query strings).
#
#   docker-entrypoint.sh ws [DAPHNE-OPTIONS...]
#       The WebSocket side (docker-compose.yml's `ws`): wait for the database (no
#       migrations, no collectstatic: `django-web-app` does those), then exec Daphne through
#       core.serve on $BIND_HOST:$PORT, taking the client address from X-Forwarded-For.
#
#   docker-entrypoint.sh cron [CRON-OPTIONS...]
#       Cron mode, for the single `cron` service of docker-compose.yml. Must start as root:
#       the cron daemon needs it. The jobs themselves run as the unprivileged user
#       $CRON_JOB_USER (default `app`, dropped with setpriv). Waits for the database but
#       neither migrates nor collects static files (django-web-app does that), saves the
#       container environment to $CRON_ENV_FILE (cron starts jobs with an empty
#       environment), installs CRONJOBS with `manage.py crontab add` and runs `cron -f`.
#
# Environment switches (all optional; "1", "true", "yes" or "on" mean yes):
#   PYTHON               interpreter used for manage.py (default: python from PATH)
#   WAIT_FOR_DB_TIMEOUT  seconds to wait for the database (default: 60)
#   SKIP_WAIT_FOR_DB     do not wait for the database
#   SKIP_MIGRATE         do not run `migrate --noinput` (default on in cron mode)
#   SKIP_COLLECTSTATIC   do not run `collectstatic --noinput` (default on in cron mode)
#   BIND_HOST, PORT      where web/ws listen (default 0.0.0.0 and 8000)
#   GUNICORN_WORKERS     gunicorn worker processes (default: 2 x CPUs + 1)
#   CRON_ENV_FILE        where cron mode saves the environment (default /run/redwan/cron.env)
#   CRON_JOB_USER        user the cron jobs run as (default app; root when it does not exist)
#   CRON_LOG_TARGET      where job output goes (default /proc/1/fd/1 = the container log)
#
# Settings contract for cron mode (Redwan_courses_center/settings.py must have):
#   CRONJOBS = [...]                                   # the jobs
#   CRONTAB_COMMAND_PREFIX = env.str("CRONTAB_COMMAND_PREFIX", default="")
#   CRONTAB_COMMAND_SUFFIX = env.str("CRONTAB_COMMAND_SUFFIX", default="")
# This script sets those two variables only while it runs `manage.py crontab add`, so each
# line django-crontab writes to root's crontab reads:
#   <schedule> . /run/redwan/cron.env && exec setpriv --reuid=10001 --regid=10001 --init-groups \
#       /opt/venv/bin/python /app/manage.py crontab run <hash> >> /proc/1/fd/1 2>&1 # django-cronjobs ...
# The job's shell (root) sources the saved environment and opens the container log before
# dropping privileges: an unprivileged process may not open PID 1's file descriptors.
# The prefix and suffix must not contain `%` or `#` (cron and django-crontab give those a
# meaning), which is why the paths are checked below.

set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python}"
WAIT_FOR_DB_TIMEOUT="${WAIT_FOR_DB_TIMEOUT:-60}"
CRON_ENV_FILE="${CRON_ENV_FILE:-/run/redwan/cron.env}"
CRON_JOB_USER="${CRON_JOB_USER:-app}"
CRON_LOG_TARGET="${CRON_LOG_TARGET:-/proc/1/fd/1}"

log() {
    printf '%s docker-entrypoint: %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

is_true() {
    case "${1,,}" in
        1 | true | yes | on) return 0 ;;
        *) return 1 ;;
    esac
}

manage() {
    "$PYTHON" "$APP_DIR/manage.py" "$@"
}

prepare_database_and_static() {
    if is_true "${SKIP_WAIT_FOR_DB:-0}"; then
        log "SKIP_WAIT_FOR_DB set: not waiting for the database"
    else
        log "waiting for the database (timeout ${WAIT_FOR_DB_TIMEOUT}s)"
        manage wait_for_db --timeout "$WAIT_FOR_DB_TIMEOUT"
    fi

    if is_true "${SKIP_MIGRATE:-0}"; then
        log "SKIP_MIGRATE set: not applying migrations"
    else
        log "applying migrations"
        manage migrate --noinput
    fi

    if is_true "${SKIP_COLLECTSTATIC:-0}"; then
        log "SKIP_COLLECTSTATIC set: not collecting static files"
    else
        log "collecting static files"
        manage collectstatic --noinput --verbosity 0
    fi
}

# Write the current environment as POSIX-sh `export NAME='value'` lines to $1, readable by
# root only (it holds DJANGO_SECRET_KEY and the database password). $2, when given, becomes
# HOME for the jobs. shlex.quote keeps every value byte-for-byte, newlines and quotes
# included, for /bin/sh (dash), which is what cron runs jobs with.
write_cron_env() {
    local target="$1" job_home="${2:-}"
    mkdir -p "$(dirname "$target")"
    (
        umask 077
        "$PYTHON" - "$target" "$job_home" <<'PY'
import os
import re
import shlex
import sys

target, job_home = sys.argv[1], sys.argv[2]
# Per-shell or per-process values that must not leak into the jobs.
skip = {"HOME", "OLDPWD", "PWD", "SHLVL", "_", "CRONTAB_COMMAND_PREFIX", "CRONTAB_COMMAND_SUFFIX"}
name_ok = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z").match
lines = ["# Written by docker-entrypoint.sh (cron mode); sourced by every cron job.\n"]
for name, value in sorted(os.environ.items()):
    if name in skip or not name_ok(name):
        continue
    lines.append(f"export {name}={shlex.quote(value)}\n")
if job_home:
    lines.append(f"export HOME={shlex.quote(job_home)}\n")
with open(target, "w", encoding="utf-8") as handle:
    handle.writelines(lines)
PY
    )
    chmod 600 "$target"
}

set_container_timezone() {
    # Debian's cron schedules in the daemon's local time; TZ in the environment is enough
    # for glibc, /etc/localtime also covers anything that reads the file directly.
    if [[ -n "${TZ:-}" && -f "/usr/share/zoneinfo/${TZ}" ]]; then
        ln -snf "/usr/share/zoneinfo/${TZ}" /etc/localtime
        printf '%s\n' "$TZ" >/etc/timezone
        log "time zone set to $TZ"
    elif [[ -n "${TZ:-}" ]]; then
        log "WARNING: unknown time zone TZ=$TZ; cron keeps the image default"
    fi
}

run_cron() {
    [[ "$(id -u)" -eq 0 ]] || die "cron mode must start as root (set user: root on the cron service)"
    command -v cron >/dev/null 2>&1 || die "the cron package is not installed in this image"
    command -v crontab >/dev/null 2>&1 || die "crontab is not installed in this image"

    local safe_path='^[A-Za-z0-9_./-]+$'
    [[ "$CRON_ENV_FILE" =~ $safe_path ]] || die "CRON_ENV_FILE may only contain [A-Za-z0-9_./-]"
    [[ "$CRON_LOG_TARGET" =~ $safe_path ]] || die "CRON_LOG_TARGET may only contain [A-Za-z0-9_./-]"

    # django-web-app migrates; two containers migrating at once would race.
    : "${SKIP_MIGRATE:=1}" "${SKIP_COLLECTSTATIC:=1}"
    prepare_database_and_static

    set_container_timezone

    local prefix job_home=""
    if [[ "$CRON_JOB_USER" != "root" ]] && id -u "$CRON_JOB_USER" >/dev/null 2>&1; then
        [[ "$CRON_JOB_USER" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || die "unsafe CRON_JOB_USER"
        local job_uid job_gid
        job_uid="$(id -u "$CRON_JOB_USER")"
        job_gid="$(id -g "$CRON_JOB_USER")"
        job_home="$(getent passwd "$CRON_JOB_USER" | cut -d: -f6)"
        # Numeric ids: the user's primary group need not share its name.
        prefix=". $CRON_ENV_FILE && exec setpriv --reuid=$job_uid --regid=$job_gid --init-groups"
    else
        log "WARNING: user '$CRON_JOB_USER' not found; cron jobs will run as root"
        prefix=". $CRON_ENV_FILE && exec"
    fi

    write_cron_env "$CRON_ENV_FILE" "$job_home"
    log "saved the container environment for cron jobs to $CRON_ENV_FILE"

    CRONTAB_COMMAND_PREFIX="$prefix" \
        CRONTAB_COMMAND_SUFFIX=">> $CRON_LOG_TARGET 2>&1" \
        manage crontab add

    # django-crontab silently ignores settings it does not know about: make sure the jobs
    # really source the environment, otherwise they would start with an empty one and fail.
    local installed
    installed="$(crontab -l 2>/dev/null || true)"
    if grep -q 'crontab run' <<<"$installed"; then
        if grep 'crontab run' <<<"$installed" | grep -vqF ". $CRON_ENV_FILE &&"; then
            die "crontab lines lack the environment prefix; settings must read CRONTAB_COMMAND_PREFIX and CRONTAB_COMMAND_SUFFIX from the environment"
        fi
        log "installed cron jobs:"
        grep 'crontab run' <<<"$installed" >&2
    else
        log "WARNING: CRONJOBS is empty; cron will run no jobs"
    fi

    log "starting cron in the foreground"
    exec cron -f "$@"
}

# The server command of a role (web or ws) in the global array SERVER_COMMAND, extra
# arguments appended: a function so that tests can read it without starting anything.
server_command() {
    local role="$1" bind="${BIND_HOST:-0.0.0.0}:${PORT:-8000}"
    shift
    case "$role" in
        web)
            local workers="${GUNICORN_WORKERS:-$((2 * $(nproc) + 1))}"
            [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "GUNICORN_WORKERS must be a positive integer"
            SERVER_COMMAND=("$PYTHON" -m gunicorn Redwan_courses_center.wsgi:application
                --bind "$bind" --workers "$workers" --worker-tmp-dir /dev/shm "$@")
            ;;
        ws)
            SERVER_COMMAND=("$PYTHON" -m core.serve -b "${bind%:*}" -p "${bind##*:}"
                --proxy-headers "$@" core.asgi:application)
            ;;
        *) die "unknown server role: $role" ;;
    esac
}

main() {
    if [[ $# -eq 0 ]]; then
        die "no command given (usage: docker-entrypoint.sh COMMAND [ARGS...] | web | ws | cron)"
    fi

    if [[ "$1" == "cron" ]]; then
        shift
        run_cron "$@"
    fi

    if [[ "$1" == "web" || "$1" == "ws" ]]; then
        local role="$1"
        shift
        if [[ "$role" == "ws" ]]; then
            # django-web-app migrates and collects static files; two at once would race.
            : "${SKIP_MIGRATE:=1}" "${SKIP_COLLECTSTATIC:=1}"
        fi
        server_command "$role" "$@"
        set -- "${SERVER_COMMAND[@]}"
    fi

    prepare_database_and_static
    log "starting: $*"
    exec "$@"
}

# Sourcing the script (tests do) defines the functions without running anything.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
