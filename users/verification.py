"""Codes texted to a phone: six digits, stored hashed, 10 minutes, 5 attempts.

One set of rules serves the phone verification below and the forgotten-password reset
(``users.password_reset``): :func:`code_issue` makes a code, :func:`code_judge` spends one
attempt on a guess and :func:`code_use` marks a matching code used, once.

The code itself exists only in memory and in the SMS; it is never logged or stored.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid, TooManyRequests
from core.sms import send_sms
from users.models import CodePurpose, CustomUser, VerificationCode

RESEND_INTERVAL = timedelta(minutes=1)


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _code_expired() -> Invalid:
    return Invalid("code_expired", _("The code has expired; ask for a new one."), field="code")


def code_issue(
    *, codes: QuerySet[VerificationCode], now: datetime, **fields: object
) -> tuple[VerificationCode, str]:
    """A new code for the owner ``codes`` selects (older unused ones stop working).

    Returns the stored record and the code in clear, which the caller texts and forgets.
    The caller holds the lock that serialises sends to the same owner.
    """
    last = codes.order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_INTERVAL:
        wait = RESEND_INTERVAL - (now - last.created_at)
        raise TooManyRequests(
            "code_recently_sent",
            _("Wait a minute before asking again."),
            retry_after=max(1, int(wait.total_seconds())),
        )
    codes.filter(used_at__isnull=True).update(used_at=now)
    code = _new_code()
    record = VerificationCode.objects.create(
        code_hash=make_password(code),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.PHONE_CODE_TTL_MINUTES),
        **fields,
    )
    return record, code


def code_judge(*, codes: QuerySet[VerificationCode], code: str, now: datetime) -> VerificationCode:
    """The live code of ``codes`` when ``code`` matches it; every try counts, right or wrong.

    A try may be judged only after it has claimed one of the code's attempts with a
    conditional ``UPDATE … SET attempts = attempts + 1 WHERE attempts < max``: the row
    count says whether it got one. Reading ``attempts`` and then adding one let thirty
    parallel guesses all be judged against a five-try limit. Call it outside a
    transaction, so a wrong guess is never rolled back with the error response.
    """
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise Invalid("code_invalid", _("The code is six digits."), field="code")
    record = codes.filter(used_at__isnull=True).order_by("-created_at").first()
    if record is None or record.expires_at <= now:
        raise _code_expired()
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
        raise code_mismatch()
    return record


def code_mismatch() -> Invalid:
    return Invalid("code_mismatch", _("The code is not correct."), field="code")


def code_use(*, record: VerificationCode, now: datetime) -> None:
    """Mark a judged code used; of parallel callers with the same code only one passes,
    the others get ``code_expired`` (so does a caller whose code a new one replaced)."""
    used = VerificationCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=now)
    if not used:
        raise _code_expired()


def _phone_codes(user: CustomUser) -> QuerySet[VerificationCode]:
    return VerificationCode.objects.filter(user=user, purpose=CodePurpose.PHONE_VERIFICATION)


@transaction.atomic
def phone_code_send(*, user: CustomUser, now: datetime | None = None) -> VerificationCode:
    """Issue a new code (older unused ones stop working) and text it after commit."""
    now = now or timezone.now()
    if user.is_phone_verified:
        raise Conflict("phone_already_verified", _("This phone number is already verified."))
    # Lock the user row so two parallel sends cannot both pass the interval check.
    CustomUser.objects.select_for_update().filter(pk=user.pk).first()
    record, code = code_issue(
        codes=_phone_codes(user),
        now=now,
        user=user,
        purpose=CodePurpose.PHONE_VERIFICATION,
        phone=str(user.phone_number1),
    )
    phone = str(user.phone_number1)
    message = _("Your Redwan verification code is %(code)s") % {"code": code}
    transaction.on_commit(lambda: send_sms(phone, message))
    return record


def phone_code_verify(*, user: CustomUser, code: str, now: datetime | None = None) -> CustomUser:
    """Check ``code`` against the user's live code (:func:`code_judge`) and, when it
    matches, mark the phone verified."""
    now = now or timezone.now()
    if user.is_phone_verified:
        raise Conflict("phone_already_verified", _("This phone number is already verified."))
    record = code_judge(codes=_phone_codes(user), code=code, now=now)
    with transaction.atomic():
        # Lock order of users/services.py: the user, then the code.
        CustomUser.objects.select_for_update().filter(pk=user.pk).first()
        code_use(record=record, now=now)
        CustomUser.objects.filter(pk=user.pk).update(is_phone_verified=True)
    user.is_phone_verified = True
    return user
