"""The OpenAPI schema documents the photo uploads as multipart bodies with a binary
``file`` (what lets scripts/fuzz.py's schemathesis send files), and the photo shape."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from rest_framework.test import APITestCase

from files.config import media_storages
from testkit.images import image_upload
from testkit.schema import assert_matches_schema
from users.tests.factories import make_admin, make_child, make_parent

PHOTO_PATHS = (
    "/auth/users/me/photo/",
    "/api/children/{id}/photo/",
    "/api/instructors/{id}/photo/",
    "/api/courses/{id}/image/",
)


class PhotoSchemaTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.schema = cls.client_class().get("/api/schema/?format=json").json()

    def test_every_upload_is_a_multipart_body_with_a_binary_file(self):
        for path in PHOTO_PATHS:
            with self.subTest(path):
                operations = self.schema["paths"][path]
                self.assertEqual(set(operations) - {"parameters"}, {"put", "delete"})
                body = operations["put"]["requestBody"]
                self.assertTrue(body["required"])
                self.assertEqual(list(body["content"]), ["multipart/form-data"])
                ref = body["content"]["multipart/form-data"]["schema"]["$ref"]
                upload = self.schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
                self.assertEqual(
                    upload["properties"]["file"], {"type": "string", "format": "binary"}
                )
                codes = operations["put"]["responses"]["400"]["content"]["application/json"]
                enum = codes["schema"]["properties"]["code"]["enum"]
                for code in ("file_too_large", "file_type_not_allowed", "image_invalid"):
                    self.assertIn(code, enum)
                self.assertIn("204", operations["delete"]["responses"])

    def test_the_photo_fields_are_documented_on_their_objects(self):
        schemas = self.schema["components"]["schemas"]
        for component, field in (
            ("Child", "photo"),
            ("User", "photo"),
            ("InstructorPublic", "photo"),
            ("Course", "image"),
        ):
            with self.subTest(component):
                self.assertIn(field, schemas[component]["properties"])

    def test_an_answer_matches_the_schema(self):
        media = tempfile.TemporaryDirectory()
        self.addCleanup(media.cleanup)
        storages = media_storages(media_root=Path(media.name), media_url="/media/", url_ttl=600)
        parent = make_parent()
        child = make_child(parent)
        with override_settings(STORAGES={**settings.STORAGES, **storages}):
            self.client.force_authenticate(parent.user)
            url = f"/api/children/{child.pk}/photo/"
            response = self.client.put(url, {"file": image_upload()}, format="multipart")
            self.assertEqual(response.status_code, 200)
            assert_matches_schema(response, path="/api/children/{id}/photo/", method="PUT")
            refused = self.client.put(url, {"file": b"nope"}, format="multipart")
            self.assertEqual(refused.status_code, 400)
            assert_matches_schema(refused, path="/api/children/{id}/photo/", method="PUT")
            self.client.force_authenticate(make_admin())
            shown = self.client.get(f"/api/children/{child.pk}/")
            assert_matches_schema(shown, path="/api/children/{id}/", method="GET")
