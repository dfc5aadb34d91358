"""Throttles for login and verification codes (DRF, cache-backed: Redis when configured)."""

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from users.serializers.auth import normalize_phone


class LoginIPThrottle(SimpleRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginPhoneThrottle(SimpleRateThrottle):
    """Per target phone number, so spreading a brute force over many IPs does not help."""

    scope = "login_phone"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        phone = data.get("phone_number1")
        if not phone or not isinstance(phone, str):
            return None
        return self.cache_format % {"scope": self.scope, "ident": normalize_phone(phone)}


class RegisterThrottle(SimpleRateThrottle):
    scope = "register"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PhoneCodeThrottle(UserRateThrottle):
    scope = "phone_code"


class PhoneVerifyThrottle(UserRateThrottle):
    scope = "phone_verify"
