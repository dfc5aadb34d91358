"""Logs never contain passwords, tokens or verification codes (SPEC §10)."""

from __future__ import annotations

import io
import logging

from django.core.cache import cache
from django.test import SimpleTestCase
from rest_framework.test import APITestCase

from core.logging import RedactSecretsFilter, redact
from core.sms import ConsoleSmsBackend, LocmemSmsBackend
from users.models import Role
from users.tests.factories import PASSWORD, make_user

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl"


class RedactTests(SimpleTestCase):
    def test_it_removes_a_token_from_a_query_string(self):
        cleaned = redact(f"GET /ws/attendance/?token={JWT}&lecture=4 200")

        self.assertNotIn(JWT, cleaned)
        self.assertIn("/ws/attendance/?token=[redacted]&lecture=4 200", cleaned)

    def test_it_removes_a_ticket_from_a_query_string(self):
        cleaned = redact("WSCONNECT /ws/attendance/?ticket=s3cr3t-t1cket")

        self.assertNotIn("s3cr3t-t1cket", cleaned)
        self.assertIn("ticket=[redacted]", cleaned)

    def test_it_removes_the_signature_of_a_private_files_url(self):
        signature = "9f2c1ab0e4d7c3b5a6f8e9d0c1b2a3f4"
        for line in (
            f'"GET /files/memories/a1/b2.jpg?expires=1796571731&signature={signature}" 200',
            f"GET /private/b2.jpg?X-Amz-Expires=600&X-Amz-Signature={signature}",
        ):
            with self.subTest(line):
                cleaned = redact(line)
                self.assertNotIn(signature, cleaned)
                self.assertIn("ignature=[redacted]", cleaned)

    def test_it_removes_a_password_from_a_json_body(self):
        cleaned = redact('{"phone_number1": "01012345678", "password": "Hunter2-secret"}')

        self.assertNotIn("Hunter2-secret", cleaned)
        self.assertIn('"password": "[redacted]"', cleaned)
        self.assertIn("01012345678", cleaned)

    def test_it_removes_a_password_from_a_python_dict_repr(self):
        # logger.info("payload %s", request.data) prints a dict with single quotes.
        cleaned = redact(str({"password": "Hunter2-secret", "re_password": "Hunter2-secret"}))

        self.assertNotIn("Hunter2-secret", cleaned)

    def test_it_removes_the_set_password_fields(self):
        cleaned = redact('{"current_password": "Old-secret-1", "new_password": "New-secret-2"}')

        self.assertNotIn("Old-secret-1", cleaned)
        self.assertNotIn("New-secret-2", cleaned)

    def test_it_removes_a_verification_code_from_a_json_body(self):
        cleaned = redact('{"code": "482913"}')

        self.assertNotIn("482913", cleaned)
        self.assertIn('"code": "[redacted]"', cleaned)

    def test_it_removes_a_bearer_token(self):
        cleaned = redact(f"Authorization: Bearer {JWT}")

        self.assertNotIn(JWT, cleaned)
        self.assertIn("Bearer [redacted]", cleaned)

    def test_it_leaves_ordinary_text_alone(self):
        text = "GET /api/courses/?page=2&search=quran 200 [0.01, 127.0.0.1:5000]"

        self.assertEqual(redact(text), text)


class RedactSecretsFilterTests(SimpleTestCase):
    def _record(self, msg, *args):
        return logging.LogRecord("daphne.access", logging.INFO, __file__, 1, msg, args, None)

    def test_it_rewrites_a_record_whose_arguments_carry_a_secret(self):
        record = self._record("%s %s", "GET", f"/ws/attendance/?token={JWT}")

        self.assertTrue(RedactSecretsFilter().filter(record))

        self.assertEqual(record.getMessage(), "GET /ws/attendance/?token=[redacted]")
        self.assertIsNone(record.args)

    def test_it_leaves_a_clean_record_untouched(self):
        record = self._record("%s lectures generated", 12)

        RedactSecretsFilter().filter(record)

        self.assertEqual(record.msg, "%s lectures generated")
        self.assertEqual(record.args, (12,))

    def test_a_handler_with_the_filter_writes_no_secret(self):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(RedactSecretsFilter())
        logger = logging.getLogger("core.tests.redact-probe")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            logger.warning("Authorization: Bearer %s", JWT)
        finally:
            logger.removeHandler(handler)

        self.assertNotIn(JWT, stream.getvalue())
        self.assertIn("Bearer [redacted]", stream.getvalue())

    def test_the_configured_console_handlers_carry_the_filter(self):
        for name in ("", "daphne"):
            # Only the handlers settings.LOGGING made (pytest adds capture handlers of its own).
            handlers = [
                h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler
            ]
            with self.subTest(logger=name or "root"):
                self.assertTrue(handlers)
                for handler in handlers:
                    self.assertTrue(
                        any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
                    )


