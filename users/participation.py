"""Who takes part in which course — asked by the lower apps, answered from above.

``users``, ``courses`` and ``attendance`` sit below ``enrollments_payments`` in the app
graph and may not import it, yet they need its answers: the attendance roster needs a
course's active participants, ``seats_left`` counts active enrollments, exam results and
lecture visibility ask "is this participant enrolled", and deleting a child or a course
must see its enrollment history. Dependency inversion makes that explicit: this module
holds one *provider*; ``enrollments_payments.apps.ready()`` registers the real one. Until
something registers, :class:`NoParticipation` answers "nobody takes part in anything".

Every method returns a queryset or an expression where it can, so callers stay at a fixed
number of SQL queries.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from django.db.models import Expression, OuterRef, QuerySet, Value
from django.db.models.fields import IntegerField


class ParticipationProvider(Protocol):
    def roster_rows(self, *, lecture_ids: Collection[int]) -> QuerySet | None:
        """Values rows ``lecture_id, child_id, student_id``: each lecture × each active
        participant of its course; None when there is nobody."""

    def participant_in_course(
        self, *, course_id: int, child_id: int | None, student_id: int | None
    ) -> bool: ...

    def active_count(self, course_ref: OuterRef) -> Expression:
        """An integer expression: active enrollments of the course ``course_ref`` names."""

    def course_ids_of_user(self, user: Any) -> QuerySet | None:
        """Ids of courses in which the user's participants are (or were) enrolled."""

    def course_has_history(self, *, course_id: int) -> bool: ...

    def child_has_history(self, *, child_id: int) -> bool: ...

    def participant_ids_taught_by(
        self, *, instructor_id: int | None
    ) -> tuple[QuerySet, QuerySet] | None:
        """(child ids, student ids) enrolled in the instructor's courses; ``None`` as the
        instructor means every enrolled participant (supervisors)."""


class NoParticipation:
    """The answer while no provider is registered: nobody is enrolled anywhere."""

    def roster_rows(self, *, lecture_ids: Collection[int]) -> QuerySet | None:
        return None

    def participant_in_course(
        self, *, course_id: int, child_id: int | None, student_id: int | None
    ) -> bool:
        return False

    def active_count(self, course_ref: OuterRef) -> Expression:
        return Value(0, output_field=IntegerField())

    def course_ids_of_user(self, user: Any) -> QuerySet | None:
        return None

    def course_has_history(self, *, course_id: int) -> bool:
        return False

    def child_has_history(self, *, child_id: int) -> bool:
        return False

    def participant_ids_taught_by(
        self, *, instructor_id: int | None
    ) -> tuple[QuerySet, QuerySet] | None:
        return None


_provider: ParticipationProvider = NoParticipation()


def register_participation(provider: ParticipationProvider) -> None:
    """Called once by ``enrollments_payments`` when the app registry is ready."""
    global _provider
    _provider = provider


def participation() -> ParticipationProvider:
    return _provider
