"""Load the demo data used by the quick-start command. Safe to run again.

It lives in ``courses`` (above ``users`` in the app graph) so that it may use both apps'
demo modules without ``users`` ever importing ``courses``.
"""

from django.core.management.base import BaseCommand

from courses.demo import seed_courses
from users import demo


class Command(BaseCommand):
    help = "Create idempotent demo data (people, a season, courses, lectures)."

    def handle(self, *args, **options):
        people = demo.seed_people()
        seed_courses(instructor=people["instructor"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Demo logins (password {demo.DEMO_PASSWORD}): admin {demo.ADMIN_PHONE}, "
            f"instructor {demo.INSTRUCTOR_PHONE}, supervisor {demo.SUPERVISOR_PHONE}, "
            f"parent {demo.PARENT_PHONE}, student {demo.STUDENT_PHONE}"
        )
