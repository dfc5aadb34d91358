"""/auth/ — mounted by the root URLconf."""

from django.urls import path
from rest_framework_simplejwt.views import TokenBlacklistView, TokenRefreshView, TokenVerifyView

from users.views_auth import (
    LoginView,
    PasswordResetConfirmView,
    PasswordResetView,
    PhoneSendCodeView,
    PhoneVerifyView,
    UserViewSet,
)
from users.views_photos import MyPhotoView

# Only the Djoser actions the product offers: no e-mail flows, no self-deletion (profiles
# are protected history; staff deactivate accounts instead).
user_list = UserViewSet.as_view({"get": "list", "post": "create"})
user_me = UserViewSet.as_view({"get": "me", "patch": "me"})
user_detail = UserViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
set_password = UserViewSet.as_view({"post": "set_password"})

urlpatterns = [
    path("users/", user_list, name="user-list"),
    path("users/me/", user_me, name="user-me"),
    path("users/me/photo/", MyPhotoView.as_view(), name="user-me-photo"),
    path("users/set_password/", set_password, name="user-set-password"),
    path("users/<int:id>/", user_detail, name="user-detail"),
    path("jwt/create/", LoginView.as_view(), name="jwt-create"),
    path("jwt/refresh/", TokenRefreshView.as_view(), name="jwt-refresh"),
    path("jwt/verify/", TokenVerifyView.as_view(), name="jwt-verify"),
    path("jwt/blacklist/", TokenBlacklistView.as_view(), name="jwt-blacklist"),
    path("phone/send-code/", PhoneSendCodeView.as_view(), name="phone-send-code"),
    path("phone/verify/", PhoneVerifyView.as_view(), name="phone-verify"),
    path("password/reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/confirm/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
