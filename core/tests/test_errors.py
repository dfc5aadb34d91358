"""The API's one exception handler (core.exceptions.exception_handler).

Small views in this module raise each kind of error from inside a real DRF request; the
real endpoints that raise domain errors are exercised at the end.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import override_settings
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APITestCase
from rest_framework.views import APIView

from core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from core.exceptions import exception_handler
from users.models import CustomUser
from users.tests.factories import make_child, make_parent

TAKEN_PHONE = "+201011112222"


def _duplicate_user_insert() -> IntegrityError:
    """Insert a second user with a taken phone number and return the database's error."""
    try:
        # The savepoint keeps the test's transaction usable on PostgreSQL after the error.
        with transaction.atomic():
            CustomUser.objects.create(phone_number1=TAKEN_PHONE, first_name="B", last_name="B")
    except IntegrityError as exc:
        return exc
    raise AssertionError("the duplicate insert was accepted")


class _PublicView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


class DomainErrorView(_PublicView):
    ERRORS = {
        "invalid": Invalid("dob_in_future", "Date of birth cannot be in the future.", field="dob"),
        "forbidden": Forbidden("not_primary_parent", "Only the primary parent."),
        "not_found": NotFound("not_found", "Not found."),
        "conflict": Conflict("course_full", "The course is full."),
        "throttled": TooManyRequests("code_recently_sent", "Wait a minute."),
    }

    def get(self, request, kind):
        raise self.ERRORS[kind]


class DuplicateInsertView(_PublicView):
    def post(self, request):
        raise _duplicate_user_insert()


class DjangoValidationView(_PublicView):
    def post(self, request):
        if request.data.get("shape") == "dict":
            raise DjangoValidationError({"dob": ["bad date"], "__all__": ["bad row"]})
        raise DjangoValidationError("bad value")


class DjangoDenialView(_PublicView):
    def get(self, request, kind):
        if kind == "404":
            raise Http404("No Child matches the given query.")
        raise DjangoPermissionDenied


class _AgeSerializer(serializers.Serializer):
    age = serializers.IntegerField(min_value=0)


class DrfValidationView(_PublicView):
    def post(self, request):
        _AgeSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


class DrfMessageValidationView(_PublicView):
    def get(self, request):
        raise serializers.ValidationError("bad query")


urlpatterns = [
    path("drf-message-validation/", DrfMessageValidationView.as_view()),
    path("domain/<str:kind>/", DomainErrorView.as_view()),
    path("duplicate/", DuplicateInsertView.as_view()),
    path("django-validation/", DjangoValidationView.as_view()),
    path("drf-validation/", DrfValidationView.as_view()),
    path("django-denial/<str:kind>/", DjangoDenialView.as_view()),
]


@override_settings(ROOT_URLCONF=__name__)
class DomainErrorTests(APITestCase):
    def test_each_domain_error_maps_to_its_status_with_code_and_detail(self):
        expected = {
            "invalid": (400, "dob_in_future"),
            "forbidden": (403, "not_primary_parent"),
            "not_found": (404, "not_found"),
            "conflict": (409, "course_full"),
            "throttled": (429, "code_recently_sent"),
        }
        for kind, (status, code) in expected.items():
            with self.subTest(kind=kind):
                response = self.client.get(f"/domain/{kind}/")

                self.assertEqual(response.status_code, status)
                self.assertEqual(response.json()["code"], code)
                self.assertEqual(
                    response.json()["detail"], str(DomainErrorView.ERRORS[kind].message)
                )

    def test_a_domain_error_on_a_field_also_reports_the_field_the_drf_way(self):
        response = self.client.get("/domain/invalid/")

        self.assertEqual(
            response.json(),
            {
                "code": "dob_in_future",
                "detail": "Date of birth cannot be in the future.",
                "dob": ["Date of birth cannot be in the future."],
            },
        )


