"""The documented shape of a submission (the OpenAPI schema) states the validator's own
bounds: both read them from ``attendance.submission_records``."""

from __future__ import annotations

from django.test import TestCase
from drf_spectacular.generators import SchemaGenerator

from attendance import submission_records as limits
from attendance.submission_records import parse_records
from core.errors import Invalid


def record(**values) -> dict:
    return {"child": 1, "present": True, "rating": 8, **values}


class SchemaBoundsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
        cls.request = schemas["SubmissionRequestRequest"]["properties"]["records"]
        cls.record = schemas["SubmissionRecordRequest"]["properties"]

    def test_the_list_is_bounded_like_the_validator(self):
        self.assertEqual(
            (self.request["minItems"], self.request["maxItems"]), (1, limits.MAX_RECORDS)
        )

    def test_each_field_is_bounded_like_the_validator(self):
        self.assertEqual(self.record["code"]["maxLength"], limits.MAX_CODE)
        self.assertEqual(self.record["notes"]["maxLength"], limits.MAX_NOTES)
        for kind in ("child", "student"):
            self.assertEqual(
                (self.record[kind]["minimum"], self.record[kind]["maximum"]), (1, limits.MAX_ID)
            )
        number = self.record["rating"]["oneOf"][0]
        self.assertEqual(
            (number["minimum"], number["maximum"]),
            (float(limits.RATING_MIN), float(limits.RATING_MAX)),
        )


class ValidatorBoundsTests(TestCase):
    """The same constants are the validator's edges: on them a record passes, past them
    it is refused."""

    def assert_refused(self, records, code="invalid_record"):
        with self.assertRaises(Invalid) as raised:
            parse_records(records)
        self.assertEqual(raised.exception.code, code)

    def test_the_edges_pass(self):
        marks = parse_records(
            [
                record(notes="n" * limits.MAX_NOTES, rating=str(limits.RATING_MAX)),
                record(child=limits.MAX_ID, rating=str(limits.RATING_MIN)),
                {"code": "B" * limits.MAX_CODE, "present": False, "rating": "9.99"},
            ]
        )
        self.assertEqual(len(marks), 3)
        self.assertEqual(len(parse_records([record()] * limits.MAX_RECORDS)), limits.MAX_RECORDS)

    def test_one_past_each_edge_is_refused(self):
        self.assert_refused([record(notes="n" * (limits.MAX_NOTES + 1))])
        self.assert_refused([record(child=limits.MAX_ID + 1)])
        self.assert_refused([record(rating=str(limits.RATING_MAX + limits.CENT))])
        self.assert_refused([record(rating=str(limits.RATING_MIN - limits.CENT))])
        self.assert_refused([record(rating="5.555")])
        self.assert_refused([{"code": "B" * (limits.MAX_CODE + 1), "present": True, "rating": 8}])
        self.assert_refused([record()] * (limits.MAX_RECORDS + 1), code="too_many_records")
        self.assert_refused([], code="records_required")
