"""The attendance services follow the house rule of tests/test_typed_services.py: keyword-
only, typed arguments, no ``**kwargs``; the key and the job's outcome are never inputs."""

from __future__ import annotations

import inspect

from django.test import SimpleTestCase

from attendance import (
    device_services,
    instructor_attendance_services,
    job_services,
    shift_services,
)

MODULES = (device_services, shift_services, instructor_attendance_services, job_services)


def public_services():
    for module in MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield name, function


class AttendanceServiceSignatureTests(SimpleTestCase):
    def test_every_service_takes_keyword_only_typed_arguments(self):
        names = []
        for name, function in public_services():
            names.append(name)
            params = list(inspect.signature(function).parameters.values())
            with self.subTest(service=name):
                self.assertEqual(
                    [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY], []
                )
                self.assertEqual(
                    [p.name for p in params if p.annotation is inspect.Parameter.empty], []
                )
        self.assertIn("instructor_attendance_scan", names)
        self.assertIn("device_create", names)

    def test_what_must_never_change_is_not_an_argument(self):
        never = {
            device_services.device_update: {"key", "key_hash", "key_id", "last_seen_at"},
            instructor_attendance_services.instructor_attendance_rate: {"status", "rated_by"},
            shift_services.supervisor_shift_update: {"id"},
        }
        for service, names in never.items():
            with self.subTest(service=service.__name__):
                self.assertFalse(names & set(inspect.signature(service).parameters))
