"""Refusals of the online-course endpoints that more than one module raises (§6.10)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import Forbidden


def no_access() -> Forbidden:
    """The lesson is neither a preview nor open to this participant (no enrollment whose
    access runs, or no participant named)."""
    return Forbidden("no_access", _("Enrol in this online course to watch this lesson."))


def lesson_locked() -> Forbidden:
    """A sequential course: the lesson before this one is not completed yet."""
    return Forbidden("lesson_locked", _("Complete the lesson before this one to unlock it."))
