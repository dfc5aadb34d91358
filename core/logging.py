"""A logging filter that scrubs credentials from every record before it is written.

Belt and braces: our code never logs secrets, but third-party loggers (servers, Django's
request logger) may print request paths such as ``/ws/attendance/?token=...``.
"""

import logging
import re

_PATTERNS = [
    re.compile(r"(?i)((?:token|ticket|access|refresh|password|code|key)=)[^&\s\"']+"),
    # "password": "…" in JSON and 'password': '…' in a Python dict repr, including the
    # set_password fields (new_password, current_password) and re_password.
    re.compile(
        r"""(?i)((["'])(?:\w*password|token|ticket|access|refresh|code|key)\2\s*:\s*(["']))"""
        r"(?:\\.|(?!\3).)*"
    ),
    re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._\-]+"),
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


class NoSecurityTracebackFilter(logging.Filter):
    """Keep ``django.security.*`` records to their one line.

    Django logs every refused request it calls suspicious (a ``Host`` outside
    ``ALLOWED_HOSTS``, an oversized body) at ERROR with the exception's traceback. Anyone can
    send those, so the traceback says nothing about our code and only floods the log; the
    message line (what was refused) stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True
