"""The authorization sweep (issue #12, point 6): every URL pattern the project exposes,
read from the URL resolver, called with every routed method as every persona, compared
with the table in tests/authorization_table.py.

- A pattern the resolver returns that the table does not list fails the suite: a new
  endpoint is covered without anyone remembering it.
- A row of the table the resolver no longer returns fails it too (a stale table).
- The router's ``.json``-suffix twins (``api/^children\\.(?P<format>…)``) answer as the
  route they copy, whose row covers them; the admin site (``courses-admin/…``) is
  summarised as "staff only" and checked on a few of its pages.

Each call is rolled back (a savepoint) and the throttle counters are cleared, so the calls
do not see each other's writes. ``SWEEP_PRINT=1`` prints the observed table (to review a
change, never to paste blindly).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
from decimal import Decimal

import time_machine
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, path
from rest_framework.test import APITestCase
from rest_framework_simplejwt.tokens import RefreshToken

from attendance.cron import generate_instructor_attendance_weekly
from attendance.rating_services import instructor_rating_save
from attendance.tests.factories import LectureRowFactory, ShiftFactory, make_device
from courses import exam_services
from courses import services as course_services
from courses.models import Audience
from courses.rating_services import course_rating_save
from courses.rules import CENTER_TZ
from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    ScheduleFactory,
    TagFactory,
)
from enrollments_payments import payment_services
from enrollments_payments.tests.factories import make_enrollment, make_request
from memories import services as memory_services
from online_courses.tests.base import enrol
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from Redwan_courses_center import urls as project_urls
from testkit.images import image_upload
from tests.authorization_bodies import Multipart
from tests.authorization_table import ADMIN_SITE_LOGIN, ADMIN_SITE_PAGES, BODIES, ROWS
from users import services as user_services
from users.tests.personas import PEOPLE, PersonasMixin

NOW = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=CENTER_TZ)
FORMAT_SUFFIX = r"\.(?P<format>[a-z0-9]+)/?$"
SKIPPED_METHODS = {"head", "options", "trace"}


def route_key(route: str) -> str:
    """``api/^children/(?P<pk>[^/.]+)/$`` → ``api/children/{pk}/``."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def walk(patterns, prefix: str = ""):
    """``(route as the resolver spells it, URLPattern)`` for every pattern, recursively."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def routed_methods(pattern: URLPattern) -> set[str]:
    """The HTTP methods a pattern's view answers (HEAD/OPTIONS aside)."""
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a DRF viewset route: the router's method → action map
        return {method.upper() for method in actions if method not in SKIPPED_METHODS}
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is not None:  # a class-based view: the handlers it defines
        names = getattr(view, "http_method_names", [])
        return {m.upper() for m in names if m not in SKIPPED_METHODS and hasattr(view, m)}
    return {"GET"}  # a function view (the health probes)


def view_of(pattern: URLPattern) -> tuple:
    callback = pattern.callback
    return getattr(callback, "cls", callback), getattr(callback, "actions", None)


def resolver_endpoints() -> tuple[set[tuple[str, str]], list[str]]:
    """Every (method, route) to sweep, and the suffix twins that do not copy a base route
    (same view, same actions) — those would need rows of their own."""
    endpoints: set[tuple[str, str]] = set()
    bases, twins = {}, []
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("courses-admin/") and route != ADMIN_SITE_LOGIN:
            continue  # the admin site: staff only, checked page by page below
        if route.endswith(FORMAT_SUFFIX):
            twins.append((route, pattern))
            continue
        bases[route.removesuffix("/$")] = view_of(pattern)
        if route == ADMIN_SITE_LOGIN:
            continue  # a page of the admin site (checked with it)
        endpoints |= {(method, route_key(route)) for method in routed_methods(pattern)}
    orphans = [
        route
        for route, pattern in twins
        if bases.get(route.removesuffix(FORMAT_SUFFIX)) != view_of(pattern)
    ]
    return endpoints, orphans


def status_class(code: int) -> str:
    return "ok" if 200 <= code < 300 else str(code)


