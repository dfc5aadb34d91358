"""The participant idea: a ``Child`` or a ``StudentUser``, named by exactly one of two FKs.

Every table that records something about a participant (attendance rows, exam results and,
with their issues, requests, enrollments and ratings) is built from the same three pieces:

- ``participant_fields(related_name=...)`` — the nullable ``child`` / ``student`` FKs
  (``PROTECT``: history is never deleted from under a participant);
- ``participant_constraints(prefix=..., owner=...)`` — exactly one of them is set, and each
  participant appears once per owner (lecture, exam, course…). The uniqueness constraints
  are *plain* ``UniqueConstraint(fields=[owner, "child"])``: NULLs never collide, so this
  means the same as a partial constraint, and unlike one it can be named as the conflict
  target of ``bulk_create(update_conflicts=True, unique_fields=[owner, "child"])``;
- ``ParticipantRecord`` — a mixin with ``participant`` and ``participant_code``.

``participant_lookup(participant)`` turns a participant into the ``{"child": …}`` or
``{"student": …}`` filter; ``participant_by_code`` finds one by the code on its card.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from users import codes
from users.models import Child, StudentUser

Participant = Child | StudentUser


def participant_fields(
    *, related_name: str, on_delete=models.PROTECT
) -> tuple[models.ForeignKey, models.ForeignKey]:
    """The ``child`` and ``student`` FKs of a participant record::

    child, student = participant_fields(related_name="attendance_records")

    ``on_delete=models.CASCADE`` is for records that are no history (a memory's tag).
    """
    child = models.ForeignKey(
        "users.Child",
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=Child._meta.verbose_name,
    )
    student = models.ForeignKey(
        "users.StudentUser",
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=StudentUser._meta.verbose_name,
    )
    return child, student


def participant_constraints(*, prefix: str, owner: str) -> list[models.BaseConstraint]:
    """Exactly one participant per row, and one row per (``owner``, participant)."""
    return [
        models.CheckConstraint(
            condition=Q(child__isnull=False, student__isnull=True)
            | Q(child__isnull=True, student__isnull=False),
            name=f"{prefix}_one_participant",
            violation_error_message=_("Choose exactly one participant: a child or a student."),
        ),
        models.UniqueConstraint(
            fields=[owner, "child"],
            name=f"{prefix}_unique_{owner}_child",
            violation_error_message=_("This child is already listed here."),
        ),
        models.UniqueConstraint(
            fields=[owner, "student"],
            name=f"{prefix}_unique_{owner}_student",
            violation_error_message=_("This student is already listed here."),
        ),
    ]


def participant_lookup(participant: Participant) -> dict[str, Participant]:
    """The filter/constructor keywords that name ``participant`` in a participant record."""
    if isinstance(participant, Child):
        return {"child": participant}
    if isinstance(participant, StudentUser):
        return {"student": participant}
    raise TypeError(f"not a participant: {participant!r}")


def participant_by_code(code: str) -> Participant | None:
    """The child or student whose card shows ``code`` (spaces and case ignored), or None."""
    code = (code or "").strip().upper()
    if not code:
        return None
    if code[0] in codes.CHILD_CODE_LETTERS:
        return Child.objects.filter(code=code).first()
    if code[0] in codes.STUDENT_CODE_LETTERS:
        return StudentUser.objects.select_related("user").filter(code=code).first()
    return None


class ParticipantRecord:
    """Mixin for models built with :func:`participant_fields`."""

    child_id: int | None
    student_id: int | None

    @property
    def participant(self) -> Participant | None:
        if self.child_id:
            return self.child
        if self.student_id:
            return self.student
        return None

    @property
    def participant_code(self) -> str:
        participant = self.participant
        return participant.code if participant is not None else ""

    def participant_label(self) -> str:
        """The participant's name and code, or "—" for a row that lost its participant."""
        participant = self.participant
        return str(participant) if participant is not None else "—"
