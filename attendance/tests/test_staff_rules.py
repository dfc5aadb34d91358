"""attendance.rules with plain values: the late edge, the two-minute window, clock skew."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.test import SimpleTestCase

from attendance import rules
from courses.rules import local_datetime

DAY, START = date(2026, 11, 7), time(8, 0)


class LateRuleTests(SimpleTestCase):
    def test_on_time_up_to_and_including_start_plus_grace(self):
        edge = local_datetime(DAY, START) + timedelta(minutes=10)
        for at in (local_datetime(DAY, START) - timedelta(minutes=30), edge):
            self.assertEqual(
                rules.check_in_status(day=DAY, start=START, at=at, grace_minutes=10), "present"
            )

    def test_late_one_second_after_the_grace(self):
        at = local_datetime(DAY, START) + timedelta(minutes=10, seconds=1)
        self.assertEqual(
            rules.check_in_status(day=DAY, start=START, at=at, grace_minutes=10), "late"
        )

    def test_the_grace_is_a_setting_not_a_constant(self):
        at = local_datetime(DAY, START) + timedelta(minutes=3)
        self.assertEqual(
            rules.check_in_status(day=DAY, start=START, at=at, grace_minutes=2), "late"
        )

    def test_threshold_is_cairo_wall_clock(self):
        # 08:10 Cairo in November (UTC+2) is 06:10 UTC.
        self.assertEqual(
            rules.late_threshold(DAY, START, grace_minutes=10),
            datetime(2026, 11, 7, 6, 10, tzinfo=UTC),
        )


class RepeatRuleTests(SimpleTestCase):
    base = datetime(2026, 11, 7, 6, 0, tzinfo=UTC)

    def test_within_two_minutes_is_a_repeat(self):
        self.assertTrue(rules.is_repeat(previous=self.base, at=self.base))
        self.assertTrue(rules.is_repeat(previous=self.base, at=self.base + timedelta(seconds=119)))

    def test_two_minutes_or_more_counts(self):
        self.assertFalse(rules.is_repeat(previous=self.base, at=self.base + timedelta(minutes=2)))
        self.assertFalse(rules.is_repeat(previous=None, at=self.base))

    def test_an_earlier_time_than_the_last_scan_is_not_a_repeat(self):
        self.assertFalse(rules.is_repeat(previous=self.base, at=self.base - timedelta(seconds=5)))


class ClockSkewTests(SimpleTestCase):
    now = datetime(2026, 11, 7, 6, 0, tzinfo=UTC)

    def test_missing_time_is_now(self):
        self.assertEqual(rules.scan_time(sent=None, now=self.now), (self.now, False))

    def test_a_few_minutes_off_is_trusted(self):
        sent = self.now - timedelta(minutes=5)
        self.assertEqual(rules.scan_time(sent=sent, now=self.now), (sent, False))

    def test_further_off_is_clamped_to_now(self):
        for sent in (self.now - timedelta(minutes=6), self.now + timedelta(hours=3)):
            self.assertEqual(rules.scan_time(sent=sent, now=self.now), (self.now, True))

    def test_week_days_and_rating_range(self):
        self.assertEqual(len(rules.week_days(DAY)), 7)
        self.assertEqual(rules.week_days(DAY)[-1], date(2026, 11, 13))
        self.assertTrue(rules.rating_valid(1) and rules.rating_valid(10))
        self.assertFalse(rules.rating_valid(0) or rules.rating_valid(11))


class SessionDayTests(SimpleTestCase):
    def test_the_day_is_cairos_from_midnight_to_midnight(self):
        # Cairo is UTC+2 in November: 22:00 UTC on the 6th is midnight of the 7th.
        self.assertTrue(rules.on_session_day(day=DAY, at=datetime(2026, 11, 6, 22, tzinfo=UTC)))
        self.assertTrue(rules.on_session_day(day=DAY, at=local_datetime(DAY, time(23, 59))))
        self.assertFalse(
            rules.on_session_day(day=DAY, at=datetime(2026, 11, 6, 21, 59, tzinfo=UTC))
        )
        self.assertFalse(rules.on_session_day(day=DAY, at=local_datetime(date(2026, 11, 8), START)))

    def test_a_time_centuries_away_is_not_on_the_day(self):
        self.assertFalse(rules.on_session_day(day=DAY, at=datetime(1723, 2, 21, tzinfo=UTC)))
        self.assertFalse(rules.on_session_day(day=DAY, at=datetime.max.replace(tzinfo=UTC)))
