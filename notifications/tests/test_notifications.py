"""Notifications: the caller's own list, marking read, and SMS after commit (SPEC §6.5)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from core.sms import LocmemSmsBackend
from notifications.models import Notification
from notifications.services import notification_create
from users.tests.factories import make_parent
from users.tests.personas import PersonasMixin

LIST_URL = "/api/notifications/"
READ_ALL_URL = "/api/notifications/read-all/"


def read_url(notification: Notification) -> str:
    return f"/api/notifications/{notification.pk}/read/"


class ExplodingSmsBackend:
    """An SMS gateway that is down."""

    def send(self, phone: str, message: str) -> None:
        raise ConnectionError("SMS gateway unreachable")


class NotificationApiTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.me = cls.parent
        cls.someone_else = cls.other_parent
        cls.mine = [
            notification_create(recipient=cls.me, kind="test", title=f"Mine {i}") for i in range(3)
        ]
        cls.theirs = notification_create(recipient=cls.someone_else, kind="test", title="Theirs")

    def setUp(self):
        self.client.force_authenticate(self.me)

    def test_a_user_lists_only_their_own_notifications_newest_first(self):
        response = self.client.get(LIST_URL)

        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["count"], 3)
        self.assertEqual([n["id"] for n in body["results"]], [n.pk for n in reversed(self.mine)])
        self.assertEqual(
            set(body["results"][0]),
            {"id", "kind", "title", "body", "data", "read_at", "is_read", "created_at"},
        )

    def test_another_users_notification_is_not_found(self):
        self.assertEqual(self.client.get(f"{LIST_URL}{self.theirs.pk}/").status_code, 404)
        self.assertEqual(self.client.post(read_url(self.theirs)).status_code, 404)

        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.read_at)

    def test_reading_a_notification_sets_read_at_once(self):
        first = self.client.post(read_url(self.mine[0]))

        self.assertEqual(first.status_code, 200)
        self.assertTrue(first.json()["is_read"])
        self.mine[0].refresh_from_db()
        read_at = self.mine[0].read_at
        self.assertIsNotNone(read_at)

        again = self.client.post(read_url(self.mine[0]))

        self.assertEqual(again.status_code, 200)
        self.mine[0].refresh_from_db()
        self.assertEqual(self.mine[0].read_at, read_at)

    def test_read_all_marks_only_the_callers_unread_notifications(self):
        self.client.post(read_url(self.mine[0]))

        response = self.client.post(READ_ALL_URL)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"updated": 2})
        self.assertFalse(Notification.objects.filter(recipient=self.me).unread().exists())
        self.theirs.refresh_from_db()
        self.assertIsNone(self.theirs.read_at)
        self.assertEqual(self.client.post(READ_ALL_URL).json(), {"updated": 0})

    def test_the_unread_filter_hides_read_notifications(self):
        self.client.post(read_url(self.mine[1]))

        unread = self.client.get(LIST_URL, {"unread": "true"}).json()
        everything = self.client.get(LIST_URL).json()

        self.assertEqual({n["id"] for n in unread["results"]}, {self.mine[0].pk, self.mine[2].pk})
        self.assertEqual(everything["count"], 3)

    def test_anonymous_callers_get_401_everywhere(self):
        self.client.force_authenticate(None)

        for method, url in (
            ("get", LIST_URL),
            ("post", read_url(self.mine[0])),
            ("post", READ_ALL_URL),
        ):
            with self.subTest(url=url):
                self.assertEqual(getattr(self.client, method)(url).status_code, 401)
        self.assertFalse(Notification.objects.exclude(read_at=None).exists())

    def test_the_list_runs_the_same_queries_for_one_page_size_as_another(self):
        for i in range(20):
            notification_create(recipient=self.me, kind="test", title=f"More {i}")

        with CaptureQueriesContext(connection) as small:
            self.client.get(LIST_URL, {"page_size": 2})
        with CaptureQueriesContext(connection) as large:
            self.client.get(LIST_URL, {"page_size": 20})

        self.assertEqual(len(large), len(small))


class ParentLinkNotificationTests(PersonasMixin, APITestCase):
    def test_the_primary_parent_is_notified_of_a_link_request(self):
        self.as_user("other_parent")
        self.client.post("/api/parent-links/", {"child_code": self.child.code})

        self.as_user("parent")
        results = self.client.get(LIST_URL).json()["results"]

        self.assertEqual(len(results), 1)
        self.assertEqual(results[0]["kind"], "parent_link_request")
        self.assertEqual(results[0]["data"]["child"], self.child.pk)
        for who in ("other_parent", "linked_parent"):
            self.as_user(who)
            self.assertEqual(self.client.get(LIST_URL).json()["count"], 0)


class NotificationSmsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.recipient = make_parent(phone_number1="+201012340000").user

    def setUp(self):
        LocmemSmsBackend.outbox.clear()

    def test_an_sms_is_sent_only_after_the_transaction_commits(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            notification_create(
                recipient=self.recipient,
                kind="receipt",
                title="Payment",
                body="350.00 EGP",
                sms=True,
            )
            # Nothing leaves the building while the transaction may still roll back.
            self.assertEqual(LocmemSmsBackend.outbox, [])

        self.assertEqual(len(callbacks), 1)
        self.assertEqual(LocmemSmsBackend.outbox, [("+201012340000", "Payment\n350.00 EGP")])

    def test_no_sms_is_sent_when_the_transaction_rolls_back(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            notification_create(recipient=self.recipient, kind="receipt", title="P", sms=True)

        # Callbacks captured but never run: what a rollback does.
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(LocmemSmsBackend.outbox, [])

    def test_no_sms_is_sent_unless_asked(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            notification_create(recipient=self.recipient, kind="info", title="Hello")

        self.assertEqual(callbacks, [])
        self.assertEqual(LocmemSmsBackend.outbox, [])

    @override_settings(SMS_BACKEND=f"{__name__}.ExplodingSmsBackend")
    def test_a_failing_sms_backend_never_fails_the_caller(self):
        with self.assertLogs("core.sms", level="ERROR") as logs:
            with self.captureOnCommitCallbacks(execute=True):
                notification = notification_create(
                    recipient=self.recipient, kind="receipt", title="Payment", sms=True
                )

        self.assertTrue(Notification.objects.filter(pk=notification.pk).exists())
        self.assertIn("+201******000", "\n".join(logs.output))
        self.assertNotIn("+201012340000", "\n".join(logs.output))


@override_settings(SMS_BACKEND=f"{__name__}.ExplodingSmsBackend")
class FailingSmsDuringARequestTests(PersonasMixin, APITestCase):
    def setUp(self):
        cache.clear()  # the one-code-a-minute throttle

    def test_a_failing_sms_backend_never_fails_the_request(self):
        self.as_user("parent")

        with self.assertLogs("core.sms", level="ERROR"):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post("/auth/phone/send-code/")

        self.assertEqual(response.status_code, 202)
