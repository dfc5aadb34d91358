"""The attendance roster that enrollments drive (and the center's checklist about rows)."""

from __future__ import annotations

import datetime

import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from attendance.models import LectureAttendance
from attendance.roster import roster_add_enrollment, roster_add_lectures, roster_remove_enrollment
from courses import services as course_services
from courses.models import CourseSchedule
from courses.tests.factories import CourseFactory, make_attendance
from enrollments_payments import services
from enrollments_payments.tests.factories import NOW, make_enrollment, make_lectures
from users.tests.factories import make_admin, make_child, make_student
from users.tests.personas import PersonasMixin

TODAY = NOW.date()


def rows_of(participant, **kwargs):
    key = "child" if hasattr(participant, "primary_parent") else "student"
    return LectureAttendance.objects.filter(**{key: participant}, **kwargs)


class ApprovalRosterTests(TestCase):
    """NOW is 10 Nov 2026 12:00 (Cairo)."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.course = CourseFactory()
        cls.past, cls.started, cls.just_now, cls.later, cls.cancelled, cls.future = make_lectures(
            cls.course,
            [
                (datetime.date(2026, 11, 3), 17),  # last week
                (TODAY, 11),  # started at 11:00, long ago
                (TODAY, 12),  # starts at 12:00: within the five-minute grace
                (TODAY, 13),  # this afternoon
                (datetime.date(2026, 11, 14), 17),
                (datetime.date(2026, 11, 21), 17),
            ],
        )
        cls.cancelled.status = "cancelled"
        cls.cancelled.save()

    def test_approval_gives_rows_for_lectures_that_have_not_started_only(self):
        child = make_child()
        make_enrollment(participant=child, course=self.course, admin=self.admin)

        lectures = set(rows_of(child).values_list("lecture_id", flat=True))
        self.assertEqual(lectures, {self.just_now.pk, self.later.pk, self.future.pk})
        self.assertFalse(rows_of(child).marked().exists())

    def test_a_lecture_counts_as_started_five_minutes_after_its_start(self):
        child = make_child()
        five_past = NOW.replace(minute=5)
        make_enrollment(participant=child, course=self.course, admin=self.admin, now=five_past)
        self.assertFalse(rows_of(child, lecture=self.just_now).exists())
        self.assertTrue(rows_of(child, lecture=self.later).exists())

    def test_students_get_rows_too(self):
        student = make_student()
        make_enrollment(participant=student, course=self.course, admin=self.admin)
        self.assertEqual(rows_of(student).count(), 3)

    def test_drop_deletes_only_unmarked_future_rows(self):
        child = make_child()
        enrollment = make_enrollment(participant=child, course=self.course, admin=self.admin)
        make_attendance(self.past, child=child, present=True)  # past, marked (kept)
        marked_future = rows_of(child, lecture=self.future).get()
        marked_future.present = False
        marked_future.save()

        later = NOW + datetime.timedelta(minutes=30)  # 12:30: the 12:00 lecture has started
        services.enrollment_drop(enrollment=enrollment, actor=self.admin, now=later)

        # Kept: the past marked row, the started (unmarked) one, the marked future one.
        remaining = set(rows_of(child).values_list("lecture_id", flat=True))
        self.assertEqual(remaining, {self.past.pk, self.just_now.pk, self.future.pk})
        self.assertFalse(rows_of(child, lecture=self.later).exists())

    def test_lectures_added_later_get_rows_for_active_enrollments_only(self):
        active, dropped = make_child(), make_child()
        make_enrollment(participant=active, course=self.course, admin=self.admin)
        gone = make_enrollment(participant=dropped, course=self.course, admin=self.admin)
        services.enrollment_drop(enrollment=gone, actor=self.admin, now=NOW)

        lecture = course_services.lecture_create(
            course=self.course,
            date=datetime.date(2026, 11, 28),
            start_time=datetime.time(10),
            end_time=datetime.time(11),
        )

        self.assertTrue(rows_of(active, lecture=lecture).exists())
        self.assertFalse(rows_of(dropped, lecture=lecture).exists())

    def test_generated_lectures_get_rows_and_a_rerun_adds_none(self):
        course = CourseFactory(
            start_date=datetime.date(2026, 12, 1), end_date=datetime.date(2026, 12, 31)
        )
        child = make_child()
        make_enrollment(participant=child, course=course, admin=self.admin)
        CourseSchedule.objects.create(
            course=course, weekday=0, start_time=datetime.time(9), end_time=datetime.time(10)
        )

        course_services.course_generate_lectures(course=course, now=NOW)
        count = rows_of(child).count()
        self.assertEqual(count, course.lectures.count())
        self.assertEqual(roster_add_lectures(lectures=list(course.lectures.all())), 0)
        self.assertEqual(rows_of(child).count(), count)

    def test_cancelled_lectures_get_no_rows(self):
        child = make_child()
        make_enrollment(participant=child, course=self.course, admin=self.admin)
        self.assertEqual(roster_add_lectures(lectures=[self.cancelled]), 0)
        self.assertFalse(rows_of(child, lecture=self.cancelled).exists())

    def test_one_row_per_lecture_and_participant(self):
        child = make_child()
        make_attendance(self.past, child=child)
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_attendance(self.past, child=child)


class RosterQueryCountTests(TestCase):
    """Adding or removing a participant, or adding lectures, costs the same number of
    queries for 10 lectures as for 200 (one INSERT … SELECT / one DELETE)."""

    @classmethod
    def setUpTestData(cls):
        cls.small = CourseFactory(
            start_date=datetime.date(2027, 1, 1), end_date=datetime.date(2027, 12, 31)
        )
        cls.large = CourseFactory(
            start_date=datetime.date(2027, 1, 1), end_date=datetime.date(2027, 12, 31)
        )
        for course, n in ((cls.small, 10), (cls.large, 200)):
            start = datetime.date(2027, 1, 1)
            make_lectures(course, [(start + datetime.timedelta(days=i), 9) for i in range(n)])
        cls.participants = {c.pk: [make_child() for _ in range(5)] for c in (cls.small, cls.large)}

    def count(self, call) -> int:
        with CaptureQueriesContext(connection) as ctx:
            call()
        return len(ctx.captured_queries)

    def test_add_and_remove_an_enrollment(self):
        counts = {}
        for course in (self.small, self.large):
            child = self.participants[course.pk][0]
            add = self.count(
                lambda c=course, p=child: roster_add_enrollment(
                    lectures=c.lectures.all(), participant=p, now=NOW
                )
            )
            remove = self.count(
                lambda c=course, p=child: roster_remove_enrollment(
                    lectures=c.lectures.all(), participant=p, now=NOW
                )
            )
            counts[course.lectures.count()] = (add, remove)
            self.assertFalse(rows_of(child).exists())
        self.assertEqual(counts[10], counts[200])

    def test_add_lectures_for_every_active_participant(self):
        admin = make_admin()
        counts = {}
        for course in (self.small, self.large):
            for child in self.participants[course.pk]:
                make_enrollment(participant=child, course=course, admin=admin)
            LectureAttendance.objects.filter(lecture__course=course).delete()
            lectures = list(course.lectures.all())
            counts[len(lectures)] = self.count(lambda ls=lectures: roster_add_lectures(lectures=ls))
            self.assertEqual(
                LectureAttendance.objects.filter(lecture__course=course).count(), 5 * len(lectures)
            )
        self.assertEqual(counts[10], counts[200])

    def test_approval_costs_the_same_for_10_and_200_lectures(self):
        admin = make_admin()
        counts = {}
        for course in (self.small, self.large):
            child = self.participants[course.pk][1]
            request = services.enrollment_request_create(
                actor=child.primary_parent.user, course=course, child=child, now=NOW
            )
            counts[course.pk] = self.count(
                lambda r=request: services.enrollment_request_approve(
                    request=r, actor=admin, now=NOW
                )
            )
            self.assertEqual(rows_of(child).count(), course.lectures.count())
        self.assertEqual(counts[self.small.pk], counts[self.large.pk])


@time_machine.travel(NOW, tick=False)
class RosterEndpointTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile)
        (cls.lecture,) = make_lectures(cls.course, [(datetime.date(2026, 11, 20), 17)])
        make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)
        make_enrollment(participant=cls.other_child, course=cls.course, admin=cls.admin)
        cls.url = f"/api/lectures/{cls.lecture.pk}/attendance/"

    def test_staff_see_every_row(self):
        for who in ("admin", "instructor", "supervisor"):
            with self.subTest(who=who):
                self.as_user(who)
                response = self.client.get(self.url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.data["counts"]["total"], 2)
                row = response.data["rows"][0]
                self.assertEqual(
                    set(row),
                    {
                        "id",
                        "participant",
                        "type",
                        "child",
                        "student",
                        "name",
                        "code",
                        "present",
                        "rating",
                        "notes",
                        "via",
                        "marked_by",
                        "marked_at",
                    },
                )
                self.assertEqual(set(row["participant"]), {"type", "id", "name", "code"})
                # The participant also flat, named as a submission record names it.
                self.assertEqual(
                    (row["type"], row["child"], row["code"], row["name"]),
                    (
                        row["participant"]["type"],
                        row["participant"]["id"],
                        row["participant"]["code"],
                        row["participant"]["name"],
                    ),
                )

    def test_a_parent_sees_only_their_childs_row(self):
        self.as_user("linked_parent")
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r["participant"]["id"] for r in response.data["rows"]], [self.child.pk])

    def test_others_get_404(self):
        for who in ("other_instructor", "student"):
            with self.subTest(who=who):
                self.as_user(who)
                self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_post_is_the_submission(self):
        # POST submits attendance (attendance.submission, issue #9): an empty body is a 400.
        self.as_user("admin")
        response = self.client.post(self.url, {}, format="json")
        self.assertEqual((response.status_code, response.data["code"]), (400, "records_required"))
