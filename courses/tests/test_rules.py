"""Pure date/time policy, tested with plain values (no database)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from courses import rules

CAIRO = ZoneInfo("Africa/Cairo")


class WeekdayTests(SimpleTestCase):
    def test_it_counts_the_centers_week_from_saturday(self):
        # 2026-11-21 is a Saturday.
        names = []
        for offset in range(7):
            day = date(2026, 11, 21) + timedelta(days=offset)
            self.assertEqual(rules.center_weekday(day), offset)
            names.append(day.strftime("%A"))
        self.assertEqual(names[0], "Saturday")
        self.assertEqual(names[6], "Friday")

    def test_it_maps_weekdays_across_a_month_boundary(self):
        # Sat 2026-10-31 → Sun 2026-11-01.
        self.assertEqual(rules.center_weekday(date(2026, 10, 31)), 0)
        self.assertEqual(rules.center_weekday(date(2026, 11, 1)), 1)
        self.assertEqual(rules.center_weekday(date(2027, 1, 1)), 6)  # a Friday

    def test_it_maps_weekdays_across_the_cairo_dst_changes(self):
        # Egypt's clocks go forward on Fri 2026-04-24 and back on Thu 2026-10-29.
        self.assertEqual(rules.center_weekday(date(2026, 4, 24)), 6)
        self.assertEqual(rules.center_weekday(date(2026, 4, 25)), 0)
        self.assertEqual(rules.center_weekday(date(2026, 10, 29)), 5)
        self.assertEqual(rules.center_weekday(date(2026, 10, 31)), 0)


class LocalDatetimeTests(SimpleTestCase):
    def test_it_keeps_the_wall_clock_hour_on_both_sides_of_dst(self):
        before = rules.local_datetime(date(2026, 4, 23), time(17, 0))
        after = rules.local_datetime(date(2026, 4, 25), time(17, 0))
        self.assertEqual((before.hour, after.hour), (17, 17))
        self.assertEqual(before.utcoffset(), timedelta(hours=2))
        self.assertEqual(after.utcoffset(), timedelta(hours=3))
        winter = rules.local_datetime(date(2026, 10, 30), time(17, 0))
        self.assertEqual(winter.utcoffset(), timedelta(hours=2))

    def test_it_moves_a_time_inside_the_spring_gap_forward(self):
        # 00:30 does not exist on 2026-04-24 in Cairo.
        moved = rules.local_datetime(date(2026, 4, 24), time(0, 30))
        self.assertEqual((moved.hour, moved.minute), (1, 30))
        self.assertEqual(moved.utcoffset(), timedelta(hours=3))


class StartedTests(SimpleTestCase):
    def test_a_lecture_counts_as_started_five_minutes_after_its_start(self):
        day, start = date(2026, 11, 22), time(18, 0)
        at = datetime(2026, 11, 22, 18, 4, 59, tzinfo=CAIRO)
        self.assertFalse(rules.has_started(day, start, now=at))
        self.assertTrue(rules.has_started(day, start, now=at + timedelta(seconds=1)))

    def test_it_compares_against_utc_clocks(self):
        day, start = date(2026, 11, 22), time(18, 0)
        utc = ZoneInfo("UTC")
        self.assertTrue(
            rules.has_started(day, start, now=datetime(2026, 11, 22, 16, 5, tzinfo=utc))
        )
        self.assertFalse(
            rules.has_started(day, start, now=datetime(2026, 11, 22, 16, 4, tzinfo=utc))
        )


class PlannedSessionsTests(SimpleTestCase):
    SAT = (0, time(17, 0), time(18, 0))
    TUE = (3, time(10, 0), time(11, 0))

    def test_it_plans_every_slot_between_the_dates_in_date_order(self):
        sessions = list(
            rules.planned_sessions(
                slots=[self.TUE, self.SAT],
                start_date=date(2026, 10, 27),  # a Tuesday
                end_date=date(2026, 11, 7),  # a Saturday
            )
        )
        self.assertEqual(
            [s.date for s in sessions],
            [date(2026, 10, 27), date(2026, 10, 31), date(2026, 11, 3), date(2026, 11, 7)],
        )
        self.assertEqual(sessions[1].start_time, time(17, 0))

    def test_it_stops_at_the_limit_without_an_end_date(self):
        sessions = list(
            rules.planned_sessions(
                slots=[self.SAT], start_date=date(2026, 4, 1), end_date=None, limit=6
            )
        )
        self.assertEqual(len(sessions), 6)
        self.assertTrue(all(rules.center_weekday(s.date) == 0 for s in sessions))
        self.assertIn(date(2026, 4, 25), [s.date for s in sessions])  # right after DST

    def test_it_plans_nothing_without_slots(self):
        self.assertEqual(
            list(rules.planned_sessions(slots=[], start_date=date(2026, 1, 1), end_date=None)), []
        )

    def test_two_slots_on_one_day_come_in_time_order(self):
        late = (0, time(19, 0), time(20, 0))
        sessions = list(
            rules.planned_sessions(
                slots=[late, self.SAT], start_date=date(2026, 11, 21), end_date=date(2026, 11, 21)
            )
        )
        self.assertEqual([s.start_time for s in sessions], [time(17, 0), time(19, 0)])


class OverlapAndMarksTests(SimpleTestCase):
    def test_slots_overlap_only_on_the_same_day_with_intersecting_times(self):
        a = (1, time(10, 0), time(11, 0))
        self.assertTrue(rules.slots_overlap(a, (1, time(10, 30), time(12, 0))))
        self.assertFalse(rules.slots_overlap(a, (1, time(11, 0), time(12, 0))))  # touching
        self.assertFalse(rules.slots_overlap(a, (2, time(10, 0), time(11, 0))))

    def test_percentage_and_pass_follow_the_exams_own_marks(self):
        self.assertEqual(rules.exam_percentage(Decimal("17"), Decimal("20")), Decimal("85.00"))
        self.assertEqual(rules.exam_percentage(Decimal("1"), Decimal("3")), Decimal("33.33"))
        self.assertTrue(rules.exam_passed(Decimal("12"), Decimal("12")))
        self.assertFalse(rules.exam_passed(Decimal("11.99"), Decimal("12")))
