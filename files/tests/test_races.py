"""Photos written at the same moment (PostgreSQL: SQLite serialises whole transactions)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.test import TransactionTestCase, override_settings

from files.config import media_storages
from testkit.db import requires_postgres, run_concurrently
from testkit.images import image_upload
from users import photo_services
from users.models import Child
from users.tests.factories import make_child, make_parent


@requires_postgres
class ParallelPhotoTests(TransactionTestCase):
    def setUp(self):
        media = tempfile.TemporaryDirectory(prefix="redwan-races-")
        self.addCleanup(media.cleanup)
        self.root = Path(media.name)
        overridden = override_settings(
            STORAGES={
                **settings.STORAGES,
                **media_storages(media_root=self.root, media_url="/media/", url_ttl=600),
            }
        )
        overridden.enable()
        self.addCleanup(overridden.disable)

    def test_parallel_uploads_of_one_childs_photo_leave_one_photo_and_no_orphan(self):
        parent = make_parent()
        child = make_child(parent)
        linked = make_parent()
        child.other_parents.add(linked)

        def upload(actor, side):
            return lambda: photo_services.child_photo_set(
                child=Child.objects.get(pk=child.pk),
                actor=actor.user,
                upload=image_upload(size=(side, side)),
            )

        results = run_concurrently(
            upload(parent, 40), upload(linked, 50), upload(parent, 60), upload(linked, 70)
        )
        self.assertTrue(all(isinstance(r, Child) for r in results), results)
        stored = Child.objects.get(pk=child.pk).photo
        files = {str(p.relative_to(self.root / "private")) for p in self.root.rglob("*.*")}
        self.assertEqual(files, {stored["name"], stored["thumbnail"]})
