"""The plan of lecture generation (``courses.generation.lectures_plan``), with plain values:
no database, no models — what to create, re-time, remove and renumber."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from core.errors import Invalid
from courses.generation import ExistingLecture, Retimed, Slot, lectures_plan
from courses.models import MAX_NUM_LECTURES, LectureStatus

CAIRO = ZoneInfo("Africa/Cairo")
BEFORE = datetime(2026, 10, 20, 12, 0, tzinfo=CAIRO)
MID_NOVEMBER = datetime(2026, 11, 12, 12, 0, tzinfo=CAIRO)  # a Thursday
# November 2026: Saturdays 7, 14, 21, 28; Tuesdays 3, 10, 17, 24.
SATURDAY = Slot(id=1, weekday=0, start_time=time(17), end_time=time(18, 30))
TUESDAY = Slot(id=2, weekday=3, start_time=time(10), end_time=time(11))
SATURDAYS = [date(2026, 11, day) for day in (7, 14, 21, 28)]


def plan(
    lectures=(), slots=(SATURDAY,), *, now=BEFORE, end=date(2026, 11, 30), num=None, previous=None
):
    return lectures_plan(
        lectures=list(lectures),
        slots=list(slots),
        start_date=date(2026, 11, 1),
        end_date=end,
        num_lectures=num,
        now=now,
        previous_slots=previous,
    )


def saturday(pk: int, day: date, number: int, **facts) -> ExistingLecture:
    """A lecture generated from the Saturday slot."""
    return ExistingLecture(
        id=pk,
        date=day,
        start_time=time(17),
        end_time=time(18, 30),
        number=number,
        slot_id=SATURDAY.id,
        planned_date=day,
        planned_start_time=time(17),
        **facts,
    )


def generated() -> list[ExistingLecture]:
    return [saturday(10 + i, day, i + 1) for i, day in enumerate(SATURDAYS)]


class FirstGenerationTests(SimpleTestCase):
    def test_every_session_is_created_numbered_in_date_order(self):
        result = plan(slots=[SATURDAY, TUESDAY])
        self.assertEqual(
            [(new.date.day, new.number, new.slot_id) for new in result.create],
            [(3, 1, 2), (7, 2, 1), (10, 3, 2), (14, 4, 1)]
            + [(17, 5, 2), (21, 6, 1), (24, 7, 2), (28, 8, 1)],
        )
        self.assertEqual((result.remove, result.retime, result.renumber), ([], [], {}))

    def test_the_first_generation_records_sessions_already_held(self):
        self.assertEqual(len(plan(now=MID_NOVEMBER).create), 4)

    def test_too_many_sessions_are_refused_rather_than_cut(self):
        with self.assertRaises(Invalid) as raised:
            plan(end=date(2040, 1, 1))
        self.assertEqual(raised.exception.code, "too_many_lectures")
        self.assertEqual(len(plan(end=None, num=MAX_NUM_LECTURES).create), MAX_NUM_LECTURES)


class RegenerationTests(SimpleTestCase):
    def test_nothing_changed_plans_nothing(self):
        result = plan(generated(), now=MID_NOVEMBER)
        self.assertEqual((result.create, result.remove, result.retime), ([], [], []))
        self.assertEqual((result.renumber, result.kept), ({}, 4))

    def test_a_slot_moved_an_hour_retimes_its_future_lectures_in_place(self):
        later = Slot(id=SATURDAY.id, weekday=0, start_time=time(18), end_time=time(19, 30))
        result = plan(generated(), slots=[later], now=MID_NOVEMBER)
        self.assertEqual(result.create, [])
        self.assertEqual(result.remove, [])
        self.assertEqual(
            result.retime,
            [
                Retimed(
                    id=pk,
                    slot_id=SATURDAY.id,
                    date=day,
                    start_time=time(18),
                    end_time=time(19, 30),
                    planned_date=day,
                    planned_start_time=time(18),
                )
                for pk, day in ((11, SATURDAYS[1]), (12, SATURDAYS[2]), (13, SATURDAYS[3]))
            ],
        )

    def test_a_shorter_course_drops_the_future_lectures_after_its_end(self):
        result = plan(generated(), end=date(2026, 11, 20), now=MID_NOVEMBER)
        self.assertEqual(result.remove, [12, 13])
        self.assertEqual((result.kept, result.create, result.renumber), (2, [], {}))

    def test_frozen_lectures_stay_and_their_sessions_are_not_recreated(self):
        lectures = generated()
        lectures[2] = saturday(12, SATURDAYS[2], 3, has_marks=True)
        lectures[3] = saturday(13, SATURDAYS[3], 4, is_manual=True)
        # The Saturday slot is gone: of its lectures only the future, unmarked, generated
        # one (11) goes; 10 has started, 12 has marks, 13 was made by hand.
        result = plan(lectures, slots=[TUESDAY], now=MID_NOVEMBER)
        self.assertEqual(result.remove, [11])
        # The Tuesdays still to come are created, numbered among the kept lectures.
        self.assertEqual([(new.date.day, new.number) for new in result.create], [(17, 2), (24, 4)])
        self.assertEqual(result.renumber, {13: 5})
        self.assertEqual(result.kept, 3)

    def test_removing_a_lecture_renumbers_the_later_ones(self):
        lectures = [*generated(), saturday(20, date(2026, 11, 29), 5)]  # a stray Sunday
        result = plan(lectures, slots=[SATURDAY], now=BEFORE)
        self.assertEqual(result.remove, [20])
        lectures = [saturday(20, date(2026, 11, 1), 1)] + [
            saturday(10 + i, day, i + 2) for i, day in enumerate(SATURDAYS)
        ]
        result = plan(lectures, now=BEFORE)
        self.assertEqual(result.remove, [20])
        self.assertEqual(result.renumber, {10: 1, 11: 2, 12: 3, 13: 4})

    def test_cancelled_lectures_count_towards_the_number_of_lectures(self):
        cancelled = saturday(10, SATURDAYS[0], 1, status=LectureStatus.CANCELLED)
        result = plan([cancelled], end=None, num=3, now=BEFORE)
        self.assertEqual([new.date for new in result.create], SATURDAYS[1:3])
        self.assertEqual([new.number for new in result.create], [2, 3])


class WhatThePlanSaysTests(SimpleTestCase):
    """The plan names what it does as staff see it: moved, added, removed, left alone."""

    def test_lectures_already_held_keep_their_numbers(self):
        lectures = generated()
        # Marked in advance: held history although still to come.
        lectures[2] = saturday(12, SATURDAYS[2], 3, has_marks=True)

        result = plan(lectures, slots=[SATURDAY, TUESDAY], now=MID_NOVEMBER)

        # In date order the Tuesday of the 17th comes before lecture 12 (the 21st), which
        # keeps number 3; the others take the free numbers in date order.
        self.assertNotIn(10, result.renumber)  # ended: number 1
        self.assertNotIn(12, result.renumber)
        self.assertEqual([(new.date.day, new.number) for new in result.create], [(17, 4), (24, 5)])
        self.assertEqual(result.renumber, {13: 6})

    def test_a_slot_at_a_new_time_lists_its_lectures_as_moved(self):
        later = Slot(id=SATURDAY.id, weekday=0, start_time=time(18), end_time=time(19, 30))

        result = plan(generated(), slots=[later], now=MID_NOVEMBER)

        self.assertEqual(
            [
                (m.id, m.number, m.old_date, m.old_start_time, m.date, m.start_time)
                for m in result.moved
            ],
            [
                (pk, pk - 9, day, time(17), day, time(18))
                for pk, day in zip((11, 12, 13), SATURDAYS[1:], strict=True)
            ],
        )
        self.assertEqual((result.create, result.removed, result.left_alone), ([], [], []))

    def test_removed_lectures_are_listed_with_their_dates_and_numbers(self):
        result = plan(generated(), end=date(2026, 11, 20), now=MID_NOVEMBER)

        self.assertEqual(
            [(lec.id, lec.number, lec.date) for lec in result.removed],
            [(12, 3, SATURDAYS[2]), (13, 4, SATURDAYS[3])],
        )
        self.assertEqual(result.moved, [])

    def test_a_hand_edited_lecture_left_on_the_old_weekday_is_named(self):
        lectures = generated()
        lectures[3] = saturday(13, SATURDAYS[3], 4, is_manual=True)  # a new title, say

        result = plan(lectures, slots=[TUESDAY], now=MID_NOVEMBER, previous=[SATURDAY])
        without_previous = plan(lectures, slots=[TUESDAY], now=MID_NOVEMBER)

        self.assertEqual([(lec.id, lec.date) for lec in result.left_alone], [(13, SATURDAYS[3])])
        self.assertEqual(result.left_alone[0].number, result.renumber.get(13, 4))
        self.assertEqual(without_previous.left_alone, [])

    def test_a_hand_edited_lecture_already_on_the_new_day_is_not_named(self):
        lectures = generated()
        # Moved by hand from Saturday the 28th to Tuesday the 24th at the Tuesday slot's time.
        lectures[3] = ExistingLecture(
            id=13,
            date=date(2026, 11, 24),
            start_time=time(10),
            end_time=time(11),
            number=4,
            slot_id=SATURDAY.id,
            planned_date=SATURDAYS[3],
            planned_start_time=time(17),
            is_manual=True,
        )

        result = plan(lectures, slots=[TUESDAY], now=MID_NOVEMBER, previous=[SATURDAY])

        self.assertEqual(result.left_alone, [])
