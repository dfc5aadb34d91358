# Redwan Courses Center backend: one image for every service of docker-compose.yml —
# `django-web-app` (gunicorn: `docker-entrypoint.sh web`), `ws` (Daphne:
# `docker-entrypoint.sh ws`) and `cron` (`docker-entrypoint.sh cron`). Run alone, its CMD
# serves the API the way Compose does: gunicorn through the entrypoint's `web` role
# (WebSockets are the `ws` role's, a second container from the same image).
#
# The base is pinned to a Debian release (bookworm) so that the pinned apt versions
# below stay resolvable.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- build stage: a virtual environment with the pinned requirements -------------------
FROM ${PYTHON_IMAGE} AS builder

# requirements.txt by default; `--build-arg REQUIREMENTS=requirements-dev.txt` adds the
# test tools so that `python manage.py test` / pytest can run inside the container.
ARG REQUIREMENTS=requirements.txt

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
COPY requirements.txt requirements-dev.txt ./
RUN pip install --no-cache-dir -r "${REQUIREMENTS}"

# --- runtime stage ------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="redwan-backend" \
      org.opencontainers.image.description="Redwan Courses Center backend (Django, Channels, Daphne)"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=Redwan_courses_center.settings

# cron: only the cron service uses it. Debian's PAM stack for cron requires
# pam_loginuid, which cannot write /proc/self/loginuid without CAP_AUDIT_CONTROL (not
# granted to containers), so every job would fail to start: make that module optional.
# fonts-hosny-amiri: the Amiri font the participant cards are drawn with (CARD_FONT_PATH's
# default; users/card_pdf.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends cron=3.0pl1-162 fonts-hosny-amiri=0.113-1 \
    && rm -rf /var/lib/apt/lists/* \
    && sed -i '/pam_loginuid\.so/s/required/optional/' /etc/pam.d/cron

# Unprivileged runtime user; the code stays owned by root and read-only for it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY . /app

# Byte-compile now (the runtime user cannot write __pycache__); only the directories
# that collectstatic and uploads write to belong to the runtime user.
RUN chmod 0755 /app/docker-entrypoint.sh \
    && python -m compileall -q /app \
    && mkdir -p /app/staticfiles /app/media \
    && chown app:app /app/staticfiles /app/media

# Numeric so that runtimes enforcing runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001

EXPOSE 8000

# Liveness only (/readyz/ also checks the database and Redis). The Host header is the
# first entry of DJANGO_ALLOWED_HOSTS so the probe is not refused as a bad host.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; h = (os.environ.get('DJANGO_ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz/', headers={'Host': h}), timeout=4)"]

ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["web"]
