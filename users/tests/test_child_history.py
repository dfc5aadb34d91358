"""A child with attendance is history: neither the API nor the admin deletes it."""

import datetime

from django.test import TestCase
from rest_framework.test import APITestCase

from attendance.models import LectureAttendance
from courses import services as course_services
from courses.tests.factories import CourseFactory
from users.models import Child
from users.tests.factories import make_admin, make_child, make_parent


def give_attendance(child: Child) -> None:
    lecture = course_services.lecture_create(
        course=CourseFactory(),
        date=datetime.date(2026, 11, 1),
        start_time=datetime.time(10, 0),
        end_time=datetime.time(11, 0),
    )
    LectureAttendance.objects.create(lecture=lecture, child=child)


class ChildWithHistoryApiTests(APITestCase):
    def test_the_primary_parent_gets_409_and_the_child_stays(self):
        parent = make_parent()
        child = make_child(parent)
        give_attendance(child)
        self.client.force_authenticate(parent.user)
        response = self.client.delete(f"/api/children/{child.pk}/")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "child_has_history")
        self.assertTrue(Child.objects.filter(pk=child.pk).exists())


class ChildWithHistoryAdminTests(TestCase):
    def test_the_admin_offers_no_delete_for_a_child_with_attendance(self):
        child = make_child()
        give_attendance(child)
        self.client.force_login(make_admin())
        response = self.client.post(
            f"/courses-admin/users/child/{child.pk}/delete/", {"post": "yes"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Child.objects.filter(pk=child.pk).exists())

    def test_the_bulk_delete_action_refuses_a_batch_with_a_child_with_history(self):
        # Django's delete_selected sees the protected attendance and deletes nothing.
        keep, other = make_child(), make_child()
        give_attendance(keep)
        self.client.force_login(make_admin())
        response = self.client.post(
            "/courses-admin/users/child/",
            {"action": "delete_selected", "_selected_action": [keep.pk, other.pk], "post": "yes"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Child.objects.filter(pk__in=[keep.pk, other.pk]).count(), 2)
