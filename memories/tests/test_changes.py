"""One post changed, deleted, untagged (§6.9); the nightly removal of deleted posts; the
participants staff may tag."""

from __future__ import annotations

import datetime
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APITestCase

from core.models import JobLog
from memories.cron import remove_deleted_memories_nightly
from memories.models import Memory, MemoryItem, MemoryTag
from memories.tests.base import MemoryCases
from notifications.models import Notification
from users.models import Child, PhotoConsent


class ChangeTests(MemoryCases, APITestCase):
    def setUp(self):
        super().setUp()
        self.memory = self.post("instructor", course=self.course.pk).json()["id"]
        self.url = f"/api/memories/{self.memory}/"

    def patch(self, who, body):
        self.as_user(who)
        return self.client.patch(self.url, body, format="json")

    def test_the_author_edits_within_24_hours(self):
        response = self.patch("instructor", {"caption": "Better words"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["caption"], "Better words")
        later = timezone.now() + datetime.timedelta(hours=25)
        with time_machine.travel(later, tick=False):
            response = self.patch("instructor", {"caption": "Too late"})
            self.assertEqual(
                (response.status_code, response.json()["code"]),
                (403, "memory_edit_window_closed"),
            )
            self.assertEqual(self.patch("admin", {"caption": "Staff"}).status_code, 200)

    def test_a_family_that_sees_a_post_cannot_change_it(self):
        self.assertEqual(self.patch("parent", {"caption": "x"}).status_code, 403)
        self.assertEqual(self.patch("other_parent", {"caption": "x"}).status_code, 404)
        self.as_user("parent")
        self.assertEqual(self.client.delete(self.url).status_code, 403)

    def test_editing_tags_checks_consent_and_notifies_the_new_family(self):
        response = self.patch("instructor", {"audience": "center"})
        self.assertEqual((response.status_code, response.json()["code"]), (400, "consent_required"))
        before = Notification.objects.filter(recipient=self.student).count()
        response = self.patch(
            "instructor", {"participants": [{"type": "student", "id": self.student_profile.pk}]}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            list(MemoryTag.objects.filter(memory=self.memory).values_list("student", flat=True)),
            [self.student_profile.pk],
        )
        self.assertEqual(Notification.objects.filter(recipient=self.student).count(), before + 1)

    def test_a_lowered_consent_does_not_stop_a_caption_fix(self):
        Child.objects.filter(pk=self.child.pk).update(photo_consent=PhotoConsent.NONE)
        self.assertEqual(self.patch("instructor", {"caption": "Fixed"}).status_code, 200)
        response = self.patch("instructor", {"audience": "center"})
        self.assertEqual((response.status_code, response.json()["code"]), (400, "consent_required"))

    def test_delete_hides_at_once_and_the_job_removes_it_30_days_later(self):
        files = self.memory_files()
        self.assertTrue(files)
        self.as_user("instructor")
        self.assertEqual(self.client.delete(self.url).status_code, 204)
        self.assertEqual(self.feed("parent"), [])
        self.as_user("admin")
        self.assertEqual(self.client.get(self.url).status_code, 404)
        with self.captureOnCommitCallbacks(execute=True):
            log = remove_deleted_memories_nightly()
        self.assertEqual(log.counts["memories_removed"], 0)
        self.assertEqual(self.memory_files(), files)
        later = timezone.now() + datetime.timedelta(days=31)
        with time_machine.travel(later, tick=False), self.captureOnCommitCallbacks(execute=True):
            log = remove_deleted_memories_nightly()
        self.assertEqual(log.status, "success")
        self.assertEqual(log.counts, {"memories_removed": 1, "memory_files_removed": 1})
        self.assertFalse(Memory.objects.filter(pk=self.memory).exists())
        self.assertFalse(MemoryItem.objects.exists())
        self.assertEqual(self.memory_files(), set())

    def test_the_job_is_a_command_too(self):
        out = StringIO()
        call_command("remove_deleted_memories", stdout=out)
        self.assertTrue(JobLog.objects.filter(job_name="remove_deleted_memories").exists())

    def test_a_linked_parent_untags_their_child_and_the_family_post_leaves_their_feed(self):
        self.as_user("linked_parent")
        response = self.client.post(
            f"{self.url}untag/",
            {"participant": {"type": "child", "id": self.child.pk}},
            format="json",
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.feed("parent"), [])
        self.assertEqual(self.feed("linked_parent"), [])
        self.assertEqual(self.feed("admin"), [self.memory])

    def test_untag_is_for_the_participants_own_family(self):
        body = {"participant": {"type": "child", "id": self.child.pk}}
        self.as_user("other_parent")
        self.assertEqual(
            self.client.post(f"{self.url}untag/", body, format="json").status_code, 404
        )
        self.as_user("admin")
        self.assertEqual(
            self.client.post(f"{self.url}untag/", body, format="json").status_code, 403
        )
        self.as_user("parent")
        foreign = {"participant": {"type": "child", "id": self.other_child.pk}}
        response = self.client.post(f"{self.url}untag/", foreign, format="json")
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "participant_not_found")
        )

    def test_a_deleted_child_leaves_no_tag_behind(self):
        child = Child.objects.create(
            first_name="Tmp",
            last_name="Kid",
            dob=datetime.date(2018, 1, 1),
            gender="male",
            code="CZ0001",
            primary_parent=self.parent_profile,
        )
        MemoryTag.objects.create(memory_id=self.memory, child=child)
        child.delete()
        self.assertEqual(MemoryTag.objects.filter(memory=self.memory).count(), 1)


