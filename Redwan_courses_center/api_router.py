"""One router for /api/. Each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from attendance.history import AttendanceHistoryViewSet
from attendance.views import (
    DeviceViewSet,
    InstructorAttendanceViewSet,
    ScanViewSet,
    SupervisorShiftViewSet,
)
from attendance.views_lectures import LectureAttendanceViewSet
from attendance.views_ratings import InstructorRatingViewSet
from attendance.views_ws import WsTicketViewSet
from core.views_jobs import CronLogViewSet
from courses.views import CourseViewSet, SeasonViewSet, TagViewSet
from courses.views_images import CourseImageView
from courses.views_lectures import ExamViewSet, LectureViewSet
from courses.views_ratings import CourseRatingViewSet
from enrollments_payments.views import (
    EnrollmentRequestViewSet,
    EnrollmentViewSet,
    PaymentViewSet,
    RefundRequestViewSet,
)
from enrollments_payments.views_reports import DashboardViewSet, ReportViewSet
from landing.views import LandingViewSet
from memories.views import MemoryViewSet
from notifications.views import NotificationViewSet
from online_courses.views import OnlineCourseViewSet
from online_courses.views_files import OnlineCourseImageView
from users.views import (
    ChildViewSet,
    InstructorViewSet,
    ParentLinkRequestViewSet,
    ParentViewSet,
    StudentViewSet,
)
from users.views_photos import ChildPhotoView, InstructorPhotoView

router = DefaultRouter()
router.include_root_view = False
router.register("children", ChildViewSet, basename="child")
router.register("parent-links", ParentLinkRequestViewSet, basename="parent-link")
router.register("instructors", InstructorViewSet, basename="instructor")
router.register("students", StudentViewSet, basename="student")
router.register("parents", ParentViewSet, basename="parent")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("seasons", SeasonViewSet, basename="season")
router.register("tags", TagViewSet, basename="tag")
router.register("courses", CourseViewSet, basename="course")
router.register("lectures", LectureViewSet, basename="lecture")
# A lecture's attendance routes (/api/lectures/{id}/attendance/…) belong to attendance.
router.register("lectures", LectureAttendanceViewSet, basename="lecture-attendance")
router.register("exams", ExamViewSet, basename="exam")
# Registered before any /api/attendance/{id}/ route, which would otherwise catch "scan".
router.register("attendance/scan", ScanViewSet, basename="attendance-scan")
router.register("attendance", AttendanceHistoryViewSet, basename="attendance")
router.register("devices", DeviceViewSet, basename="device")
router.register("supervisor-shifts", SupervisorShiftViewSet, basename="supervisor-shift")
router.register(
    "instructor-attendance", InstructorAttendanceViewSet, basename="instructor-attendance"
)
router.register("cron-logs", CronLogViewSet, basename="cron-log")
router.register("enrollment-requests", EnrollmentRequestViewSet, basename="enrollment-request")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("payments", PaymentViewSet, basename="payment")
router.register("refund-requests", RefundRequestViewSet, basename="refund-request")
router.register("ws-ticket", WsTicketViewSet, basename="ws-ticket")
router.register("reports", ReportViewSet, basename="report")
router.register("dashboard", DashboardViewSet, basename="dashboard")
router.register("instructor-ratings", InstructorRatingViewSet, basename="instructor-rating")
router.register("course-ratings", CourseRatingViewSet, basename="course-rating")
router.register("memories", MemoryViewSet, basename="memory")
router.register("landing", LandingViewSet, basename="landing")
router.register("online-courses", OnlineCourseViewSet, basename="online-course")

urlpatterns = [
    *router.urls,
    # Photos (§6.8): multipart PUT and DELETE on a path of their own under each object.
    path("children/<int:pk>/photo/", ChildPhotoView.as_view(), name="child-photo"),
    path("instructors/<int:pk>/photo/", InstructorPhotoView.as_view(), name="instructor-photo"),
    path("courses/<int:pk>/image/", CourseImageView.as_view(), name="course-image"),
    path(
        "online-courses/<int:pk>/image/",
        OnlineCourseImageView.as_view(),
        name="online-course-image",
    ),
]
