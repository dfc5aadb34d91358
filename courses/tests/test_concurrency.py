"""Races that only PostgreSQL can show (SQLite serialises whole transactions)."""

import datetime

from django.test import TransactionTestCase

from core.errors import Invalid
from courses import services
from courses.models import Course, CourseSchedule
from courses.tests.factories import CourseFactory
from testkit.db import requires_postgres, run_concurrently


@requires_postgres
class ScheduleRaceTests(TransactionTestCase):
    def test_two_overlapping_slots_added_at_once_keep_only_one(self):
        course = CourseFactory()

        def add(start_hour):
            return lambda: services.schedule_slot_create(
                course=Course.objects.get(pk=course.pk),
                weekday=2,
                start_time=datetime.time(start_hour, 0),
                end_time=datetime.time(start_hour + 2, 0),
            )

        results = run_concurrently(add(10), add(11))

        created = [r for r in results if isinstance(r, CourseSchedule)]
        refused = [r for r in results if isinstance(r, Invalid)]
        self.assertEqual((len(created), len(refused)), (1, 1), results)
        self.assertEqual(refused[0].code, "schedule_overlap")
        self.assertEqual(CourseSchedule.objects.filter(course=course).count(), 1)
