"""`python manage.py complete_enrollments [--date YYYY-MM-DD]`: the nightly job by hand."""

from core.management.job_command import JobCommand
from enrollments_payments import cron


class Command(JobCommand):
    help = "Complete the active enrollments of courses that have ended; logged like every job."
    job = staticmethod(cron.complete_enrollments_nightly)
    date_help = "the day to judge from (YYYY-MM-DD, Cairo); default: today"
