from rest_framework.test import APITestCase

from notifications.models import Notification
from users.models import ParentLinkRequest
from users.tests.factories import make_parent
from users.tests.personas import PersonasMixin

URL = "/api/parent-links/"


class ParentLinkTests(PersonasMixin, APITestCase):
    """``other_parent`` asks to be linked to ``parent``'s ``child`` (which ``linked_parent``
    is already linked to)."""

    def as_(self, user):
        self.client.force_authenticate(user)

    def request_link(self, parent=None, code=None):
        self.as_(parent or self.other_parent)
        return self.client.post(URL, {"child_code": code or self.child.code}, format="json")

    def test_a_request_notifies_the_primary_parent(self):
        response = self.request_link()
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["status"], "pending")
        note = Notification.objects.get(recipient=self.parent)
        self.assertEqual(note.kind, "parent_link_request")
        self.assertEqual(note.data["link_request"], response.data["id"])

    def test_the_code_is_accepted_in_lower_case(self):
        self.assertEqual(self.request_link(code=self.child.code.lower()).status_code, 201)

    def test_unknown_codes_and_bad_bodies_are_400(self):
        self.as_(self.other_parent)
        for body in ({"child_code": "Z99999"}, {}, {"child_code": ""}, {"child_code": ["x"]}):
            self.assertEqual(self.client.post(URL, body, format="json").status_code, 400, body)
        self.assertFalse(ParentLinkRequest.objects.exists())

    def test_duplicates_and_self_links_are_409(self):
        self.assertEqual(self.request_link().status_code, 201)
        self.assertEqual(self.request_link().status_code, 409)
        self.assertEqual(self.request_link(parent=self.parent).status_code, 409)

    def test_only_parents_can_ask(self):
        for user in (self.student, self.instructor, self.admin):
            self.as_(user)
            self.assertEqual(
                self.client.post(URL, {"child_code": self.child.code}, format="json").status_code,
                403,
            )
        self.client.force_authenticate(None)
        self.assertEqual(
            self.client.post(URL, {"child_code": self.child.code}, format="json").status_code, 401
        )

    def test_the_primary_parent_approves_and_the_second_parent_then_sees_the_child(self):
        link_id = self.request_link().data["id"]
        self.as_(self.parent)
        response = self.client.post(f"{URL}{link_id}/approve/")
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "approved")
        self.as_(self.other_parent)
        self.assertEqual(self.client.get(f"/api/children/{self.child.pk}/").status_code, 200)
        # A decided request cannot be decided again.
        self.as_(self.parent)
        self.assertEqual(self.client.post(f"{URL}{link_id}/reject/").status_code, 409)

    def test_reject_leaves_the_child_unlinked(self):
        link_id = self.request_link().data["id"]
        self.as_(self.parent)
        self.assertEqual(self.client.post(f"{URL}{link_id}/reject/").data["status"], "rejected")
        self.as_(self.other_parent)
        self.assertEqual(self.client.get(f"/api/children/{self.child.pk}/").status_code, 404)

    def test_the_requester_cannot_approve_their_own_request(self):
        link_id = self.request_link().data["id"]
        self.as_(self.other_parent)
        self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 403)

    def test_a_linked_parent_and_strangers_do_not_see_the_request(self):
        link_id = self.request_link().data["id"]
        for who in ("linked_parent", "student", "instructor"):
            with self.subTest(who=who):
                self.as_user(who)
                self.assertEqual(self.client.get(f"{URL}{link_id}/").status_code, 404)
                self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 404)
                self.assertEqual(self.client.get(URL).data["count"], 0)
        self.assertEqual(ParentLinkRequest.objects.get(pk=link_id).status, "pending")

    def test_both_sides_list_the_request(self):
        self.request_link()
        for parent in (self.parent, self.other_parent):
            self.as_(parent)
            self.assertEqual(self.client.get(URL).data["count"], 1)

    def test_an_admin_can_decide(self):
        link_id = self.request_link().data["id"]
        self.as_(self.admin)
        self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 200)

    def test_a_child_has_at_most_three_parents(self):
        # The primary parent, linked_parent and one more.
        extra = [make_parent().user for _ in range(2)]
        for parent in extra[:1]:
            link_id = self.request_link(parent=parent).data["id"]
            self.as_(self.parent)
            self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 200)
        self.assertEqual(self.request_link(parent=extra[1]).status_code, 409)

    def test_the_list_is_searched_by_the_childs_name_or_code(self):
        self.assertEqual(self.request_link().status_code, 201)
        self.as_(self.admin)
        found = self.client.get(URL, {"search": self.child.code}).data["results"]
        missed = self.client.get(URL, {"search": "no-such-name"}).data["results"]
        self.assertEqual([row["child"]["code"] for row in found], [self.child.code])
        self.assertEqual(missed, [])

    def test_the_requester_sees_the_childs_first_name_only_until_approved(self):
        response = self.request_link()
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["child"]["name"], self.child.first_name)
        link_id = response.data["id"]
        for url in (URL, f"{URL}{link_id}/"):
            body = self.client.get(url).data
            row = body["results"][0] if "results" in body else body
            self.assertEqual(row["child"]["name"], self.child.first_name, url)
        # A last name guessed in ?search= does not confirm the family either.
        found = self.client.get(URL, {"search": self.child.last_name}).data["results"]
        self.assertEqual(found, [])
        # The child's primary parent (and an admin) see the whole name all along.
        for user in (self.parent, self.admin):
            self.as_(user)
            row = self.client.get(f"{URL}{link_id}/").data
            self.assertEqual(row["child"]["name"], self.child.full_name)
        self.as_(self.parent)
        self.client.post(f"{URL}{link_id}/approve/")
        self.as_(self.other_parent)
        row = self.client.get(f"{URL}{link_id}/").data
        self.assertEqual(row["child"]["name"], self.child.full_name)

    def test_a_rejected_requester_never_learns_the_full_name(self):
        link_id = self.request_link().data["id"]
        self.as_(self.parent)
        self.client.post(f"{URL}{link_id}/reject/")
        self.as_(self.other_parent)
        self.assertEqual(
            self.client.get(f"{URL}{link_id}/").data["child"]["name"], self.child.first_name
        )
