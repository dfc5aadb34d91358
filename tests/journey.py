"""The harness of the end-to-end journey (``tests/test_e2e_journey.py``).

Requests and sockets against the sites of :mod:`tests.sites` (one Daphne, or nginx in
front of gunicorn and Daphne) that remember every credential they meet — each password
sent, and each ``access``, ``refresh``, ``ticket`` or ``key`` an answer carries — and the
scan of every log a site wrote for them. JSON calls (:meth:`JourneyMixin.call`),
``multipart/form-data`` posts (:meth:`JourneyMixin.post_form`) and file downloads
(:meth:`JourneyMixin.download`) go through the same bookkeeping.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from contextlib import AsyncExitStack
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.live_server import ANSWER_SECONDS, next_event
from tests.sites import ComposeSite, QuickStartSite

Site = QuickStartSite | ComposeSite

# Fields of an answer that carry a credential: whatever the API hands out is a secret.
SECRET_FIELDS = ("access", "refresh", "ticket", "key")


def outbox_messages(outbox: Path, phone: str) -> list[str]:
    """The texts ``core.sms.FileSmsBackend`` wrote to ``phone`` (E.164), oldest first. A
    line still being written (no newline yet) is not read."""
    text = outbox.read_text("utf-8") if outbox.exists() else ""
    lines = text.split("\n")[:-1]
    return [sms["message"] for sms in map(json.loads, lines) if sms["to"] == phone]


async def next_outbox_message(
    outbox: Path, phone: str, *, after: int, timeout: float = ANSWER_SECONDS
) -> str:
    """The text sent to ``phone`` after its first ``after`` ones, once it is written: a text
    sent off the request's thread (``core.sms.send_sms_in_background``) may be written after
    the answer left. Fails when none comes within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while len(texts := outbox_messages(outbox, phone)) <= after:
        if time.monotonic() > deadline:
            raise AssertionError(f"no new SMS to {phone} within {timeout} s: {texts}")
        await asyncio.sleep(0.02)
    return texts[after]


def multipart(fields: dict[str, str], files: list[tuple[str, str, str, bytes]]):
    """``(body, content type)`` of a ``multipart/form-data`` body: text ``fields``, and
    ``files`` as ``(field, file name, content type, bytes)``, one part each."""
    boundary = f"----redwan-{secrets.token_hex(12)}"
    parts = []
    for name, value in fields.items():
        head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + value.encode())
    for name, filename, content_type, data in files:
        head = (
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + data)
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def raw_request(base: str, method: str, path: str, data=None, headers=None):
    """``(status, headers, body bytes)`` of one HTTP request to ``base``."""
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_SECONDS) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


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

    async def call_raw(self, server: Site, method, path, body) -> tuple[int, bytes]:
        """One anonymous JSON request, for an answer compared byte for byte: ``(status, body
        bytes)``. For answers that hand out no credential: none is collected."""
        headers = {"Content-Type": "application/json"}
        status, _, raw = await asyncio.to_thread(
            raw_request, server.base, method, path, json.dumps(body).encode(), headers
        )
        self.served.setdefault(server.port, set()).add(f"{method} {path.partition('?')[0]}")
        return status, raw

    async def post_form(self, server: Site, path, fields, files, *, who, expect=201):
        """A ``multipart/form-data`` POST as ``who``: asserts the status, returns the
        parsed JSON answer."""
        body, content_type = multipart(fields, files)
        headers = {"Content-Type": content_type, "Authorization": f"Bearer {self.tokens[who]}"}
        status, _, raw = await asyncio.to_thread(
            raw_request, server.base, "POST", path, body, headers
        )
        self.assertEqual(status, expect, f"POST {path} on :{server.port} → {raw[:500]!r}")
        self.served.setdefault(server.port, set()).add(f"POST {path.partition('?')[0]}")
        return json.loads(raw)

    async def download(self, server: Site, path: str) -> tuple[int, str, bytes]:
        """``(status, content type, bytes)`` of a file's URL (signed: no token)."""
        status, headers, raw = await asyncio.to_thread(raw_request, server.base, "GET", path)
        return status, headers.get("Content-Type", ""), raw

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

    async def assert_closed_with(self, ws, code: int, what: str) -> None:
        """The server closes ``ws`` with ``code``, having sent nothing more, within
        ``ANSWER_SECONDS``."""
        try:
            event = await next_event(ws)
        except ConnectionClosed:
            self.assertEqual(ws.close_code, code, what)
        except TimeoutError:
            self.fail(f"{what} is still open {ANSWER_SECONDS} s later")
        else:
            self.fail(f"{what} received {event} instead of closing")

    def assert_logs_hold_no_secret(self, site: Site, label: str) -> None:
        """The site's logs recorded what it served, and hold no credential of the run."""
        served = self.served.get(site.port, set())
        self.assertTrue(served, f"site {label} served nothing")
        # A server writes a request's line once the answer has left (a socket's, once it
        # closed): give the last ones a moment on a busy machine before reading.
        deadline = time.monotonic() + 10
        http_log = site.http_log()
        while time.monotonic() < deadline and not all(f'"{r}' in http_log for r in served):
            time.sleep(0.05)
            http_log = site.http_log()
        for request in served:  # the scan cannot pass on an empty or truncated log
            self.assertIn(f'"{request}', http_log, f"site {label} did not log {request}")
        self.assertIn('"WSCONNECT /ws/attendance/"', site.socket_log())
        for name, log in site.logs().items():
            for secret, what in self.secrets.items():
                lines = [line for line in log.splitlines() if appears_in(secret, line)]
                shown = "\n".join(line.replace(secret, "<secret>") for line in lines[:3])
                if lines:
                    self.fail(f"{what} is in site {label}'s {name}:\n{shown}")
