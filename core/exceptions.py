"""One exception handler for the whole API.

- DomainError subclasses → their status with ``{"code", "detail"}`` (plus the field).
- Django's ValidationError raised from model/service code → 400.
- IntegrityError (a unique or check constraint that reached the database) → 409, never 500.
- A deadlock or serialization failure (PostgreSQL 40P01 / 40001) → 409 ``conflict``: a
  safety net only; services take their locks in one order so these should not happen.
- Any other OperationalError — the database is down or refuses connections, the pool had
  none to lend in time, SQLite stayed locked — → 503 ``database_unavailable`` with
  ``Retry-After``: not the client's doing, and worth trying again.
- Everything DRF already knows keeps DRF's shape, with a ``code`` added where DRF has one.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError, connection
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.startup import one_line

logger = logging.getLogger(__name__)

# Seconds a client is told to wait before trying again when the database is unavailable.
DATABASE_RETRY_AFTER = 5


def exception_handler(exc, context):
    if isinstance(exc, SuspiciousOperation):
        # Raised while reading the body (over DATA_UPLOAD_MAX_MEMORY_SIZE, too many form
        # fields): the client's fault, answered without a traceback in the log.
        return Response(*suspicious_operation_body(exc))

    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": str(exc.message)}
        if exc.field and exc.field not in body:
            body[exc.field] = [str(exc.message)]
        # Extra keys of a richer error (e.g. the index of a bad record); never overriding.
        for key, value in (getattr(exc, "extra", None) or {}).items():
            body.setdefault(key, value)
        headers = (
            {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
        )
        return Response(body, status=exc.status_code, headers=headers)

    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, ValidationError) and isinstance(exc.detail, list):
        # ``raise ValidationError("msg")`` (DRF's SearchFilter on a NUL byte, for one) would
        # answer a bare JSON list: no object, no ``code``. Give it the non-field shape.
        exc = ValidationError({"non_field_errors": exc.detail})
    # DRF converts these itself, but only after we could add their code; get_object()'s
    # 404 must answer {"detail", "code": "not_found"} like every other error.
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, IntegrityError) or is_lock_conflict(exc):
        # Constraint names are ours, not secrets, but the SQL may carry values; log the
        # class only and answer with a stable code.
        logger.info("database conflict mapped to 409: %s", type(exc).__name__)
        return Response(
            {"code": "conflict", "detail": _("This conflicts with existing data.")},
            status=status.HTTP_409_CONFLICT,
        )

    if isinstance(exc, OperationalError):
        # One line: the driver's message names the host and port, never a password. A
        # failure on a connection that was open (not an outage: a bug) keeps its traceback.
        logger.error(
            "database unavailable, answered 503 (%s: %s)",
            type(exc).__name__,
            one_line(exc),
            exc_info=connection.connection is not None,
        )
        return Response(
            {
                "code": "database_unavailable",
                "detail": _("The service is unavailable right now. Try again in a moment."),
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        )

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        if isinstance(response.data, dict) and "code" not in response.data:
            codes = exc.get_codes()
            if isinstance(codes, str):
                response.data["code"] = codes
            elif isinstance(exc, ValidationError):
                response.data["code"] = "invalid"
    return response


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled
# back because of another one, and trying again later may well succeed.
LOCK_CONFLICT_SQLSTATES = {"40P01", "40001"}


def is_lock_conflict(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return sqlstate in LOCK_CONFLICT_SQLSTATES


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [str(m) for m in msgs]
            for field, msgs in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def suspicious_operation_body(exc: SuspiciousOperation) -> tuple[dict, int]:
    """Body and status for a request Django refused as suspicious (also used by the
    root URLconf's handler400)."""
    if isinstance(exc, RequestDataTooBig):
        return (
            {"code": "request_too_large", "detail": _("The request body is too large.")},
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return {"code": "bad_request", "detail": _("The request is not valid.")}, 400
