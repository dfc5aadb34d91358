"""A weekly-slot change on the course's admin page says what it did to the lectures."""

from datetime import date, datetime, time

import time_machine
from django.contrib import messages
from django.test import TestCase

from courses import services
from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, ScheduleFactory, make_attendance
from testkit.admin import admin_form_data
from users.tests.factories import make_admin, make_child

# Thursday 12 November 2026, noon in Cairo. The course runs 1–30 November: Saturdays 7, 14,
# 21, 28 at 17:00 and Tuesdays 3, 10, 17, 24 at 10:00.
NOW = datetime(2026, 11, 12, 12, 0, tzinfo=CENTER_TZ)
COURSES = "/courses-admin/courses/course/"


class ScheduleChangeMessageTests(TestCase):
    def setUp(self):
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.client.force_login(make_admin(is_superuser=True))
        self.course = CourseFactory()
        self.saturday = ScheduleFactory(course=self.course, weekday=0)
        self.tuesday = ScheduleFactory(
            course=self.course, weekday=3, start_time=time(10), end_time=time(11)
        )
        services.course_generate_lectures(course=self.course, now=NOW)
        self.url = f"{COURSES}{self.course.pk}/change/"

    def numbers(self) -> dict[date, int]:
        return dict(self.course.lectures.values_list("date", "number"))

    def save_slots(self, **changes) -> list[tuple[int, str]]:
        """Submit the course page with the slots changed (``schedule-0-weekday``: …)."""
        page = self.client.get(self.url)
        data = admin_form_data(page.context["adminform"].form)
        for inline in page.context["inline_admin_formsets"]:
            formset = inline.formset
            for key, value in formset.management_form.initial.items():
                data[f"{formset.prefix}-{key}"] = value
            for index, form in enumerate(formset.forms):
                data.update(admin_form_data(form, prefix=f"{formset.prefix}-{index}-"))
        data.update(changes)
        response = self.client.post(self.url, data, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.redirect_chain[-1][0], COURSES, response.content.decode()[:3000])
        return [(m.level, str(m)) for m in response.context["messages"]]

    def slot_index(self, slot) -> int:
        page = self.client.get(self.url)
        [formset] = [
            inline.formset
            for inline in page.context["inline_admin_formsets"]
            if inline.formset.prefix == "schedule"
        ]
        return [form.instance.pk for form in formset.forms].index(slot.pk)

    def test_a_slot_on_another_weekday_lists_the_lectures_added_and_removed(self):
        index = self.slot_index(self.tuesday)
        before = self.numbers()

        said = self.save_slots(**{f"schedule-{index}-weekday": "4"})  # Tuesday → Wednesday

        texts = [text for _level, text in said]
        [added] = [t for t in texts if t.startswith("محاضرات أضيفت")]
        [removed] = [t for t in texts if t.startswith("محاضرات حُذفت")]
        self.assertIn("الأربعاء 18 نوفمبر 2026، الساعة 10:00", added)
        self.assertIn("الأربعاء 25 نوفمبر 2026، الساعة 10:00", added)
        self.assertIn("الثلاثاء 17 نوفمبر 2026، الساعة 10:00", removed)
        self.assertIn("الثلاثاء 24 نوفمبر 2026، الساعة 10:00", removed)
        self.assertNotIn("الثلاثاء 10 نوفمبر", removed)  # held: kept
        after = self.numbers()
        for day in (date(2026, 11, 3), date(2026, 11, 7), date(2026, 11, 10)):
            self.assertEqual(after[day], before[day])
        self.assertIn(date(2026, 11, 18), after)
        self.assertNotIn(date(2026, 11, 17), after)

    def test_a_slot_at_a_new_time_lists_its_lectures_as_moved(self):
        index = self.slot_index(self.saturday)

        said = self.save_slots(
            **{f"schedule-{index}-start_time": "18:00", f"schedule-{index}-end_time": "19:30"}
        )

        [moved] = [text for level, text in said if text.startswith("محاضرات نُقلت")]
        self.assertIn(
            "من السبت 14 نوفمبر 2026، الساعة 17:00 إلى السبت 14 نوفمبر 2026، الساعة 18:00", moved
        )
        self.assertIn("السبت 28 نوفمبر 2026، الساعة 18:00", moved)
        self.assertNotIn("7 نوفمبر", moved)  # already held
        self.assertEqual(said[-1][0], messages.SUCCESS)  # the usual "changed" comes last

    def test_lectures_already_held_keep_their_numbers(self):
        # Attendance marked in advance on the 21st: that lecture is history too.
        marked = self.course.lectures.get(date=date(2026, 11, 21))
        make_attendance(marked, child=make_child(), present=True)
        before = self.numbers()
        index = self.slot_index(self.tuesday)

        self.save_slots(**{f"schedule-{index}-weekday": "2"})  # Tuesday → Monday: 16, 23, 30

        after = self.numbers()
        for day in (date(2026, 11, 3), date(2026, 11, 7), date(2026, 11, 10), date(2026, 11, 21)):
            self.assertEqual(after[day], before[day], day)
        self.assertEqual(len(set(after.values())), len(after))

    def test_a_hand_edited_lecture_left_on_the_old_weekday_is_pointed_out(self):
        edited = self.course.lectures.get(date=date(2026, 11, 24))
        services.lecture_update(lecture=edited, title="مراجعة", now=NOW)
        index = self.slot_index(self.tuesday)

        said = self.save_slots(**{f"schedule-{index}-weekday": "4"})

        [(level, warning)] = [(lv, t) for lv, t in said if t.startswith("عُدّلت يدويًا")]
        self.assertEqual(level, messages.WARNING)
        edited.refresh_from_db()
        self.assertIn(
            f"المحاضرة {edited.number} يوم الثلاثاء 24 نوفمبر 2026، الساعة 10:00", warning
        )
        self.assertEqual(edited.date, date(2026, 11, 24))

    def test_saving_the_course_without_touching_the_slots_says_nothing_about_lectures(self):
        said = self.save_slots()

        self.assertEqual([level for level, _text in said], [messages.SUCCESS])
