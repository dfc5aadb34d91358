"""Pluggable SMS senders. ``settings.SMS_BACKEND`` names the class to use.

A backend has ``send(phone: str, message: str) -> None``. The console backend used in
development logs that a message was sent, to whom (masked) — never its text, since the text
carries a verification code. The file backend writes the messages to a file of their own,
for a developer (or the end-to-end tests) who needs to read a code without an SMS gateway.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def mask_phone(phone: str) -> str:
    return phone[:4] + "*" * max(len(phone) - 7, 0) + phone[-3:] if len(phone) > 7 else "***"


class ConsoleSmsBackend:
    """Development sender: records the send in the log without the message body."""

    def send(self, phone: str, message: str) -> None:
        logger.info(
            "SMS to %s (%d characters) sent by the console backend", mask_phone(phone), len(message)
        )


class FileSmsBackend:
    """Development sender: appends each message as one JSON line (``{"to", "message"}``) to
    ``settings.SMS_FILE_PATH``. The file holds verification codes, so it is an outbox, never
    a log: the log gets the same masked line as the console backend's."""

    def send(self, phone: str, message: str) -> None:
        path = settings.SMS_FILE_PATH
        if not path:
            raise ImproperlyConfigured("FileSmsBackend needs SMS_FILE_PATH.")
        line = json.dumps({"to": phone, "message": message}, ensure_ascii=False)
        # One write of one line in append mode: senders in several processes do not mix.
        with open(path, "a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
        logger.info(
            "SMS to %s (%d characters) written by the file backend", mask_phone(phone), len(message)
        )


class LocmemSmsBackend:
    """Test sender: keeps messages in memory (``LocmemSmsBackend.outbox``)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        self.outbox.append((phone, message))


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, message: str) -> bool:
    """Send through the configured backend; a failing sender is logged, never raised."""
    try:
        get_sms_backend().send(phone, message)
    except Exception:
        logger.exception("SMS sending to %s failed", mask_phone(phone))
        return False
    return True
