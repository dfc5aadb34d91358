"""`python manage.py mark_absent_daily [--date YYYY-MM-DD]`: the scheduled job, by hand."""

from attendance import cron
from core.management.job_command import JobCommand


class Command(JobCommand):
    help = "Run the mark_absent_daily job once and log it (exit status 1 when it failed)."
    job = staticmethod(cron.mark_absent_daily)
    date_help = "the day to mark (YYYY-MM-DD, Cairo); default: today"
