from django.apps import AppConfig


class EnrollmentsPaymentsConfig(AppConfig):
    name = "enrollments_payments"
