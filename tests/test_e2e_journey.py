"""Issue #12, points 1, 3 and 8: the whole journey end to end, across two server processes,
in both serving layouts, and logs that hold no secret.

The journey runs twice, each time on two sites A and B that share this run's PostgreSQL
database and Redis (``tests/sites.py``), with production settings (``DEBUG=0``):

- two quick-start sites: a Daphne each (``python -m core.serve``, what ``./run.sh`` runs);
- two Compose sites: each Debian's nginx with the repository's ``deploy/nginx`` template in
  front of a gunicorn (``docker-entrypoint.sh web``) and a Daphne (``docker-entrypoint.sh
  ws``) — what ``docker-compose.yml`` runs — so REST, tickets and sockets all go through
  nginx, and an event crosses from one site's gunicorn to the other site's Daphne.

Both sites keep uploaded files in one directory of the run's own (a shared volume): a
memory's photo posted on A, and an online lesson's worksheet uploaded on A, are downloaded
by the family through B, by their signed URLs.

Everybody talks to the sites only over HTTP and real ``websockets`` clients, as the
frontend and the attendance devices do; the one row made here directly is the admin
account (admins come from ``createsuperuser``, not from the API). Every password, token,
ticket, device key and verification code of the run is collected as it goes
(``tests/journey.py``); at the end no log of either site contains any of them, and each
site's log recorded every request it served.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import shutil
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.test import TransactionTestCase
from PIL import Image
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from attendance.tests.ws_helpers import own_channel_layer
from courses.rules import CENTER_TZ
from online_courses.tests.base import PDF
from testkit.db import requires_postgres, requires_redis
from tests.journey import JourneyMixin, next_outbox_message, outbox_messages
from tests.live_server import next_event, receives_nothing
from tests.sites import ComposeSite, QuickStartSite
from users.hashers import Argon2idHasher
from users.tests.factories import make_admin

ADMIN_PHONE, ADMIN_PASSWORD = "+201000000101", "Admin-e2e-pass-2026"
INSTRUCTOR_PHONE, INSTRUCTOR_PASSWORD = "+201000000102", "Teacher-e2e-pass-2026"
PARENT_PHONE, PARENT_PASSWORD = "01000000103", "Parent-e2e-pass-2026"
PARENT_E164 = "+201000000103"
OTHER_PARENT_PHONE, OTHER_PARENT_PASSWORD = "+201000000104", "Other-e2e-pass-2026"
NEW_INSTRUCTOR_PASSWORD = "Teacher-reset-pass-2026"
NO_ACCOUNT_PHONE = "+201000000199"
FINGERPRINT = "FP-E2E-0001"
TEACHER = {
    "phone_number1": INSTRUCTOR_PHONE,
    "password": INSTRUCTOR_PASSWORD,
    "first_name": "Samir",
    "last_name": "Fahmy",
    "fingerprint_id": FINGERPRINT,
}
PARENT = {
    "phone_number1": PARENT_PHONE,  # the local form; stored as E.164
    "password": PARENT_PASSWORD,
    "re_password": PARENT_PASSWORD,
    "first_name": "Hala",
    "last_name": "Nabil",
    "role": "parent",
}
OTHER_PARENT = {
    "phone_number1": OTHER_PARENT_PHONE,
    "password": OTHER_PARENT_PASSWORD,
    "re_password": OTHER_PARENT_PASSWORD,
    "first_name": "Rania",
    "last_name": "Adel",
    "role": "parent",
}
OTHER_CHILD = {"first_name": "Yusuf", "last_name": "Adel", "dob": "2016-05-06", "gender": "male"}
COURSE = {
    "name": "Quran for kids",
    "status": "published",
    "audience": "children",
    "capacity": 10,
    "price": "350.00",
}
ONLINE_COURSE = {
    "title": "Tajweed at home",
    "description": "Three short recorded lessons.",
    "price": "200.00",
    "status": "published",
    "audience": "children",
    "access_days": 30,
    "sequential": True,
}
# Hosted videos of 100 s each; the first lesson is not a preview, the last one is.
LESSONS = [
    {
        "title": "Makharij",
        "duration_seconds": 100,
        "is_preview": False,
        "video": {"provider": "youtube", "video_id": "dQw4w9WgXcQ"},
    },
    {
        "title": "Madd",
        "duration_seconds": 100,
        "is_preview": False,
        "video": {"provider": "vimeo", "video_id": "76979871"},
    },
    {
        "title": "A taste of the course",
        "duration_seconds": 100,
        "is_preview": True,
        "video": {"provider": "youtube", "video_id": "9bZkp7q19f0"},
    },
]


def days(n: int) -> str:
    return (datetime.datetime.now(tz=CENTER_TZ).date() + datetime.timedelta(days=n)).isoformat()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def running_lecture(now: datetime.datetime) -> dict[str, str]:
    """Today's date and times of a lecture that has just started, whatever the hour."""
    minute = now.hour * 60 + now.minute
    start, end = max(minute - 1, 0), min(minute + 60, 23 * 60 + 59)
    return {
        "date": now.date().isoformat(),
        "start_time": f"{start // 60:02d}:{start % 60:02d}",
        "end_time": f"{end // 60:02d}:{end % 60:02d}",
    }


