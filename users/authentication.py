"""The API's JWT authentication, which also remembers the caller's language.

Texts sent without a request — an absence alert's SMS, the stored text of a notification —
are written in the recipient's ``language``: the one they last asked for. A request that
carries ``Accept-Language`` says it (``LocaleMiddleware`` has already resolved it to one of
``settings.LANGUAGES``); the column is written only when it changes, with a conditional
``UPDATE``, so a steady client costs nothing. A request without the header changes
nothing.
"""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from users.models import CustomUser, Language


class LanguageAwareJWTAuthentication(JWTAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and request.META.get("HTTP_ACCEPT_LANGUAGE"):
            remember_language(result[0], getattr(request, "LANGUAGE_CODE", None))
        return result


def remember_language(user: CustomUser, language: str | None) -> bool:
    """Store ``language`` as the user's when it is one we serve and differs; True if it
    changed."""
    try:
        language = translation.get_supported_language_variant(language or "")
    except LookupError:
        return False
    if language not in Language.values or user.language == language:
        return False
    CustomUser.objects.filter(pk=user.pk).exclude(language=language).update(language=language)
    user.language = language
    return True


class LanguageAwareJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's class (drf-spectacular
    matches extensions by exact class, not subclasses).

    OpenAPI 3 names one prefix per scheme; the others of ``AUTH_HEADER_TYPES`` (``JWT``,
    which the center's existing frontend sends) are said in its description.
    """

    target_class = "users.authentication.LanguageAwareJWTAuthentication"

    def get_security_definition(self, auto_schema):
        from rest_framework_simplejwt.settings import api_settings

        first, *others = api_settings.AUTH_HEADER_TYPES
        also = ", ".join(f"`Authorization: {prefix} <access>`" for prefix in others)
        return {
            "type": "http",
            "scheme": first.lower(),
            "bearerFormat": "JWT",
            "description": (
                f"The access token from `POST /auth/jwt/create/`: `Authorization: {first} "
                f"<access>`" + (f"; {also} is accepted too." if also else ".")
            ),
        }
