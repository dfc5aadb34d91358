"""The production settings with PBKDF2 (Django's, 1,000,000 iterations) as the only
hasher: the baseline that ``benchmarks/logins.py`` serves beside the real settings."""

from Redwan_courses_center.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
