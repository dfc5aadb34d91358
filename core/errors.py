"""Domain errors raised by services and mapped to HTTP by core.exceptions.

A service raises e.g. ``Conflict("course_full", _("The course is full."))``; the API answers
``409 {"code": "course_full", "detail": "..."}``. Codes are part of the API contract and
are listed in docs/api.md (tests/test_docs.py checks it).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a rule of the domain refused the operation."""

    status_code = 400

    def __init__(self, code: str, message: Any = "", *, field: str | None = None) -> None:
        self.code = code
        self.message = message or code
        self.field = field
        super().__init__(f"{code}: {message}")


class Invalid(DomainError):
    """The input breaks a rule (400)."""

    status_code = 400


class Forbidden(DomainError):
    """The caller may see the object but not do this to it (403)."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist or is not visible to the caller (404)."""

    status_code = 404


class Conflict(DomainError):
    """The object's state does not allow the operation (409)."""

    status_code = 409


class ServiceUnavailable(DomainError):
    """An outside service the operation needs (Redis) is down; try again later (503)."""

    status_code = 503


class TooManyRequests(DomainError):
    """A rate rule of the domain (e.g. one verification code a minute) refused (429)."""

    status_code = 429

    def __init__(self, code: str, message: Any = "", *, retry_after: int | None = None) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after
