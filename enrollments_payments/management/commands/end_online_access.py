"""`python manage.py end_online_access [--date YYYY-MM-DD]`: the nightly job by hand."""

from core.management.job_command import JobCommand
from enrollments_payments import cron


class Command(JobCommand):
    help = (
        "Complete the active online-course enrollments whose access has ended; logged like "
        "every job."
    )
    job = staticmethod(cron.end_online_access_nightly)
    date_help = "judge access as of the end of this day (YYYY-MM-DD, Cairo); default: now"