class ConsoleSmsBackendTests(SimpleTestCase):
    def test_it_logs_the_masked_phone_but_never_the_message(self):
        with self.assertLogs("core.sms", level="INFO") as logs:
            ConsoleSmsBackend().send("+201012345678", "Your Redwan verification code is 482913")

        output = "\n".join(logs.output)
        self.assertIn("+201******678", output)
        self.assertNotIn("+201012345678", output)
        self.assertNotIn("482913", output)
        self.assertNotIn("verification code", output)


class NoSecretsInLogsTests(APITestCase):
    """Drive login and phone verification end to end and read every log line they make."""

    PHONE = "+201055501234"

    def setUp(self):
        cache.clear()  # throttle counters
        LocmemSmsBackend.outbox.clear()
        self.user = make_user(Role.PARENT, phone_number1=self.PHONE)

    def test_login_and_phone_verification_leave_no_secret_in_the_logs(self):
        with self.assertLogs(level="DEBUG") as logs:
            wrong = self.client.post(
                "/auth/jwt/create/",
                {"phone_number1": "01055501234", "password": "Wrong-" + PASSWORD},
            )
            login = self.client.post(
                "/auth/jwt/create/", {"phone_number1": "01055501234", "password": PASSWORD}
            )
            access, refresh = login.json()["access"], login.json()["refresh"]
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
            with self.captureOnCommitCallbacks(execute=True):
                sent = self.client.post("/auth/phone/send-code/")
            code = self._code_from_outbox()
            bad_code = f"{(int(code) + 1) % 1_000_000:06d}"
            mismatch = self.client.post("/auth/phone/verify/", {"code": bad_code})
            verified = self.client.post("/auth/phone/verify/", {"code": code})
            refreshed = self.client.post("/auth/jwt/refresh/", {"refresh": refresh})
            # A 404 with a token in the query string: django.request logs the path.
            self.client.get(f"/api/no-such-endpoint/?token={access}")

        self.assertEqual(
            [wrong.status_code, login.status_code, sent.status_code],
            [401, 200, 202],
        )
        self.assertEqual([mismatch.status_code, verified.status_code], [400, 200])
        self.assertEqual(refreshed.status_code, 200)
        output = "\n".join(logs.output)
        self.assertTrue(output)  # the failed attempts were logged …
        secrets = {
            "password": PASSWORD,
            "access token": access,
            "refresh token": refresh,
            "new access token": refreshed.json()["access"],
            "verification code": code,
            "wrong code": bad_code,
        }
        for what, secret in secrets.items():
            with self.subTest(secret=what):
                self.assertNotIn(secret, output)  # … but never with a secret

    def _code_from_outbox(self) -> str:
        self.assertEqual(len(LocmemSmsBackend.outbox), 1)
        phone, message = LocmemSmsBackend.outbox[0]
        self.assertEqual(phone, self.PHONE)
        return next(word for word in message.split() if word.isdigit() and len(word) == 6)


def console_like_handler(stream: io.StringIO) -> logging.Handler:
    """A handler with the formatter and filters of settings.LOGGING's console handler."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    config = settings.LOGGING
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(config["formatters"]["plain"]["format"]))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    return handler


class CapturedLog:
    def __init__(self, name: str):
        self.logger = logging.getLogger(name)
        self.stream = io.StringIO()
        self.handler = console_like_handler(self.stream)

    def __enter__(self) -> io.StringIO:
        self.logger.addHandler(self.handler)
        return self.stream

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self.handler)


class RefusedRequestLogTests(SimpleTestCase):
    """A request Django refuses is one line in the log, without a traceback."""

    def test_a_refused_host_is_logged_without_a_traceback(self):
        from django.test import override_settings

        with CapturedLog("django.security.DisallowedHost") as stream:
            with override_settings(ALLOWED_HOSTS=["localhost"], DEBUG=False):
                response = self.client.get("/api/courses/", HTTP_HOST="evil.example")

        self.assertEqual(response.status_code, 400)
        written = stream.getvalue()
        self.assertIn("ERROR django.security.DisallowedHost", written)
        self.assertIn("evil.example", written)
        self.assertNotIn("Traceback", written)
        self.assertEqual(written.count("\n"), 1)

    def test_server_errors_and_other_loggers_keep_their_tracebacks(self):
        for name, extra in (("django.request", {"status_code": 500}), ("redwan.test", {})):
            with self.subTest(logger=name), CapturedLog(name) as stream:
                try:
                    raise ValueError("boom")
                except ValueError:
                    logging.getLogger(name).exception("failed", extra=extra)
                self.assertIn("Traceback", stream.getvalue())
                self.assertIn("ValueError: boom", stream.getvalue())


class RefusedAdminPageLogTests(APITestCase):
    def test_an_admin_page_the_user_may_not_open_is_logged_without_a_traceback(self):
        from users.tests.factories import make_admin

        self.client.force_login(make_admin(is_superuser=True))
        with CapturedLog("django.request") as stream:
            response = self.client.get("/courses-admin/users/parentlinkrequest/add/")

        self.assertEqual(response.status_code, 403)
        written = stream.getvalue()
        self.assertIn("WARNING django.request", written)
        self.assertIn("/courses-admin/users/parentlinkrequest/add/", written)
        self.assertNotIn("Traceback", written)
