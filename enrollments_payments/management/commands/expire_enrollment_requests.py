"""`python manage.py expire_enrollment_requests [--date YYYY-MM-DD]`: the nightly job by hand."""

from core.management.job_command import JobCommand
from enrollments_payments import cron


class Command(JobCommand):
    help = "Expire the pending enrollment requests past their expiry; logged like every job."
    job = staticmethod(cron.expire_enrollment_requests_nightly)
    date_help = "judge expiry as of the end of this day (YYYY-MM-DD, Cairo); default: now"
