"""The admin site at /courses-admin/ (SPEC §6.6) for people and notifications."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from users.models import (
    Child,
    CustomUser,
    Instructor,
    LinkStatus,
    Parent,
    ParentLinkRequest,
    Role,
    StudentUser,
    VerificationCode,
)
from users.tests.factories import (
    make_admin,
    make_child,
    make_instructor,
    make_parent,
    make_student,
)

APP_LABELS = ("users", "notifications")


def _notification():
    return Notification.objects.create(recipient=make_parent().user, kind="test", title="T")


def _link_request():
    return ParentLinkRequest.objects.create(requester=make_parent(), child=make_child())


def _verification_code():
    user = make_parent().user
    return VerificationCode.objects.create(
        user=user, code_hash="not-a-real-hash", expires_at=timezone.now()
    )


# One row of each registered model, made the way the services make it.
BUILDERS = {
    CustomUser: lambda: make_parent().user,
    StudentUser: make_student,
    Parent: make_parent,
    Instructor: make_instructor,
    Child: make_child,
    ParentLinkRequest: _link_request,
    Notification: _notification,
    VerificationCode: _verification_code,
}


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def registered_models():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APP_LABELS
    ]


class AdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Role-admin staff, not a superuser: StaffRoleBackend grants the admin's permissions.
        cls.staff = make_admin(first_name="Staff")

    def setUp(self):
        self.client.force_login(self.staff)


class AdminLoginPageTests(TestCase):
    def test_the_login_page_is_arabic_right_to_left_and_branded(self):
        response = self.client.get("/courses-admin/login/")

        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('dir="rtl"', html)
        self.assertIn('lang="ar"', html)
        self.assertIn("لوحة إدارة واحة الرضوان", html)

    def test_a_parent_is_sent_to_the_login_page(self):
        self.client.force_login(make_parent().user)

        response = self.client.get("/courses-admin/")

        self.assertEqual(response.status_code, 302)
        self.assertIn("/courses-admin/login/", response["Location"])


class AdminPagesTests(AdminTestCase):
    def test_every_people_and_notification_model_is_registered(self):
        models = {model for model, _ in registered_models()}

        self.assertTrue(set(BUILDERS) <= models, set(BUILDERS) - models)

    def test_the_index_lists_the_apps_in_arabic_right_to_left(self):
        response = self.client.get("/courses-admin/")

        self.assertEqual(response.status_code, 200)
        self.assertIn('dir="rtl"', response.content.decode())

    def test_every_changelist_opens(self):
        for model, _ in registered_models():
            with self.subTest(model=model._meta.label):
                self.assertEqual(self.client.get(admin_url(model, "changelist")).status_code, 200)

    def test_every_add_page_opens_unless_adding_is_disabled(self):
        request = self.client.get("/courses-admin/").wsgi_request
        for model, model_admin in registered_models():
            expected = 200 if model_admin.has_add_permission(request) else 403
            with self.subTest(model=model._meta.label):
                self.assertEqual(self.client.get(admin_url(model, "add")).status_code, expected)

    def test_every_change_page_opens(self):
        for model, _ in registered_models():
            if model not in BUILDERS:
                continue
            obj = BUILDERS[model]()
            with self.subTest(model=model._meta.label):
                response = self.client.get(admin_url(model, "change", obj.pk))
                self.assertEqual(response.status_code, 200)

    def test_verification_codes_are_read_only_and_never_show_the_hash(self):
        code = _verification_code()

        response = self.client.get(admin_url(VerificationCode, "change", code.pk))

        self.assertEqual(response.status_code, 200)
        self.assertNotIn("not-a-real-hash", response.content.decode())

    def test_adding_a_child_gives_it_a_participant_code(self):
        parent = make_parent()

        response = self.client.post(
            admin_url(Child, "add"),
            {
                "first_name": "Laila",
                "last_name": "Samir",
                "dob": "2017-04-02",
                "gender": "female",
                "notes": "",
                "primary_parent": parent.pk,
            },
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        child = Child.objects.get(first_name="Laila")
        self.assertRegex(child.code, r"^G\d{5}$")
        self.assertEqual(child.primary_parent, parent)

    def test_adding_a_user_gives_the_account_its_role_profile(self):
        response = self.client.post(
            admin_url(CustomUser, "add"),
            {
                "phone_number1": "01077770000",
                "first_name": "Hoda",
                "last_name": "Nabil",
                "role": Role.STUDENT,
                "password1": "Str0ng-pass-987",
                "password2": "Str0ng-pass-987",
                "usable_password": "true",
            },
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        user = CustomUser.objects.get(phone_number1="+201077770000")
        self.assertTrue(StudentUser.objects.filter(user=user).exists())


class ChangelistQueryCountTests(AdminTestCase):
    """A change list runs the same number of queries for 1 row as for 30."""

    MODELS = (CustomUser, Child, StudentUser, Parent, Instructor, ParentLinkRequest, Notification)

    def _count_queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_changelists_do_not_grow_with_rows(self):
        for model in self.MODELS:
            with self.subTest(model=model._meta.label):
                url = admin_url(model, "changelist")
                BUILDERS[model]()
                self.client.get(url)  # warm caches (content types, sessions)
                one = self._count_queries(url)
                for _ in range(29):
                    BUILDERS[model]()
                many = self._count_queries(url)

                self.assertEqual(many, one)


class AdminSearchTests(AdminTestCase):
    def _results(self, model, query: str) -> list:
        response = self.client.get(admin_url(model, "changelist"), {"q": query})
        self.assertEqual(response.status_code, 200)
        return list(response.context["cl"].result_list)

    def test_users_are_found_by_phone_in_either_form(self):
        wanted = make_parent(phone_number1="+201012345678").user
        make_parent(phone_number1="+201099990000")

        for query in ("+201012345678", "01012345678", "12345678"):
            with self.subTest(query=query):
                self.assertEqual(self._results(CustomUser, query), [wanted])

    def test_parents_are_found_by_phone(self):
        wanted = make_parent(phone_number1="+201012345678")
        make_parent()

        self.assertEqual(self._results(Parent, "01012345678"), [wanted])

    def test_children_are_found_by_code_and_by_parent_phone(self):
        parent = make_parent(phone_number1="+201055554444")
        wanted = make_child(parent=parent)
        make_child()

        self.assertEqual(self._results(Child, wanted.code), [wanted])
        self.assertEqual(self._results(Child, wanted.code.lower()), [wanted])
        self.assertEqual(self._results(Child, "01055554444"), [wanted])


class ParentLinkRequestActionTests(AdminTestCase):
    def _run_action(self, action: str, *links):
        return self.client.post(
            admin_url(ParentLinkRequest, "changelist"),
            {"action": action, "_selected_action": [link.pk for link in links]},
            follow=True,
        )

    def _messages(self, response) -> list[tuple[int, str]]:
        return [(m.level, str(m)) for m in response.context["messages"]]

    def test_approve_links_the_requesting_parent_through_the_service(self):
        link = _link_request()

        response = self._run_action("approve", link)

        self.assertEqual(response.status_code, 200)
        link.refresh_from_db()
        self.assertEqual(link.status, LinkStatus.APPROVED)
        self.assertEqual(link.decided_by, self.staff)
        self.assertIsNotNone(link.decided_at)
        self.assertIn(link.requester, link.child.other_parents.all())

    def test_reject_does_not_link_the_parent(self):
        link = _link_request()

        self._run_action("reject", link)

        link.refresh_from_db()
        self.assertEqual(link.status, LinkStatus.REJECTED)
        self.assertFalse(link.child.other_parents.exists())

    def test_a_request_already_decided_is_reported_not_crashed(self):
        decided = _link_request()
        decided.status = LinkStatus.REJECTED
        decided.save()
        pending = _link_request()

        response = self._run_action("approve", decided, pending)

        self.assertEqual(response.status_code, 200)
        levels = [level for level, _ in self._messages(response)]
        self.assertIn(messages.WARNING, levels)
        decided.refresh_from_db()
        pending.refresh_from_db()
        self.assertEqual(decided.status, LinkStatus.REJECTED)
        self.assertFalse(decided.child.other_parents.exists())
        self.assertEqual(pending.status, LinkStatus.APPROVED)
        # "1 request(s) processed." in whichever language the admin speaks.
        summary = [text for level, text in self._messages(response) if level == messages.INFO]
        self.assertEqual(len(summary), 1)
        self.assertRegex(summary[0], r"(?<!\d)1(?!\d)")

    def test_approving_past_the_parent_limit_is_reported_not_crashed(self):
        child = make_child()
        for _ in range(2):
            child.other_parents.add(make_parent())
        link = ParentLinkRequest.objects.create(requester=make_parent(), child=child)

        response = self._run_action("approve", link)

        self.assertEqual(response.status_code, 200)
        self.assertIn(messages.WARNING, [level for level, _ in self._messages(response)])
        link.refresh_from_db()
        self.assertEqual(link.status, LinkStatus.PENDING)
        self.assertEqual(child.other_parents.count(), 2)


class ChildDeleteTests(AdminTestCase):
    def test_deleting_a_child_without_history_through_the_admin_removes_it(self):
        child = make_child()
        ParentLinkRequest.objects.create(requester=make_parent(), child=child)

        response = self.client.post(admin_url(Child, "delete", child.pk), {"post": "yes"})

        self.assertEqual(response.status_code, 302)
        self.assertFalse(Child.objects.filter(pk=child.pk).exists())
