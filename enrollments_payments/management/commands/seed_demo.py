"""Load the demo data used by the quick-start command. Safe to run again.

The demo's story (enrollments, attendance, alerts, pending requests) is told by
``enrollments_payments.demo``, which calls the other apps' ``demo`` parts; each app keeps
its own part in its ``demo`` module.
"""

from django.core.management.base import BaseCommand

from core.errors import DomainError
from enrollments_payments.demo import seed_demo
from users import demo


class Command(BaseCommand):
    help = (
        "Create idempotent demo data: people, a season, courses and lectures, an online "
        "course, and on the first run the season's story (enrollments, payments, "
        "attendance, alerts, online progress)."
    )

    def handle(self, *args, **options):
        try:
            story = seed_demo()
        except DomainError as exc:
            # The people and courses are in place; only the story (one transaction) was
            # refused, e.g. by data a user changed in an older demo database.
            self.stderr.write(
                self.style.WARNING(f"Demo story not written: {exc.code}: {exc.message}")
            )
        else:
            if story.written:
                self.stdout.write(
                    f"Demo story: {story.enrollments} enrollments "
                    f"({1 if story.online_enrollment else 0} online), {story.roll_calls} roll "
                    f"calls ({story.absences} absent), {story.staff_sessions} instructor "
                    f"sessions, nightly job for {story.nightly_day or '—'}, extra lecture "
                    f"today: {'yes' if story.extra_lecture else 'no'}."
                )
            else:
                self.stdout.write("Demo story already written; left as it is.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Demo logins (password {demo.DEMO_PASSWORD}): admin {demo.ADMIN_PHONE}, "
            f"instructor {demo.INSTRUCTOR_PHONE}, supervisor {demo.SUPERVISOR_PHONE}, "
            f"parent {demo.PARENT_PHONE}, student {demo.STUDENT_PHONE}"
        )
