"""Load the demo data used by the quick-start command. Safe to run again."""

import logging

from django.core.management.base import BaseCommand

from users import demo

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Create idempotent demo data (people, a season, courses, lectures)."

    def handle(self, *args, **options):
        people = demo.seed_people()
        try:
            from courses.demo import seed_courses
        except ImportError:  # the courses app has no demo module yet
            seed_courses = None
        if seed_courses is not None:
            seed_courses(instructor=people["instructor"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Demo logins (password {demo.DEMO_PASSWORD}): admin {demo.ADMIN_PHONE}, "
            f"instructor {demo.INSTRUCTOR_PHONE}, supervisor {demo.SUPERVISOR_PHONE}, "
            f"parent {demo.PARENT_PHONE}, student {demo.STUDENT_PHONE}"
        )
