"""Writing the landing page (SPEC §6.11). The admin calls these; so would anything else
that arranges the page.

Each list is written whole: the caller gives the items in the order they should appear,
and the list becomes exactly that, positions 1…n. Writing a whole list (delete, then one
insert) keeps the rule in one place — no item twice, no gaps in the numbering — and
lets the office move an item from one row of the admin's table to another in the same
save. The page's row is locked for the write (an ``UPDATE`` of its date), so two saves
of one list at once do not interleave: the later one wins whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from landing.models import (
    SINGLE_PAGE_ID,
    FeaturedCourse,
    FeaturedInstructor,
    FeaturedItem,
    FeaturedOnlineCourse,
    LandingPage,
)
from online_courses.models import OnlineCourse
from users.models import Instructor


def landing_page() -> LandingPage:
    """The landing page's row, made the first time it is asked for."""
    page, _created = LandingPage.objects.get_or_create(pk=SINGLE_PAGE_ID)
    return page


def landing_courses_set(*, courses: Sequence[Course]) -> list[FeaturedCourse]:
    """Feature exactly these courses, in this order. A draft or archived course may be
    lined up: the page shows it once it is published."""
    return _list_set(FeaturedCourse, "course", courses)


def landing_online_courses_set(
    *, online_courses: Sequence[OnlineCourse]
) -> list[FeaturedOnlineCourse]:
    """Feature exactly these online courses, in this order (shown while published)."""
    return _list_set(FeaturedOnlineCourse, "online_course", online_courses)


def landing_instructors_set(*, instructors: Sequence[Instructor]) -> list[FeaturedInstructor]:
    """Feature exactly these instructors, in this order (shown while their account is
    active)."""
    return _list_set(FeaturedInstructor, "instructor", instructors)


@transaction.atomic
def _list_set(
    model: type[FeaturedItem], field: str, items: Sequence[models.Model]
) -> list[FeaturedItem]:
    ids = [item.pk for item in items]
    if None in ids:
        raise ValidationError(_("Save an item before featuring it."), code="invalid")
    if len(set(ids)) != len(ids):
        raise ValidationError(
            _("An item appears twice on the landing page: keep one row for it."),
            code="featured_twice",
        )
    landing_page()
    # The UPDATE both dates the change and holds the page's row lock until the commit.
    LandingPage.objects.filter(pk=SINGLE_PAGE_ID).update(updated_at=timezone.now())
    model.objects.all().delete()
    return model.objects.bulk_create(
        [
            model(page_id=SINGLE_PAGE_ID, position=position, **{f"{field}_id": pk})
            for position, pk in enumerate(ids, start=1)
        ]
    )
