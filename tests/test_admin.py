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


# --- the admin for the center's staff (issue #7) ------------------------------------------

LRI, PDI = "\u2066", "\u2069"
ARABIC = r"[\u0600-\u06FF]"
# Not shown on any page (the hash of a verification code) or filled in by services only.
UNLABELLED = {("users", "verificationcode", "code_hash")}


class ParentLinkRequestAddTests(AdminTestCase):
    def test_the_add_page_is_refused_not_a_server_error(self):
        url = admin_url(ParentLinkRequest, "add")

        self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(url, {"requester": make_parent().pk, "status": "pending"})

        self.assertEqual(response.status_code, 403)
        self.assertFalse(ParentLinkRequest.objects.exists())

    def test_the_change_list_offers_no_add_button(self):
        response = self.client.get(admin_url(ParentLinkRequest, "changelist"))

        self.assertNotContains(response, admin_url(ParentLinkRequest, "add"))


class PhoneDirectionTests(AdminTestCase):
    PHONE = "+201012345678"

    def setUp(self):
        super().setUp()
        self.parent = make_parent(phone_number1=self.PHONE, first_name="منى")

    def test_phones_in_change_lists_are_isolated_left_to_right(self):
        for model in (CustomUser, Parent):
            with self.subTest(model=model._meta.label):
                response = self.client.get(admin_url(model, "changelist"))

                self.assertContains(response, f'<bdi dir="ltr">{self.PHONE}</bdi>', html=False)

    def test_the_phone_input_is_left_to_right(self):
        response = self.client.get(admin_url(CustomUser, "change", self.parent.user.pk))

        form = response.context["adminform"].form
        self.assertEqual(form.fields["phone_number1"].widget.attrs.get("dir"), "ltr")
        self.assertRegex(
            response.content.decode(), r'<input[^>]*name="phone_number1"[^>]*dir="ltr"'
        )

    def test_titles_and_breadcrumbs_isolate_the_phone(self):
        response = self.client.get(admin_url(CustomUser, "change", self.parent.user.pk))

        html = response.content.decode()
        isolated = f"{LRI}{self.PHONE}{PDI}"
        title = html.split("<title>")[1].split("</title>")[0]
        breadcrumbs = html.split('class="breadcrumbs"')[1].split("</div>")[0]
        self.assertIn(isolated, title)
        self.assertIn(isolated, breadcrumbs)
        self.assertEqual(str(self.parent.user), f"منى {self.parent.user.last_name} ({isolated})")


class ArabicLabelTests(AdminTestCase):
    def test_every_model_and_field_on_our_admin_pages_has_an_arabic_name(self):
        from django.utils import translation

        ours = ("users", "courses", "notifications")
        with translation.override("ar"):
            for model in admin.site._registry:
                meta = model._meta
                if meta.app_label not in ours:
                    continue
                for name in (meta.verbose_name, meta.verbose_name_plural):
                    with self.subTest(model=meta.label):
                        self.assertRegex(str(name), ARABIC)
                for field in meta.get_fields():
                    if not hasattr(field, "verbose_name") or field.auto_created:
                        continue
                    if (meta.app_label, meta.model_name, field.name) in UNLABELLED:
                        continue
                    if not field.editable and field.name.startswith("planned_"):
                        continue
                    with self.subTest(field=f"{meta.label}.{field.name}"):
                        self.assertRegex(str(field.verbose_name), ARABIC)

    def test_the_many_to_many_tables_have_arabic_names(self):
        from django.utils import translation

        from courses.models import Course

        with translation.override("ar"):
            for through in (Course.tags.through, Child.other_parents.through):
                with self.subTest(through=through.__name__):
                    self.assertRegex(str(through._meta.verbose_name), ARABIC)
                    self.assertRegex(str(through._meta.verbose_name_plural), ARABIC)

        child = make_child()
        other = make_parent(first_name="Nadia", last_name="Fathy")
        child.other_parents.add(other)
        link = Child.other_parents.through.objects.get(child=child)
        self.assertEqual(str(link), f"{child} — Nadia Fathy")

    def test_link_request_pages_speak_arabic(self):
        link = _link_request()

        change = self.client.get(admin_url(ParentLinkRequest, "change", link.pk))
        listing = self.client.get(admin_url(ParentLinkRequest, "changelist"))

        for label in ("مقدّم الطلب", "قرّره", "تاريخ القرار", "طفل:", "قيد الانتظار"):
            self.assertContains(change, label)
        for english in ("Requester", "Decided by", "Decided at", "(pending)"):
            self.assertNotContains(change, english)
        # The status filter and the ID column.
        self.assertContains(listing, "الحالة")
        self.assertContains(listing, "الرقم التعريفي")
        self.assertNotContains(listing, ">ID<")

    def test_child_and_profile_forms_speak_arabic(self):
        child_page = self.client.get(admin_url(Child, "add"))
        profile_page = self.client.get(admin_url(Instructor, "change", make_instructor().pk))
        notification_page = self.client.get(admin_url(Notification, "add"))

        self.assertContains(child_page, "وليّ الأمر الأساسي")
        self.assertContains(child_page, "أولياء الأمور الآخرون")
        self.assertNotContains(child_page, "Primary parent")
        self.assertContains(profile_page, "المستخدم")
        self.assertNotContains(profile_page, ">User<")
        self.assertContains(notification_page, "المستلم")
        self.assertNotContains(notification_page, "Recipient")

    def test_permissions_are_named_in_arabic(self):
        response = self.client.get(admin_url(CustomUser, "change", self.staff.pk))

        self.assertContains(response, "يمكنه إضافة طفل")
        self.assertNotContains(response, "Can add child")

    def test_django_strings_missing_from_its_arabic_are_ours(self):
        response = self.client.get(admin_url(CustomUser, "change", make_parent().user.pk))

        self.assertContains(response, "إعادة تعيين كلمة المرور")
        self.assertNotContains(response, "Raw passwords are not stored")
        js = self.client.get("/courses-admin/jsi18n/").content.decode()
        self.assertIn("\\u0627\\u062e\\u062a\\u0631 \\u0643\\u0644 %s", js)  # "اختر كل %s"


