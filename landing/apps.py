from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LandingConfig(AppConfig):
    name = "landing"
    # The app is the public site's front page; its one model is "الصفحة الرئيسية".
    verbose_name = _("Public website")
