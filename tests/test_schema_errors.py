"""Error codes in the schema (core.schema_errors) and the bounds of request bodies.

- Every error the project makes has a literal code, so that reading the code finds it.
- Every 4xx code the project makes is in the ``code`` enum of some operation (the admin
  site's own checks excepted, by name and reason).
- Operations list the codes of the services they call, and real error answers — domain
  errors, the framework's, the authentication's — validate against their operation's
  documented body (whose ``code`` is an enum).
- Amounts: the schema's pattern is the field's rule; ``"1e3"`` is refused, Arabic-Indic
  digits are accepted, on payments and on approval's payment. ``records`` has the bounds
  the service enforces.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import time_machine
from django.test import SimpleTestCase
from rest_framework.test import APIClient, APITestCase

from attendance.submission import attendance_submit
from attendance.submission_records import MAX_RECORDS
from core.errors import DomainError
from core.packages import app_packages
from core.schema_errors import codes_of
from core.serializers import MONEY_PATTERN, MoneyField
from courses.tests.factories import CourseFactory
from enrollments_payments import payment_services, services
from enrollments_payments.models import Payment
from enrollments_payments.tests.factories import NOW, make_enrollment, make_request
from testkit.schema import _as_json_schema
from users import services as user_services
from users import verification
from users.tests.personas import PersonasMixin

# Codes only the admin site answers (its forms call these checks); no API operation can.
NOT_IN_THE_API = {
    "primary_parent_repeated": "users.admin's child form (the API has no other_parents)",
}

_SCHEMA: dict = {}


def api_schema() -> dict:
    if not _SCHEMA:
        _SCHEMA.update(APIClient().get("/api/schema/?format=json").json())
    return _SCHEMA


def enum_of(method: str, path: str, status: int) -> set[str]:
    response = api_schema()["paths"][path][method.lower()]["responses"][str(status)]
    return set(response["content"]["application/json"]["schema"]["properties"]["code"]["enum"])


def all_documented_codes() -> set[str]:
    found: set[str] = set()
    for operations in api_schema()["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    body = response["content"]["application/json"]["schema"]
                    found |= set(body["properties"]["code"]["enum"])
    return found


def project_modules():
    for package_name in sorted(app_packages()):
        package = importlib.import_module(package_name)
        if not hasattr(package, "__path__"):
            continue
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".tests" in info.name or ".migrations" in info.name:
                continue
            yield importlib.import_module(info.name)


def _resolve(node, namespace: dict):
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, namespace)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def domain_errors_made():
    """(module, line, class, code node) of every construction of a DomainError subclass
    in the project's code (outside core.errors, which defines them)."""
    for module in project_modules():
        if module.__name__ == "core.errors":
            continue
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            target = _resolve(node.func, vars(module))
            if inspect.isclass(target) and issubclass(target, DomainError):
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                if getattr(target, "fixed_code", None):  # one code for the whole class
                    code = ast.Constant(target.fixed_code)
                elif code is None and node.args:
                    code = node.args[0]
                yield module.__name__, node.lineno, target, code


