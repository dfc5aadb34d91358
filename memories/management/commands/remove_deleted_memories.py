"""`python manage.py remove_deleted_memories [--date YYYY-MM-DD]`: the nightly job by hand."""

from core.management.job_command import JobCommand
from memories import cron


class Command(JobCommand):
    help = "Remove memories deleted more than 30 days ago, with their files; logged like every job."
    job = staticmethod(cron.remove_deleted_memories_nightly)
    date_help = "judge as of the end of this day (YYYY-MM-DD, Cairo); default: now"
