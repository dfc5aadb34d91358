"""Throttles for login, passwords, verification codes and link requests (DRF throttles).

DRF's SimpleRateThrottle reads a request history from the cache and writes it back: two
parallel requests both read the same history and both pass, so a burst of 40 wrong logins
got 33 through a 10/minute limit. These throttles count in a fixed window with the cache's
atomic ``add`` + ``incr`` instead (atomic on Redis, and under the lock of the in-memory
cache), keyed by the window number, and answer ``429`` with ``Retry-After`` = the seconds
left in the window.

The login counters are shared by the API login (/auth/jwt/create/) and the admin login
(/courses-admin/login/): an attacker gets one budget, not one per door.

When the shared cache (Redis, with ``REDIS_URL``) is down, the counters move to this
process's memory until it is back, and each such request logs an error: logging in keeps
working (SPEC §7 and §10: an outage of Redis is no reason for a ``500``) and is still
limited — per server process instead of for the whole site (issue #12, point 7).
"""

from __future__ import annotations

import hashlib
import logging
import math

from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from core.startup import one_line
from users.serializers.auth import normalize_phone

logger = logging.getLogger(__name__)

# Where the counters go while the shared cache fails (bounded like any local cache).
_fallback_cache = LocMemCache("redwan-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


def phone_throttle_ident(value) -> str | None:
    """The bucket of a login phone as the client sent it, whatever its JSON type.

    ``"+201012345678"``, ``"01012345678"``, ``1012345678`` and ``201012345678`` are one
    number and share one bucket. Anything that is not a string or a number (a list, an
    object, a boolean) has no phone bucket; the per-IP throttle still counts it and the
    login answers 400 without checking a password.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    if not text:
        return None
    normalised = normalize_phone(text)
    if normalised.startswith("+") and normalised[1:].isdigit() and len(normalised) <= 16:
        return normalised
    # Not a phone number: still one bucket per value, of bounded size in the cache key.
    return "raw-" + hashlib.sha256(normalised.encode("utf-8", "replace")).hexdigest()[:32]


def _answers(view, method: str) -> bool:
    """Whether the view handles ``method`` itself (not a ``405``, not OPTIONS metadata).

    DRF checks throttles before it looks for the method's handler, so a stray GET on
    /auth/phone/send-code/ used up the one code a minute before the real POST came.
    """
    if view is None:  # the admin's login form counts against the same buckets
        return True
    name = (method or "").lower()
    return name != "options" and name in view.http_method_names and hasattr(view, name)


class AtomicRateThrottle(SimpleRateThrottle):
    """A fixed-window counter that holds under concurrency (see the module docstring)."""

    def allow_request(self, request, view):
        if self.rate is None or not _answers(view, request.method):
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        try:
            count = self._count(self.cache, key)
        except Exception as exc:  # the cache is an outside service (Redis): see the docstring
            # The key names a phone number or an IP: the log says which throttle, not who.
            logger.error(
                "throttle %s: the shared cache failed (%s: %s); counting in this process",
                self.scope,
                type(exc).__name__,
                one_line(exc),
            )
            count = self._count(_fallback_cache, key)
        return count <= self.num_requests

    def _count(self, cache, key: str) -> int:
        """Add one to ``key``'s counter in ``cache`` and return the new count."""
        # One second more than the window so the key never expires between add and incr.
        cache.add(key, 0, timeout=self.duration + 1)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr: start the window again
            cache.add(key, 1, timeout=self.duration + 1)
            return 1

    def wait(self):
        return max(1, math.ceil(self.window_end - self.now))


class IPRateThrottle(AtomicRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserAtomicRateThrottle(AtomicRateThrottle):
    """Per authenticated user; per IP for anonymous callers (like DRF's UserRateThrottle)."""

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginIPThrottle(IPRateThrottle):
    scope = "login_ip"


class LoginPhoneThrottle(AtomicRateThrottle):
    """Per target phone number, so spreading a brute force over many IPs does not help."""

    scope = "login_phone"
    phone_field = "phone_number1"

    def phone_value(self, request):
        data = request.data
        return data.get(self.phone_field) if hasattr(data, "get") else None

    def get_cache_key(self, request, view):
        ident = phone_throttle_ident(self.phone_value(request))
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AdminLoginPhoneThrottle(LoginPhoneThrottle):
    """The same per-phone bucket for the admin's login form (a plain Django request)."""

    phone_field = "username"

    def phone_value(self, request):
        return request.POST.get(self.phone_field)


class RegisterThrottle(IPRateThrottle):
    scope = "register"


class PhoneCodeThrottle(UserAtomicRateThrottle):
    scope = "phone_code"


class PhoneVerifyThrottle(UserAtomicRateThrottle):
    scope = "phone_verify"


class PasswordChangeThrottle(UserAtomicRateThrottle):
    """Guesses of the current password through /auth/users/set_password/."""

    scope = "password_change"


class ParentLinkThrottle(UserAtomicRateThrottle):
    """Guesses of child codes through POST /api/parent-links/."""

    scope = "parent_link"


class PasswordResetIPThrottle(IPRateThrottle):
    """Reset codes asked for from one client address, whatever the number."""

    scope = "password_reset_ip"


class PasswordResetPhoneThrottle(LoginPhoneThrottle):
    """Reset codes asked for one number, from any address; a number without an account
    counts the same, so a 429 says nothing about the account."""

    scope = "password_reset_phone"


class PasswordResetConfirmIPThrottle(IPRateThrottle):
    """Guesses of reset codes from one client address."""

    scope = "password_reset_confirm_ip"


class PasswordResetConfirmPhoneThrottle(LoginPhoneThrottle):
    """Guesses of one number's reset code, from any address."""

    scope = "password_reset_confirm_phone"