class CodesReadFromTheCodeTests(SimpleTestCase):
    def test_every_error_the_project_makes_has_a_literal_code(self):
        made = list(domain_errors_made())
        self.assertGreater(len(made), 60)
        not_literal = [
            f"{module}:{line}"
            for module, line, _cls, code in made
            if not (isinstance(code, ast.Constant) and isinstance(code.value, str))
        ]
        self.assertEqual(not_literal, [])

    def test_every_4xx_code_the_project_makes_is_documented_on_an_operation(self):
        documented = all_documented_codes()
        made = {
            code.value: f"{module}:{line}"
            for module, line, cls, code in domain_errors_made()
            if isinstance(code, ast.Constant) and 400 <= cls.status_code < 500
        }
        missing = {
            code: where
            for code, where in made.items()
            if code not in documented and code not in NOT_IN_THE_API
        }
        self.assertEqual(missing, {})
        self.assertEqual(set(NOT_IN_THE_API) - set(made), set(), "stale exceptions")
        self.assertEqual(set(NOT_IN_THE_API) & documented, set(), "documented after all")

    def test_operations_list_the_codes_of_the_services_they_call(self):
        for method, path, service in (
            ("post", "/api/enrollment-requests/", services.enrollment_request_create),
            ("post", "/api/enrollment-requests/{id}/approve/", services.enrollment_request_approve),
            ("post", "/api/enrollment-requests/{id}/cancel/", services.enrollment_request_cancel),
            ("post", "/api/payments/", payment_services.payment_record),
            ("post", "/api/refund-requests/", payment_services.refund_request_create),
            ("delete", "/api/children/{id}/", user_services.child_delete),
            ("post", "/api/parent-links/", user_services.parent_link_request_create),
            ("post", "/auth/phone/verify/", verification.phone_code_verify),
            ("post", "/api/lectures/{id}/attendance/", attendance_submit),
        ):
            raised = codes_of(service)
            self.assertTrue(raised, service.__name__)
            for status, code in raised:
                with self.subTest(operation=f"{method.upper()} {path}", code=code):
                    self.assertIn(code, enum_of(method, path, status))

    def test_framework_and_authentication_codes_are_on_every_operation(self):
        for path, operations in api_schema()["paths"].items():
            for method, operation in operations.items():
                with self.subTest(operation=f"{method.upper()} {path}"):
                    self.assertIn("not_authenticated", enum_of(method, path, 401))
                    self.assertIn("token_not_valid", enum_of(method, path, 401))
                    self.assertIn("permission_denied", enum_of(method, path, 403))
                    self.assertIn("throttled", enum_of(method, path, 429))
                    if "400" in operation["responses"]:
                        self.assertIn("invalid", enum_of(method, path, 400))

    def test_an_operation_does_not_list_another_operations_domain_codes(self):
        self.assertNotIn("child_has_history", enum_of("post", "/api/payments/", 409))
        self.assertNotIn("course_full", enum_of("delete", "/api/children/{id}/", 409))


def _assert_documented(testcase, response, *, method: str, path: str) -> None:
    schema = api_schema()
    responses = schema["paths"][path][method.lower()]["responses"]
    documented = responses.get(str(response.status_code))
    testcase.assertIsNotNone(documented, f"{response.status_code} not documented")
    body = _as_json_schema(
        documented["content"]["application/json"]["schema"], schema["components"]["schemas"]
    )
    jsonschema.validate(response.json(), body)


@time_machine.travel(NOW, tick=False)
class RealErrorsAreDocumentedTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(price=Decimal("350.00"))
        cls.enrollment = make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)

    def test_domain_errors_answer_a_documented_code(self):
        self.as_user("parent")
        draft = CourseFactory(status="draft")
        response = self.client.post(
            "/api/enrollment-requests/", {"course": draft.pk, "child": self.child.pk}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "course_not_published")
        _assert_documented(self, response, method="post", path="/api/enrollment-requests/")

        response = self.client.delete(f"/api/children/{self.child.pk}/")
        self.assertEqual(
            (response.status_code, response.json()["code"]), (409, "child_has_history")
        )
        _assert_documented(self, response, method="delete", path="/api/children/{id}/")

    def test_framework_errors_answer_a_documented_code(self):
        self.as_user("admin")
        response = self.client.post(
            "/api/payments/", data="{not json", content_type="application/json"
        )
        self.assertEqual((response.status_code, response.json()["code"]), (400, "parse_error"))
        _assert_documented(self, response, method="post", path="/api/payments/")

        self.client.force_authenticate(None)
        self.client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        response = self.client.get("/api/children/")
        self.assertEqual((response.status_code, response.json()["code"]), (401, "token_not_valid"))
        _assert_documented(self, response, method="get", path="/api/children/")

    def test_an_empty_submission_answers_a_documented_code(self):
        from courses.tests.factories import LectureFactory

        lecture = LectureFactory(course=self.course)
        self.as_user("admin")
        response = self.client.post(
            f"/api/lectures/{lecture.pk}/attendance/", {"records": []}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "records_required")
        _assert_documented(self, response, method="post", path="/api/lectures/{id}/attendance/")


