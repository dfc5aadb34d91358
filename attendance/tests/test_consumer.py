"""The attendance WebSocket (SPEC §7): who gets in, how the others are closed, ping/pong,
the token's expiry — through the whole ASGI stack (core.asgi.application)."""

from __future__ import annotations

import asyncio
import datetime
import time
from unittest import mock

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import TransactionTestCase, override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from attendance.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_INVALID_CREDENTIAL,
    CLOSE_NO_CREDENTIAL,
    CLOSE_SERVER_ERROR,
)
from attendance.tests.ws_helpers import (
    access_token,
    every_log_record,
    open_socket,
    own_channel_layer,
    record_text,
)
from core.ws_tickets import ws_ticket_issue
from users.tests.factories import make_admin, make_instructor, make_parent, make_student


class ConsumerTestCase(TransactionTestCase):
    """Sockets run the consumer in this process; the data they read must be committed."""

    def setUp(self):
        super().setUp()
        layer = own_channel_layer()
        layer.enable()
        self.addCleanup(layer.disable)
        self.instructor = make_instructor().user
        self.supervisor = make_instructor(kind="supervisor").user
        self.admin = make_admin()
        self.parent = make_parent().user
        self.student = make_student().user

    async def assertClosedWith(self, code: int, query: str = "", **kwargs):
        socket = await open_socket(query, **kwargs)
        self.assertTrue(socket.opened, "the handshake is accepted before the close")
        self.assertEqual(await socket.close_code(), code)


class WhoMayConnectTests(ConsumerTestCase):
    async def test_no_credential_is_closed_with_4001(self):
        for query in ("", "token=", "ticket=", "other=1"):
            with self.subTest(query=query):
                await self.assertClosedWith(CLOSE_NO_CREDENTIAL, query)

    async def test_a_bad_token_is_closed_with_4002(self):
        refresh = str(await sync_to_async(RefreshToken.for_user)(self.instructor))
        expired = await sync_to_async(access_token)(
            self.instructor, lifetime=datetime.timedelta(seconds=-5)
        )
        for query in (
            "token=not-a-jwt",
            f"token={refresh}",  # a refresh token is not an access token
            f"token={expired}",
            "token=" + "x" * 10_000,
        ):
            with self.subTest(query=query[:30]):
                await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, query)

    async def test_a_token_of_a_deactivated_user_or_from_before_a_password_change_is_4002(self):
        token = await sync_to_async(access_token)(self.instructor)

        def change_password():
            self.instructor.set_password("A-new-pass-2026")
            self.instructor.save()

        await sync_to_async(change_password)()
        await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, f"token={token}")

        admin_token = await sync_to_async(access_token)(self.admin)
        self.admin.is_active = False
        await sync_to_async(self.admin.save)()
        await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, f"token={admin_token}")

    async def test_parents_and_students_are_closed_with_4003(self):
        for user in (self.parent, self.student):
            with self.subTest(role=user.role):
                token = await sync_to_async(access_token)(user)
                await self.assertClosedWith(CLOSE_FORBIDDEN, f"token={token}")

    async def test_instructors_supervisors_and_admins_are_welcomed_with_their_role(self):
        for user, role in (
            (self.instructor, "instructor"),
            (self.supervisor, "instructor"),
            (self.admin, "admin"),
        ):
            with self.subTest(role=role):
                token = await sync_to_async(access_token)(user)
                socket = await open_socket(f"token={token}")
                self.assertEqual(
                    await socket.receive_json(),
                    {"type": "connection_established", "user": user.pk, "role": role},
                )
                await socket.leave()

    async def test_ping_is_answered_with_pong_and_junk_is_ignored(self):
        token = await sync_to_async(access_token)(self.instructor)
        socket = await open_socket(f"token={token}")
        await socket.receive_json()
        await socket.communicator.send_to(text_data="{not json")
        await socket.communicator.send_to(bytes_data=b"\x00\x01")
        await socket.communicator.send_json_to(["ping"])
        await socket.communicator.send_json_to({"type": "subscribe", "lecture": 1})
        self.assertTrue(await socket.nothing())
        await socket.communicator.send_json_to({"type": "ping"})
        self.assertEqual(await socket.receive_json(), {"type": "pong"})
        await socket.leave()

    async def test_a_channel_layer_that_cannot_subscribe_closes_with_1011_and_is_logged(self):
        token = await sync_to_async(access_token)(self.admin)
        layer = get_channel_layer()
        with (
            mock.patch.object(layer, "group_add", side_effect=ConnectionError("redis down")),
            self.assertLogs("attendance.consumers", level="WARNING"),
        ):
            await self.assertClosedWith(CLOSE_SERVER_ERROR, f"token={token}")

    async def test_the_socket_closes_with_4002_when_its_token_expires(self):
        token = await sync_to_async(access_token)(
            self.instructor, lifetime=datetime.timedelta(seconds=2)
        )
        expires_at = AccessToken(token)["exp"]
        socket = await open_socket(f"token={token}")
        self.assertEqual((await socket.receive_json())["type"], "connection_established")
        self.assertEqual(await socket.close_code(timeout=10), CLOSE_INVALID_CREDENTIAL)
        # Closed because the token expired, not straight away: never before its ``exp``
        # (wall clock, so a slow machine cannot make this flaky).
        self.assertGreaterEqual(time.time(), expires_at - 0.01)


