"""scripts/fuzz.py's set-up, without running schemathesis: the throttles it opens and the
schemathesis.toml it writes."""

from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
import tomllib
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent


def _fuzz_module():
    scripts = str(ROOT / "scripts")
    sys.path.insert(0, scripts)  # the script imports its neighbour demo_logins
    try:
        spec = importlib.util.spec_from_file_location("redwan_fuzz", ROOT / "scripts" / "fuzz.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(scripts)
    return module


fuzz = _fuzz_module()


class FuzzSetUpTests(SimpleTestCase):
    def test_it_opens_every_throttle_the_settings_read(self):
        # A throttle left at its rate answers 429 to most of a role's requests to its
        # endpoint (one client, thousands of requests), and to every later role's.
        settings = (ROOT / "Redwan_courses_center" / "settings.py").read_text(encoding="utf-8")
        read = set(re.findall(r'"([A-Z_]+_THROTTLE_RATE)"', settings))
        self.assertIn("PASSWORD_RESET_IP_THROTTLE_RATE", read)
        self.assertEqual(sorted(read - set(fuzz.THROTTLES)), [])

    def test_it_aims_the_decisions_on_proposed_lectures_at_the_seeded_proposals(self):
        with tempfile.TemporaryDirectory() as tmp:
            config = fuzz.config_file(Path(tmp), proposals=[34, 35])
            written = tomllib.loads(config.read_text(encoding="utf-8"))
        aimed = {
            operation["include-path"]: operation["parameters"]
            for operation in written["operations"]
        }
        self.assertEqual(
            aimed,
            {
                "/api/lectures/{id}/approve/": {"path.id": 34},
                "/api/lectures/{id}/reject/": {"path.id": 35},
            },
        )
