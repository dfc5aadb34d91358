"""The password hasher of every new or upgraded password: Argon2id at OWASP's parameters.

OWASP's Password Storage Cheat Sheet asks for Argon2id with at least 19 MiB of memory
(m = 19456 KiB), 2 iterations (t = 2) and 1 degree of parallelism (p = 1); its other
rows trade memory for iterations at the same strength (46 MiB / t = 1 … 7 MiB / t = 5).
Django's own ``Argon2PasswordHasher`` is above the memory floor (100 MiB, t = 2) but
hashes on 8 lanes: about 0.27 s of CPU per login on this machine class, barely 1.5× less
than PBKDF2 at 1,000,000 iterations (0.41 s), and 100 MiB per login in flight. At
OWASP's row a login costs about 28 ms of CPU on one core (``benchmarks/logins.py``), so a
wave of logins leaves the other core to the rest of the API.

The algorithm name stays ``argon2``: hashes are Django's format, and a hash made with
other parameters (Django's defaults, say) is rehashed at the next successful login,
like a PBKDF2 one (``check_password`` asks ``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class Argon2idHasher(Argon2PasswordHasher):
    memory_cost = OWASP_MEMORY_KIB
    time_cost = OWASP_TIME_COST
    parallelism = OWASP_PARALLELISM
