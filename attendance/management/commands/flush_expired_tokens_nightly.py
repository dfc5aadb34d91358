"""`python manage.py flush_expired_tokens_nightly [--date YYYY-MM-DD]`: the scheduled job, by hand."""

from attendance import cron
from core.management.job_command import JobCommand


class Command(JobCommand):
    help = (
        "Run the flush_expired_tokens_nightly job once and log it (exit status 1 when it failed)."
    )
    job = staticmethod(cron.flush_expired_tokens_nightly)
    date_help = "the run's date for the log (YYYY-MM-DD); default: today"
