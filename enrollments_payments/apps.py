from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentsPaymentsConfig(AppConfig):
    name = "enrollments_payments"
    verbose_name = _("Enrollments and payments")

    def ready(self) -> None:
        # The lower apps (users, courses, attendance) ask "who takes part in which course"
        # through users.participation; this app answers (see its module docstring).
        from enrollments_payments.participation import EnrollmentParticipation
        from users.participation import register_participation

        register_participation(EnrollmentParticipation())
