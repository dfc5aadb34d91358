"""/auth/ endpoints: Djoser's user views with our rules, JWT, phone verification and the
forgotten-password reset."""

from __future__ import annotations

from django.db import transaction
from djoser.permissions import CurrentUserOrAdmin
from djoser.views import UserViewSet as DjoserUserViewSet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView

from core.permissions import DeclaredPermissionsMixin, IsAdmin
from users import password_reset, verification
from users.models import CustomUser
from users.sessions import user_sockets_close
from users.throttles import (
    LoginIPThrottle,
    LoginPhoneThrottle,
    PasswordChangeThrottle,
    PasswordResetConfirmIPThrottle,
    PasswordResetConfirmPhoneThrottle,
    PasswordResetIPThrottle,
    PasswordResetPhoneThrottle,
    PhoneCodeThrottle,
    PhoneVerifyThrottle,
    RegisterThrottle,
)


class UserViewSet(DeclaredPermissionsMixin, DjoserUserViewSet):
    """Registration, the current user and password change.

    Non-admins never see other users: Djoser's HIDE_USERS scopes the queryset to the caller
    and listing is admins-only. The map below replaces Djoser's own (its get_permissions and
    settings.DJOSER["PERMISSIONS"]): only the actions users/urls_auth.py routes are open.
    """

    permission_map = {
        "create": [AllowAny],
        "list": [IsAdmin],
        "me": [CurrentUserOrAdmin],
        "retrieve": [CurrentUserOrAdmin],
        "partial_update": [CurrentUserOrAdmin],
        "set_password": [CurrentUserOrAdmin],
    }

    # The admins' user list (SPEC §4: filters named after fields, ?search= on names).
    filterset_fields = ["role", "is_verified", "is_phone_verified", "is_active"]
    search_fields = ["first_name", "last_name", "phone_number1", "email"]

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.select_related(
            "student_profile", "parent_profile", "instructor_profile"
        ).order_by("id")

    def get_throttles(self):
        if self.action == "create":
            return [RegisterThrottle()]
        if self.action == "set_password":
            return [PasswordChangeThrottle()]
        return super().get_throttles()

    def set_password(self, request, *args, **kwargs):
        """Djoser's password change, which also closes the account's sockets
        (``users.sessions``); its tokens end by the password digest they carry."""
        with transaction.atomic():
            response = super().set_password(request, *args, **kwargs)
            user_sockets_close(user=request.user)
        return response


class LoginView(TokenObtainPairView):
    throttle_classes = [LoginIPThrottle, LoginPhoneThrottle]

    @extend_schema(
        responses={
            200: inline_serializer(
                "TokenPair",
                {"access": serializers.CharField(), "refresh": serializers.CharField()},
            )
        }
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=6, min_length=6)


class CodeSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")


def _code_sent(record) -> Response:
    seconds = int((record.expires_at - record.created_at).total_seconds())
    return Response({"detail": "sent", "expires_in": seconds}, status=status.HTTP_202_ACCEPTED)


@extend_schema(request=None, responses={202: CodeSentSerializer})
class PhoneSendCodeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PhoneCodeThrottle]

    def post(self, request):
        return _code_sent(verification.phone_code_send(user=request.user))


@extend_schema(
    request=CodeSerializer,
    responses={
        200: inline_serializer("PhoneVerified", {"is_phone_verified": serializers.BooleanField()})
    },
)
class PhoneVerifyView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PhoneVerifyThrottle]

    def post(self, request):
        # The request field is itself called "code", so a DRF field error would answer
        # {"code": ["…"]} and hide the error code: the service judges every shape instead
        # and answers {"code": "code_invalid", …} for anything that is not six digits.
        data = request.data if isinstance(request.data, dict) else {}
        code = data.get("code")
        user = CustomUser.objects.get(pk=request.user.pk)
        verification.phone_code_verify(user=user, code=code if isinstance(code, str) else "")
        return Response({"is_phone_verified": True})


def _body(request) -> dict:
    # Like PhoneVerifyView: the body has a field called "code", so the service judges
    # every shape itself and the error keeps its top-level "code".
    return request.data if isinstance(request.data, dict) else {}


class PasswordResetSerializer(serializers.Serializer):
    phone_number1 = serializers.CharField(
        max_length=password_reset.MAX_PHONE_INPUT,
        help_text="E.164 (+201012345678) or the local form (01012345678).",
    )


class PasswordResetConfirmSerializer(PasswordResetSerializer):
    code = serializers.CharField(max_length=6, min_length=6)
    new_password = serializers.CharField(write_only=True)
    re_new_password = serializers.CharField(write_only=True)


@extend_schema(
    request=PasswordResetSerializer,
    responses={202: CodeSentSerializer},
    description=(
        "Texts a six-digit reset code to the number when it has an account. The answer is "
        "the same whether or not it has one."
    ),
)
class PasswordResetView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetIPThrottle, PasswordResetPhoneThrottle]

    def post(self, request):
        phone = _body(request).get("phone_number1")
        return _code_sent(password_reset.password_reset_request(phone_number=phone))


@extend_schema(
    request=PasswordResetConfirmSerializer,
    responses={204: None},
    description=(
        "Sets a new password with the texted code; every session of the account ends. A "
        "number without an account answers as a wrong code does."
    ),
)
class PasswordResetConfirmView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetConfirmIPThrottle, PasswordResetConfirmPhoneThrottle]

    def post(self, request):
        body = _body(request)
        password_reset.password_reset_confirm(
            phone_number=body.get("phone_number1"),
            code=body.get("code"),
            new_password=body.get("new_password"),
            re_new_password=body.get("re_new_password"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
