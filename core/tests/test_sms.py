"""The file SMS backend: an outbox a developer or the end-to-end tests can read."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from core.sms import FileSmsBackend, run_in_background, send_sms, wait_for_sms_in_background

MESSAGE = "رمز التحقق الخاص بك في الرضوان هو 482913"


class FileSmsBackendTests(SimpleTestCase):
    def setUp(self):
        folder = tempfile.mkdtemp(prefix="redwan-sms-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.outbox = Path(folder) / "outbox.jsonl"

    def test_it_appends_one_json_line_per_message_and_logs_only_the_masked_phone(self):
        with (
            override_settings(SMS_FILE_PATH=str(self.outbox)),
            self.assertLogs("core.sms", level="INFO") as logs,
        ):
            FileSmsBackend().send("+201012345678", MESSAGE)
            FileSmsBackend().send("+201099999999", "second")

        lines = [json.loads(line) for line in self.outbox.read_text("utf-8").splitlines()]
        self.assertEqual(
            lines,
            [
                {"to": "+201012345678", "message": MESSAGE},
                {"to": "+201099999999", "message": "second"},
            ],
        )
        output = "\n".join(logs.output)
        self.assertIn("+201******678", output)
        self.assertNotIn("+201012345678", output)
        self.assertNotIn("482913", output)

    @override_settings(SMS_BACKEND="core.sms.FileSmsBackend", SMS_FILE_PATH="")
    def test_without_a_path_the_send_fails_and_is_logged_but_never_raised(self):
        with self.assertLogs("core.sms", level="ERROR") as logs:
            self.assertFalse(send_sms("+201012345678", MESSAGE))

        self.assertIn("SMS sending to +201******678 failed", "\n".join(logs.output))
        self.assertFalse(self.outbox.exists())


class BackgroundTaskTests(SimpleTestCase):
    def test_a_failing_task_is_logged_and_the_next_ones_still_run(self):
        done = []

        def fail():
            raise ValueError("boom")

        with self.assertLogs("core.sms", level="ERROR") as logs:
            run_in_background(fail)
            run_in_background(done.append, "after")
            wait_for_sms_in_background()

        self.assertEqual(done, ["after"])
        self.assertIn("A background task (fail) failed", logs.output[0])
