"""A private file as the quick start serves it: a real Daphne (``python -m core.serve``)
answers a signed URL with the whole file or one byte range. (That the app reads the file
as it sends it, rather than whole first, is files/tests/test_serving.py's: Daphne has no
flow control, so the memory a download costs it depends on how fast the client reads.)

Both processes share the secret key (tests.live_server.server_env), so a URL signed here
is valid there; the file is written straight into the server's ``MEDIA_ROOT``.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
from pathlib import Path

from django.test import TransactionTestCase

from files import signing
from testkit.db import requires_postgres
from tests.live_server import LiveDaphne


@requires_postgres
class DaphneServesPrivateFilesTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.media = Path(tempfile.mkdtemp(prefix="redwan-e2e-files-"))
        videos = cls.media / "private" / "videos"
        videos.mkdir(parents=True)
        cls.small = bytes(i % 251 for i in range(300_000))
        (videos / "small.mp4").write_bytes(cls.small)
        cls.server = LiveDaphne(env={"MEDIA_ROOT": str(cls.media)}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.media, ignore_errors=True)
        super().tearDownClass()

    def fetch(self, name: str, headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.server.base + signing.signed_url(name))
        for header, value in (headers or {}).items():
            request.add_header(header, value)
        return urllib.request.urlopen(request, timeout=30)

    def test_the_whole_file_and_one_range(self):
        with self.fetch("videos/small.mp4") as response:
            self.assertEqual((response.status, response.read()), (200, self.small))
            self.assertEqual(response.headers["Accept-Ranges"], "bytes")
        with self.fetch("videos/small.mp4", {"Range": "bytes=70000-200000"}) as response:
            self.assertEqual(response.status, 206)
            self.assertEqual(response.headers["Content-Range"], "bytes 70000-200000/300000")
            self.assertEqual(response.read(), self.small[70000:200001])
        with self.assertRaises(urllib.error.HTTPError) as past_the_end:
            self.fetch("videos/small.mp4", {"Range": "bytes=300000-"})
        self.assertEqual(past_the_end.exception.code, 416)
        self.assertEqual(past_the_end.exception.headers["Content-Range"], "bytes */300000")
