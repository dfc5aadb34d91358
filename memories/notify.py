"""The ``memory`` notification (§6.9): in-app only, to the families of the tagged
participants. Its text is rendered from ``data`` in the reader's language
(notifications.texts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from memories.models import Memory
from notifications.models import Notification

KIND = "memory"


def memory_text(data: Mapping[str, Any]) -> tuple[str, str]:
    """(title, body) of a memory notification, in the active language."""
    return (
        _("A new memory"),
        _("A new memory of %(date)s is in your family feed.") % {"date": data["taken_on"]},
    )


def memory_notifications_create(*, memory: Memory, recipients: list) -> int:
    """One notification per recipient (users), in one INSERT; stored in each one's own
    language. Returns how many."""
    data = {"memory": memory.pk, "taken_on": memory.taken_on.isoformat()}
    rows = []
    for user in recipients:
        with translation.override(user.language):
            title, body = memory_text(data)
        rows.append(Notification(recipient=user, kind=KIND, title=title, body=body, data=data))
    Notification.objects.bulk_create(rows)
    return len(rows)
