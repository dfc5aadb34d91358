from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from users.models import Child
from users.tests.factories import make_child
from users.tests.personas import PersonasMixin

URL = "/api/children/"
NEW_CHILD = {"first_name": "Laila", "last_name": "Omar", "dob": "2017-04-05", "gender": "female"}


class ChildrenTests(PersonasMixin, APITestCase):
    """The shared personas: ``child`` is ``parent``'s, linked to ``linked_parent``;
    ``other_child`` is ``other_parent``'s."""

    def as_(self, user):
        self.client.force_authenticate(user)

    def test_a_parent_creates_a_child_with_a_code(self):
        self.as_(self.parent)
        response = self.client.post(URL, {**NEW_CHILD, "notes": "asthma"}, format="json")
        self.assertEqual(response.status_code, 201, response.data)
        self.assertRegex(response.data["code"], r"^G\d{5}$")
        self.assertIn("id", response.data)
        child = Child.objects.get(pk=response.data["id"])
        self.assertEqual(child.primary_parent, self.parent_profile)
        self.assertEqual(child.notes, "asthma")

    def test_boys_get_b_codes(self):
        self.assertRegex(self.child.code, r"^B\d{5}$")

    def test_only_parents_create_children(self):
        for user in (self.student, self.instructor, self.admin):
            self.as_(user)
            self.assertEqual(self.client.post(URL, NEW_CHILD, format="json").status_code, 403)
        self.client.force_authenticate(None)
        self.assertEqual(self.client.post(URL, NEW_CHILD, format="json").status_code, 401)

    def test_bad_child_input_is_400(self):
        self.as_(self.parent)
        before = Child.objects.count()
        for body in (
            {**NEW_CHILD, "dob": "2999-01-01"},
            {**NEW_CHILD, "gender": "x"},
            {**NEW_CHILD, "first_name": ""},
            {"first_name": "A"},
            {**NEW_CHILD, "dob": None},
        ):
            self.assertEqual(self.client.post(URL, body, format="json").status_code, 400, body)
        self.assertEqual(Child.objects.count(), before)

    def test_every_linked_parent_sees_the_child_and_nobody_else_does(self):
        for user, visible in (
            (self.parent, True),
            (self.linked_parent, True),
            (self.other_parent, False),
            (self.student, False),
            (self.instructor, False),
            (self.admin, True),
        ):
            self.as_(user)
            detail = self.client.get(f"{URL}{self.child.pk}/")
            self.assertEqual(detail.status_code, 200 if visible else 404, user)
            ids = [row["id"] for row in self.client.get(URL).data["results"]]
            self.assertEqual(self.child.pk in ids, visible, user)

    def test_the_primary_parent_edits_the_child_but_the_code_never_changes(self):
        self.as_(self.parent)
        response = self.client.patch(
            f"{URL}{self.child.pk}/",
            {"notes": "allergic", "code": "X00000", "gender": "female"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.data)
        self.child.refresh_from_db()
        self.assertEqual(self.child.notes, "allergic")
        self.assertTrue(self.child.code.startswith("B"))

    def test_a_linked_parent_cannot_edit_or_delete(self):
        self.as_(self.linked_parent)
        self.assertEqual(
            self.client.patch(f"{URL}{self.child.pk}/", {"notes": "x"}, format="json").status_code,
            403,
        )
        self.assertEqual(self.client.delete(f"{URL}{self.child.pk}/").status_code, 403)

    def test_another_parent_gets_404(self):
        self.as_(self.other_parent)
        self.assertEqual(
            self.client.patch(f"{URL}{self.child.pk}/", {"notes": "x"}, format="json").status_code,
            404,
        )
        self.assertEqual(self.client.delete(f"{URL}{self.child.pk}/").status_code, 404)

    def test_the_primary_parent_deletes_a_child_without_history(self):
        child = make_child(self.parent_profile)
        self.as_(self.parent)
        self.assertEqual(self.client.delete(f"{URL}{child.pk}/").status_code, 204)
        self.assertFalse(Child.objects.filter(pk=child.pk).exists())

    def test_list_query_count_does_not_grow_with_page_size(self):
        for _ in range(6):
            make_child(self.parent_profile)
        self.as_(self.parent)
        counts = []
        for size in (1, 50):
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get(f"{URL}?page_size={size}")
            self.assertEqual(response.status_code, 200)
            counts.append(len(ctx.captured_queries))
        self.assertEqual(counts[0], counts[1])

    def test_search_and_filters(self):
        self.as_(self.parent)
        response = self.client.get(f"{URL}?search={self.child.code}")
        self.assertEqual([row["id"] for row in response.data["results"]], [self.child.pk])
        self.assertEqual(self.client.get(f"{URL}?page=999").status_code, 400)
