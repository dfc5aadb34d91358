"""Array literals (core.sql.array_literal): what they look like, and that PostgreSQL reads
back exactly the values that went in."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test import SimpleTestCase, TestCase
from django.test.utils import CaptureQueriesContext

from core.sql import (
    IdIn,
    array_literal,
    boolean_element,
    quoted_element,
    update_returning,
)
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


class ReturningTests(TestCase):
    """INSERT … SELECT … RETURNING, UPDATE … RETURNING and one-parameter id lists, on
    PostgreSQL and SQLite alike (the models: the notifications and their users)."""

    @classmethod
    def setUpTestData(cls):
        from users.tests.factories import make_parent

        cls.users = [make_parent().user for _ in range(3)]

    def test_update_returning_answers_the_ids_it_changed(self):
        from notifications.models import Notification

        notes = [
            Notification.objects.create(recipient=user, kind="k", title="t", body="b")
            for user in self.users
        ]
        wanted = Notification.objects.filter(recipient__in=self.users[:2])  # a joined filter
        changed = [pk for (pk,) in update_returning(wanted, {"title": "new"})]
        self.assertEqual(sorted(changed), sorted(n.pk for n in notes[:2]))
        self.assertEqual(
            update_returning(
                Notification.objects.filter(pk=notes[2].pk),
                {"title": "other"},
                returning=("id", "recipient_id"),
            ),
            [(notes[2].pk, self.users[2].pk)],
        )
        self.assertEqual(
            set(Notification.objects.filter(title="new").values_list("pk", flat=True)),
            set(changed),
        )
        self.assertEqual(update_returning(Notification.objects.none(), {"title": "x"}), [])

    def test_id_in_takes_any_number_of_ids_as_one_parameter(self):
        from users.models import CustomUser

        ids = [user.pk for user in self.users] + list(range(10**6, 10**6 + 5000))
        found = CustomUser.objects.filter(IdIn("pk", ids))
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(
                sorted(found.values_list("pk", flat=True)), sorted(u.pk for u in self.users)
            )
        self.assertLess(len(queries.captured_queries[0]["sql"]), 60_000)
        # Through a relation, and combined with other filters.
        self.assertEqual(CustomUser.objects.filter(IdIn("pk", ids[:1]), is_active=True).count(), 1)
        self.assertFalse(CustomUser.objects.filter(IdIn("pk", [])).exists())
