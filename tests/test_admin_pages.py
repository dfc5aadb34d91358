"""The list of admin pages the browser walk opens (scripts/admin_pages.py), without a
browser: every registered model's change list is on it, and a page that a model admin or
the site adds is found without being named anywhere."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

from django.contrib import admin
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, TestCase, override_settings
from django.urls import path, reverse
from django.utils import timezone

from core.models import JobLog
from courses.models import Tag
from users.tests.factories import make_admin

ROOT = Path(__file__).resolve().parent.parent


def _admin_pages_module():
    spec = importlib.util.spec_from_file_location(
        "admin_pages", ROOT / "scripts" / "admin_pages.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


admin_pages = _admin_pages_module().admin_pages


def _urls(found, kind=None) -> set[str]:
    return {page.url for page in found.pages if kind is None or page.kind == kind}


class TheProjectsAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin()

    def test_every_registered_admin_has_its_change_list_on_the_walk(self):
        expected = {
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            for model in admin.site._registry
        }
        found = admin_pages(self.staff)
        self.assertEqual(_urls(found, "changelist"), expected)
        self.assertGreater(len(expected), 20)

    def test_the_site_pages_and_one_page_per_app(self):
        found = admin_pages(self.staff)
        self.assertIn("/courses-admin/", _urls(found, "index"))
        self.assertEqual(
            [(page.url, page.logged_out) for page in found.pages if page.kind == "login"],
            [("/courses-admin/login/", True)],
        )
        self.assertIn("/courses-admin/password_change/", _urls(found))
        labels = {model._meta.app_label for model in admin.site._registry}
        self.assertEqual(_urls(found, "app"), {f"/courses-admin/{label}/" for label in labels})
        for left_out in ("logout/", "jsi18n/", "autocomplete/"):
            self.assertNotIn(f"/courses-admin/{left_out}", _urls(found))
        # Pages of the site from the project's URLconf: the import of people (§6.11).
        self.assertIn("/courses-admin/import/", _urls(found, "site"))

    def test_add_forms_where_the_admin_allows_adding_and_the_first_objects_form(self):
        tag = Tag.objects.create(name="تجويد")
        Tag.objects.create(name="خط")
        found = admin_pages(self.staff)
        self.assertIn(reverse("admin:courses_tag_add"), _urls(found, "add"))
        self.assertIn(reverse("admin:courses_tag_change", args=[tag.pk]), _urls(found, "change"))
        self.assertEqual(
            sorted(url for url in _urls(found) if url.startswith("/courses-admin/courses/tag/")),
            sorted(
                [
                    "/courses-admin/courses/tag/",
                    "/courses-admin/courses/tag/add/",
                    f"/courses-admin/courses/tag/{tag.pk}/change/",
                ]
            ),
        )
        # A read-only admin has no add form; without a row there is no change form.
        self.assertFalse(JobLog.objects.exists())
        joblog = [url for url in _urls(found) if "/core/joblog/" in url]
        self.assertEqual(joblog, ["/courses-admin/core/joblog/"])

    def test_history_and_delete_pages_on_request_where_deleting_is_allowed(self):
        tag = Tag.objects.create(name="تجويد")
        now = timezone.now()
        log = JobLog.objects.create(
            job_name="mark_absent_daily", started_at=now, finished_at=now, status="success"
        )
        self.assertNotIn(
            f"/courses-admin/courses/tag/{tag.pk}/history/", _urls(admin_pages(self.staff))
        )
        found = admin_pages(self.staff, include_object_pages=True)
        self.assertLessEqual(
            {
                f"/courses-admin/courses/tag/{tag.pk}/history/",
                f"/courses-admin/courses/tag/{tag.pk}/delete/",
                f"/courses-admin/core/joblog/{log.pk}/history/",
            },
            _urls(found, "object"),
        )
        self.assertNotIn(f"/courses-admin/core/joblog/{log.pk}/delete/", _urls(found))

    def test_every_page_answers_200_to_the_staff(self):
        call_command("seed_demo", stdout=io.StringIO())
        found = admin_pages(self.staff)
        browser = Client()
        browser.force_login(self.staff)
        for page in found.pages:
            if page.logged_out:
                continue
            with self.subTest(page=page.url):
                self.assertEqual(browser.get(page.url).status_code, 200)
        self.assertGreater(len(_urls(found, "change")), 10)


class AppPageTests(TestCase):
    def test_an_apps_page_lists_its_models_without_the_dashboard(self):
        browser = Client()
        browser.force_login(make_admin())
        html = browser.get("/courses-admin/courses/").content.decode()
        self.assertNotIn('id="center-dashboard"', html)
        self.assertIn("app-courses", html)
        self.assertIn('id="center-dashboard"', browser.get("/courses-admin/").content.decode())


# --- a site with pages of its own ---------------------------------------------------------------


def _page(request, **kwargs):
    return HttpResponse("ok")


class TagWithPages(admin.ModelAdmin):
    def get_urls(self):
        return [
            path("summary/", self.admin_site.admin_view(_page), name="courses_tag_summary"),
            path("<path:object_id>/card/", self.admin_site.admin_view(_page), name="tag_card"),
            path("by-letter/<str:letter>/", self.admin_site.admin_view(_page), name="tag_letter"),
            *super().get_urls(),
        ]


class SiteWithPages(admin.AdminSite):
    def get_urls(self):
        return [path("reports/", self.admin_view(_page), name="reports"), *super().get_urls()]


site = SiteWithPages(name="walked")
site.register(Tag, TagWithPages)
urlpatterns = [
    path("walked-admin/extra/", site.admin_view(_page)),
    path("walked-admin/", site.urls),
]


@override_settings(ROOT_URLCONF=__name__)
class PagesAddedLaterTests(TestCase):
    def test_pages_of_a_model_admin_and_of_the_site_are_found(self):
        tag = Tag.objects.create(name="تجويد")
        found = admin_pages(make_admin(), site)
        by_url = {page.url: page for page in found.pages}
        self.assertEqual(by_url["/walked-admin/courses/tag/summary/"].kind, "custom")
        self.assertEqual(by_url["/walked-admin/courses/tag/summary/"].name, "courses_tag_summary")
        self.assertEqual(by_url[f"/walked-admin/courses/tag/{tag.pk}/card/"].kind, "custom")
        self.assertEqual(by_url["/walked-admin/reports/"].kind, "site")
        self.assertIn("/walked-admin/extra/", by_url)
        self.assertIn("/walked-admin/courses/tag/", by_url)
        self.assertIn("/walked-admin/courses/", by_url)
        # A route the walk cannot fill is reported, not skipped in silence.
        self.assertEqual(
            found.not_walked, ["/walked-admin/courses/tag/by-letter/<str:letter>/ (needs letter)"]
        )
        names = [page.name for page in found.pages]
        self.assertEqual(len(names), len(set(names)))
