"""Races that only PostgreSQL can show (SQLite serialises whole transactions)."""

from django.test import TransactionTestCase

from core.errors import Conflict
from testkit.db import requires_postgres, run_concurrently
from users import services
from users.models import ParentLinkRequest
from users.tests.factories import make_child, make_parent


@requires_postgres
class ParentLinkRaceTests(TransactionTestCase):
    def test_two_approvals_racing_for_the_last_parent_slot_link_only_one(self):
        primary = make_parent()
        child = make_child(primary)
        child.other_parents.add(make_parent())  # one slot left
        links = [
            services.parent_link_request_create(requester=make_parent(), child_code=child.code)
            for _ in range(2)
        ]

        def approve(link):
            return lambda: services.parent_link_request_approve(
                link=ParentLinkRequest.objects.get(pk=link.pk), by=primary.user
            )

        results = run_concurrently(*(approve(link) for link in links))

        approved = [r for r in results if isinstance(r, ParentLinkRequest)]
        refused = [r for r in results if isinstance(r, Conflict)]
        self.assertEqual((len(approved), len(refused)), (1, 1), results)
        self.assertEqual(refused[0].code, "too_many_parents")
        self.assertEqual(child.other_parents.count(), 2)
