"""Absence alerts (§6.6, issue #11 point 3): one ``absence`` notification per linked
parent — or the adult student — per (participant, lecture), ever; texted after the commit
when the recipient keeps ``absence_sms`` on; Arabic unless the reader asks otherwise.

The lecture (courses.tests.factories.LectureFactory) runs 7 November 2026, 17:00–18:30
Cairo time. ``self.child`` has two parents (``parent``, primary, and ``linked_parent``).
"""

from __future__ import annotations

import datetime

import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import RefreshToken

from attendance import cron
from attendance.absence_alerts import absence_alerts_for_rows, absence_text
from attendance.models import AbsenceAlert, LectureAttendance
from core.sms import LocmemSmsBackend
from courses.rules import CENTER_TZ, local_datetime
from courses.tests.base import PersonaTestCase
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from notifications.models import Notification
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_admin, make_child, make_parent, make_student

DAY = datetime.date(2026, 11, 7)
DURING = datetime.datetime(2026, 11, 7, 17, 30, tzinfo=CENTER_TZ)
NIGHT = local_datetime(DAY, datetime.time(23, 59))


def at(moment):
    return time_machine.travel(moment, tick=False)


def alerts_to(user):
    return Notification.objects.filter(recipient=user, kind="absence")


class AlertTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lecture = LectureFactory(course=cls.course)
        cls.sibling = make_child(cls.parent_profile, first_name="Laila", gender="female")
        for kid in (cls.child, cls.sibling):
            make_attendance(cls.lecture, child=kid)
        make_attendance(cls.lecture, student=cls.student_profile)
        cls.url = f"/api/lectures/{cls.lecture.pk}/attendance/"

    def setUp(self):
        super().setUp()
        LocmemSmsBackend.outbox.clear()

    def submit(self, child=False, sibling=True, student=True, who="instructor"):
        records = [
            {"child": self.child.pk, "present": child, "rating": 7},
            {"child": self.sibling.pk, "present": sibling, "rating": 8},
            {"student": self.student_profile.pk, "present": student, "rating": 6},
        ]
        with at(DURING), self.captureOnCommitCallbacks(execute=True):
            response = self.call(who, "post", self.url, {"records": records})
        self.assertEqual(response.status_code, 200, response.data)
        return response


class WhoIsAlertedTests(AlertTestCase):
    def test_each_linked_parent_gets_one_alert_naming_participant_course_and_date(self):
        self.submit(child=False)
        for who in (self.parent, self.linked_parent):
            alerts = list(alerts_to(who))
            self.assertEqual(len(alerts), 1, who)
            alert = alerts[0]
            self.assertEqual(
                alert.data,
                {
                    "participant": {
                        "type": "child",
                        "id": self.child.pk,
                        "name": f"{self.child.first_name} {self.child.last_name}",
                        "code": self.child.code,
                    },
                    "lecture": {
                        "id": self.lecture.pk,
                        "number": self.lecture.number,
                        "date": "2026-11-07",
                    },
                    "course": {"id": self.course.pk, "name": self.course.name},
                },
            )
            self.assertIn(self.child.first_name, alert.title)
            self.assertIn(self.course.name, alert.body)
            self.assertIn("2026-11-07", alert.body)
            self.assertIsNone(alert.read_at)
        self.assertFalse(alerts_to(self.other_parent).exists())
        self.assertEqual(AbsenceAlert.objects.get().attendance.child, self.child)

    def test_a_present_participant_alerts_no_one(self):
        self.submit(child=True, sibling=True, student=True)
        self.assertFalse(Notification.objects.filter(kind="absence").exists())
        self.assertFalse(AbsenceAlert.objects.exists())

    def test_an_absent_adult_student_is_alerted_themself(self):
        self.submit(child=True, student=False)
        self.assertEqual(alerts_to(self.student).count(), 1)
        alert = alerts_to(self.student).get()
        self.assertEqual(alert.data["participant"]["type"], "student")
        self.assertEqual(alert.data["participant"]["code"], self.student_profile.code)
        self.assertFalse(alerts_to(self.parent).exists())

    def test_an_admin_marking_absent_alerts_the_same_way(self):
        self.submit(child=False, who="admin")
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertEqual(alerts_to(self.linked_parent).count(), 1)

    def test_an_inactive_parent_account_gets_nothing(self):
        type(self.linked_parent).objects.filter(pk=self.linked_parent.pk).update(is_active=False)
        self.submit(child=False)
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertFalse(alerts_to(self.linked_parent).exists())

    def test_the_parent_reads_it_in_the_notifications_list(self):
        self.submit(child=False)
        response = self.call("parent", "get", "/api/notifications/?kind=absence")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["count"], 1)
        self.assertEqual(response.data["results"][0]["kind"], "absence")