class AdminSiteTests(AdminTestCase):
    def test_view_site_is_hidden(self):
        response = self.client.get("/courses-admin/")

        self.assertIsNone(response.context["site_url"])
        self.assertNotContains(response, "عرض الموقع")

    def test_token_tables_are_not_on_the_staff_pages(self):
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        self.assertFalse(admin.site.is_registered(OutstandingToken))
        self.assertNotContains(self.client.get("/courses-admin/"), "Tokens")

    def test_our_stylesheet_is_on_every_page(self):
        response = self.client.get(admin_url(Child, "changelist"))

        self.assertContains(response, "core/admin.css")

    def test_the_pages_are_arabic_when_the_browser_asks_for_english(self):
        response = self.client.get(admin_url(Child, "changelist"), HTTP_ACCEPT_LANGUAGE="en")

        self.assertContains(response, 'lang="ar"')
        self.assertContains(response, "لوحة إدارة واحة الرضوان")
        self.assertNotContains(response, "Select child to change")

    def test_the_api_still_answers_in_english_when_asked(self):
        response = self.client.get("/api/courses/999999/", HTTP_ACCEPT_LANGUAGE="en")

        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Language"], "en")


class ChildThroughServicesTests(AdminTestCase):
    def test_a_future_date_of_birth_is_a_form_error_from_the_service(self):
        parent = make_parent()

        response = self.client.post(
            admin_url(Child, "add"),
            {
                "first_name": "Laila",
                "last_name": "Samir",
                "dob": "2999-01-01",
                "gender": "female",
                "notes": "",
                "primary_parent": parent.pk,
            },
        )

        self.assertEqual(response.status_code, 200)
        form = response.context["adminform"].form
        self.assertIn("dob", form.errors)
        self.assertEqual(form.errors["dob"], ["لا يمكن أن يكون تاريخ الميلاد في المستقبل."])
        self.assertFalse(Child.objects.exists())
        self.assertEqual(list(response.context["messages"]), [])

    def test_editing_a_child_goes_through_the_service_and_keeps_the_code(self):
        child = make_child()
        code = child.code
        new_parent = make_parent()

        response = self.client.post(
            admin_url(Child, "change", child.pk),
            {
                "first_name": "Omar",
                "last_name": child.last_name,
                "dob": child.dob.isoformat(),
                "gender": child.gender,
                "notes": "",
                "primary_parent": new_parent.pk,
            },
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        child.refresh_from_db()
        self.assertEqual((child.first_name, child.code), ("Omar", code))
        self.assertEqual(child.primary_parent, new_parent)

    def test_a_future_date_of_birth_on_edit_changes_nothing(self):
        child = make_child()

        response = self.client.post(
            admin_url(Child, "change", child.pk),
            {
                "first_name": "Changed",
                "last_name": child.last_name,
                "dob": "2999-01-01",
                "gender": child.gender,
                "notes": "",
                "primary_parent": child.primary_parent.pk,
            },
        )

        self.assertEqual(response.status_code, 200)
        self.assertIn("dob", response.context["adminform"].form.errors)
        child.refresh_from_db()
        self.assertNotEqual(child.first_name, "Changed")


class ProfileAdminTests(AdminTestCase):
    def test_profiles_come_from_the_accounts_role_not_an_add_form(self):
        # Instructors are the exception: their list adds account and profile together
        # (users.tests.test_instructor_admin).
        for model in (StudentUser, Parent):
            with self.subTest(model=model._meta.label):
                self.assertEqual(self.client.get(admin_url(model, "add")).status_code, 403)

    def test_a_profile_does_not_move_to_another_account(self):
        instructor, stranger = make_instructor(), make_parent().user

        response = self.client.post(
            admin_url(Instructor, "change", instructor.pk),
            {"user": stranger.pk, "bio": "Tajweed", "kind": "supervisor", "fingerprint_id": ""},
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        instructor.refresh_from_db()
        self.assertNotEqual(instructor.user, stranger)
        self.assertEqual((instructor.bio, instructor.kind), ("Tajweed", "supervisor"))


class NotificationAdminTests(AdminTestCase):
    def test_staff_can_write_a_notification(self):
        recipient = make_parent().user

        response = self.client.post(
            admin_url(Notification, "add"),
            {"recipient": recipient.pk, "kind": "note", "title": "مرحبا", "body": "", "data": "{}"},
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        notification = Notification.objects.get(recipient=recipient)
        self.assertEqual((notification.kind, notification.title), ("note", "مرحبا"))
        self.assertIsNone(notification.read_at)
