"""The participant idea lives in users: lookup by card code and who may see whom."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.test import TestCase

from courses.models import ExamResult
from courses.tests.factories import CourseFactory, ExamFactory, LectureFactory, make_attendance
from users.participants import participant_lookup
from users.selectors import participant_by_code, participants_visible_to
from users.tests.factories import (
    make_admin,
    make_child,
    make_instructor,
    make_parent,
    make_student,
    make_user,
)


class ParticipantByCodeTests(TestCase):
    def test_it_finds_a_child_and_a_student_by_the_code_on_their_card(self):
        child, student = make_child(), make_student()
        self.assertEqual(participant_by_code(child.code), child)
        self.assertEqual(participant_by_code(f"  {student.code.lower()} "), student)

    def test_an_unknown_or_malformed_code_finds_nobody(self):
        make_child()
        for code in ["", "   ", "B00000x", "X12345", "?"]:
            with self.subTest(code=code):
                self.assertIsNone(participant_by_code(code))

    def test_lookup_names_the_right_side(self):
        child, student = make_child(), make_student()
        self.assertEqual(participant_lookup(child), {"child": child})
        self.assertEqual(participant_lookup(student), {"student": student})
        with self.assertRaises(TypeError):
            participant_lookup(make_parent())


class ParticipantsVisibleToTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.parent = make_parent()
        cls.linked_parent = make_parent()
        cls.child = make_child(cls.parent)
        cls.child.other_parents.add(cls.linked_parent)
        cls.other_child = make_child()
        cls.student = make_student()
        cls.other_student = make_student()
        cls.instructor = make_instructor()
        cls.other_instructor = make_instructor()
        cls.supervisor = make_instructor(kind="supervisor")
        course = CourseFactory(instructor=cls.instructor)
        make_attendance(LectureFactory(course=course), child=cls.child)
        exam = ExamFactory(course=course)
        ExamResult.objects.create(
            exam=exam, student=cls.student, marks=1, percentage=2, passed=False
        )

    def visible(self, user):
        people = participants_visible_to(user)
        return set(people.children), set(people.students)

    def test_the_parent_and_a_linked_parent_see_their_child_only(self):
        for parent in (self.parent, self.linked_parent):
            self.assertEqual(self.visible(parent.user), ({self.child}, set()))

    def test_the_student_sees_themself_only(self):
        self.assertEqual(self.visible(self.student.user), (set(), {self.student}))

    def test_the_courses_instructor_sees_its_participants_another_instructor_nobody(self):
        self.assertEqual(self.visible(self.instructor.user), ({self.child}, {self.student}))
        self.assertEqual(self.visible(self.other_instructor.user), (set(), set()))

    def test_a_supervisor_sees_participants_with_records(self):
        self.assertEqual(self.visible(self.supervisor.user), ({self.child}, {self.student}))

    def test_an_admin_sees_everyone(self):
        children, students = self.visible(make_admin())
        self.assertEqual(children, {self.child, self.other_child})
        self.assertEqual(students, {self.student, self.other_student})

    def test_anonymous_and_other_roles_see_nobody(self):
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(self.visible(AnonymousUser()), (set(), set()))
        self.assertEqual(self.visible(make_user("instructor")), (set(), set()))

    def test_contains_and_records_filter(self):
        people = participants_visible_to(self.parent.user)
        self.assertTrue(people.contains(self.child))
        self.assertFalse(people.contains(self.other_child))
        self.assertFalse(people.contains(self.student))
        student_people = participants_visible_to(self.student.user)
        self.assertEqual(
            list(ExamResult.objects.filter(student_people.records_q())),
            list(ExamResult.objects.filter(student=self.student)),
        )


class ExamResultParticipantTests(TestCase):
    def test_one_participant_and_one_result_per_exam(self):
        exam, child = ExamFactory(), make_child()
        fields = {"marks": Decimal("1"), "percentage": Decimal("2"), "passed": False}
        ExamResult.objects.create(exam=exam, child=child, **fields)
        for who in ({"child": child}, {}, {"child": child, "student": make_student()}):
            with self.subTest(who=who), self.assertRaises(IntegrityError), transaction.atomic():
                ExamResult.objects.create(exam=exam, **who, **fields)
        ExamResult.objects.create(exam=ExamFactory(), child=child, **fields)
        self.assertEqual(ExamResult.objects.filter(child=child).count(), 2)
