"""``UNSET``: "not given" for the keyword arguments of partial-update services.

``None`` is a real value for many fields (no end date, no second phone), so an update
service marks each changeable field ``name: T | Unset = UNSET`` and applies only the ones
given. The signature then says exactly what may change; anything else is a TypeError.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Final, Literal


class Unset(Enum):
    """A one-member enum, so type checkers can narrow ``T | Unset`` with ``is UNSET``."""

    UNSET = "UNSET"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def given(**fields: Any) -> dict[str, Any]:
    """The fields whose value is not :data:`UNSET`, in the order given."""
    return {name: value for name, value in fields.items() if value is not UNSET}