@override_settings(ROOT_URLCONF=__name__)
class DjangoHttpErrorTests(APITestCase):
    def test_a_django_404_answers_with_code_not_found_and_no_model_name(self):
        response = self.client.get("/django-denial/404/")

        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")
        self.assertNotIn("Child", response.json()["detail"])

    def test_a_django_permission_denied_answers_403_with_code_permission_denied(self):
        response = self.client.get("/django-denial/403/")

        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "permission_denied")


class IntegrityErrorTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        CustomUser.objects.create_user(TAKEN_PHONE, "x", first_name="A", last_name="A")

    @override_settings(ROOT_URLCONF=__name__)
    def test_a_unique_violation_reaching_the_api_is_a_409_conflict_not_a_500(self):
        with self.assertLogs("core.exceptions", level="INFO") as logs:
            response = self.client.post("/duplicate/")

        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "conflict")
        self.assertTrue(response.json()["detail"])
        # The SQL error text may carry the row's values; neither the answer nor the log does.
        self.assertNotIn("201011112222", response.content.decode())
        self.assertNotIn("201011112222", "\n".join(logs.output))

    def test_the_handler_maps_a_real_integrity_error_directly(self):
        response = exception_handler(_duplicate_user_insert(), {})

        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "conflict")
        # The database is still usable after the mapped error.
        self.assertEqual(CustomUser.objects.filter(phone_number1=TAKEN_PHONE).count(), 1)


@override_settings(ROOT_URLCONF=__name__)
class ValidationErrorTests(APITestCase):
    def test_a_django_validation_error_with_fields_becomes_a_400_with_field_errors(self):
        response = self.client.post("/django-validation/", {"shape": "dict"})

        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {"dob": ["bad date"], "non_field_errors": ["bad row"], "code": "invalid"},
        )

    def test_a_django_validation_error_with_a_message_becomes_a_400(self):
        response = self.client.post("/django-validation/", {"shape": "message"})

        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["non_field_errors"], ["bad value"])

    def test_drf_field_errors_keep_their_shape_and_get_code_invalid(self):
        response = self.client.post("/drf-validation/", {"age": -1})

        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertEqual(body["code"], "invalid")
        self.assertIsInstance(body["age"], list)

    def test_drf_field_errors_for_missing_fields_get_code_invalid(self):
        response = self.client.post("/drf-validation/", {})

        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "invalid")
        self.assertIn("age", response.json())

    def test_a_drf_validation_error_with_a_bare_message_is_an_object_with_a_code(self):
        response = self.client.get("/drf-message-validation/")

        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"non_field_errors": ["bad query"], "code": "invalid"})


class RealEndpointErrorTests(APITestCase):
    """The same mapping seen through the project's own endpoints."""

    def test_anonymous_callers_get_401_with_code_not_authenticated(self):
        response = self.client.get("/api/children/")

        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "not_authenticated")

    def test_an_invisible_object_is_404_with_code_not_found(self):
        child = make_child()
        self.client.force_authenticate(make_parent().user)

        response = self.client.get(f"/api/children/{child.pk}/")

        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")

    def test_a_service_domain_error_reaches_the_client_as_code_and_detail(self):
        child = make_child()
        self.client.force_authenticate(make_parent().user)

        first = self.client.post("/api/parent-links/", {"child_code": child.code})
        again = self.client.post("/api/parent-links/", {"child_code": child.code})
        unknown = self.client.post("/api/parent-links/", {"child_code": "B00000"})

        self.assertEqual(first.status_code, 201)
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.json()["code"], "link_request_pending")
        self.assertEqual(unknown.status_code, 400)
        self.assertEqual(unknown.json()["code"], "child_not_found")
        self.assertIn("child_code", unknown.json())

    def test_a_login_with_missing_fields_is_400_with_code_invalid(self):
        response = self.client.post("/auth/jwt/create/", {})

        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "invalid")
        self.assertIn("password", response.json())

    def test_a_nul_byte_in_a_search_is_a_400_object_with_a_code(self):
        for url in ("/api/instructors/?search=a%00b", "/api/courses/?search=a%00b"):
            with self.subTest(url=url):
                response = self.client.get(url)

                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], "invalid_query_parameter")
                self.assertIn("search", response.json())
