"""The admin site's login (/courses-admin/login/), throttled like the API login.

It shares the API login's counters (per client IP and per phone number), so the admin
form is not a second door for guessing passwords. Once a counter is over its limit the
form refuses before it looks at the password: a right and a wrong password get the same
429 page with the same message, and nothing tells a guesser which one was right.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from users.throttles import AdminLoginPhoneThrottle, LoginIPThrottle


def admin_login_wait(request) -> int | None:
    """Count this login attempt; the seconds to wait when it is over a limit, else None."""
    waits = []
    for throttle in (LoginIPThrottle(), AdminLoginPhoneThrottle()):
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait())
    return max(waits) if waits else None


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many login attempts. Please try again later."),
    }

    def clean(self):
        wait = admin_login_wait(self.request)
        if wait is not None:
            self.request.login_throttle_wait = wait
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        return super().clean()


def admin_login(request, extra_context=None):
    """admin.site.login with the throttled form, answering 429 + Retry-After when locked."""
    response = admin.site.login(request, extra_context)
    wait = getattr(request, "login_throttle_wait", None)
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response
