"""Permissions are declared per action and refused by default (issue #7, point 1).

The walk goes through the whole URLconf — the /api/ router and the Djoser views under
/auth/ alike — instantiates every routed viewset for every action it routes, and fails on
an action without a declared rule.
"""

from __future__ import annotations

from django.test import SimpleTestCase, TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.test import APIRequestFactory, APITestCase

from core.permissions import AdminOnly, DeclaredPermissionsMixin, DenyAll
from courses.models import Course
from courses.tests.base import PersonaTestCase
from courses.tests.factories import LectureFactory
from Redwan_courses_center.api_router import router
from users.tests.personas import PersonasMixin
from users.views_auth import UserViewSet

factory = APIRequestFactory()


def routed_viewsets(patterns, prefix: str = ""):
    """``(route, viewset class, {method: action}, initkwargs)`` for every viewset route."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routed_viewsets(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            actions = getattr(callback, "actions", None)
            if actions is not None:
                yield prefix + str(pattern.pattern), callback.cls, actions, callback.initkwargs


def undeclared_actions(patterns) -> list[str]:
    """Every routed action whose viewset does not declare who may call it."""
    problems = []
    for route, cls, actions, initkwargs in routed_viewsets(patterns):
        if cls.get_permissions is not DeclaredPermissionsMixin.get_permissions:
            problems.append(f"{route} {cls.__name__}: get_permissions is not the declared map")
            continue
        for method, name in actions.items():
            if method not in cls.http_method_names:
                continue  # DRF answers 405 before any handler
            view = cls(**initkwargs)
            view.action_map, view.action = actions, name
            view.request = Request(factory.generic(method.upper(), "/"))
            declared = cls.permission_map.get(name)
            permissions = view.get_permissions()
            if not declared or any(isinstance(p, DenyAll) for p in permissions):
                problems.append(f"{method.upper()} {route} → {cls.__name__}.{name}: no rule")
    return problems


class DeclaredPermissionsWalkTests(SimpleTestCase):
    def test_every_routed_action_has_a_declared_rule(self):
        self.assertEqual(undeclared_actions(get_resolver().url_patterns), [])

    def test_the_walk_sees_every_viewset_of_the_router_and_the_auth_urls(self):
        seen = {cls for _, cls, _, _ in routed_viewsets(get_resolver().url_patterns)}
        registered = {viewset for _, viewset, _ in router.registry}
        self.assertLessEqual(registered, seen)
        self.assertIn(UserViewSet, seen)
        actions = {
            name
            for _, cls, mapping, _ in routed_viewsets(get_resolver().url_patterns)
            if cls is UserViewSet
            for name in mapping.values()
        }
        self.assertEqual(
            actions, {"list", "create", "me", "retrieve", "partial_update", "set_password"}
        )

    def test_the_walk_reports_an_action_without_a_rule(self):
        self.assertEqual(
            sorted(undeclared_actions(forgetful_router.urls)),
            [
                "POST ^things/$ → ForgetfulViewSet.create: no rule",
                "POST ^things/(?P<pk>[^/.]+)/publish/$ → ForgetfulViewSet.publish: no rule",
            ],
        )

    def test_a_viewset_that_overrides_get_permissions_is_reported(self):
        class Sneaky(ForgetfulViewSet):
            def get_permissions(self):
                return [AllowAny()]

        sneaky = SimpleRouter()
        sneaky.register("sneaky", Sneaky, basename="sneaky")
        problems = undeclared_actions(sneaky.urls)
        self.assertTrue(problems)
        self.assertTrue(all("get_permissions is not the declared map" in p for p in problems))


class ForgetfulViewSet(DeclaredPermissionsMixin, viewsets.ViewSet):
    """Declares list and retrieve, forgets create and the ``publish`` action."""

    http_method_names = ["get", "post", "head", "options"]
    permission_map = {"list": [AllowAny], "retrieve": [IsAuthenticated]}

    def list(self, request):
        return Response([])

    def retrieve(self, request, pk=None):
        return Response({"id": pk})

    def create(self, request):
        return Response({"created": True}, status=201)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return Response({"published": pk})

    def destroy(self, request, pk=None):  # routed, but DELETE is not offered: a 405
        return Response(status=204)


forgetful_router = SimpleRouter()
forgetful_router.register("things", ForgetfulViewSet, basename="thing")
# ROOT_URLCONF of DefaultDenyTests: this module.
urlpatterns = forgetful_router.urls


class DefaultDenyTests(PersonasMixin, APITestCase):
    """What a caller gets from an action nobody declared."""

    def test_an_undeclared_action_is_refused_even_to_an_admin(self):
        self.as_user("admin")
        with self.settings(ROOT_URLCONF=__name__):
            response = self.client.post("/things/1/publish/")
            created = self.client.post("/things/")
        for answer in (response, created):
            self.assertEqual(answer.status_code, 403)
            self.assertEqual(answer.data["code"], "action_not_declared")

    def test_an_undeclared_action_is_401_for_anonymous_callers(self):
        with self.settings(ROOT_URLCONF=__name__):
            response = self.client.post("/things/1/publish/")
        self.assertEqual(response.status_code, 401)

    def test_declared_actions_answer_as_declared(self):
        with self.settings(ROOT_URLCONF=__name__):
            anonymous_list = self.client.get("/things/")
            anonymous_detail = self.client.get("/things/1/")
            self.as_user("parent")
            parent_detail = self.client.get("/things/1/")
        self.assertEqual(anonymous_list.status_code, 200)
        self.assertEqual(anonymous_detail.status_code, 401)
        self.assertEqual(parent_detail.status_code, 200)

    def test_a_method_the_viewset_does_not_offer_stays_a_405(self):
        self.as_user("admin")
        with self.settings(ROOT_URLCONF=__name__):
            response = self.client.delete("/things/1/")
        self.assertEqual(response.status_code, 405)

    def test_options_is_answered_to_logged_in_callers(self):
        self.as_user("parent")
        self.assertEqual(self.client.options("/api/courses/").status_code, 200)
        self.client.force_authenticate(None)
        self.assertEqual(self.client.options("/api/courses/").status_code, 401)
        self.assertEqual(self.client.options("/api/seasons/").status_code, 200)


class AdminOnlyTests(TestCase):
    """AdminOnly answers 403 ``admin_only`` and, on detail routes, only once the row is
    found — an invisible row stays a 404."""

    def test_it_defers_detail_routes_to_the_object_check(self):
        from users.tests.factories import make_admin, make_parent

        permission = AdminOnly()
        parent, admin = make_parent().user, make_admin()

        class View:
            detail = True

        class ListView:
            detail = False

        def request(user):
            return type("R", (), {"user": user, "method": "POST"})()

        self.assertTrue(permission.has_permission(request(parent), View()))
        self.assertFalse(permission.has_object_permission(request(parent), View(), object()))
        self.assertFalse(permission.has_permission(request(parent), ListView()))
        self.assertTrue(permission.has_permission(request(admin), ListView()))
        self.assertTrue(permission.has_object_permission(request(admin), View(), object()))
        self.assertEqual(permission.code, "admin_only")


class RefusalCodeTests(PersonaTestCase):
    """The declared rules answer with the same codes the per-method checks did."""

    def assertRefused(self, who, method, url, code, data=None):
        response = self.call(who, method, url, data)
        self.assertEqual(response.status_code, 403, response.data)
        self.assertEqual(response.data["code"], code)

    def test_admin_only_routes_answer_admin_only(self):
        lecture = LectureFactory(course=self.course)
        self.assertRefused("instructor", "patch", f"/api/lectures/{lecture.pk}/", "admin_only")
        self.assertRefused("parent", "post", "/api/courses/", "admin_only", {})
        self.assertRefused(
            "instructor", "post", f"/api/courses/{self.course.pk}/generate-lectures/", "admin_only"
        )
        self.assertRefused("parent", "delete", f"/api/courses/{self.course.pk}/", "admin_only")

    def test_a_row_the_caller_cannot_see_stays_a_404_before_any_role_check(self):
        lecture = LectureFactory(course=self.course)
        for method in ("patch", "delete"):
            with self.subTest(method=method):
                response = self.call("parent", method, f"/api/lectures/{lecture.pk}/", {})
                self.assertEqual(response.status_code, 404)
        response = self.call("parent", "delete", f"/api/courses/{self.draft.pk}/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Course.objects.filter(pk=self.draft.pk).exists())

    def test_exam_and_course_writers_answer_with_the_services_codes(self):
        self.assertRefused("parent", "post", "/api/exams/", "not_course_instructor", {})
        self.assertRefused(
            "other_instructor",
            "patch",
            f"/api/courses/{self.course.pk}/",
            "not_course_instructor",
            {"description": "x"},
        )
        self.assertRefused(
            "instructor",
            "patch",
            f"/api/courses/{self.course.pk}/",
            "field_not_editable",
            {"capacity": 1},
        )

    def test_catalogue_writes_answer_permission_denied(self):
        self.assertRefused("parent", "post", "/api/seasons/", "permission_denied", {})
        self.assertRefused("instructor", "post", "/api/tags/", "permission_denied", {"name": "x"})
        self.assertRefused("student", "get", "/api/students/", "permission_denied")