class FamilyAndStaffJourney(JourneyMixin):
    """The journey on two sites of ``site_class``; a ``TransactionTestCase`` mixin."""

    site_class: type[QuickStartSite] | type[ComposeSite]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = Path(tempfile.mkdtemp(prefix="redwan-journey-"))
        cls.sms_outbox = cls.tmp / "sms.jsonl"
        # One MEDIA_ROOT for both sites; nginx's workers (nobody, as root) read it too.
        cls.media = Path(tempfile.mkdtemp(prefix="redwan-journey-media-"))
        cls.media.chmod(0o755)
        cls.layer = own_channel_layer()
        cls.layer.enable()
        # Production settings; only the HTTPS redirect is off (no TLS proxy in front).
        production = {
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "DEBUG",  # the most the logs could ever say: still no credentials
            "SMS_BACKEND": "core.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(cls.sms_outbox),
        }
        cls.a, cls.b = (cls.site_class(env=production, media_dir=cls.media) for _ in "AB")
        try:
            for site in (cls.a.launch(), cls.b.launch()):  # both boot at once
                site.ready()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for site in (cls.a, cls.b):
            site.stop()
            site.discard()
        cls.layer.disable()
        shutil.rmtree(cls.tmp, ignore_errors=True)  # the SMS outbox holds a code
        shutil.rmtree(cls.media, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        cache.clear()  # this run's throttle counters: the servers count in the same cache
        self.start_journey()
        self.ids: dict[str, int] = {}
        self.codes: dict[str, str] = {}

    async def test_a_family_and_the_staff_across_two_servers_leave_no_secret_in_the_logs(self):
        await sync_to_async(self.make_the_admin)()
        await self.the_admin_sets_up_a_course_with_a_lecture_running_now()
        await self.a_parent_registers_verifies_the_phone_and_adds_two_children()
        await self.the_parent_asks_for_seats_and_the_admin_approves_them_with_payments()
        async with AsyncExitStack() as stack:
            sockets = await self.the_staff_open_their_sockets(stack)
            await self.a_device_checks_the_instructor_in(sockets)
            await self.the_instructor_takes_attendance_on_a(sockets)
            await self.the_parent_sees_attendance_ratings_and_one_absence_alert()
            await self.a_resubmission_served_by_b_reaches_the_socket_on_a(sockets)
            await self.the_instructor_resets_the_password_on_b_and_the_sessions_on_a_end(
                stack, sockets
            )
        await self.the_parent_rates_the_instructor()
        await self.the_admin_posts_a_memory_on_a_and_the_family_opens_its_photo_on_b()
        await self.the_admin_publishes_an_online_course_on_a()
        await self.the_parent_asks_on_b_for_the_online_course_and_the_admin_approves_on_a()
        await self.adam_watches_lesson_one_and_lesson_two_unlocks()
        await self.another_family_sees_the_online_course_but_not_its_lessons()
        await self.the_parent_rates_the_online_course()
        await self.the_parent_refreshes_logs_out_and_the_old_tokens_are_refused()
        for site in (self.a, self.b):
            site.stop()  # every line written: the scan reads the whole of every log
        # 5 passwords (one a reset's), 6 token pairs (5 logins, 1 refresh), a ticket, a
        # device key and its secret half, a verification code, a reset code, a photo URL's
        # signature, a lesson material URL's signature: none may be missing from the scan.
        self.assertEqual(len(self.secrets), 24, "the scan must cover every secret of the run")
        self.assert_logs_hold_no_secret(self.a, "A")
        self.assert_logs_hold_no_secret(self.b, "B")

    def make_the_admin(self) -> None:
        """The one account the API cannot make, hashed as the servers hash passwords (this
        process's test settings use a fast hasher that the servers do not accept)."""
        admin = make_admin(phone_number1=ADMIN_PHONE)
        hasher = Argon2idHasher()
        admin.password = hasher.encode(ADMIN_PASSWORD, hasher.salt())
        admin.save(update_fields=["password"])

    async def the_admin_sets_up_a_course_with_a_lecture_running_now(self) -> None:
        a, admin = self.a, {"who": "admin", "expect": 201}
        await self.log_in(a, "admin", ADMIN_PHONE, ADMIN_PASSWORD)
        self.secrets[INSTRUCTOR_PASSWORD] = "the password of instructor"
        instructor = await self.call(a, "POST", "/api/instructors/", TEACHER, **admin)
        dates = {"start_date": days(-30), "end_date": days(60)}
        season = {"name": "Summer e2e", "kind": "summer_camp", "is_active": True, **dates}
        season = await self.call(a, "POST", "/api/seasons/", season, **admin)
        dates = {"start_date": days(-7), "end_date": days(30)}
        course = {**COURSE, "season": season["id"], "instructor": instructor["id"], **dates}
        course = await self.call(a, "POST", "/api/courses/", course, **admin)
        now = datetime.datetime.now(tz=CENTER_TZ)
        lecture = {"course": course["id"], **running_lecture(now)}
        lecture = await self.call(a, "POST", "/api/lectures/", lecture, **admin)
        self.ids.update(instructor=instructor["id"], course=course["id"], lecture=lecture["id"])

    async def a_parent_registers_verifies_the_phone_and_adds_two_children(self) -> None:
        a = self.a
        self.secrets[PARENT_PASSWORD] = "the password of parent"
        user = await self.call(a, "POST", "/auth/users/", PARENT, expect=201)
        self.assertEqual((user["phone_number1"], user["role"]), (PARENT_E164, "parent"))
        await self.log_in(a, "parent", PARENT_PHONE, PARENT_PASSWORD)

        await self.call(a, "POST", "/auth/phone/send-code/", {}, who="parent", expect=202)
        (sms,) = outbox_messages(self.sms_outbox, PARENT_E164)
        code = re.search(r"(?<!\d)\d{6}(?!\d)", sms).group()
        self.secrets[code] = "the verification code"
        await self.call(a, "POST", "/auth/phone/verify/", {"code": code}, who="parent")
        me = await self.call(a, "GET", "/auth/users/me/", who="parent")
        self.assertTrue(me["is_phone_verified"])

        for name, gender in (("Adam", "male"), ("Mona", "female")):
            kid = dict(first_name=name, last_name="Nabil", dob="2017-02-03", gender=gender)
            child = await self.call(a, "POST", "/api/children/", kid, who="parent", expect=201)
            self.ids[name], self.codes[name] = child["id"], child["code"]
        self.assertRegex(self.codes["Adam"], r"^B\d{5}$")
        self.assertRegex(self.codes["Mona"], r"^G\d{5}$")
        # A client that also puts its token in the URL: the access log must not keep it.
        token = self.tokens["parent"]
        page = await self.call(a, "GET", f"/api/children/?token={token}", who="parent")
        self.assertEqual(page["count"], 2)

    async def the_parent_asks_for_seats_and_the_admin_approves_them_with_payments(self) -> None:
        a, course = self.a, self.ids["course"]
        catalogue = await self.call(self.b, "GET", "/api/courses/")  # anonymous, on B
        self.assertIn(course, [listed["id"] for listed in catalogue["results"]])
        for name in ("Adam", "Mona"):
            body = {"course": course, "child": self.ids[name], "note": f"For {name}"}
            await self.call(a, "POST", "/api/enrollment-requests/", body, who="parent", expect=201)

        path = f"/api/enrollment-requests/?status=pending&course={course}"
        pending = await self.call(a, "GET", path, who="admin")
        self.assertEqual(pending["count"], 2)
        for number, request in enumerate(pending["results"]):
            payment = {"amount": "350.00", "method": "cash", "reference": f"R-{number}"}
            path = f"/api/enrollment-requests/{request['id']}/approve/"
            enrollment = await self.call(a, "POST", path, {"payment": payment}, who="admin")
            self.assertEqual(
                (enrollment["status"], enrollment["amount_paid"], enrollment["balance"]),
                ("active", "350.00", "0.00"),
            )

        mine = await self.call(a, "GET", "/api/enrollments/", who="parent")
        self.assertEqual([e["status"] for e in mine["results"]], ["active", "active"])
        notes = await self.call(a, "GET", "/api/notifications/", who="parent")
        kinds = sorted(note["kind"] for note in notes["results"])
        self.assertEqual(kinds, ["enrollment_approved"] * 2 + ["payment_receipt"] * 2)

    async def the_staff_open_their_sockets(self, stack: AsyncExitStack) -> dict:
        """The instructor on A (``?token=``) and on B with a ticket A issued; the admin on B."""
        a, b = self.a, self.b
        await self.log_in(a, "instructor", INSTRUCTOR_PHONE, INSTRUCTOR_PASSWORD)
        ticket = (await self.call(a, "POST", "/api/ws-ticket/", who="instructor"))["ticket"]
        on_a, hello = await self.socket(stack, a, token=self.tokens["instructor"])
        self.assertEqual(hello["role"], "instructor")
        on_b, hello_on_b = await self.socket(stack, b, ticket=ticket)
        self.assertEqual(hello_on_b, hello)  # the same person, whichever process answers
        await on_b.send('{"type": "ping"}')
        self.assertEqual(await next_event(on_b), {"type": "pong"})

        for server in (b, a):  # the ticket is spent, on both processes
            async with connect(server.ws_url("/ws/attendance/", ticket=ticket)) as again:
                with self.assertRaises(ConnectionClosed):
                    await next_event(again)
            self.assertEqual(again.close_code, 4002)

        admin_on_b, hello = await self.socket(stack, b, token=self.tokens["admin"])
        self.assertEqual(hello["role"], "admin")
        return {"instructor on A": on_a, "instructor on B": on_b, "admin on B": admin_on_b}

    async def a_device_checks_the_instructor_in(self, sockets: dict) -> None:
        a = self.a
        device = {"name": "Gate", "kind": "fingerprint", "location": "Entrance"}
        device = await self.call(a, "POST", "/api/devices/", device, who="admin", expect=201)
        self.secrets[device["key"].partition(".")[2]] = "the secret half of the device key"
        listed = await self.call(a, "GET", "/api/devices/", who="admin")
        self.assertNotIn(device["key"], json.dumps(listed))

        scan, as_device = (
            {"fingerprint_id": FINGERPRINT},
            {"Authorization": f"Device {device['key']}"},
        )
        scan = await self.call(a, "POST", "/api/attendance/scan/", scan, headers=as_device)
        self.assertEqual((scan["result"], scan["instructor"]), ("check_in", self.ids["instructor"]))
        self.assertEqual([session["status"] for session in scan["sessions"]], ["present"])
        # Served by A, heard by the admin on B; instructors hear nothing of check-ins.
        event = await self.next_update(sockets["admin on B"], "instructor_attendance_update")
        self.assertEqual(
            (event["instructor"], event["lecture"], event["status"]),
            (self.ids["instructor"], self.ids["lecture"], "present"),
        )
        self.assertTrue(await receives_nothing(sockets["instructor on A"], timeout=0.3))

    async def the_instructor_takes_attendance_on_a(self, sockets: dict) -> None:
        a, lecture = self.a, self.ids["lecture"]
        path = f"/api/lectures/{lecture}/attendance/"
        roster = await self.call(a, "GET", path, who="instructor")
        self.assertTrue(roster["can_submit"])
        self.assertEqual(roster["counts"], {"total": 2, "present": 0, "absent": 0, "unmarked": 2})

        self.sms_before_absence = len(outbox_messages(self.sms_outbox, PARENT_E164))
        records = [
            {"code": self.codes["Adam"], "present": True, "rating": 9, "notes": "Recited well"},
            {"child": self.ids["Mona"], "present": False, "rating": "5.50"},
        ]
        result = await self.call(a, "POST", path, {"records": records}, who="instructor")
        counts = {"total": 2, "present": 1, "absent": 1, "unmarked": 0}
        self.assertEqual((result["counts"], result["attendance_taken"]), (counts, True))
        self.assertEqual(result["not_enrolled"], [])
        for name, ws in sockets.items():
            event = await self.next_update(ws)
            self.assertEqual(
                (event["lecture"], event["course"], event["counts"], event["attendance_taken"]),
                (lecture, self.ids["course"], counts, True),
                name,
            )

    async def the_parent_sees_attendance_ratings_and_one_absence_alert(self) -> None:
        path = f"/api/attendance/?course={self.ids['course']}"
        rows = await self.call(self.a, "GET", path, who="parent")
        seen = {
            row["participant"]["name"]: (row["present"], row["rating"]) for row in rows["results"]
        }
        self.assertEqual(seen, {"Adam Nabil": (True, "9.00"), "Mona Nabil": (False, "5.50")})
        await self.the_parent_has_one_absence_alert_for_mona("after the absent mark")

    async def the_parent_has_one_absence_alert_for_mona(self, when: str) -> None:
        # SPEC §6.6: one `absence` notification per (participant, lecture) ever, and its SMS.
        notes = await self.call(self.a, "GET", "/api/notifications/?page_size=100", who="parent")
        absences = [note for note in notes["results"] if note["kind"] == "absence"]
        with self.subTest(f"the parent has exactly one absence alert, for Mona, {when}"):
            self.assertEqual(len(absences), 1, [note["kind"] for note in notes["results"]])
            self.assertIn("Mona", absences[0]["title"] + absences[0]["body"])
            texts = outbox_messages(self.sms_outbox, PARENT_E164)[self.sms_before_absence :]
            self.assertEqual(len(texts), 1, "one SMS for the absence")

    async def a_resubmission_served_by_b_reaches_the_socket_on_a(self, sockets: dict) -> None:
        b, lecture = self.b, self.ids["lecture"]
        records = [
            {"child": self.ids["Adam"], "present": True, "rating": 10},
            {"child": self.ids["Mona"], "present": False, "rating": 6},
        ]
        path = f"/api/lectures/{lecture}/attendance/"
        result = await self.call(b, "POST", path, {"records": records}, who="instructor")
        self.assertEqual((result["updated"], result["created"]), (2, 0))
        for name, ws in sockets.items():  # "instructor on A" hears what B served
            self.assertEqual((await self.next_update(ws))["lecture"], lecture, name)

        path = f"/api/attendance/?child={self.ids['Mona']}"
        rows = await self.call(b, "GET", path, who="parent")
        self.assertEqual([(r["present"], r["rating"]) for r in rows["results"]], [(False, "6.00")])
        await self.the_parent_has_one_absence_alert_for_mona("after a resubmission")

    async def the_instructor_resets_the_password_on_b_and_the_sessions_on_a_end(
        self, stack: AsyncExitStack, sockets: dict
    ) -> None:
        """SPEC §5: the forgotten-password flow served by B ends the session the instructor
        holds on A — its access token, its refresh token and its sockets — at once."""
        a, b = self.a, self.b
        refresh = self.tokens["instructor_refresh"]
        await self.call(a, "POST", "/auth/jwt/verify/", {"token": refresh})  # not revoked yet
        await self.call(a, "GET", "/auth/users/me/", who="instructor")

        sent = len(outbox_messages(self.sms_outbox, INSTRUCTOR_PHONE))
        path = "/auth/password/reset/"
        unknown = await self.call_raw(b, "POST", path, {"phone_number1": NO_ACCOUNT_PHONE})
        known = await self.call_raw(b, "POST", path, {"phone_number1": INSTRUCTOR_PHONE})
        self.assertEqual(known[0], 202, known)
        self.assertEqual(unknown, known, "the answer tells whether a number has an account")
        sms = await next_outbox_message(self.sms_outbox, INSTRUCTOR_PHONE, after=sent)
        code = re.search(r"(?<!\d)\d{6}(?!\d)", sms).group()
        self.secrets[code] = "the password reset code"
        self.secrets[NEW_INSTRUCTOR_PASSWORD] = "the new password of instructor"
        confirm = {
            "phone_number1": INSTRUCTOR_PHONE,
            "code": code,
            "new_password": NEW_INSTRUCTOR_PASSWORD,
            "re_new_password": NEW_INSTRUCTOR_PASSWORD,
        }
        await self.call(b, "POST", "/auth/password/reset/confirm/", confirm, expect=204)
        self.assertEqual(outbox_messages(self.sms_outbox, NO_ACCOUNT_PHONE), [])

        # On A, every credential of the session before the reset is refused...
        me = await self.call(a, "GET", "/auth/users/me/", who="instructor", expect=401)
        self.assertEqual(me["code"], "password_changed")
        body = {"refresh": refresh}
        refused = await self.call(a, "POST", "/auth/jwt/refresh/", body, expect=401)
        self.assertEqual(refused["code"], "token_not_valid")
        # ...and its sockets, on A (?token=) and on B (a ticket), were closed: 4002.
        for name in ("instructor on A", "instructor on B"):
            await self.assert_closed_with(sockets[name], 4002, f"the socket of the {name}")
        await sockets["admin on B"].send('{"type": "ping"}')  # another account's stays open
        self.assertEqual(await next_event(sockets["admin on B"]), {"type": "pong"})

        old = {"phone_number1": INSTRUCTOR_PHONE, "password": INSTRUCTOR_PASSWORD}
        failed = await self.call(a, "POST", "/auth/jwt/create/", old, expect=401)
        self.assertEqual(failed["code"], "no_active_account")
        await self.log_in(a, "instructor", INSTRUCTOR_PHONE, NEW_INSTRUCTOR_PASSWORD)
        me = await self.call(a, "GET", "/auth/users/me/", who="instructor")
        self.assertTrue(me["is_phone_verified"], "the code reached the phone")
        _, hello = await self.socket(stack, a, token=self.tokens["instructor"])
        self.assertEqual(hello["role"], "instructor")

    async def the_parent_rates_the_instructor(self) -> None:
        b, course, adam = self.b, self.ids["course"], self.ids["Adam"]
        rating = {"course": course, "child": adam, "rating": 9, "comment": "Patient"}
        await self.call(b, "POST", "/api/instructor-ratings/", rating, who="parent", expect=201)
        instructors = await self.call(b, "GET", "/api/instructors/")
        (samir,) = [i for i in instructors["results"] if i["id"] == self.ids["instructor"]]
        self.assertEqual((samir["rating_average"], samir["rating_count"]), ("9.00", 1))

    async def the_admin_posts_a_memory_on_a_and_the_family_opens_its_photo_on_b(self) -> None:
        a, b, adam = self.a, self.b, self.ids["Adam"]
        fields = {
            "caption": "Adam recites",
            "course": str(self.ids["course"]),
            "taken_on": days(0),
            "participants": json.dumps([{"type": "child", "id": adam}]),
        }
        photo = [("items", "recital.jpg", "image/jpeg", jpeg_bytes())]
        memory = await self.post_form(a, "/api/memories/", fields, photo, who="admin")

        feed = await self.call(b, "GET", "/api/memories/?feed=family", who="parent")
        (post,) = feed["results"]
        self.assertEqual((post["id"], post["audience"]), (memory["id"], "family"))
        self.assertEqual([(p["type"], p["id"]) for p in post["participants"]], [("child", adam)])
        (item,) = post["items"]
        url = urlsplit(item["url"])
        path = f"{url.path}?{url.query}"
        signature = parse_qs(url.query)["signature"][0]
        self.secrets[signature] = "the signature of a memory photo's URL"
        # Stored by A's process, served by B's (its nginx, in the Compose layout).
        status, content_type, data = await self.download(b, path)
        self.assertEqual((status, content_type), (200, "image/jpeg"), data[:200])
        self.assertEqual(Image.open(io.BytesIO(data)).size, (item["width"], item["height"]))
        altered = path.replace(signature, signature[::-1])
        status, _, _ = await self.download(b, altered)
        self.assertIn(status, (403, 404), "a URL with an altered signature is refused")

        await self.call(b, "POST", "/auth/users/", OTHER_PARENT, expect=201)
        await self.log_in(b, "other parent", OTHER_PARENT_PHONE, OTHER_PARENT_PASSWORD)
        for site in (a, b):
            for feed in ("family", "center"):
                path = f"/api/memories/?feed={feed}"
                page = await self.call(site, "GET", path, who="other parent")
                self.assertEqual(page["results"], [], f"another family's {feed} feed")
            path = f"/api/memories/{memory['id']}/"
            await self.call(site, "GET", path, who="other parent", expect=404)

    async def the_admin_publishes_an_online_course_on_a(self) -> None:
        """SPEC §6.10: a published sequential course of three hosted lessons, a worksheet
        on the first (stored by A's process in the shared volume)."""
        a, admin = self.a, {"who": "admin", "expect": 201}
        body = {**ONLINE_COURSE, "instructor": self.ids["instructor"]}
        course = await self.call(a, "POST", "/api/online-courses/", body, **admin)
        self.assertEqual((course["status"], course["sequential"]), ("published", True))
        path = f"/api/online-courses/{course['id']}/lessons/"
        lessons = [await self.call(a, "POST", path, lesson, **admin) for lesson in LESSONS]
        self.assertEqual([lesson["number"] for lesson in lessons], [1, 2, 3])
        first = lessons[0]["id"]
        sheet = [("file", "makharij.pdf", "application/pdf", PDF)]
        path = f"/api/online-courses/{course['id']}/lessons/{first}/materials/"
        material = await self.post_form(a, path, {"title": "Worksheet"}, sheet, who="admin")
        self.assertEqual(
            (material["content_type"], material["size"]), ("application/pdf", len(PDF))
        )
        self.ids.update(online=course["id"], lesson1=first)
        self.ids.update(lesson2=lessons[1]["id"], lesson3=lessons[2]["id"])

    def online_lesson_path(self, lesson: str, tail: str = "", *, child: str = "") -> str:
        """``/api/online-courses/{course}/lessons/{lesson}/{tail}``, with ``?child=`` when
        one is named (``lesson`` and ``child`` are names of ``self.ids``)."""
        path = f"/api/online-courses/{self.ids['online']}/lessons/{self.ids[lesson]}/{tail}"
        return f"{path}?child={self.ids[child]}" if child else path

    async def the_parent_asks_on_b_for_the_online_course_and_the_admin_approves_on_a(self) -> None:
        a, b, online = self.a, self.b, self.ids["online"]
        catalogue = await self.call(b, "GET", "/api/online-courses/")  # anonymous, on B
        (listed,) = [c for c in catalogue["results"] if c["id"] == online]
        self.assertEqual((listed["lessons_count"], listed["duration_seconds"]), (3, 300))
        body = {"online_course": online, "child": self.ids["Adam"], "note": "Tajweed for Adam"}
        request = await self.call(
            b, "POST", "/api/enrollment-requests/", body, who="parent", expect=201
        )
        self.assertEqual((request["status"], request["course"]), ("pending", None))
        # A request is no access yet.
        denied = await self.call(
            b, "GET", self.online_lesson_path("lesson1", child="Adam"), who="parent", expect=403
        )
        self.assertEqual(denied["code"], "no_access")

        path = f"/api/enrollment-requests/?status=pending&online_course={online}"
        pending = await self.call(a, "GET", path, who="admin")
        self.assertEqual([r["id"] for r in pending["results"]], [request["id"]])
        payment = {"amount": "200.00", "method": "instapay", "reference": "IP-E2E-1"}
        path = f"/api/enrollment-requests/{request['id']}/approve/"
        enrollment = await self.call(a, "POST", path, {"payment": payment}, who="admin")
        self.assertEqual(
            (enrollment["online_course"], enrollment["course"], enrollment["status"]),
            (online, None, "active"),
        )
        self.assertEqual((enrollment["amount_paid"], enrollment["balance"]), ("200.00", "0.00"))
        until = datetime.datetime.fromisoformat(enrollment["access_until"])
        left = until - datetime.datetime.now(tz=CENTER_TZ)
        self.assertLess(abs(left - datetime.timedelta(days=30)), datetime.timedelta(hours=1))
        self.ids["online_enrollment"] = enrollment["id"]

    async def adam_watches_lesson_one_and_lesson_two_unlocks(self) -> None:
        """The child's lessons on B, his progress reported to A: the first lesson plays,
        the second is locked until the first is watched to 90 % of its 100 s."""
        a, b, online, adam = self.a, self.b, self.ids["online"], self.ids["Adam"]
        path = f"/api/online-courses/{online}/?child={adam}"
        course = await self.call(b, "GET", path, who="parent")
        self.assertTrue(course["has_access"])
        self.assertEqual(course["enrollment"]["id"], self.ids["online_enrollment"])
        self.assertEqual(course["progress"], {"lessons_completed": 0, "lessons_total": 3})
        first, second, preview = course["lessons"]
        self.assertEqual(
            (first["locked"], first["playback"]["url"], len(first["materials"])),
            (False, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", 1),
        )
        self.assertEqual(
            (second["locked"], second["playback"], second["materials"]), (True, None, None)
        )
        self.assertEqual((preview["locked"], preview["is_preview"]), (False, True))

        lesson = await self.call(
            b, "GET", self.online_lesson_path("lesson1", child="Adam"), who="parent"
        )
        self.assertEqual(lesson["playback"]["provider"], "youtube")
        self.assertEqual(
            lesson["progress"], {"position_seconds": 0, "watched_seconds": 0, "completed": False}
        )
        # The worksheet A stored, downloaded through B by its signed URL.
        (sheet,) = lesson["materials"]
        url = urlsplit(sheet["url"])
        self.secrets[parse_qs(url.query)["signature"][0]] = "the signature of a material's URL"
        status, content_type, data = await self.download(b, f"{url.path}?{url.query}")
        self.assertEqual((status, content_type, data), (200, "application/pdf", PDF))
        await self.the_second_lesson_is_locked_for_adam("before any progress")

        progress = self.online_lesson_path("lesson1", "progress/")
        report = {"position_seconds": 40, "watched_seconds": 40, "child": adam}
        answer = await self.call(a, "POST", progress, report, who="parent")
        self.assertEqual(
            (answer["watched_seconds"], answer["completed"], answer["lesson_unlocked_next"]),
            (40, False, False),
        )
        await self.the_second_lesson_is_locked_for_adam("at 40 % of the first")
        report = {"position_seconds": 95, "watched_seconds": 92, "child": adam}
        answer = await self.call(a, "POST", progress, report, who="parent")
        self.assertEqual(
            (answer["watched_seconds"], answer["completed"], answer["lesson_unlocked_next"]),
            (92, True, True),
        )
        self.assertEqual(answer["progress"], {"lessons_completed": 1, "lessons_total": 3})

        lesson = await self.call(
            b, "GET", self.online_lesson_path("lesson2", child="Adam"), who="parent"
        )
        self.assertEqual(
            (lesson["locked"], lesson["playback"]["url"]),
            (False, "https://player.vimeo.com/video/76979871"),
        )
        path = f"/api/enrollments/?online_course={online}"
        (enrollment,) = (await self.call(b, "GET", path, who="parent"))["results"]
        self.assertEqual(
            (enrollment["id"], enrollment["status"], enrollment["progress"]),
            (
                self.ids["online_enrollment"],
                "active",
                {"lessons_completed": 1, "lessons_total": 3, "percent": 33},
            ),
        )
        # Mona, the same family's other child, was never enrolled.
        denied = await self.call(
            b, "GET", self.online_lesson_path("lesson1", child="Mona"), who="parent", expect=403
        )
        self.assertEqual(denied["code"], "no_access")

    async def the_second_lesson_is_locked_for_adam(self, when: str) -> None:
        path = self.online_lesson_path("lesson2", child="Adam")
        locked = await self.call(self.b, "GET", path, who="parent", expect=403)
        self.assertEqual(locked["code"], "lesson_locked", when)

    async def another_family_sees_the_online_course_but_not_its_lessons(self) -> None:
        """A parent whose child was not enrolled: the catalogue, the preview, and nothing
        else; the first family's child is a child that does not exist (404)."""
        a, b, online = self.a, self.b, self.ids["online"]
        child = await self.call(
            b, "POST", "/api/children/", OTHER_CHILD, who="other parent", expect=201
        )
        self.ids["Yusuf"] = child["id"]
        who = {"who": "other parent"}

        catalogue = await self.call(a, "GET", f"/api/online-courses/?child={child['id']}", **who)
        (listed,) = [c for c in catalogue["results"] if c["id"] == online]
        self.assertFalse(listed["has_access"])
        course = await self.call(
            a, "GET", f"/api/online-courses/{online}/?child={child['id']}", **who
        )
        self.assertEqual((course["has_access"], course["enrollment"]), (False, None))
        first, second, preview = course["lessons"]
        for lesson in (first, second):
            self.assertEqual(
                (lesson["playback"], lesson["materials"], lesson["locked"], lesson["progress"]),
                (None, None, None, None),
                lesson["title"],
            )
        self.assertEqual(preview["playback"]["provider"], "youtube")
        for lesson in ("lesson1", "lesson2"):
            denied = await self.call(
                a, "GET", self.online_lesson_path(lesson, child="Yusuf"), **who, expect=403
            )
            self.assertEqual(denied["code"], "no_access", lesson)
        await self.call(a, "GET", self.online_lesson_path("lesson3", child="Yusuf"), **who)
        progress = self.online_lesson_path("lesson1", "progress/")
        report = {"position_seconds": 95, "watched_seconds": 95, "child": child["id"]}
        denied = await self.call(a, "POST", progress, report, **who, expect=403)
        self.assertEqual(denied["code"], "no_access")

        # The first family's child, named by another parent: as if there were no such child.
        adam = self.ids["Adam"]
        for path in (
            f"/api/online-courses/?child={adam}",
            f"/api/online-courses/{online}/?child={adam}",
            self.online_lesson_path("lesson1", child="Adam"),
        ):
            await self.call(b, "GET", path, **who, expect=404)
        report = {"position_seconds": 95, "watched_seconds": 95, "child": adam}
        await self.call(b, "POST", progress, report, **who, expect=404)
        path = f"/api/enrollments/?online_course={online}"
        self.assertEqual((await self.call(b, "GET", path, **who))["count"], 0)

    async def the_parent_rates_the_online_course(self) -> None:
        a, b, online = self.a, self.b, self.ids["online"]
        rating = {
            "online_course": online,
            "child": self.ids["Adam"],
            "rating": 8,
            "comment": "Clear",
        }
        given = await self.call(b, "POST", "/api/course-ratings/", rating, who="parent", expect=201)
        self.assertEqual((given["online_course"], given["course"]), (online, None))
        rating = {"online_course": online, "child": self.ids["Yusuf"], "rating": 2}
        refused = await self.call(
            b, "POST", "/api/course-ratings/", rating, who="other parent", expect=400
        )
        self.assertEqual(refused["code"], "participant_not_enrolled")
        catalogue = await self.call(a, "GET", "/api/online-courses/")  # anonymous, on A
        (listed,) = [c for c in catalogue["results"] if c["id"] == online]
        detail = await self.call(a, "GET", f"/api/online-courses/{online}/")
        for shown in (listed, detail):
            self.assertEqual((shown["rating_average"], shown["rating_count"]), ("8.00", 1))

    async def the_parent_refreshes_logs_out_and_the_old_tokens_are_refused(self) -> None:
        a, b = self.a, self.b
        first = self.tokens["parent_refresh"]
        pair = await self.call(b, "POST", "/auth/jwt/refresh/", {"refresh": first})
        await self.call(a, "POST", "/auth/jwt/refresh/", {"refresh": first}, expect=401)  # rotated
        self.tokens["parent"] = pair["access"]
        await self.call(a, "POST", "/auth/jwt/verify/", {"token": pair["access"]})
        await self.call(a, "GET", "/auth/users/me/", who="parent")

        await self.call(a, "POST", "/auth/jwt/blacklist/", {"refresh": pair["refresh"]})
        body = {"refresh": pair["refresh"]}
        refused = await self.call(b, "POST", "/auth/jwt/refresh/", body, expect=401)
        self.assertEqual(refused["code"], "token_not_valid")


@requires_postgres
@requires_redis
class QuickStartJourneyTests(FamilyAndStaffJourney, TransactionTestCase):
    """Two Daphnes, each serving REST and sockets."""

    site_class = QuickStartSite


@requires_postgres
@requires_redis
class ComposeJourneyTests(FamilyAndStaffJourney, TransactionTestCase):
    """Two nginx → gunicorn + Daphne stacks: every request of the journey goes through nginx."""

    site_class = ComposeSite

    def assert_logs_hold_no_secret(self, site: ComposeSite, label: str) -> None:
        super().assert_logs_hold_no_secret(site, label)
        # nginx sent REST to gunicorn only and upgraded the sockets to Daphne.
        rest = r'"(GET|POST|PUT|PATCH|DELETE) /(api|auth)/'
        self.assertNotRegex(site.socket_log(), rest, f"REST reached site {label}'s Daphne")
        self.assertIn('"GET /ws/attendance/ HTTP/1.1" 101', site.http_log())
        if label == "B":  # gunicorn checked the files' signatures, nginx sent the files
            sent = r'"GET /internal-media/private/memories/\S+\.jpg HTTP/1.1" 200'
            self.assertRegex(site.http_log(), sent)
            sent = r'"GET /internal-media/private/online-courses/materials/\S+\.pdf HTTP/1.1" 200'
            self.assertRegex(site.http_log(), sent)
