"""Phone verification codes: six digits, stored hashed, 10 minutes, 5 attempts.

The code itself exists only in memory and in the SMS; it is never logged or stored.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid, TooManyRequests
from core.sms import send_sms
from users.models import CustomUser, VerificationCode

RESEND_INTERVAL = timedelta(minutes=1)


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@transaction.atomic
def phone_code_send(*, user: CustomUser, now: datetime | None = None) -> VerificationCode:
    """Issue a new code (older unused ones stop working) and text it after commit."""
    now = now or timezone.now()
    if user.is_phone_verified:
        raise Conflict("phone_already_verified", _("This phone number is already verified."))
    # Lock the user row so two parallel sends cannot both pass the interval check.
    CustomUser.objects.select_for_update().filter(pk=user.pk).first()
    last = VerificationCode.objects.filter(user=user).order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_INTERVAL:
        wait = RESEND_INTERVAL - (now - last.created_at)
        raise TooManyRequests(
            "code_recently_sent",
            _("Wait a minute before asking again."),
            retry_after=max(1, int(wait.total_seconds())),
        )
    VerificationCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = _new_code()
    record = VerificationCode.objects.create(
        user=user,
        code_hash=make_password(code),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.PHONE_CODE_TTL_MINUTES),
    )
    phone = str(user.phone_number1)
    message = _("Your Redwan verification code is %(code)s") % {"code": code}
    transaction.on_commit(lambda: send_sms(phone, message))
    return record


def phone_code_verify(*, user: CustomUser, code: str, now: datetime | None = None) -> CustomUser:
    """Check ``code`` against the user's live code; every try counts, right or wrong.

    A try may be judged only after it has claimed one of the code's attempts with a
    conditional ``UPDATE … SET attempts = attempts + 1 WHERE attempts < max``: the row
    count says whether it got one. Reading ``attempts`` and then adding one let thirty
    parallel guesses all be judged against a five-try limit.
    """
    now = now or timezone.now()
    if user.is_phone_verified:
        raise Conflict("phone_already_verified", _("This phone number is already verified."))
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise Invalid("code_invalid", _("The code is six digits."), field="code")
    record = (
        VerificationCode.objects.filter(user=user, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if record is None or record.expires_at <= now:
        raise Invalid("code_expired", _("The code has expired; ask for a new one."), field="code")
    # Its own committed statement (no surrounding transaction), so a wrong guess is never
    # rolled back with the error response.
    claimed = VerificationCode.objects.filter(
        pk=record.pk,
        used_at__isnull=True,
        attempts__lt=settings.PHONE_CODE_MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        raise Invalid(
            "code_attempts_exceeded", _("Too many wrong tries; ask for a new code."), field="code"
        )
    if not check_password(code, record.code_hash):
        raise Invalid("code_mismatch", _("The code is not correct."), field="code")
    with transaction.atomic():
        # Lock order of users/services.py: the user, then the code.
        CustomUser.objects.select_for_update().filter(pk=user.pk).first()
        used = VerificationCode.objects.filter(pk=record.pk, used_at__isnull=True).update(
            used_at=now
        )
        if not used:  # a new code replaced it meanwhile, or a parallel try used it
            raise Invalid(
                "code_expired", _("The code has expired; ask for a new one."), field="code"
            )
        CustomUser.objects.filter(pk=user.pk).update(is_phone_verified=True)
    user.is_phone_verified = True
    return user