class ParticipantSearchTests(MemoryCases, APITestCase):
    def search(self, who, q):
        self.as_user(who)
        return self.client.get("/api/memories/participants/", {"q": q})

    def test_admins_find_everyone(self):
        response = self.search("admin", "Salma")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            [
                {
                    "type": "child",
                    "id": self.other_child.pk,
                    "name": self.other_child.full_name,
                    "code": self.other_child.code,
                }
            ],
        )

    def test_instructors_find_their_courses_participants_only(self):
        self.assertEqual(
            [r["id"] for r in self.search("instructor", "Omar").json()], [self.child.pk]
        )
        self.assertEqual(self.search("instructor", "Salma").json(), [])
        self.assertEqual(self.search("other_instructor", "Omar").json(), [])
        code = self.student_profile.code
        found = self.search("instructor", code).json()
        self.assertEqual(
            [(r["type"], r["id"]) for r in found], [("student", self.student_profile.pk)]
        )

    def test_at_least_two_characters_and_staff_only(self):
        response = self.search("admin", "O")
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "invalid_query_parameter")
        )
        self.assertEqual(self.search("parent", "Omar").status_code, 403)


class ConsentTests(MemoryCases, APITestCase):
    def test_only_the_primary_parent_changes_a_childs_consent(self):
        url = f"/api/children/{self.child.pk}/"
        self.as_user("linked_parent")
        self.assertEqual(
            self.client.patch(url, {"photo_consent": "none"}, format="json").status_code, 403
        )
        self.as_user("other_parent")
        self.assertEqual(
            self.client.patch(url, {"photo_consent": "none"}, format="json").status_code, 404
        )
        self.as_user("parent")
        response = self.client.patch(url, {"photo_consent": "none"}, format="json")
        self.assertEqual((response.status_code, response.json()["photo_consent"]), (200, "none"))
        self.assertEqual(
            self.client.patch(url, {"photo_consent": "all"}, format="json").status_code, 400
        )

    def test_a_student_sets_their_own_consent_on_me(self):
        self.as_user("student")
        self.assertEqual(self.client.get("/auth/users/me/").json()["photo_consent"], "family")
        response = self.client.patch("/auth/users/me/", {"photo_consent": "center"}, format="json")
        self.assertEqual((response.status_code, response.json()["photo_consent"]), (200, "center"))
        self.student_profile.refresh_from_db()
        self.assertEqual(self.student_profile.photo_consent, PhotoConsent.CENTER)

    def test_other_roles_have_no_consent_of_their_own(self):
        self.as_user("parent")
        self.assertIsNone(self.client.get("/auth/users/me/").json()["photo_consent"])
        response = self.client.patch("/auth/users/me/", {"photo_consent": "center"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo_consent", response.json())


class NotificationTextTests(MemoryCases, APITestCase):
    def test_the_memory_notification_reads_in_the_callers_language(self):
        self.post()
        self.as_user("parent")
        row = self.client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
        self.assertEqual(row["kind"], "memory")
        self.assertEqual(row["title"], "A new memory")
        self.assertIn("2026-11-10", row["body"])
        arabic = self.client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="ar").json()
        self.assertEqual(arabic["results"][0]["title"], "ذكرى جديدة")

    def test_a_parent_may_choose_a_new_childs_consent(self):
        self.as_user("parent")
        body = {
            "first_name": "Lina",
            "last_name": "K",
            "dob": "2017-03-01",
            "gender": "female",
            "photo_consent": "none",
        }
        response = self.client.post("/api/children/", body, format="json")
        self.assertEqual((response.status_code, response.json()["photo_consent"]), (201, "none"))
