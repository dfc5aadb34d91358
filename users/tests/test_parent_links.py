from rest_framework.test import APITestCase

from notifications.models import Notification
from users.models import ParentLinkRequest
from users.tests.factories import make_admin, make_child, make_instructor, make_parent, make_student

URL = "/api/parent-links/"


class ParentLinkTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.primary = make_parent()
        cls.child = make_child(cls.primary)
        cls.second = make_parent()
        cls.stranger = make_parent()
        cls.admin = make_admin()

    def as_(self, user):
        self.client.force_authenticate(user)

    def request_link(self, parent=None, code=None):
        self.as_((parent or self.second).user)
        return self.client.post(URL, {"child_code": code or self.child.code}, format="json")

    def test_a_request_notifies_the_primary_parent(self):
        response = self.request_link()
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["status"], "pending")
        note = Notification.objects.get(recipient=self.primary.user)
        self.assertEqual(note.kind, "parent_link_request")
        self.assertEqual(note.data["link_request"], response.data["id"])

    def test_the_code_is_accepted_in_lower_case(self):
        self.assertEqual(self.request_link(code=self.child.code.lower()).status_code, 201)

    def test_unknown_codes_and_bad_bodies_are_400(self):
        self.as_(self.second.user)
        for body in ({"child_code": "Z99999"}, {}, {"child_code": ""}, {"child_code": ["x"]}):
            self.assertEqual(self.client.post(URL, body, format="json").status_code, 400, body)
        self.assertFalse(ParentLinkRequest.objects.exists())

    def test_duplicates_and_self_links_are_409(self):
        self.assertEqual(self.request_link().status_code, 201)
        self.assertEqual(self.request_link().status_code, 409)
        self.assertEqual(self.request_link(parent=self.primary).status_code, 409)

    def test_only_parents_can_ask(self):
        for user in (make_student().user, make_instructor().user, self.admin):
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
        self.as_(self.primary.user)
        response = self.client.post(f"{URL}{link_id}/approve/")
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "approved")
        self.as_(self.second.user)
        self.assertEqual(self.client.get(f"/api/children/{self.child.pk}/").status_code, 200)
        # A decided request cannot be decided again.
        self.as_(self.primary.user)
        self.assertEqual(self.client.post(f"{URL}{link_id}/reject/").status_code, 409)

    def test_reject_leaves_the_child_unlinked(self):
        link_id = self.request_link().data["id"]
        self.as_(self.primary.user)
        self.assertEqual(self.client.post(f"{URL}{link_id}/reject/").data["status"], "rejected")
        self.as_(self.second.user)
        self.assertEqual(self.client.get(f"/api/children/{self.child.pk}/").status_code, 404)

    def test_the_requester_cannot_approve_their_own_request(self):
        link_id = self.request_link().data["id"]
        self.as_(self.second.user)
        self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 403)

    def test_strangers_do_not_see_the_request(self):
        link_id = self.request_link().data["id"]
        self.as_(self.stranger.user)
        self.assertEqual(self.client.get(f"{URL}{link_id}/").status_code, 404)
        self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 404)
        self.assertEqual(self.client.get(URL).data["count"], 0)

    def test_both_sides_list_the_request(self):
        self.request_link()
        for parent in (self.primary, self.second):
            self.as_(parent.user)
            self.assertEqual(self.client.get(URL).data["count"], 1)

    def test_an_admin_can_decide(self):
        link_id = self.request_link().data["id"]
        self.as_(self.admin)
        self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 200)

    def test_a_child_has_at_most_three_parents(self):
        extra = [make_parent() for _ in range(3)]
        for parent in extra[:2]:
            link_id = self.request_link(parent=parent).data["id"]
            self.as_(self.primary.user)
            self.assertEqual(self.client.post(f"{URL}{link_id}/approve/").status_code, 200)
        self.assertEqual(self.request_link(parent=extra[2]).status_code, 409)
