from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnlineCoursesConfig(AppConfig):
    name = "online_courses"
    verbose_name = _("Online courses")
