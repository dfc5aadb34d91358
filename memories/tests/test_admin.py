"""Memories on the admin site: posts with their items as signed thumbnails, deletion
through the service; a child's photo consent on the child's page."""

from __future__ import annotations

from rest_framework.test import APITestCase

from memories.models import Memory
from memories.tests.base import MemoryCases, mp4_upload
from testkit.images import image_upload
from users.models import Child, PhotoConsent


class MemoryAdminTests(MemoryCases, APITestCase):
    def setUp(self):
        super().setUp()
        self.memory = self.post(items=[image_upload(), mp4_upload()]).json()["id"]
        self.client.force_authenticate(None)
        self.client.force_login(self.admin)

    def test_the_list_shows_items_as_signed_thumbnails(self):
        response = self.client.get("/courses-admin/memories/memory/")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn('<img src="/files/memories/', page)
        self.assertIn("-thumb.png?expires=", page)
        self.assertIn(".mp4?expires=", page)

    def test_the_post_page_shows_its_tags(self):
        response = self.client.get(f"/courses-admin/memories/memory/{self.memory}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.child.full_name)

    def test_deleting_hides_the_post_and_keeps_its_files_for_the_job(self):
        files = self.memory_files()
        response = self.client.post(
            f"/courses-admin/memories/memory/{self.memory}/delete/",
            {"post": "yes"},
            format="multipart",
        )
        self.assertEqual(response.status_code, 302)
        self.assertIsNotNone(Memory.objects.get(pk=self.memory).deleted_at)
        self.assertEqual(self.memory_files(), files)
        listed = self.client.get("/courses-admin/memories/memory/").content.decode()
        self.assertNotIn(f"/courses-admin/memories/memory/{self.memory}/change/", listed)

    def test_staff_see_and_change_a_childs_consent(self):
        url = f"/courses-admin/users/child/{self.child.pk}/change/"
        page = self.client.get(url)
        self.assertContains(page, 'name="photo_consent"')
        data = {
            "first_name": self.child.first_name,
            "last_name": self.child.last_name,
            "dob": self.child.dob.isoformat(),
            "gender": self.child.gender,
            "notes": "",
            "photo_consent": PhotoConsent.CENTER,
            "primary_parent": self.parent_profile.pk,
            "other_parents": [self.linked_parent_profile.pk],
        }
        self.assertEqual(self.client.post(url, data, format="multipart").status_code, 302)
        self.assertEqual(Child.objects.get(pk=self.child.pk).photo_consent, PhotoConsent.CENTER)
