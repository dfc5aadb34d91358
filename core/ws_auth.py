"""WebSocket authentication: origin check, then ``?token=`` (JWT access) or ``?ticket=``.

The middleware only *judges*; it never closes. It leaves in the scope:

- ``user``: the authenticated user, or ``AnonymousUser``;
- ``ws_auth_error``: ``None``, or why the socket must be refused (one of the ``ERROR_*``
  constants below) — the consumer accepts the handshake first and then closes with the
  matching code (SPEC §7: a close before accepting reaches a browser as a bare 1006).
  ``ERROR_UNAVAILABLE`` is not the client's fault: the ticket store (the cache, Redis) or
  the database is down, so the credential could be neither accepted nor refused;
- ``ws_token_exp``: when the credential's JWT expires (epoch seconds), so the consumer can
  close the socket then.

The checks are the HTTP side's (simplejwt's ``JWTAuthentication.get_user``): a user that no
longer exists, an inactive user and a token older than a password change are all refused.
The query string is never logged, not even on failure.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.http.request import validate_host
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.errors import ServiceUnavailable
from core.startup import one_line
from core.ws_tickets import ws_ticket_consume

logger = logging.getLogger(__name__)

ERROR_NO_CREDENTIAL = "no_credential"  # → 4001
ERROR_INVALID_CREDENTIAL = "invalid_credential"  # → 4002
ERROR_ORIGIN_NOT_ALLOWED = "origin_not_allowed"  # → 4003
ERROR_UNAVAILABLE = "unavailable"  # → 1011
MAX_CREDENTIAL_LENGTH = 4096


# An origin is (scheme, host, port); a URL without a port has its scheme's default.
Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(value: str) -> Origin | None:
    """``https://App.example:443/`` → ``("https", "app.example", 443)``; None for "null",
    ``file://`` and anything else that is not an http(s) origin."""
    parts = urlsplit(value.strip().rstrip("/").lower())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port that is not a number or out of range
        return None
    return parts.scheme, parts.hostname, port


def own_origin(scope) -> Origin | None:
    """The origin of the site the socket was opened on: the ``Host`` header, with ``https``
    when the connection is secure — ``wss``, or ``X-Forwarded-Proto`` from the TLS proxy in
    front (the header the HTTP side trusts through ``SECURE_PROXY_SSL_HEADER``)."""
    host = _header(scope, b"host")
    if not host:
        return None
    forwarded = (_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
    if forwarded in DEFAULT_PORTS:
        scheme = forwarded
    else:
        scheme = "https" if scope.get("scheme") == "wss" else "http"
    return parse_origin(f"{scheme}://{host}")


def origin_allowed(origin: str | None, scope=None) -> bool:
    """No Origin header (a native app, a script) passes: such a client is judged by its
    credential alone. A browser's Origin must be one of ``CORS_ALLOWED_ORIGINS`` or the
    site's own origin on one of ``ALLOWED_HOSTS`` — scheme, host and port all compared, so
    ``http://app.example`` or ``https://app.example:8443`` is not ``https://app.example``
    (a page served over plain HTTP or by another service on the host is another origin)."""
    if origin is None:
        return True
    theirs = parse_origin(origin)
    if theirs is None:
        return False
    allowed = {parse_origin(o) for o in getattr(settings, "CORS_ALLOWED_ORIGINS", [])}
    if theirs in allowed:
        return True
    return theirs == own_origin(scope or {}) and validate_host(theirs[1], settings.ALLOWED_HOSTS)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _user_for_token(raw: str):
    """``(user, exp)`` for a valid access token, else ``None``."""
    try:
        token = AccessToken(raw)
        user = JWTAuthentication().get_user(token)
        return user, int(token["exp"])
    except (TokenError, AuthenticationFailed, KeyError, TypeError, ValueError):
        return None


def _user_for_ticket(raw: str):
    """``(user, exp)`` for an unused, unexpired ticket (used up by this call), else ``None``."""
    grant = ws_ticket_consume(ticket=raw)
    if grant is None or (grant.token_exp is not None and grant.token_exp <= time.time()):
        return None
    user = get_user_model().objects.filter(pk=grant.user_id).first()
    if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
        return None
    if grant.revoke_claim != get_md5_hash_password(user.password):
        return None  # the password changed after the ticket was issued
    return user, grant.token_exp


async def authenticate_scope(scope) -> dict:
    """The scope entries described in the module docstring."""
    result = {"user": AnonymousUser(), "ws_auth_error": None, "ws_token_exp": None}
    if not origin_allowed(_header(scope, b"origin"), scope):
        # Refused before the credential is looked at, so a ticket is not used up.
        result["ws_auth_error"] = ERROR_ORIGIN_NOT_ALLOWED
        return result
    query = scope.get("query_string", b"")
    if isinstance(query, bytes):
        query = query.decode("utf-8", "replace")
    params = parse_qs(query)
    ticket, token = _first(params, "ticket"), _first(params, "token")
    raw = ticket or token
    if not raw:
        result["ws_auth_error"] = ERROR_NO_CREDENTIAL
        return result
    found = None
    if len(raw) <= MAX_CREDENTIAL_LENGTH:
        lookup = _user_for_ticket if ticket else _user_for_token
        try:
            found = await database_sync_to_async(lookup)(raw)
        except ServiceUnavailable:  # already logged by ws_ticket_consume, on one line
            result["ws_auth_error"] = ERROR_UNAVAILABLE
            return result
        except DatabaseError as exc:  # the user could not be looked up: an outage
            logger.error(
                "websocket credential not checked: the database failed (%s: %s)",
                type(exc).__name__,
                one_line(exc),
            )
            result["ws_auth_error"] = ERROR_UNAVAILABLE
            return result
    if found is None:
        logger.info("websocket credential refused (%s)", "ticket" if ticket else "token")
        result["ws_auth_error"] = ERROR_INVALID_CREDENTIAL
        return result
    result["user"], result["ws_token_exp"] = found
    return result


class WsAuthMiddleware(BaseMiddleware):
    """Wrap the WebSocket router with it (``core/asgi.py``)."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        if scope.get("type") == "websocket":
            scope.update(await authenticate_scope(scope))
        return await self.inner(scope, receive, send)
