from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from attendance.absence_alerts import KIND, absence_text
        from attendance.rating_services import RatingAverages
        from notifications.texts import register_text
        from users.instructor_ratings import register_instructor_ratings

        register_instructor_ratings(RatingAverages())
        register_text(KIND, absence_text)
