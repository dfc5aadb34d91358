"""Ending every session of an account: its refresh tokens, access tokens and sockets.

A password reset calls :func:`user_sessions_end` in the transaction that writes the new
password:

- every outstanding refresh token of the user is blacklisted (simplejwt's token
  blacklist), so none of them can be refreshed or used to log out twice;
- access tokens need nothing here: each carries a digest of the password hash it was
  issued under (``CHECK_REVOKE_TOKEN``), and the new hash no longer matches it — every
  endpoint answers ``401 password_changed``;
- after commit, the user's WebSockets are told through the channel layer group
  ``core.realtime.user_group`` and close with ``4002`` (the code of an expired
  credential: the client logs in again). A channel layer that is down is logged, never
  raised: the sockets then close when their token expires.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.realtime import group_send_safely, user_group
from users.models import CustomUser

# The channel-layer event a user's sockets close on (the consumer's handler of that name).
SESSION_ENDED_EVENT = "session_ended"


def user_sessions_end(*, user: CustomUser) -> int:
    """Blacklist the user's live refresh tokens and, after commit, close their sockets;
    returns how many tokens were asked to be blacklisted."""
    live = OutstandingToken.objects.filter(
        user=user, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
    ).values_list("pk", flat=True)
    # The token column is unique: a parallel logout or refresh of one of them keeps its row.
    rows = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in live], ignore_conflicts=True
    )
    user_sockets_close(user=user)
    return len(rows)


def user_sockets_close(*, user: CustomUser) -> None:
    """After commit, close every WebSocket of the user (``4002``).

    A password change calls only this: its old refresh tokens are refused by the password
    digest they carry and answer ``password_changed``, which tells the client why.
    """
    group = user_group(user.pk)
    transaction.on_commit(lambda: group_send_safely(group, {"type": SESSION_ENDED_EVENT}))