class OnceEverTests(AlertTestCase):
    def test_a_resubmission_that_keeps_the_child_absent_sends_nothing_new(self):
        self.submit(child=False)
        self.submit(child=False)
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertEqual(len(LocmemSmsBackend.outbox), 2)  # the first submission's two

    def test_absent_then_present_then_absent_again_is_still_one_alert(self):
        self.submit(child=False)
        self.submit(child=True)
        self.submit(child=False)
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertEqual(alerts_to(self.linked_parent).count(), 1)

    def test_present_then_absent_alerts_once_on_the_change(self):
        self.submit(child=True)
        self.assertFalse(alerts_to(self.parent).exists())
        self.submit(child=False)
        self.assertEqual(alerts_to(self.parent).count(), 1)

    def test_the_database_refuses_a_second_claim_for_the_same_pair(self):
        # The claim is unique per attendance row, itself unique per (lecture, participant).
        for participant in ({"child": self.child}, {"student": self.student_profile}):
            row = LectureAttendance.objects.get(lecture=self.lecture, **participant)
            AbsenceAlert.objects.create(attendance=row, alerted_at=DURING)
            with self.subTest(**participant), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    AbsenceAlert.objects.create(attendance=row, alerted_at=NIGHT)

    def test_a_claimed_row_cannot_be_deleted_from_under_its_alert(self):
        row = LectureAttendance.objects.get(lecture=self.lecture, child=self.child)
        AbsenceAlert.objects.create(attendance=row, alerted_at=DURING)
        with self.assertRaises(IntegrityError), transaction.atomic():
            row.delete()
            connection.check_constraints()  # the deferred foreign key, checked now

    def test_two_submissions_at_one_moment_announce_only_their_own_claims(self):
        # Both at DURING: the second claims the student's absence only, and the child's
        # claim, made by the first at the same moment, is not announced again.
        self.submit(child=False, student=True)
        self.submit(child=False, student=False)
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertEqual(alerts_to(self.linked_parent).count(), 1)
        self.assertEqual(alerts_to(self.student).count(), 1)
        texted = [phone for phone, _text in LocmemSmsBackend.outbox]
        self.assertEqual(texted.count(str(self.parent.phone_number1)), 1)

    def test_two_calls_at_one_explicit_now_notify_exactly_their_own_claims(self):
        child_row, student_row = (
            LectureAttendance.objects.get(lecture=self.lecture, **who)
            for who in ({"child": self.child}, {"student": self.student_profile})
        )
        LectureAttendance.objects.filter(pk__in=[child_row.pk, student_row.pk]).update(
            present=False, rating=5, marked_at=DURING
        )
        with self.captureOnCommitCallbacks(execute=True):
            first = absence_alerts_for_rows(attendance_ids=[child_row.pk], now=DURING)
        with self.captureOnCommitCallbacks(execute=True):
            second = absence_alerts_for_rows(
                attendance_ids=[child_row.pk, student_row.pk], now=DURING
            )
        with self.captureOnCommitCallbacks(execute=True):
            third = absence_alerts_for_rows(
                attendance_ids=[child_row.pk, student_row.pk], now=DURING
            )
        self.assertEqual(first, {"absence_alerts": 1, "absence_notifications": 2})
        self.assertEqual(second, {"absence_alerts": 1, "absence_notifications": 1})
        self.assertEqual(third, {"absence_alerts": 0, "absence_notifications": 0})
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertEqual(alerts_to(self.student).count(), 1)
        self.assertEqual(Notification.objects.filter(kind="absence").count(), 3)

    def test_another_lecture_is_another_alert(self):
        second = LectureFactory(course=self.course, number=99, date=DAY)
        make_attendance(second, child=self.child)
        self.submit(child=False)
        with at(DURING), self.captureOnCommitCallbacks(execute=True):
            self.call(
                "instructor",
                "post",
                f"/api/lectures/{second.pk}/attendance/",
                {"records": [{"child": self.child.pk, "present": False, "rating": 5}]},
            )
        self.assertEqual(alerts_to(self.parent).count(), 2)