@time_machine.travel(NOW, tick=False)
class AuthorizationSweepTests(PersonasMixin, APITestCase):
    maxDiff = None

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile, audience=Audience.ALL)
        cls.season, cls.tag = cls.course.season, TagFactory()
        cls.course2 = CourseFactory(
            audience=Audience.ALL,
            start_date=datetime.date(2026, 11, 15),
            end_date=datetime.date(2026, 12, 30),
        )
        cls.slot = ScheduleFactory(course=cls.course)
        # Running now (11:00–13:00): its attendance is open to its instructor.
        cls.lecture = LectureFactory(
            course=cls.course,
            date=NOW.date(),
            start_time=datetime.time(11, 0),
            end_time=datetime.time(13, 0),
        )
        cls.proposal = course_services.lecture_propose(
            actor=cls.instructor,
            course=cls.course,
            date=datetime.date(2026, 11, 21),
            start_time=datetime.time(9, 0),
            end_time=datetime.time(10, 0),
        )
        yesterday = NOW - datetime.timedelta(days=1)
        cls.enrollment = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.admin, now=yesterday, paid="100"
        )
        make_enrollment(
            participant=cls.student_profile, course=cls.course, admin=cls.admin, now=yesterday
        )
        cls.other_request = make_request(participant=cls.other_child, course=cls.course, now=NOW)
        cls.payment = cls.enrollment.payments.get()
        cls.refund = payment_services.refund_request_create(
            enrollment=cls.enrollment, actor=cls.parent, amount=Decimal("50.00"), reason="x"
        )
        cls.notification = cls.parent.notifications.first()
        cls.link = user_services.parent_link_request_create(
            requester=cls.other_parent_profile, child_code=cls.child.code
        )
        cls.attendance_row = cls.lecture.attendance.get(child=cls.child)
        cls.exam = ExamFactory(course=cls.course)
        exam_services.exam_result_save(exam=cls.exam, marks=Decimal("30"), child=cls.child)
        cls.rating, _ = instructor_rating_save(rater=cls.student, course=cls.course, rating=9)
        cls.course_rating, _ = course_rating_save(rater=cls.student, course=cls.course, rating=8)
        cls.device, _key = make_device()
        cls.shift = ShiftFactory(supervisor=cls.supervisor_profile)
        cls.staff_row = LectureRowFactory(lecture=cls.lecture)
        cls.cron_log = generate_instructor_attendance_weekly(day=NOW.date())
        cls.online_course = OnlineCourseFactory()
        cls.online_lesson = LessonFactory(online_course=cls.online_course, number=1)
        cls.online_material = cls.online_lesson.materials.create(
            original_name="sheet.pdf",
            file="online-courses/materials/sw.pdf",
            size=1,
            content_type="x",
        )
        enrol(cls.child, cls.online_course)
        enrol(cls.student_profile, cls.online_course)
        refresh = RefreshToken.for_user(cls.parent)
        cls.parent_refresh, cls.parent_access = str(refresh), str(refresh.access_token)
        cls.parent_user = cls.parent
        cls.memory = memory_services.memory_create(
            author=cls.instructor,
            caption="Sweep",
            taken_on=NOW.date(),
            audience="family",
            course=cls.course,
            participants=[memory_services.ParticipantRef(type="child", id=cls.child.pk)],
            uploads=[image_upload()],
        )

    def ids(self) -> dict[str, int]:
        names = set(re.findall(r"{(\w+)}", " ".join(r[2] for r in ROWS) + str(ADMIN_SITE_PAGES)))
        return {name: getattr(self, name).pk for name in names}

    def call(self, who: str, method: str, url: str, body):
        self.client.force_authenticate(self.personas.user(who))
        cache.clear()  # throttle counters (login, codes, registrations)
        savepoint = transaction.savepoint()
        try:
            if isinstance(body, Multipart):  # a file upload
                data, content_type = encode_multipart(BOUNDARY, body), MULTIPART_CONTENT
            else:
                # No body at all when the call has none (as a browser's fetch sends it).
                data = "" if body is None else json.dumps(body)
                content_type = "application/json"
            response = self.client.generic(method, url, data, content_type=content_type)
        finally:
            transaction.savepoint_rollback(savepoint)
        return response.status_code

    def observed_row(self, method: str, route: str, url: str) -> str:
        make_body = BODIES.get((method, route))
        cells = []
        for who in PEOPLE:
            body = make_body(self, who) if make_body else None
            cells.append(status_class(self.call(who, method, url, body)))
        return "  ".join(f"{cell:<4}" for cell in cells).rstrip()

    def test_the_table_lists_every_endpoint_the_resolver_exposes(self):
        endpoints, orphans = resolver_endpoints()
        listed = {(method, route) for method, route, _url, _expected in ROWS}
        self.assertEqual(
            sorted(endpoints - listed),
            [],
            "endpoints missing from tests/authorization_table.py: say who may call them",
        )
        self.assertEqual(sorted(listed - endpoints), [], "rows for endpoints that are gone")
        self.assertEqual(orphans, [], "suffix routes without their base route")
        self.assertEqual(len(listed), len(ROWS), "a (method, route) listed twice")

    def test_every_persona_gets_what_the_table_says(self):
        ids = self.ids()
        mismatches, printed = [], []
        for method, route, url, expected in ROWS:
            concrete = url.format(**ids)
            observed = self.observed_row(method, route, concrete)
            printed.append(f'("{method}", "{route}", "{url}", "{observed}"),')
            if observed.split() != expected.split():
                mismatches.append(
                    f"{method} {concrete}\n  expected {expected}\n  observed {observed}"
                )
        if os.environ.get("SWEEP_PRINT"):
            sys.stdout.write("\n".join(printed) + "\n")
        header = "columns: " + " ".join(PEOPLE)
        self.assertEqual(mismatches, [], header + "\n" + "\n".join(mismatches))

    def test_the_admin_site_is_for_staff_only(self):
        ids = self.ids()
        browser = Client()
        for who in PEOPLE:
            user = self.personas.user(who)
            if user is None:
                browser.logout()
            else:
                browser.force_login(user)
            for page in ADMIN_SITE_PAGES:
                url = page.format(**ids)
                with self.subTest(who=who, page=url):
                    response = browser.get(url)
                    if who == "admin":
                        self.assertEqual(response.status_code, 200)
                    else:
                        self.assertEqual(response.status_code, 302)
                        self.assertTrue(response["Location"].startswith("/courses-admin/login/"))
        browser.logout()
        self.assertEqual(browser.get("/" + ADMIN_SITE_LOGIN).status_code, 200)

    def test_the_walk_sees_routers_plain_paths_and_their_methods(self):
        endpoints, _ = resolver_endpoints()
        for expected in (
            ("GET", "api/children/{pk}/"),
            ("DELETE", "api/children/{pk}/"),
            ("POST", "api/lectures/{pk}/attendance/"),
            ("PATCH", "api/courses/{pk}/schedule/{slot_id}/"),
            ("GET", "auth/users/{id}/"),
            ("POST", "auth/jwt/create/"),
            ("GET", "healthz/"),
            ("GET", "api/schema/"),
        ):
            self.assertIn(expected, endpoints)
        self.assertFalse(any(route.startswith("courses-admin/") for _, route in endpoints))

    def test_an_endpoint_nobody_listed_is_reported(self):
        with self.settings(ROOT_URLCONF=__name__):
            endpoints, _ = resolver_endpoints()
        listed = {(method, route) for method, route, _url, _expected in ROWS}
        self.assertEqual(endpoints - listed, {("GET", "api/forgotten/{pk}/")})


def forgotten_view(request, pk):
    return HttpResponse("")


# ROOT_URLCONF of the test above: the project's URLs and one endpoint the table lacks.
urlpatterns = [
    *project_urls.urlpatterns,
    path("api/forgotten/<int:pk>/", forgotten_view),
]
