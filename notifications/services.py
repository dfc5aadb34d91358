"""Creating and reading notifications. Other apps call ``notification_create``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.sms import send_sms
from notifications.models import Notification

if TYPE_CHECKING:  # for the type hints only
    from users.models import CustomUser

logger = logging.getLogger(__name__)


def notification_create(
    *,
    recipient: CustomUser,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    sms: bool = False,
) -> Notification:
    """Store a notification; optionally text it after the surrounding transaction commits.

    A failing sender never fails the caller: ``send_sms`` logs and swallows its errors.
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title, body=body, data=data or {}
    )
    if sms:
        phone = str(recipient.phone_number1)
        text = f"{title}\n{body}".strip()
        transaction.on_commit(lambda: send_sms(phone, text))
    return notification


def notification_mark_read(*, notification: Notification, actor: CustomUser) -> Notification:
    """Mark one of the actor's own notifications read (idempotent). Someone else's is not
    there for them (404), whoever calls."""
    if notification.recipient_id != actor.pk:
        raise NotFound("not_found", _("Not found."))
    if notification.read_at is None:
        # Conditional: of two racing reads the first time stays (the other changes nothing).
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: CustomUser) -> int:
    """Mark every unread notification of ``user`` read in one UPDATE; returns how many."""
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())