class SmsTests(AlertTestCase):
    def test_the_sms_goes_after_the_commit_to_each_parent_with_the_preference_on(self):
        with at(DURING), self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.call(
                "instructor",
                "post",
                self.url,
                {"records": [{"child": self.child.pk, "present": False, "rating": 5}]},
            )
            self.assertEqual(response.status_code, 200)
        self.assertEqual(LocmemSmsBackend.outbox, [])  # nothing before the commit
        for callback in callbacks:
            callback()
        phones = sorted(phone for phone, _text in LocmemSmsBackend.outbox)
        self.assertEqual(
            phones, sorted([str(self.parent.phone_number1), str(self.linked_parent.phone_number1)])
        )
        text = LocmemSmsBackend.outbox[0][1]
        self.assertIn(self.child.first_name, text)
        self.assertIn("2026-11-07", text)

    def test_a_parent_who_turned_sms_off_gets_the_notification_only(self):
        self.as_user("linked_parent")
        response = self.client.patch("/auth/users/me/", {"absence_sms": False}, format="json")
        self.assertEqual(response.status_code, 200, response.data)
        self.assertIs(response.data["absence_sms"], False)
        self.submit(child=False, student=True)
        self.assertEqual([p for p, _t in LocmemSmsBackend.outbox], [str(self.parent.phone_number1)])
        self.assertEqual(alerts_to(self.linked_parent).count(), 1)

    def test_the_preference_is_on_by_default_and_shown_on_me(self):
        response = self.call("parent", "get", "/auth/users/me/")
        self.assertIs(response.data["absence_sms"], True)
        self.assertEqual(response.data["language"], "ar")

    def test_a_failing_sender_never_fails_the_submission_and_hides_the_number(self):
        with (
            self.settings(SMS_BACKEND="attendance.tests.test_absence_alerts.BrokenSms"),
            self.assertLogs("core.sms", level="ERROR") as logs,
        ):
            self.submit(child=False)
        self.assertEqual(alerts_to(self.parent).count(), 1)
        self.assertTrue(LectureAttendance.objects.filter(child=self.child, present=False).exists())
        log_text = "\n".join(logs.output)
        self.assertIn("SMS sending to", log_text)
        self.assertIn("ConnectionError", log_text)
        for phone in (self.parent.phone_number1, self.linked_parent.phone_number1):
            self.assertNotIn(str(phone), log_text)
            self.assertNotIn(str(phone)[1:], log_text)
            self.assertNotIn("0" + str(phone)[3:], log_text)


class BrokenSms:
    def send(self, phone, message):
        local = "0" + phone[3:]
        raise ConnectionError(f"provider down: {phone} / {phone[1:]} / {local}: {message}")


