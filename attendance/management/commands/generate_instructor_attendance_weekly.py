"""`python manage.py generate_instructor_attendance_weekly [--date YYYY-MM-DD]`: the scheduled job, by hand."""

from attendance import cron
from core.management.job_command import JobCommand


class Command(JobCommand):
    help = "Run the generate_instructor_attendance_weekly job once and log it (exit status 1 when it failed)."
    job = staticmethod(cron.generate_instructor_attendance_weekly)
    date_help = "the first of the seven days to plan (YYYY-MM-DD, Cairo); default: today"
