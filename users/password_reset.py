"""The forgotten-password flow (SPEC §5): a code texted to the account's phone, then a new
password with that code.

No answer tells whether a number has an account. A number without one goes through the
same steps as one with an account — a code is made, hashed and stored for the number (it
is never sent), and its tries are counted — so both give the same status, the same body
and, as near as the work allows, the same time. Only a real, active account's code is
texted, after commit and off the request's thread (``core.sms.send_sms_in_background``).
The rules of the code are the phone verification's (``users.verification``).

The code itself exists only in memory and in the SMS; it is never logged or stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Invalid
from core.sms import send_sms, send_sms_in_background
from users.models import CodePurpose, CustomUser, VerificationCode
from users.sessions import user_sessions_end
from users.verification import code_issue, code_judge, code_mismatch, code_use

# Longer than any way of writing a phone number; longer input is not parsed at all.
MAX_PHONE_INPUT = 32
# How long an expired reset code stays (for the admin's view of recent requests).
KEEP_EXPIRED = timedelta(days=1)


def reset_phone(value: object) -> str:
    """``value`` as E.164 (``+2010…`` and the local ``010…`` alike), or ``phone_invalid``."""
    number = None
    if isinstance(value, str) and 0 < len(value.strip()) <= MAX_PHONE_INPUT:
        try:
            number = phonenumbers.parse(value.strip(), "EG")
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid("phone_invalid", _("Enter a valid phone number."), field="phone_number1")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _reset_codes(phone: str) -> QuerySet[VerificationCode]:
    return VerificationCode.objects.filter(purpose=CodePurpose.PASSWORD_RESET, phone=phone)


@transaction.atomic
def password_reset_request(
    *, phone_number: object, now: datetime | None = None, welcome: bool = False
) -> VerificationCode:
    """Make a reset code for the number and text it when the number has an active account.

    At most one code a minute per number (``code_recently_sent``), account or not.

    ``welcome=True`` is for an account staff have just opened without a password (the
    admin's imports): the same code, in a text that welcomes its owner and says what the
    code is for, in the account's language rather than the request's. A welcome is made
    on the SMS worker already (``core.sms.run_in_background``), so it is texted there and
    then, after this function's commit.
    """
    now = now or timezone.now()
    phone = reset_phone(phone_number)
    # The same query for both: it locks the account's row when there is one, so two
    # parallel requests for it cannot both pass the one-a-minute check.
    user = (
        CustomUser.objects.select_for_update()
        .filter(phone_number1=phone, is_active=True)
        .only("pk", "phone_number1", "language")
        .first()
    )
    record, code = code_issue(
        codes=_reset_codes(phone),
        now=now,
        user=user,
        purpose=CodePurpose.PASSWORD_RESET,
        phone=phone,
    )
    if user is not None:
        message = _welcome_text(code, user.language) if welcome else _reset_text(code)
        send = send_sms if welcome else send_sms_in_background
        transaction.on_commit(lambda: send(phone, message))
    return record


def _reset_text(code: str) -> str:
    return _("Your Redwan password reset code is %(code)s") % {"code": code}


def _welcome_text(code: str, language: str) -> str:
    with translation.override(language):
        return _(
            "Welcome to Redwan. Your code to set a password: %(code)s (valid %(minutes)d "
            'minutes; ask for a new one under "Forgot password").'
        ) % {"code": code, "minutes": settings.PHONE_CODE_TTL_MINUTES}


def _validate_new_password(password: str, user: CustomUser | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.error_list}) from None


def password_reset_confirm(
    *,
    phone_number: object,
    code: object,
    new_password: object,
    re_new_password: object,
    now: datetime | None = None,
) -> CustomUser:
    """Set ``new_password`` when ``code`` is the number's live reset code; end every
    session of the account (``users.sessions``) and mark its phone verified.

    A number without an account answers as a wrong code does, try for try: its stored
    code is never sent, so every guess is ``code_mismatch`` until the tries run out.
    The checks that do not need the account (the phone, the two passwords, the password
    validators, then the code) come first; the validators that compare the
    password with the account's name run only after the code matched.
    """
    now = now or timezone.now()
    phone = reset_phone(phone_number)
    code = code if isinstance(code, str) else ""
    if not isinstance(new_password, str) or not new_password:
        raise Invalid("password_required", _("Enter the new password."), field="new_password")
    if re_new_password != new_password:
        raise Invalid(
            "password_mismatch", _("The two passwords do not match."), field="re_new_password"
        )
    _validate_new_password(new_password)
    record = code_judge(codes=_reset_codes(phone), code=code, now=now)
    user = CustomUser.objects.filter(pk=record.user_id, is_active=True).first()
    if user is None:
        raise code_mismatch()
    _validate_new_password(new_password, user)
    with transaction.atomic():
        # Lock order of users/services.py: the user, then the code.
        user = CustomUser.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
        if user is None:  # deactivated or deleted meanwhile
            raise code_mismatch()
        code_use(record=record, now=now)
        user.set_password(new_password)
        user.is_phone_verified = True
        user.save(update_fields=["password", "is_phone_verified"])
        user_sessions_end(user=user)
    return user


def password_reset_codes_purge(*, now: datetime | None = None) -> int:
    """Delete the reset codes that expired over a day ago, with or without an account;
    returns how many. Numbers without an account leave a row per request, so the nightly
    token cleanup (``attendance.cron``) calls this too."""
    now = now or timezone.now()
    deleted, _by_model = VerificationCode.objects.filter(
        purpose=CodePurpose.PASSWORD_RESET, expires_at__lte=now - KEEP_EXPIRED
    ).delete()
    return deleted