class LanguageTests(AlertTestCase):
    def test_the_text_is_arabic_by_default_and_english_when_asked(self):
        self.submit(child=False)
        self.as_user("parent")
        arabic = self.client.get("/api/notifications/").data["results"][0]
        english = self.client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").data["results"][
            0
        ]
        self.assertEqual(arabic["title"], f"غياب: {self.child.first_name} {self.child.last_name}")
        self.assertIn("تغيّب", arabic["body"])
        self.assertEqual(
            english["title"], f"Absence: {self.child.first_name} {self.child.last_name}"
        )
        self.assertEqual(
            english["body"],
            f"{self.child.first_name} {self.child.last_name} was absent from lecture "
            f"{self.lecture.number} of {self.course.name} on 2026-11-07.",
        )

    def test_the_stored_and_texted_words_are_in_each_recipients_language(self):
        type(self.parent).objects.filter(pk=self.parent.pk).update(language="en")
        self.submit(child=False)
        english = alerts_to(self.parent).get()
        arabic = alerts_to(self.linked_parent).get()
        self.assertEqual((english.title, english.body), absence_text(english.data, language="en"))
        self.assertEqual((arabic.title, arabic.body), absence_text(arabic.data, language="ar"))
        self.assertNotEqual(english.body, arabic.body)
        texts = dict(LocmemSmsBackend.outbox)
        self.assertEqual(texts[str(self.parent.phone_number1)], f"{english.title}\n{english.body}")

    def test_the_language_a_user_last_asked_for_is_remembered(self):
        token = str(RefreshToken.for_user(self.parent).access_token)
        self.client.force_authenticate(None)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        self.client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8", **auth)
        self.parent.refresh_from_db()
        self.assertEqual(self.parent.language, "en")
        self.client.get("/api/notifications/", **auth)  # no header: unchanged
        self.parent.refresh_from_db()
        self.assertEqual(self.parent.language, "en")
        self.client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="ar", **auth)
        self.parent.refresh_from_db()
        self.assertEqual(self.parent.language, "ar")

    def test_the_language_can_be_set_on_me_and_is_checked(self):
        self.as_user("parent")
        ok = self.client.patch("/auth/users/me/", {"language": "en"}, format="json")
        self.assertEqual((ok.status_code, ok.data["language"]), (200, "en"))
        bad = self.client.patch("/auth/users/me/", {"language": "fr"}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.parent.refresh_from_db()
        self.assertEqual(self.parent.language, "en")


class NightlyJobAlertTests(TestCase):
    """The job's absences are announced in bulk, and never twice."""

    @classmethod
    def setUpTestData(cls):
        cls.parent = make_parent()
        cls.second_parent = make_parent()
        cls.course = CourseFactory()
        cls.lecture = LectureFactory(course=cls.course, date=DAY)
        cls.children = [make_child(cls.parent) for _ in range(3)]
        cls.children[0].other_parents.add(cls.second_parent)
        cls.student = make_student()
        for child in cls.children:
            make_attendance(cls.lecture, child=child)
        make_attendance(cls.lecture, student=cls.student)

    def setUp(self):
        LocmemSmsBackend.outbox.clear()

    def night(self):
        with at(NIGHT), self.captureOnCommitCallbacks(execute=True):
            log = cron.mark_absent_daily(day=DAY)
        self.assertEqual(log.status, "success", log.error)
        return log

    def test_every_absence_of_the_night_is_announced_once(self):
        log = self.night()
        self.assertEqual(log.counts["participants_absent"], 4)
        self.assertEqual(log.counts["absence_alerts"], 4)
        # three children to their parent, the first also to its second parent, the student
        self.assertEqual(log.counts["absence_notifications"], 5)
        self.assertEqual(alerts_to(self.parent.user).count(), 3)
        self.assertEqual(alerts_to(self.second_parent.user).count(), 1)
        self.assertEqual(alerts_to(self.student.user).count(), 1)
        self.assertEqual(len(LocmemSmsBackend.outbox), 5)

    def test_a_second_run_announces_nothing(self):
        self.night()
        LocmemSmsBackend.outbox.clear()
        log = self.night()
        self.assertEqual(log.counts["absence_alerts"], 0)
        self.assertEqual(Notification.objects.filter(kind="absence").count(), 5)
        self.assertEqual(LocmemSmsBackend.outbox, [])

    def test_a_participant_already_announced_by_a_submission_is_not_announced_again(self):
        # An absence announced earlier (say an instructor marked the child absent, then
        # the row went back to unmarked through a roster rebuild): the claim stays.
        row = LectureAttendance.objects.get(lecture=self.lecture, child=self.children[0])
        AbsenceAlert.objects.create(attendance=row, alerted_at=DURING)
        log = self.night()
        self.assertEqual(log.counts["absence_alerts"], 3)
        self.assertFalse(alerts_to(self.second_parent.user).exists())
        self.assertEqual(alerts_to(self.parent.user).count(), 2)

    def test_the_statements_do_not_grow_with_the_absences(self):
        def statements(children: int) -> int:
            day = DAY + datetime.timedelta(days=children)
            lecture = LectureFactory(course=self.course, date=day)
            for _ in range(children):
                make_attendance(lecture, child=make_child(make_parent()))
            with (
                at(local_datetime(day, datetime.time(23, 59))),
                CaptureQueriesContext(connection) as queries,
                self.captureOnCommitCallbacks(execute=True),
            ):
                log = cron.mark_absent_daily(day=day)
            self.assertEqual(log.counts["absence_notifications"], children)
            return len(queries)

        self.assertEqual(statements(2), statements(25))


@requires_postgres
class RacingWritersTests(TransactionTestCase):
    """Six submissions marking the same child absent at once, and the job racing them:
    the claim's unique constraint lets exactly one writer announce."""

    def setUp(self):
        self.admin = make_admin()
        self.parent = make_parent()
        self.child = make_child(self.parent)
        self.lecture = LectureFactory(date=DAY)
        make_attendance(self.lecture, child=self.child)

    def test_parallel_submissions_announce_once(self):
        from attendance.submission import attendance_submit

        def submit():
            attendance_submit(
                lecture=self.lecture,
                actor=self.admin,
                records=[{"child": self.child.pk, "present": False, "rating": 5}],
            )

        results = run_concurrently(*[submit] * 6)
        self.assertEqual([r for r in results if isinstance(r, Exception)], [])
        self.assertEqual(AbsenceAlert.objects.count(), 1)
        self.assertEqual(alerts_to(self.parent.user).count(), 1)

    def test_the_job_and_a_submission_racing_announce_once(self):
        from attendance.submission import attendance_submit

        def submit():
            attendance_submit(
                lecture=self.lecture,
                actor=self.admin,
                records=[{"child": self.child.pk, "present": False, "rating": 5}],
            )

        def night():
            log = cron.mark_absent_daily(day=DAY)
            if log.status != "success":
                raise AssertionError(log.error)

        results = run_concurrently(submit, night, submit)
        self.assertEqual([r for r in results if isinstance(r, Exception)], [])
        self.assertEqual(AbsenceAlert.objects.count(), 1)
        self.assertEqual(alerts_to(self.parent.user).count(), 1)
