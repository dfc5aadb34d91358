"""Pluggable SMS senders. ``settings.SMS_BACKEND`` names the class to use.

A backend has ``send(phone: str, message: str) -> None``. The console backend used in
development logs that a message was sent, to whom (masked) — never its text, since the text
carries a verification code. The file backend writes the messages to a file of their own,
for a developer (or the end-to-end tests) who needs to read a code without an SMS gateway.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# One worker: sends leave in the order they were handed over, and ``wait_for_sms_in_background``
# can tell when every earlier one has left.
_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sms")


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


def _without_number(text: str, phone: str) -> str:
    """``text`` with ``phone`` masked in each way a provider may write it (+20…, 20…, 0…)."""
    digits = phone.lstrip("+")
    forms = {phone, digits}
    if digits.startswith("20"):
        forms.add("0" + digits[2:])
    for form in sorted(forms, key=len, reverse=True):
        if len(form) > 6:
            text = text.replace(form, mask_phone(phone))
    return text


def send_sms_many(messages: Iterable[tuple[str, str]]) -> int:
    """Send each (phone, message) through one backend instance, as ``send_sms`` does
    (failures logged, never raised); returns how many the backend took."""
    backend = get_sms_backend()
    return sum(1 for phone, message in messages if send_sms(phone, message, backend=backend))


def send_sms(phone: str, message: str, *, backend=None) -> bool:
    """Send through the configured backend; a failing sender is logged, never raised.

    The log line names the error without a traceback: providers' errors often repeat the
    number (or the message, which may carry a code), so only the error's type and its text
    with the number masked are written."""
    try:
        (backend or get_sms_backend()).send(phone, message)
    except Exception as exc:
        detail = _without_number(str(exc), phone).replace(message, "<message>") if message else ""
        logger.error(  # noqa: TRY400 — no traceback on purpose
            "SMS sending to %s failed: %s: %s", mask_phone(phone), type(exc).__name__, detail
        )
        return False
    return True


def send_sms_in_background(phone: str, message: str) -> None:
    """``send_sms`` on a worker thread of this process; the caller does not wait.

    For answers that must not take longer when a text is sent (the password reset answers
    the same, in the same time, for a number without an account): a gateway's round trip
    would otherwise tell the two apart. A send lost to a stopping process is lost like one
    the gateway refused; the user asks for a new code.
    """
    _background.submit(send_sms, phone, message)


def run_in_background(task: Callable[..., object], *args: object) -> None:
    """``task(*args)`` on the same worker, after every send handed over before it: for work
    that ends in a text and must not hold the request that caused it (an import's welcome
    codes: each is hashed, stored and texted, ``users.import_services``). The task's own
    database connection is closed when it ends; its errors are logged, never raised."""
    _background.submit(_run_task, task, args)


def _run_task(task: Callable[..., object], args: tuple) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("A background task (%s) failed", getattr(task, "__name__", "task"))
    finally:
        connections.close_all()  # this thread's connections only


def wait_for_sms_in_background(timeout: float = 10.0) -> None:
    """Return once every send handed to ``send_sms_in_background`` so far has ended."""
    _background.submit(lambda: None).result(timeout)
