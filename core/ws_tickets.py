"""One-time WebSocket tickets (SPEC §6.4): a short random string that stands for a login.

A browser cannot set headers on a WebSocket, so the JWT would travel in the URL, where
proxies log it. ``POST /api/ws-ticket/`` trades the JWT for a ticket that lives
``WS_TICKET_TTL_SECONDS`` (30) and opens exactly one socket.

Tickets live in the Django cache — Redis in production — so a ticket issued by one server
process opens a socket on another. The cache key is a SHA-256 digest of the ticket, so the
ticket itself is never stored anywhere.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from core.errors import ServiceUnavailable
from core.startup import one_line

logger = logging.getLogger(__name__)

KEY_PREFIX = "ws-ticket:"
MAX_TICKET_LENGTH = 128


@dataclass(frozen=True)
class TicketGrant:
    """What a consumed ticket stands for: the user, and the JWT it was bought with."""

    user_id: int
    token_exp: int | None  # epoch seconds: the socket closes then, as with ?token=
    revoke_claim: str | None  # the token's password digest (a password change voids it)


def ws_ticket_ttl() -> int:
    return int(getattr(settings, "WS_TICKET_TTL_SECONDS", 30))


def _key(ticket: str) -> str:
    return KEY_PREFIX + hashlib.sha256(ticket.encode()).hexdigest()


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "realtime_unavailable",
        _("Live attendance is unavailable right now. Try again in a minute."),
    )


def ws_ticket_issue(*, user_id: int, token_exp: int | None, revoke_claim: str | None) -> str:
    """Store a new ticket for ``user_id`` and return it (shown to the client once).

    Raises ``ServiceUnavailable`` (``realtime_unavailable``, 503) when the cache is down: a
    ticket kept only in this process would not open a socket served by another, and the
    socket needs the same Redis (the channel layer) anyway.
    """
    ticket = secrets.token_urlsafe(32)
    try:
        cache.set(
            _key(ticket),
            {"user": user_id, "exp": token_exp, "revoke": revoke_claim},
            timeout=ws_ticket_ttl(),
        )
    except Exception as exc:  # the cache is an outside service (Redis)
        logger.error(
            "ws ticket not issued: the cache failed (%s: %s)", type(exc).__name__, one_line(exc)
        )
        raise _unavailable() from None
    return ticket


def ws_ticket_consume(*, ticket: str) -> TicketGrant | None:
    """The grant behind ``ticket``, or ``None`` when it is unknown, expired or used.

    Single use without a lock: ``cache.delete`` reports whether *it* removed the key, and
    Redis' ``DEL`` (like the local-memory cache's locked delete) removes a key for exactly
    one caller. Two sockets racing with one ticket may both read the value, but only the
    one whose delete succeeded is let in.

    Raises ``ServiceUnavailable`` (``realtime_unavailable``) when the cache is down: the
    ticket may be good, so the caller must not answer as for a bad one. The failure is
    logged here, on one line (the cache's error names its host, never the ticket).
    """
    if not ticket or len(ticket) > MAX_TICKET_LENGTH:
        return None
    key = _key(ticket)
    try:
        value = cache.get(key)
        used_up = isinstance(value, dict) and cache.delete(key)
    except Exception as exc:  # the cache is an outside service (Redis)
        logger.error(
            "ws ticket not checked: the cache failed (%s: %s)", type(exc).__name__, one_line(exc)
        )
        raise _unavailable() from None
    if not used_up:
        return None
    try:
        return TicketGrant(
            user_id=int(value["user"]),
            token_exp=int(value["exp"]) if value.get("exp") is not None else None,
            revoke_claim=value.get("revoke"),
        )
    except (KeyError, TypeError, ValueError):
        return None
