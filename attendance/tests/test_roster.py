"""The roster answers courses' questions about attendance rows (courses never reads the
attendance table itself)."""

from django.test import TestCase

from attendance.roster import roster_has_marks, roster_lectures_with_marks, roster_remove_unmarked
from courses.models import Lecture
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from users.tests.factories import make_child


class RosterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = CourseFactory()
        cls.marked = LectureFactory(course=cls.course)
        cls.unmarked = LectureFactory(course=cls.course)
        cls.other = LectureFactory()
        make_attendance(cls.marked, child=make_child(), present=False)
        make_attendance(cls.unmarked, child=make_child())

    def test_has_marks_takes_lectures_or_a_queryset(self):
        self.assertTrue(roster_has_marks(lectures=[self.marked]))
        self.assertFalse(roster_has_marks(lectures=[self.unmarked, self.other]))
        self.assertTrue(roster_has_marks(lectures=self.course.lectures.all()))
        self.assertFalse(roster_has_marks(lectures=Lecture.objects.filter(pk=self.other.pk)))
        self.assertFalse(roster_has_marks(lectures=[]))

    def test_lectures_with_marks_annotates_each_lecture(self):
        flags = dict(
            roster_lectures_with_marks(Lecture.objects.all()).values_list("pk", "has_marks")
        )
        self.assertEqual(
            flags, {self.marked.pk: True, self.unmarked.pk: False, self.other.pk: False}
        )

    def test_remove_unmarked_keeps_marked_rows(self):
        removed = roster_remove_unmarked(lectures=[self.marked, self.unmarked])
        self.assertEqual(removed, 1)
        self.assertTrue(roster_has_marks(lectures=[self.marked]))
