"""Passwords are hashed with Argon2id at OWASP's parameters or above; a PBKDF2 hash still
verifies and is rehashed with Argon2id at the next successful login.

The test settings hash with MD5 for speed; these tests put the production list back.
"""

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    get_hasher,
    identify_hasher,
)
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APITestCase

from Redwan_courses_center import settings as production
from users.models import CustomUser
from users.tests.factories import PASSWORD, make_parent

PHONE = "+201012345678"
# OWASP Password Storage Cheat Sheet, Argon2id: 19 MiB, 2 iterations, 1 lane at least.
OWASP_MIN_MEMORY_KIB, OWASP_MIN_TIME_COST, OWASP_MIN_PARALLELISM = 19456, 2, 1


def pbkdf2_hash(password: str) -> str:
    # Few iterations keep the test quick; the algorithm is what the upgrade looks at.
    return PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), 1000)


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
class PasswordHashingTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_parent(phone_number1=PHONE).user

    def setUp(self):
        cache.clear()
        CustomUser.objects.filter(pk=self.user.pk).update(password=pbkdf2_hash(PASSWORD))

    def stored_hash(self) -> str:
        return CustomUser.objects.values_list("password", flat=True).get(pk=self.user.pk)

    def login(self, password=PASSWORD):
        return self.client.post(
            "/auth/jwt/create/", {"phone_number1": PHONE, "password": password}, format="json"
        )

    def test_the_first_hasher_is_argon2id_at_owasp_parameters_or_above(self):
        hasher = get_hasher("default")
        self.assertEqual(hasher.algorithm, "argon2")
        params = hasher.params()
        self.assertEqual(params.type.name, "ID")
        self.assertGreaterEqual(params.memory_cost, OWASP_MIN_MEMORY_KIB)
        self.assertGreaterEqual(params.time_cost, OWASP_MIN_TIME_COST)
        self.assertGreaterEqual(params.parallelism, OWASP_MIN_PARALLELISM)
        self.assertTrue(hasher.encode("secret", hasher.salt()).startswith("argon2$argon2id$"))
        self.assertIn(
            "django.contrib.auth.hashers.PBKDF2PasswordHasher", production.PASSWORD_HASHERS
        )

    def test_a_pbkdf2_user_logging_in_ends_up_with_an_argon2id_hash(self):
        self.assertTrue(self.stored_hash().startswith("pbkdf2_sha256$"))
        response = self.login()
        self.assertEqual(response.status_code, 200, response.data)
        stored = self.stored_hash()
        self.assertTrue(stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$"), stored)
        self.assertEqual(identify_hasher(stored).algorithm, "argon2")
        # The token of the login that rehashed carries the new hash's digest: it opens.
        me = self.client.get(
            "/auth/users/me/", HTTP_AUTHORIZATION=f"Bearer {response.data['access']}"
        )
        self.assertEqual(me.status_code, 200, me.data)
        # And the next login verifies the Argon2id hash and leaves it as it is.
        self.assertEqual(self.login().status_code, 200)
        self.assertEqual(self.stored_hash(), stored)

    def test_a_wrong_password_leaves_the_pbkdf2_hash_alone(self):
        before = self.stored_hash()
        self.assertEqual(self.login(password="not-the-password").status_code, 401)
        self.assertEqual(self.stored_hash(), before)

    def test_an_argon2_hash_with_other_parameters_is_rehashed_at_login(self):
        # Django's own defaults: Argon2id, but 8 lanes and 100 MiB.
        default = Argon2PasswordHasher()
        CustomUser.objects.filter(pk=self.user.pk).update(
            password=default.encode(PASSWORD, default.salt())
        )
        self.assertIn(",p=8$", self.stored_hash())
        self.assertEqual(self.login().status_code, 200)
        self.assertIn("$m=19456,t=2,p=1$", self.stored_hash())

    def test_of_two_logins_that_both_verified_the_old_hash_the_second_keeps_the_first_rehash(
        self,
    ):
        # Two copies of the account read before either login rehashed: what two parallel
        # first logins hold. Each login's token must match the hash that is stored.
        first, second = (CustomUser.objects.get(pk=self.user.pk) for _ in range(2))
        self.assertTrue(first.check_password(PASSWORD))
        rehashed = self.stored_hash()
        self.assertTrue(rehashed.startswith("argon2$"))
        self.assertTrue(second.check_password(PASSWORD))
        self.assertEqual(self.stored_hash(), rehashed)
        self.assertEqual(second.password, rehashed)
        self.assertEqual(first.password, rehashed)