class TheLayerReaderEndsWithTheSocketTests(ConsumerTestCase):
    """A socket's reader of the channel layer ends with the socket. One left behind polls
    the layer for a socket that is gone, and the event loop running it never finishes
    shutting down (it waits for every task to end)."""

    async def open_with_reader(self):
        """An admin's socket whose layer reads go to ``receive``; returns it once its
        reader is inside ``receive``."""
        token = await sync_to_async(access_token)(self.admin)
        socket = await open_socket(f"token={token}")
        self.assertEqual((await socket.receive_json())["type"], "connection_established")
        await asyncio.wait_for(self.reading.wait(), timeout=5)
        return socket

    def reader_that(self, *, loses_first_cancel: bool):
        self.reading, self.readers, self.lost = asyncio.Event(), [], 0

        async def receive(channel):
            self.readers.append(asyncio.current_task())
            self.reading.set()
            if loses_first_cancel:
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    # What asyncio.wait_for does on Python 3.11 when the send it wraps
                    # (every redis-py command) completes just as the cancel arrives.
                    self.lost += 1
            await asyncio.Event().wait()

        return mock.patch.object(get_channel_layer(), "receive", receive)

    async def test_a_cancel_the_layer_read_loses_is_repeated_until_the_reader_ends(self):
        with self.reader_that(loses_first_cancel=True):
            socket = await self.open_with_reader()
            await socket.leave()
        self.assertEqual(self.lost, 1)
        self.assertEqual(len(self.readers), 1)
        self.assertTrue(self.readers[0].done(), "the reader outlived its socket")

    async def test_the_reader_ends_when_the_server_cancels_the_consumer(self):
        # Daphne (and the test communicator) cancels a consumer that is slow to stop
        # after its client left: disconnect() never runs.
        with self.reader_that(loses_first_cancel=False):
            socket = await self.open_with_reader()
            socket.communicator.future.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await socket.communicator.future
        self.assertEqual(len(self.readers), 1)
        self.assertTrue(self.readers[0].done(), "the reader outlived its socket")


class TicketTests(ConsumerTestCase):
    def issue(self, user, **kwargs) -> str:
        from rest_framework_simplejwt.utils import get_md5_hash_password

        defaults = {"token_exp": int(time.time()) + 600}
        defaults.update(kwargs)
        return ws_ticket_issue(
            user_id=user.pk, revoke_claim=get_md5_hash_password(user.password), **defaults
        )

    async def test_a_ticket_opens_exactly_one_socket(self):
        ticket = await sync_to_async(self.issue)(self.instructor)
        socket = await open_socket(f"ticket={ticket}")
        self.assertEqual(
            await socket.receive_json(),
            {"type": "connection_established", "user": self.instructor.pk, "role": "instructor"},
        )
        await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, f"ticket={ticket}")
        await socket.leave()

    async def test_sockets_racing_with_one_ticket_let_one_in(self):
        ticket = await sync_to_async(self.issue)(self.admin)
        sockets = await asyncio.gather(*(open_socket(f"ticket={ticket}") for _ in range(5)))
        firsts = [await socket.receive() for socket in sockets]
        welcomed = [m for m in firsts if m["type"] == "websocket.send"]
        closed = [m.get("code") for m in firsts if m["type"] == "websocket.close"]
        self.assertEqual(len(welcomed), 1)
        self.assertEqual(closed, [CLOSE_INVALID_CREDENTIAL] * 4)

    @override_settings(WS_TICKET_TTL_SECONDS=1)
    async def test_an_expired_ticket_is_closed_with_4002(self):
        ticket = await sync_to_async(self.issue)(self.instructor)
        await asyncio.sleep(1.3)
        await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, f"ticket={ticket}")

    async def test_unknown_tickets_and_tickets_of_changed_passwords_are_4002(self):
        await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, "ticket=made-up")
        ticket = await sync_to_async(self.issue)(self.instructor)

        def change_password():
            self.instructor.set_password("A-new-pass-2026")
            self.instructor.save()

        await sync_to_async(change_password)()
        await self.assertClosedWith(CLOSE_INVALID_CREDENTIAL, f"ticket={ticket}")

    async def test_a_ticket_socket_closes_when_the_token_it_was_bought_with_expires(self):
        ticket = await sync_to_async(self.issue)(self.admin, token_exp=int(time.time()) + 2)
        socket = await open_socket(f"ticket={ticket}")
        self.assertEqual((await socket.receive_json())["role"], "admin")
        self.assertEqual(await socket.close_code(timeout=5), CLOSE_INVALID_CREDENTIAL)

    async def test_a_ticket_from_the_endpoint_opens_the_socket(self):
        def buy_ticket():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(self.supervisor)}")
            return client.post("/api/ws-ticket/", format="json").data["ticket"]

        socket = await open_socket(f"ticket={await sync_to_async(buy_ticket)()}")
        self.assertEqual(
            await socket.receive_json(),
            {"type": "connection_established", "user": self.supervisor.pk, "role": "instructor"},
        )
        await socket.leave()

    async def test_a_parents_ticket_is_closed_with_4003(self):
        ticket = await sync_to_async(self.issue)(self.parent)
        await self.assertClosedWith(CLOSE_FORBIDDEN, f"ticket={ticket}")


