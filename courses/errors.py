"""Domain errors of courses that are also Django ``ValidationError``s.

The spec wants "a 409 in the API, a ValidationError in the admin and in code" for history
that must not be destroyed: one exception class serves both. The API's exception handler
checks ``DomainError`` first (→ 409); the admin and other code catch ``ValidationError``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.errors import Conflict


class HistoryConflict(Conflict, ValidationError):
    def __init__(self, code: str, message) -> None:
        ValidationError.__init__(self, message, code=code)
        self.code = code
        self.message = message
        self.field = None

    def __str__(self) -> str:
        return str(self.message)
