"""Serializers behind /auth/: registration, the current user, and phone-number login."""

from __future__ import annotations

import phonenumbers
from django.contrib.auth import password_validation
from django.core import exceptions as django_exceptions
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from users import services
from users.models import CustomUser, Gender, Role

USER_FIELDS = (
    "id",
    "phone_number1",
    "phone_number2",
    "email",
    "first_name",
    "last_name",
    "dob",
    "gender",
    "identity_number",
    "role",
    "is_verified",
    "is_phone_verified",
)


def normalize_phone(value: str) -> str:
    """E.164 for anything that parses as a phone number (default region EG), else as given."""
    try:
        number = phonenumbers.parse(str(value).strip(), "EG")
    except phonenumbers.NumberParseException:
        return str(value)
    if not phonenumbers.is_possible_number(number):
        return str(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class UserFieldsMixin(serializers.Serializer):
    """Validation shared by registration, profile edits and instructor creation."""

    phone_number1 = PhoneNumberField(region="EG")
    phone_number2 = PhoneNumberField(region="EG", required=False, allow_null=True, allow_blank=True)
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
    identity_number = serializers.RegexField(
        r"^\d{14}$",
        required=False,
        allow_null=True,
        allow_blank=True,
        error_messages={"invalid": _("The national ID is 14 digits.")},
    )
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)

    def _current_pk(self):
        return getattr(self.instance, "pk", None)

    def _unique(self, field: str, value):
        if value in (None, ""):
            return None
        clash = CustomUser.objects.filter(**{field: value}).exclude(pk=self._current_pk())
        if clash.exists():
            raise serializers.ValidationError(
                _("A user with this value already exists."), code="unique"
            )
        return value

    def validate_phone_number1(self, value):
        return self._unique("phone_number1", value)

    def validate_email(self, value):
        if not value:
            return None
        value = CustomUser.objects.normalize_email(value)
        if CustomUser.objects.filter(email__iexact=value).exclude(pk=self._current_pk()).exists():
            raise serializers.ValidationError(
                _("A user with this email already exists."), code="unique"
            )
        return value

    def validate_identity_number(self, value):
        return self._unique("identity_number", value or None)

    def validate_phone_number2(self, value):
        return value or None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        phone1 = attrs.get("phone_number1", getattr(self.instance, "phone_number1", None))
        phone2 = attrs.get("phone_number2", getattr(self.instance, "phone_number2", None))
        if phone1 and phone2 and str(phone1) == str(phone2):
            raise serializers.ValidationError(
                {"phone_number2": [_("The second phone number must differ from the first.")]}
            )
        return attrs


class UserRegistrationSerializer(UserFieldsMixin, serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    re_password = serializers.CharField(write_only=True, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=[Role.PARENT, Role.STUDENT], default=Role.PARENT)

    class Meta:
        model = CustomUser
        fields = (*USER_FIELDS, "password", "re_password")
        read_only_fields = ("id", "is_verified", "is_phone_verified")
        extra_kwargs = {"first_name": {"required": True}, "last_name": {"required": True}}

    def to_internal_value(self, data):
        # Answer a request for a staff role with a clear code rather than "not a choice".
        role = data.get("role") if hasattr(data, "get") else None
        if role in (Role.ADMIN, Role.INSTRUCTOR):
            raise serializers.ValidationError(
                {"role": [_("Only parents and students can register.")], "code": "role_not_allowed"}
            )
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["password"] != attrs.pop("re_password"):
            raise serializers.ValidationError(
                {"re_password": [_("The two password fields didn't match.")]}
            )
        probe = CustomUser(**{k: v for k, v in attrs.items() if k != "password"})
        try:
            password_validation.validate_password(attrs["password"], probe)
        except django_exceptions.ValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs

    def create(self, validated_data):
        # Domain and model validation errors reach the API's exception handler as 400s.
        return services.user_register(**validated_data)


class UserSerializer(UserFieldsMixin, serializers.ModelSerializer):
    """The current user (/auth/users/me/). Phone number, role and flags are read-only."""

    phone_number1 = PhoneNumberField(read_only=True)
    code = serializers.SerializerMethodField()

    class Meta:
        model = CustomUser
        fields = (*USER_FIELDS, "code", "date_joined")
        read_only_fields = ("id", "role", "is_verified", "is_phone_verified", "date_joined")

    def get_code(self, user) -> str | None:
        profile = getattr(user, "student_profile", None) if user.role == Role.STUDENT else None
        return profile.code if profile else None

    def update(self, instance, validated_data):
        return services.user_update(user=instance, **validated_data)


class PhoneTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Login with ``phone_number1`` in E.164 or the local Egyptian form (010…)."""

    default_error_messages = {
        "no_active_account": _("No active account found with the given credentials"),
    }

    def validate(self, attrs):
        attrs[self.username_field] = normalize_phone(attrs.get(self.username_field, ""))
        return super().validate(attrs)


class SafeTokenRefreshSerializer(TokenRefreshSerializer):
    """Refresh that also honours a password change, and never fails with a 500.

    simplejwt checks the password-hash claim (CHECK_REVOKE_TOKEN) only when a request is
    authenticated, so an old refresh token would still mint new (useless) tokens after a
    password change; and it looks the user up with ``.get()``, which raises for a user who
    no longer exists.
    """

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])  # TokenError → 401 in the view
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = CustomUser.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
        if user is None:
            raise InvalidToken()
        if jwt_settings.CHECK_REVOKE_TOKEN and refresh.payload.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        return super().validate(attrs)
