"""Who may watch an online course: an active enrollment whose access has not ended."""

from __future__ import annotations

import datetime

from django.test import TestCase

from enrollments_payments.models import Enrollment, EnrollmentStatus
from online_courses.models import OnlineCourse
from online_courses.selectors import online_access, online_access_by_course, with_access
from online_courses.tests.factories import OnlineCourseFactory
from users.selectors import participants_visible_to
from users.tests.factories import make_child, make_instructor, make_student

NOW = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)


def enrol(participant, online_course, *, until=None, status=EnrollmentStatus.ACTIVE):
    key = "student" if hasattr(participant, "user_id") else "child"
    return Enrollment.objects.create(
        online_course=online_course,
        price=0,
        enrolled_at=NOW,
        access_until=until,
        status=status,
        **{key: participant},
    )


class OnlineAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.child = make_child()
        cls.student = make_student()
        cls.open_ended = OnlineCourseFactory(access_days=None)
        cls.running = OnlineCourseFactory()
        cls.ended = OnlineCourseFactory()
        cls.dropped = OnlineCourseFactory()
        cls.never = OnlineCourseFactory()
        enrol(cls.child, cls.open_ended)
        cls.running_enrollment = enrol(cls.child, cls.running, until=NOW + datetime.timedelta(1))
        enrol(cls.child, cls.ended, until=NOW - datetime.timedelta(seconds=1))
        enrol(cls.child, cls.dropped, status=EnrollmentStatus.DROPPED)
        enrol(cls.student, cls.never)

    def test_the_enrollment_with_access_is_answered_in_one_query(self):
        with self.assertNumQueries(1):
            found = online_access(participant=self.child, online_course=self.running, now=NOW)
        self.assertEqual(found, self.running_enrollment)
        self.assertIsNotNone(
            online_access(participant=self.child, online_course=self.open_ended, now=NOW)
        )

    def test_ended_dropped_and_others_access_grant_nothing(self):
        for course in (self.ended, self.dropped, self.never):
            with self.subTest(course=course.title):
                self.assertIsNone(
                    online_access(participant=self.child, online_course=course.pk, now=NOW)
                )

    def test_access_ends_at_access_until(self):
        later = NOW + datetime.timedelta(days=1)
        self.assertIsNone(
            online_access(participant=self.child, online_course=self.running, now=later)
        )

    def test_the_set_version_answers_many_courses_in_one_query(self):
        courses = [self.open_ended, self.running, self.ended, self.dropped, self.never]
        with self.assertNumQueries(1):
            found = online_access_by_course(participant=self.child, online_courses=courses, now=NOW)
        self.assertEqual(set(found), {self.open_ended.pk, self.running.pk})
        with self.assertNumQueries(0):
            self.assertEqual(
                online_access_by_course(participant=self.child, online_courses=[], now=NOW), {}
            )

    def test_with_access_annotates_a_catalogue_in_its_own_query(self):
        with self.assertNumQueries(1):
            flags = dict(
                with_access(
                    OnlineCourse.objects.all(), participant=self.student, now=NOW
                ).values_list("pk", "has_access")
            )
        self.assertEqual({pk for pk, has in flags.items() if has}, {self.never.pk})
        anonymous = with_access(OnlineCourse.objects.all(), participant=None)
        self.assertFalse(any(course.has_access for course in anonymous))


class InstructorSeesOnlineParticipantsTests(TestCase):
    """An online course's instructor sees its participants as an on-site one does
    (users.selectors.participants_visible_to); another instructor sees none of them."""

    def test_the_online_courses_instructor_sees_its_participants_only(self):
        teacher, other = make_instructor(), make_instructor()
        child, student, outsider = make_child(), make_student(), make_child()
        online_course = OnlineCourseFactory(instructor=teacher)
        enrol(child, online_course)
        enrol(student, online_course, status=EnrollmentStatus.DROPPED)
        enrol(outsider, OnlineCourseFactory(instructor=other))

        people = participants_visible_to(teacher.user)
        self.assertEqual((set(people.children), set(people.students)), ({child}, {student}))
        people = participants_visible_to(other.user)
        self.assertEqual((set(people.children), set(people.students)), ({outsider}, set()))