class RequestBoundsInTheSchemaTests(SimpleTestCase):
    SAMPLES = ("350", "350.5", "350.50", "0.01", "٥٠", "٣٥٠٫٧٥", "99999999.99")
    REFUSED = ("1e3", "1E3", "-5", "+5", " 5", "5 ", "NaN", "Infinity", "1.234", "123456789", "")

    def test_records_have_the_services_bounds(self):
        records = api_schema()["components"]["schemas"]["SubmissionRequestRequest"]
        bounds = records["properties"]["records"]
        self.assertEqual((bounds["minItems"], bounds["maxItems"]), (1, MAX_RECORDS))

    def test_a_list_that_refuses_to_be_empty_says_so(self):
        ids = api_schema()["components"]["schemas"]["BulkApproveRequest"]["properties"]["ids"]
        self.assertEqual((ids["minItems"], ids["maxItems"]), (1, 200))

    def test_amounts_carry_the_pattern_their_field_checks(self):
        schemas = api_schema()["components"]["schemas"]
        for component, field in (
            ("PaymentCreateRequest", "amount"),
            ("PaymentInputRequest", "amount"),
            ("RefundCreateRequest", "amount"),
            ("ApproveRequest", "price"),
        ):
            with self.subTest(component=component):
                prop = schemas[component]["properties"][field]
                self.assertEqual((prop["type"], prop["pattern"]), ("string", MONEY_PATTERN))

    def test_the_pattern_and_the_field_agree(self):
        field = MoneyField()
        for text in self.SAMPLES:
            with self.subTest(text=text):
                self.assertTrue(re.fullmatch(MONEY_PATTERN, text))
                field.run_validation(text)
        for text in self.REFUSED:
            with self.subTest(text=text):
                self.assertIsNone(re.fullmatch(MONEY_PATTERN, text))
                with self.assertRaises(Exception):
                    field.run_validation(text)


@time_machine.travel(NOW, tick=False)
class AmountsTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(price=Decimal("350.00"))
        cls.enrollment = make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)

    def pay(self, amount):
        self.as_user("admin")
        body = {"enrollment": self.enrollment.pk, "amount": amount, "method": "cash"}
        return self.client.post("/api/payments/", body, format="json")

    def approve(self, amount):
        request = make_request(participant=self.other_child, course=self.course)
        self.as_user("admin")
        body = {"payment": {"amount": amount, "method": "cash"}}
        return self.client.post(
            f"/api/enrollment-requests/{request.pk}/approve/", body, format="json"
        )

    def test_a_payment_in_exponent_form_is_refused(self):
        response = self.pay("1e3")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "invalid")
        self.assertIn("amount", response.json())
        self.assertFalse(Payment.objects.exists())
        _assert_documented(self, response, method="post", path="/api/payments/")

    def test_a_payment_in_arabic_indic_digits_is_accepted(self):
        response = self.pay("٥٠")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["amount"], "50.00")
        self.assertEqual(self.pay("١٢٫٥").json()["amount"], "12.50")

    def test_approvals_payment_in_exponent_form_is_refused(self):
        response = self.approve("1e3")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "invalid")
        self.assertIn("payment", response.json())
        self.assertFalse(Payment.objects.exists())
        _assert_documented(
            self, response, method="post", path="/api/enrollment-requests/{id}/approve/"
        )

    def test_approvals_payment_in_arabic_indic_digits_is_accepted(self):
        response = self.approve("٥٠")
        self.assertEqual(response.status_code, 200, response.content)
        payment = Payment.objects.get(enrollment_id=response.json()["id"])
        self.assertEqual(payment.amount, Decimal("50.00"))
