from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from attendance.absence_alerts import KIND, absence_text
        from notifications.texts import register_text

        register_text(KIND, absence_text)
