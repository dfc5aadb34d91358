from rest_framework.test import APITestCase

from users.tests.factories import PASSWORD, make_parent
from users.tests.test_throttles import FrozenThrottleClock


# The login throttles count in fixed one-minute windows: a test that counts to the limit
# must not straddle two of them, so the throttle clock stands still (FrozenThrottleClock).
class JwtTests(FrozenThrottleClock, APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_parent(phone_number1="+201012345678").user

    def login(self, phone="+201012345678", password=PASSWORD, **extra):
        return self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": phone, "password": password},
            format="json",
            **extra,
        )

    def test_it_logs_in_with_e164_and_local_forms(self):
        for phone in ("+201012345678", "01012345678", "0101 234 5678"):
            response = self.login(phone)
            self.assertEqual(response.status_code, 200, (phone, response.data))
            self.assertEqual(set(response.data), {"access", "refresh"})

    def test_it_refuses_a_wrong_password_with_401(self):
        response = self.login(password="wrong-password")
        self.assertEqual(response.status_code, 401)
        self.assertNotIn("access", response.data)

    def test_it_refuses_an_inactive_user(self):
        self.user.is_active = False
        self.user.save()
        self.assertEqual(self.login().status_code, 401)

    def test_it_answers_400_to_malformed_login_bodies(self):
        for body in ({}, {"phone_number1": "0101"}, {"password": "x"}):
            response = self.client.post("/auth/jwt/create/", body, format="json")
            self.assertEqual(response.status_code, 400, body)

    def test_access_token_opens_the_profile_and_refresh_and_verify_work(self):
        tokens = self.login().data
        me = self.client.get("/auth/users/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        self.assertEqual(me.status_code, 200)
        self.assertEqual(me.data["id"], self.user.pk)
        verify = self.client.post("/auth/jwt/verify/", {"token": tokens["access"]}, format="json")
        self.assertEqual(verify.status_code, 200)
        refreshed = self.client.post(
            "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(refreshed.status_code, 200)
        self.assertIn("access", refreshed.data)

    def test_it_refuses_garbage_tokens_with_401(self):
        self.assertEqual(
            self.client.post("/auth/jwt/verify/", {"token": "abc"}, format="json").status_code, 401
        )
        self.assertEqual(
            self.client.post("/auth/jwt/refresh/", {"refresh": "abc"}, format="json").status_code,
            401,
        )
        me = self.client.get("/auth/users/me/", HTTP_AUTHORIZATION="Bearer abc")
        self.assertEqual(me.status_code, 401)

    def test_blacklisted_refresh_token_no_longer_refreshes(self):
        tokens = self.login().data
        response = self.client.post(
            "/auth/jwt/blacklist/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        again = self.client.post(
            "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(again.status_code, 401)

    def test_a_rotated_refresh_token_cannot_be_reused(self):
        tokens = self.login().data
        self.client.post("/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json")
        again = self.client.post(
            "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(again.status_code, 401)

    def test_login_is_throttled_per_phone_number_across_ips(self):
        # Default LOGIN_THROTTLE_RATE is 10/minute; each try comes from another address.
        statuses = [
            self.login(password="wrong", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(10)
        ]
        self.assertEqual(statuses, [401] * 10)
        # Even the right password is refused now, and so is the local spelling of the phone.
        self.assertEqual(self.login(REMOTE_ADDR="10.0.1.1").status_code, 429)
        self.assertEqual(self.login("01012345678", REMOTE_ADDR="10.0.1.2").status_code, 429)

    def test_login_is_throttled_per_ip_with_the_default_rate(self):
        # Default LOGIN_THROTTLE_RATE is 10/minute per client IP, across phone numbers.
        statuses = [self.login(phone=f"+2010999900{i:02d}").status_code for i in range(11)]
        self.assertEqual(statuses[:10], [401] * 10)
        self.assertEqual(statuses[10], 429)

    def test_a_forged_forwarded_for_header_does_not_dodge_the_ip_throttle(self):
        statuses = [
            self.login(
                phone=f"+2010999900{i:02d}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
            ).status_code
            for i in range(11)
        ]
        self.assertEqual(statuses[10], 429)

    def test_changing_the_password_ends_existing_sessions(self):
        tokens = self.login().data
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
        response = self.client.post(
            "/auth/users/set_password/",
            {"current_password": PASSWORD, "new_password": "Brand-new-pass-42"},
            format="json",
            **auth,
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.client.get("/auth/users/me/", **auth).status_code, 401)
        refreshed = self.client.post(
            "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(refreshed.status_code, 401)
        self.assertEqual(refreshed.data["code"], "password_changed")
        self.assertEqual(self.login(password="Brand-new-pass-42").status_code, 200)

    def test_refreshing_the_token_of_a_removed_user_is_401(self):
        from users.tests.factories import make_student

        student = make_student(phone_number1="+201155550000")
        tokens = self.login("+201155550000").data
        # Bypass the protected profile the way a database clean-up would.
        student.delete()
        student.user.delete()
        response = self.client.post(
            "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(response.status_code, 401)
