"""Array literals (core.sql.array_literal): what they look like, and that PostgreSQL reads
back exactly the values that went in."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test import SimpleTestCase, TestCase

from core.sql import array_literal, boolean_element, quoted_element
from testkit.db import requires_postgres

AWKWARD = ['a "b" \\ c', "NULL", "", " {x,y} ", "سطر\nثانٍ\t", "'; DROP TABLE x; --"]


class ArrayLiteralTests(SimpleTestCase):
    def test_numbers_booleans_and_nulls(self):
        self.assertEqual(array_literal([1, None, 30]), "{1,NULL,30}")
        self.assertEqual(array_literal([Decimal("9.50"), Decimal("10.00")]), "{9.50,10.00}")
        self.assertEqual(array_literal([True, False, None], boolean_element), "{t,f,NULL}")
        self.assertEqual(array_literal([]), "{}")

    def test_text_is_quoted_and_only_quotes_and_backslashes_are_escaped(self):
        self.assertEqual(quoted_element('say "hi" \\ now'), '"say \\"hi\\" \\\\ now"')
        self.assertEqual(array_literal(["NULL", None], quoted_element), '{"NULL",NULL}')


@requires_postgres
class ArrayLiteralRoundTripTests(TestCase):
    def read_back(self, literal: str, cast: str):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT %s::{cast}", [literal])
            return cursor.fetchone()[0]

    def test_postgresql_reads_back_the_values_that_went_in(self):
        texts = [*AWKWARD, None]
        self.assertEqual(self.read_back(array_literal(texts, quoted_element), "text[]"), texts)
        numbers = [Decimal("1.00"), None, Decimal("7.25")]
        self.assertEqual(self.read_back(array_literal(numbers), "numeric[]"), numbers)
        flags = [True, None, False]
        self.assertEqual(self.read_back(array_literal(flags, boolean_element), "boolean[]"), flags)
        self.assertEqual(self.read_back(array_literal([2**62, None]), "bigint[]"), [2**62, None])