@override_settings(
    CORS_ALLOWED_ORIGINS=["https://app.redwan.example"], ALLOWED_HOSTS=["api.redwan.example"]
)
class OriginTests(ConsumerTestCase):
    async def test_pages_of_the_spa_and_of_the_site_itself_may_connect(self):
        # The site itself: the socket opened on api.redwan.example over TLS (wss behind
        # the proxy, which says so in X-Forwarded-Proto).
        site = {"Host": "api.redwan.example", "X-Forwarded-Proto": "https"}
        for origin, headers in (
            ("https://app.redwan.example", {}),
            ("https://APP.redwan.example:443/", {}),  # the same origin, spelled out
            ("https://api.redwan.example", site),
            ("https://api.redwan.example:443", site),
        ):
            with self.subTest(origin=origin):
                token = await sync_to_async(access_token)(self.instructor)
                socket = await open_socket(f"token={token}", origin=origin, headers=headers)
                self.assertEqual((await socket.receive_json())["type"], "connection_established")
                await socket.leave()

    async def test_scheme_and_port_are_compared_not_only_the_host(self):
        token = await sync_to_async(access_token)(self.instructor)
        site = {"Host": "api.redwan.example", "X-Forwarded-Proto": "https"}
        for origin, headers in (
            ("http://app.redwan.example", {}),  # the SPA's host over plain HTTP
            ("https://app.redwan.example:8443", {}),  # another service on the SPA's host
            ("http://api.redwan.example", site),
            ("https://api.redwan.example:8443", site),
            ("https://api.redwan.example", {"Host": "api.redwan.example"}),  # socket not TLS
            ("https://api.redwan.example", {}),  # no Host: no own origin to match
            ("https://api.redwan.example:99999", site),
        ):
            with self.subTest(origin=origin, headers=headers):
                await self.assertClosedWith(
                    CLOSE_FORBIDDEN, f"token={token}", origin=origin, headers=headers
                )

    async def test_clients_without_an_origin_are_judged_by_their_token(self):
        token = await sync_to_async(access_token)(self.admin)
        socket = await open_socket(f"token={token}")
        self.assertEqual((await socket.receive_json())["role"], "admin")
        await socket.leave()

    async def test_a_page_from_elsewhere_is_closed_with_4003_and_its_ticket_is_not_used_up(self):
        ticket = await sync_to_async(TicketTests.issue)(self, self.admin)
        for origin in ("https://evil.example", "null", "https://app.redwan.example.evil.example"):
            with self.subTest(origin=origin):
                await self.assertClosedWith(CLOSE_FORBIDDEN, f"ticket={ticket}", origin=origin)
        socket = await open_socket(f"ticket={ticket}", origin="https://app.redwan.example")
        self.assertEqual((await socket.receive_json())["role"], "admin")
        await socket.leave()


class NothingSecretInTheLogsTests(ConsumerTestCase):
    async def test_tokens_and_tickets_never_reach_a_log_record(self):
        good = await sync_to_async(access_token)(self.instructor)
        parents = await sync_to_async(access_token)(self.parent)
        ticket = await sync_to_async(TicketTests.issue)(self, self.admin)
        secrets = [good, parents, ticket, "made-up-ticket-value", "bad.token.value"]
        with every_log_record() as records:
            for query in (
                f"token={good}",
                f"token={parents}",
                f"ticket={ticket}",
                f"ticket={ticket}",  # used up: refused
                "ticket=made-up-ticket-value",
                "token=bad.token.value",
            ):
                socket = await open_socket(query)
                await socket.receive()
                await socket.leave()
            socket = await open_socket(f"token={good}", path="/ws/elsewhere/")
            await socket.receive()
        self.assertTrue(records, "the refusals are logged (without the credential)")
        for record in records:
            text = record_text(record)
            for secret in secrets:
                self.assertNotIn(secret, text)
