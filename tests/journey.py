"""The harness of the end-to-end journey (``tests/test_e2e_journey.py``).

Requests and sockets against the sites of :mod:`tests.sites` (one Daphne, or nginx in
front of gunicorn and Daphne) that remember every credential they meet — each password
sent, and each ``access``, ``refresh``, ``ticket`` or ``key`` an answer carries — and the
scan of every log a site wrote for them.
"""

from __future__ import annotations

import asyncio
import json
import re
from contextlib import AsyncExitStack
from pathlib import Path

from websockets.asyncio.client import connect

from tests.live_server import next_event
from tests.sites import ComposeSite, QuickStartSite

Site = QuickStartSite | ComposeSite

# Fields of an answer that carry a credential: whatever the API hands out is a secret.
SECRET_FIELDS = ("access", "refresh", "ticket", "key")


def outbox_messages(outbox: Path, phone: str) -> list[str]:
    """The texts ``core.sms.FileSmsBackend`` wrote to ``phone`` (E.164), oldest first."""
    lines = outbox.read_text("utf-8").splitlines() if outbox.exists() else []
    return [sms["message"] for sms in map(json.loads, lines) if sms["to"] == phone]


def appears_in(secret: str, text: str) -> bool:
    """A digits-only secret (a verification code) counts only as a number of its own, not
    as part of a longer one (a port, a byte count)."""
    if secret.isdigit():
        return re.search(rf"(?<!\d){secret}(?!\d)", text) is not None
    return secret in text


class JourneyMixin:
    """For a ``TransactionTestCase``: call :meth:`start_journey` in ``setUp``."""

    def start_journey(self) -> None:
        self.secrets: dict[str, str] = {}  # secret -> what it is (for a failure message)
        self.tokens: dict[str, str] = {}  # who -> access token; "<who>_refresh" too
        self.served: dict[int, set[str]] = {}  # server port -> "METHOD /path" it answered

    async def call(
        self, server: Site, method, path, body=None, *, who=None, expect=200, headers=None
    ):
        """One request as ``who`` (a key of ``self.tokens``) or anonymous: asserts the
        status, keeps every credential of the answer, returns the parsed body."""
        token = self.tokens.get(who) if who else None
        status, answer = await asyncio.to_thread(server.request, method, path, body, token, headers)
        self.assertEqual(status, expect, f"{method} {path} on :{server.port} → {answer}")
        request = f"{method} {path.partition('?')[0]}"  # a query may hold a credential
        self.served.setdefault(server.port, set()).add(request)
        for field in SECRET_FIELDS:
            if isinstance(answer, dict) and isinstance(answer.get(field), str):
                self.secrets[answer[field]] = f"the {field} of {request} on :{server.port}"
        return answer

    async def log_in(self, server: Site, who: str, phone: str, password: str) -> None:
        self.secrets[password] = f"the password of {who}"
        pair = await self.call(
            server, "POST", "/auth/jwt/create/", {"phone_number1": phone, "password": password}
        )
        self.tokens[who], self.tokens[f"{who}_refresh"] = pair["access"], pair["refresh"]

    async def socket(self, stack: AsyncExitStack, server: Site, **credential):
        """An attendance socket kept open until ``stack`` closes; ``(socket, greeting)``."""
        url = server.ws_url("/ws/attendance/", **credential)
        ws = await stack.enter_async_context(connect(url))
        hello = await next_event(ws)
        self.assertEqual(hello["type"], "connection_established", hello)
        return ws, hello

    async def next_update(self, ws, kind: str = "attendance_update") -> dict:
        event = await next_event(ws)
        self.assertEqual(event["type"], kind, event)
        return event

    def assert_logs_hold_no_secret(self, site: Site, label: str) -> None:
        """The site's logs recorded what it served, and hold no credential of the run."""
        http_log = site.http_log()
        served = self.served.get(site.port, set())
        self.assertTrue(served, f"site {label} served nothing")
        for request in served:  # the scan cannot pass on an empty or truncated log
            self.assertIn(f'"{request}', http_log, f"site {label} did not log {request}")
        self.assertIn('"WSCONNECT /ws/attendance/"', site.socket_log())
        for name, log in site.logs().items():
            for secret, what in self.secrets.items():
                lines = [line for line in log.splitlines() if appears_in(secret, line)]
                shown = "\n".join(line.replace(secret, "<secret>") for line in lines[:3])
                if lines:
                    self.fail(f"{what} is in site {label}'s {name}:\n{shown}")
