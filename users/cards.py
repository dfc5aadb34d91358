"""Participant cards (SPEC §6.11): whose cards, with what on them, in which file. The API
(``/api/children/{id}/card/``, ``/api/students/{id}/card/``, ``/api/courses/{id}/cards/``)
and the admin's actions call these; the drawing is users.card_pdf's.

Who may have which card is the callers' scoping: a child's card goes to its linked parents
and admins (``selectors.children_visible_to``), a student's to the student and admins
(``selectors.students_visible_to``), a course's cards to admins.

The photo on a card is the participant's private photo, read from the storage that holds
it (the disk or S3). Its thumbnail (at most 320 px, files.images) is what is printed: the
photo's frame is 21 × 28 mm, about 250 × 330 px at 300 dpi, so the thumbnail prints as
sharp as the frame allows while a course's sheets stay a few hundred kilobytes rather
than thirty full-size photos. A photo that cannot be read (a file gone, the store down)
is logged and the card is made with the silhouette: one missing file does not stop a
course's cards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import storages
from django.utils.translation import gettext as _

from core.errors import Conflict, Invalid
from courses.models import Course
from enrollments_payments.models import Enrollment
from files.config import PRIVATE
from users.card_pdf import CardFace, card_pdf, sheet_pdf
from users.models import Child, StudentUser
from users.participants import Participant

logger = logging.getLogger(__name__)

MAX_CARDS = 500  # cards in one file: 50 A4 sheets


@dataclass(frozen=True)
class CardFile:
    """A PDF and the name it is downloaded under."""

    content: bytes
    filename: str


def participant_card(*, participant: Participant) -> CardFile:
    """One participant's card, on a page of the card's size."""
    return CardFile(card_pdf(card_face(participant)), f"card-{participant.code}.pdf")


def participants_cards(
    *, participants: Iterable[Participant], filename: str = "participant-cards.pdf"
) -> CardFile:
    """The participants' cards on A4 sheets, ordered by name. Pass querysets that load
    what a card shows (``select_related("user")`` for students): nothing more is read from
    the database here."""
    people = sorted(participants, key=_order)
    if len(people) > MAX_CARDS:
        raise Invalid(
            "too_many_cards",
            _("At most %(limit)d cards can be printed at once.") % {"limit": MAX_CARDS},
        )
    faces = [card_face(person) for person in people]
    return CardFile(sheet_pdf(faces, title=filename.removesuffix(".pdf")), filename)


def course_participants(course: Course) -> list[Participant]:
    """The participants actively enrolled in the course (one query)."""
    enrollments = (
        Enrollment.objects.active()
        .filter(course=course)
        .select_related("child", "student__user")
        .order_by()
    )
    return [enrollment.child or enrollment.student for enrollment in enrollments]


def course_cards(*, course: Course) -> CardFile:
    """The cards of every active participant of the course, on A4 sheets. A course with no
    active participant has no cards: ``409 course_has_no_participants``."""
    participants = course_participants(course)
    if not participants:
        raise Conflict(
            "course_has_no_participants",
            _("The course has no active participants, so there are no cards to print."),
        )
    return participants_cards(participants=participants, filename=f"cards-{course.slug}.pdf")


def card_face(participant: Participant) -> CardFace:
    if isinstance(participant, Child):
        name, stored = participant.full_name, participant.photo
    elif isinstance(participant, StudentUser):
        name, stored = participant.user.get_full_name(), participant.user.photo
    else:  # pragma: no cover - a programming error, not input
        raise TypeError(f"not a participant: {participant!r}")
    return CardFace(name=name, code=participant.code, photo=_photo_bytes(stored))


def _photo_bytes(stored: dict[str, Any] | None) -> bytes | None:
    if not stored:
        return None
    alias = stored.get("storage", PRIVATE)
    name = stored.get("thumbnail") or stored.get("name")
    if not name:
        return None
    try:
        with storages[alias].open(name, "rb") as handle:
            return handle.read()
    except Exception as exc:  # noqa: BLE001 - a card without its photo beats no card at all
        logger.warning(
            "could not read a participant photo for a card from the %s storage (%s)",
            alias,
            type(exc).__name__,
        )
        return None


def _order(participant: Participant) -> tuple[str, str]:
    if isinstance(participant, Child):
        name = participant.full_name
    else:
        name = participant.user.get_full_name()
    return (name.casefold(), participant.code)
