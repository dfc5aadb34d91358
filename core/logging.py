"""A logging filter that scrubs credentials from every record before it is written.

Belt and braces: our code never logs secrets, but third-party loggers (servers, Django's
request logger) may print request paths such as ``/ws/attendance/?token=...``, or a
private file's signed URL (``/files/…?expires=…&signature=…``, S3's
``X-Amz-Signature=…``), which opens the file for anyone until it expires.
"""

import logging
import re

_PATTERNS = [
    re.compile(r"(?i)((?:token|ticket|access|refresh|password|code|key|signature)=)[^&\s\"']+"),
    # "password": "…" in JSON and 'password': '…' in a Python dict repr, including the
    # set_password fields (new_password, current_password) and re_password.
    re.compile(
        r"""(?i)((["'])(?:\w*password|token|ticket|access|refresh|code|key)\2\s*:\s*(["']))"""
        r"(?:\\.|(?!\3).)*"
    ),
    re.compile(r"(?i)((?:Bearer|JWT)\s+)[A-Za-z0-9._\-]+"),
    re.compile(r"(?i)(Device\s+)[A-Za-z0-9._\-]+"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class NoClientErrorTracebackFilter(logging.Filter):
    """Keep a refused request's log record to its one line.

    Django logs requests it refuses as suspicious (``django.security.*``: a ``Host`` outside
    ``ALLOWED_HOSTS``, an oversized body) at ERROR, and a ``PermissionDenied`` (an admin
    page the user may not open) at WARNING, both with the exception's traceback. Anyone can
    cause those, the traceback says nothing about our code and it floods the log; the
    message line (what was refused, and where) stays. Server errors keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        client_error = (
            record.name == "django.request" and 400 <= getattr(record, "status_code", 500) < 500
        )
        if client_error or record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True
