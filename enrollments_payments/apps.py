from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentsPaymentsConfig(AppConfig):
    name = "enrollments_payments"
    verbose_name = _("Enrollments and payments")
