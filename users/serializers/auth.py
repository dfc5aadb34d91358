"""Serializers behind /auth/: registration, the current user, and phone-number login."""

from __future__ import annotations

import phonenumbers
from django.contrib.auth import password_validation
from django.core import exceptions as django_exceptions
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import UntypedToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

from core.schema_refs import RefIdField
from files.serializers import PhotoField
from users import services
from users.models import CustomUser, Gender, PhotoConsent, Role

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


class StudentConsentField(serializers.ChoiceField):
    """An adult student's ``photo_consent`` (§6.9), kept on their student profile: null for
    the other roles, who have none."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", required=False, allow_null=True)
        super().__init__(choices=PhotoConsent.choices, **kwargs)

    def to_representation(self, user):
        profile = _profile(user, Role.STUDENT, "student_profile")
        return profile.photo_consent if profile else None

    def to_internal_value(self, data):
        if data is None:
            self.fail("invalid_choice", input=data)
        return {"photo_consent": super().to_internal_value(data)}


class UserSerializer(UserFieldsMixin, serializers.ModelSerializer):
    """The current user (/auth/users/me/). Phone number, role and flags are read-only."""

    phone_number1 = PhoneNumberField(read_only=True)
    code = serializers.SerializerMethodField()
    instructor_id = serializers.SerializerMethodField()
    parent_id = serializers.SerializerMethodField()
    student_id = serializers.SerializerMethodField()
    # Set and removed at /auth/users/me/photo/ (§6.8).
    photo = PhotoField()
    photo_consent = StudentConsentField(
        help_text="Students: may I be tagged in memories (none, family, center)."
    )

    class Meta:
        model = CustomUser
        fields = (
            *USER_FIELDS,
            "photo",
            "photo_consent",
            "instructor_id",
            "parent_id",
            "student_id",
            "code",
            "date_joined",
            "absence_sms",
            "language",
        )
        read_only_fields = ("id", "role", "is_verified", "is_phone_verified", "date_joined")
        extra_kwargs = {
            "absence_sms": {"help_text": "Text me when my child (or I) miss a lecture."},
            "language": {
                "help_text": "Language of SMS and stored notification texts; also follows "
                "the Accept-Language of the user's requests."
            },
        }

    def get_code(self, user) -> str | None:
        profile = _profile(user, Role.STUDENT, "student_profile")
        return profile.code if profile else None

    # The caller's profile id: the id the rest of the API uses for them (a lecture's
    # ``instructor``, a child's ``primary_parent``, an enrollment's ``student``). Null for
    # the other roles.
    @extend_schema_field(RefIdField(id_of="users.Instructor", allow_null=True, read_only=True))
    def get_instructor_id(self, user) -> int | None:
        return _profile_pk(user, Role.INSTRUCTOR, "instructor_profile")

    @extend_schema_field(RefIdField(id_of="users.Parent", allow_null=True, read_only=True))
    def get_parent_id(self, user) -> int | None:
        return _profile_pk(user, Role.PARENT, "parent_profile")

    @extend_schema_field(RefIdField(id_of="users.StudentUser", allow_null=True, read_only=True))
    def get_student_id(self, user) -> int | None:
        return _profile_pk(user, Role.STUDENT, "student_profile")

    def update(self, instance, validated_data):
        return services.user_update(user=instance, **validated_data)


def _profile(user, role: str, attribute: str):
    """The user's profile of ``role`` (one query unless selected with the user), or None:
    only a user of that role is read for it."""
    return getattr(user, attribute, None) if user.role == role else None


def _profile_pk(user, role: str, attribute: str) -> int | None:
    profile = _profile(user, role, attribute)
    return profile.pk if profile else None


class PhoneTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Login with ``phone_number1`` in E.164 or the local Egyptian form (010…)."""

    default_error_messages = {
        "no_active_account": _("No active account found with the given credentials"),
    }

    def validate(self, attrs):
        attrs[self.username_field] = normalize_phone(attrs.get(self.username_field, ""))
        return super().validate(attrs)


def token_user(token) -> CustomUser:
    """The live user a token was issued to, with the checks JWTAuthentication makes.

    Every endpoint that accepts a token answers the same way: a missing user is
    ``token_not_valid``, an inactive one ``no_active_account`` and a token issued before
    a password change ``password_changed`` (CHECK_REVOKE_TOKEN), all ``401``.
    """
    user_id = token.payload.get(jwt_settings.USER_ID_CLAIM)
    user = None
    if user_id is not None:
        try:
            lookup = {jwt_settings.USER_ID_FIELD: user_id}
            user = CustomUser.objects.filter(**lookup).first()
        except (ValueError, TypeError, django_exceptions.ValidationError):
            user = None
    if user is None:
        raise InvalidToken()
    if not jwt_settings.USER_AUTHENTICATION_RULE(user):
        raise AuthenticationFailed(
            _("No active account found for the given token."), code="no_active_account"
        )
    if jwt_settings.CHECK_REVOKE_TOKEN and token.payload.get(
        jwt_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        raise AuthenticationFailed(
            _("The user's password has been changed."), code="password_changed"
        )
    return user


def blacklist_once(token, *, user: CustomUser | None = None) -> bool:
    """Blacklist a refresh token; True only for the one caller that actually did it.

    simplejwt checks the blacklist, then blacklists with ``get_or_create`` and ignores
    whether the row was new: twenty parallel refreshes of one token all passed the check
    and two or three got a new pair. Here the blacklist row is the claim: its token column
    is unique, so of all the parallel inserts exactly one creates the row (the others wait
    for it to commit, then find it) and only that caller may go on.
    """
    jti = token.payload[jwt_settings.JTI_CLAIM]
    outstanding, _created = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "user": user,
            "created_at": token.current_time,
            "token": str(token),
            "expires_at": datetime_from_epoch(token.payload["exp"]),
        },
    )
    _row, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return created


class SafeTokenRefreshSerializer(TokenRefreshSerializer):
    """Refresh that rotates a token exactly once, honours a password change, never 500s.

    simplejwt checks the password-hash claim (CHECK_REVOKE_TOKEN) only when a request is
    authenticated, so an old refresh token would still mint new (useless) tokens after a
    password change; and it looks the user up with ``.get()``, which raises for a user who
    no longer exists. Rotation claims the old token through :func:`blacklist_once`.
    """

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])  # TokenError → 401 in the view
        user = token_user(refresh)
        with transaction.atomic():
            if not blacklist_once(refresh, user=user):
                raise InvalidToken(_("Token is blacklisted"))
            data = {"access": str(refresh.access_token)}
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            data["refresh"] = str(refresh)
        return data


class SafeTokenVerifySerializer(TokenVerifySerializer):
    """Verify also says ``password_changed`` (401) for a token older than the password."""

    def validate(self, attrs):
        token = UntypedToken(attrs["token"])  # TokenError → 401 in the view
        data = super().validate(attrs)
        token_user(token)
        return data


class SafeTokenBlacklistSerializer(TokenBlacklistSerializer):
    """Logout that loses cleanly to a parallel refresh of the same token.

    Whoever blacklists the token first wins: a refresh that got there first handed out a
    pair before the logout, and the logout answers 401 like any already-blacklisted token;
    a logout that got there first makes the refresh answer 401.
    """

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])  # blacklisted already → 401
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = CustomUser.objects.filter(pk=user_id).first() if str(user_id).isdigit() else None
        if not blacklist_once(refresh, user=user):
            raise InvalidToken(_("Token is blacklisted"))
        return {}
