"""/auth/ endpoints: Djoser's user views with our rules, JWT, and phone verification."""

from __future__ import annotations

from djoser.permissions import CurrentUserOrAdmin
from djoser.views import UserViewSet as DjoserUserViewSet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView

from core.permissions import DeclaredPermissionsMixin, IsAdmin
from users import verification
from users.models import CustomUser
from users.throttles import (
    LoginIPThrottle,
    LoginPhoneThrottle,
    PasswordChangeThrottle,
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


@extend_schema(
    request=None,
    responses={
        202: inline_serializer(
            "CodeSent",
            {"detail": serializers.CharField(), "expires_in": serializers.IntegerField()},
        )
    },
)
class PhoneSendCodeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PhoneCodeThrottle]

    def post(self, request):
        record = verification.phone_code_send(user=request.user)
        seconds = int((record.expires_at - record.created_at).total_seconds())
        return Response({"detail": "sent", "expires_in": seconds}, status=status.HTTP_202_ACCEPTED)


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
