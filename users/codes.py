"""Participant codes: one letter and five digits, printed on the center's cards.

B = boy, G = girl (children); M = man, F = woman (adult students). The letter keeps the
two participant tables apart, so uniqueness per table is uniqueness overall.
"""

from __future__ import annotations

import secrets

CHILD_LETTERS = {"male": "B", "female": "G"}
STUDENT_LETTERS = {"male": "M", "female": "F"}
# A student who gave no gender still needs a code; "S" is outside both tables' sets.
STUDENT_FALLBACK_LETTER = "S"
# Which table a code's letter belongs to.
CHILD_CODE_LETTERS = frozenset(CHILD_LETTERS.values())
STUDENT_CODE_LETTERS = frozenset(STUDENT_LETTERS.values()) | {STUDENT_FALLBACK_LETTER}
MAX_TRIES = 20


def make_code(letter: str, taken) -> str:
    """Draw random codes with ``letter`` until ``taken(code)`` is False.

    A race between two draws of the same code is caught by the unique constraint.
    """
    for _ in range(MAX_TRIES):
        code = f"{letter}{secrets.randbelow(100_000):05d}"
        if not taken(code):
            return code
    raise RuntimeError(f"no free participant code for letter {letter!r}")
