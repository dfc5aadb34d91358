"""Attendance devices: creation, key rotation, retirement and authentication (§6.4).

A key reads ``<key_id>.<secret>``. ``key_id`` is random, public and unique: it finds the
row. Only the SHA-256 of the secret is stored (the secret has 256 bits of entropy, so a
fast hash is enough — a password hasher's slowness protects guessable secrets, not random
ones) and it is compared with ``hmac.compare_digest``. Neither half is ever logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from attendance.models import Device
from core.unset import UNSET, Unset, given

# A device that authenticated less than this ago is not written again (one UPDATE a
# minute at most, not one per scan).
LAST_SEEN_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class IssuedKey:
    device: Device
    key: str


def _new_key() -> tuple[str, str, str]:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{key_id}.{secret}", _digest(secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def device_create(*, name: str, kind: str, location: str = "", is_active: bool = True) -> IssuedKey:
    """Register a device; the returned key is the only time it exists in clear."""
    key_id, key, digest = _new_key()
    device = Device(
        name=name,
        kind=kind,
        location=location,
        is_active=is_active,
        key_id=key_id,
        key_hash=digest,
    )
    device.full_clean()
    device.save()
    return IssuedKey(device=device, key=key)


@transaction.atomic
def device_update(
    *,
    device: Device,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    location: str | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> Device:
    """Edit a device; ``is_active=False`` retires it (its key stops working at once)."""
    for field, value in given(name=name, kind=kind, location=location, is_active=is_active).items():
        setattr(device, field, value)
    device.full_clean()
    device.save()
    return device


@transaction.atomic
def device_rotate_key(*, device: Device) -> IssuedKey:
    """Give the device a new key; the old one stops working when this commits."""
    key_id, key, digest = _new_key()
    device.key_id = key_id
    device.key_hash = digest
    device.save(update_fields=["key_id", "key_hash", "updated_at"])
    return IssuedKey(device=device, key=key)


def device_authenticate(*, key: str, now: datetime | None = None) -> Device | None:
    """The active device this key belongs to, or ``None`` (unknown, retired, malformed)."""
    key_id, _, secret = (key or "").strip().partition(".")
    if not key_id or not secret or len(key) > 200:
        return None
    device = Device.objects.filter(key_id=key_id, is_active=True).first()
    # Compare against a dummy digest when there is no device, so that both paths hash.
    expected = device.key_hash if device else _digest("")
    if not hmac.compare_digest(_digest(secret), expected) or device is None:
        return None
    now = now or timezone.now()
    seen = device.last_seen_at
    if seen is None or (now - seen).total_seconds() >= LAST_SEEN_RESOLUTION_SECONDS:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device
