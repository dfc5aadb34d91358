"""Posting, editing, deleting and untagging memories (§6.9).

A post is written in the order files.photos uses for a photo: every upload is checked and
processed first (a refusal stores nothing), the files are written under fresh random names
in the private storage, then the rows in one transaction; when that fails the new files
are removed at once. Files of a post go only when the nightly job removes the post, 30 days
after it was deleted (memories.cron), after that job's commit.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, Invalid
from core.permissions import is_admin
from core.unset import UNSET, Unset, given
from courses.models import Course
from files.config import PRIVATE
from files.images import process_photo
from files.photos import image_delete, image_save
from memories import media, selectors
from memories.models import MAX_ITEMS, ItemKind, Memory, MemoryAudience, MemoryItem, MemoryTag
from memories.notify import memory_notifications_create
from users.models import Child, CustomUser, PhotoConsent, StudentUser
from users.participants import Participant, participant_lookup
from users.selectors import parent_of

logger = logging.getLogger(__name__)

FOLDER = "memories"
EDIT_WINDOW = timedelta(hours=24)
PURGE_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class ParticipantRef:
    type: str  # "child" | "student"
    id: int


def _participant_not_found() -> Invalid:
    return Invalid(
        "participant_not_found",
        _("A tagged participant is unknown or not one you may tag."),
        field="participants",
    )


def memory_participants_resolve(
    *, actor: CustomUser, refs: list[ParticipantRef], course: Course | None
) -> list[Participant]:
    """The participants ``refs`` name, among those ``actor`` may tag (admins: everyone,
    instructors: ``course``'s participants); one unknown or foreign id refuses them all."""
    children, students = selectors.taggable_by(actor, course=course)
    child_ids = {r.id for r in refs if r.type == "child"}
    student_ids = {r.id for r in refs if r.type == "student"}
    found_children = list(children.filter(pk__in=child_ids))
    found_students = list(students.filter(pk__in=student_ids))
    if len(found_children) != len(child_ids) or len(found_students) != len(student_ids):
        raise _participant_not_found()
    return [*found_children, *found_students]


def consent_check(*, participants: list[Participant], audience: str) -> None:
    """``none`` is never tagged; a ``center`` post needs ``center`` consent from everyone."""
    needed = {PhotoConsent.FAMILY, PhotoConsent.CENTER}
    if audience == MemoryAudience.CENTER:
        needed = {PhotoConsent.CENTER}
    refused = [p for p in participants if p.photo_consent not in needed]
    if refused:
        raise Invalid(
            "consent_required",
            _("%(names)s may not be tagged in this post: their photo consent does not allow it.")
            % {"names": ", ".join(p.full_name for p in refused)},
            field="participants",
        )


def memory_check_author(*, actor: CustomUser, course: Course | None) -> None:
    """Admins post about anything; an instructor only about one of their own courses."""
    if is_admin(actor):
        return
    instructor = selectors.instructor_of(actor)
    if instructor is None:
        raise Forbidden("permission_denied", _("Only the center's staff post memories."))
    if course is None:
        raise Invalid("course_required", _("Choose one of your courses."), field="course")
    if course.instructor_id != instructor.pk:
        raise Forbidden("not_course_instructor", _("This is not one of your courses."))


def memory_check_editor(*, memory: Memory, actor: CustomUser, now: datetime) -> None:
    """Admins at any time; the author within 24 hours of posting."""
    if is_admin(actor):
        return
    if memory.author_id != actor.pk:
        raise Forbidden("not_allowed", _("Only the author or an admin may change this memory."))
    if now - memory.created_at > EDIT_WINDOW:
        raise Forbidden(
            "memory_edit_window_closed",
            _("A memory can be changed by its author within 24 hours of posting."),
        )


def _store_item(upload: Any) -> dict[str, Any]:
    """Check and write one upload; the item's fields. Raises Invalid on ``items``."""
    head = media.read_head(upload)
    try:
        if media.is_photo(head):
            processed = process_photo(upload)
            value = image_save(processed, storage=PRIVATE, folder=FOLDER)
            return {
                "kind": ItemKind.PHOTO,
                "name": value["name"],
                "thumbnail": value["thumbnail"],
                "width": value["width"],
                "height": value["height"],
                "content_type": processed.content_type,
                "size": len(processed.image),
            }
    except Invalid as exc:
        exc.field = "items"
        raise
    video = media.sniff_video(head)
    if video is None:
        raise Invalid(
            "file_type_not_allowed",
            _("Upload JPEG, PNG or WebP photos and MP4 or WebM videos."),
            field="items",
        )
    if upload.size > media.video_max_bytes():
        raise video_too_large()
    stem = secrets.token_hex(16)
    upload.seek(0)
    name = storages[PRIVATE].save(f"{FOLDER}/{stem[:2]}/{stem}.{video.extension}", upload)
    return {
        "kind": ItemKind.VIDEO,
        "name": name,
        "thumbnail": "",
        "width": None,
        "height": None,
        "content_type": video.content_type,
        "size": upload.size,
    }


def video_too_large() -> Invalid:
    return Invalid(
        "file_too_large",
        _("A video may be at most %(mb)s MB.") % {"mb": settings.MEMORY_VIDEO_MAX_MB},
        field="items",
    )


def _store_items(uploads: list) -> list[dict[str, Any]]:
    if not 1 <= len(uploads) <= MAX_ITEMS:
        raise Invalid("invalid", _("Send from 1 to %(n)s files.") % {"n": MAX_ITEMS}, field="items")
    stored: list[dict[str, Any]] = []
    try:
        for upload in uploads:
            stored.append(_store_item(upload))
    except BaseException:
        _delete_files(stored)
        raise
    return stored


def _delete_files(items: list[dict[str, Any]]) -> None:
    for item in items:
        image_delete({"storage": PRIVATE, "name": item["name"], "thumbnail": item["thumbnail"]})


def memory_create(
    *,
    author: CustomUser,
    caption: str,
    taken_on: date,
    audience: str,
    course: Course | None,
    participants: list[ParticipantRef],
    uploads: list,
    now: datetime | None = None,
) -> Memory:
    """Post a memory (see the module docstring); its families get a ``memory``
    notification."""
    memory_check_author(actor=author, course=course)
    tagged = memory_participants_resolve(actor=author, refs=participants, course=course)
    consent_check(participants=tagged, audience=audience)
    stored = _store_items(uploads)
    try:
        with transaction.atomic():
            memory = Memory(
                author=author,
                caption=caption,
                course=course,
                taken_on=taken_on,
                audience=audience,
                created_at=now or timezone.now(),
            )
            memory.full_clean()
            memory.save()
            MemoryItem.objects.bulk_create(
                MemoryItem(memory=memory, position=index, **item)
                for index, item in enumerate(stored)
            )
            _tags_add(memory, tagged)
    except BaseException:
        _delete_files(stored)
        raise
    return memory


def _tags_add(memory: Memory, participants: list[Participant]) -> None:
    tags = MemoryTag.objects.bulk_create(
        MemoryTag(memory=memory, **participant_lookup(p)) for p in participants
    )
    recipients = CustomUser.objects.filter(
        pk__in=selectors.family_recipient_ids(tags), is_active=True
    )
    memory_notifications_create(memory=memory, recipients=list(recipients))


@transaction.atomic
def memory_update(
    *,
    memory: Memory,
    actor: CustomUser,
    caption: str | Unset = UNSET,
    taken_on: date | Unset = UNSET,
    audience: str | Unset = UNSET,
    participants: list[ParticipantRef] | Unset = UNSET,
    now: datetime | None = None,
) -> Memory:
    """Edit a post (the author within 24 hours, admins any time). ``participants``
    replaces the tags; newly tagged families are notified. Consent is checked for the new
    tags, and for every tag when the audience changes (a tag whose consent was lowered
    later does not stop a caption from being corrected)."""
    memory_check_editor(memory=memory, actor=actor, now=now or timezone.now())
    fields = given(caption=caption, taken_on=taken_on, audience=audience)
    audience_changed = fields.get("audience", memory.audience) != memory.audience
    for name, value in fields.items():
        setattr(memory, name, value)
    if participants is UNSET:
        tagged = [t.participant for t in memory.tags.select_related("child", "student__user")]
        new: list[Participant] = []
    else:
        tagged = memory_participants_resolve(actor=actor, refs=participants, course=memory.course)
        before = set(memory.tags.values_list("child_id", "student_id"))
        new = [p for p in tagged if _key(p) not in before]
    consent_check(participants=tagged if audience_changed else new, audience=memory.audience)
    memory.full_clean()
    memory.save()
    if participants is not UNSET:
        keep = {_key(p) for p in tagged}
        stale = [t.pk for t in memory.tags.all() if (t.child_id, t.student_id) not in keep]
        MemoryTag.objects.filter(pk__in=stale).delete()
        _tags_add(memory, new)
    return memory


def _key(participant: Participant) -> tuple[int | None, int | None]:
    if isinstance(participant, Child):
        return participant.pk, None
    return None, participant.pk


def memory_delete(*, memory: Memory, actor: CustomUser, now: datetime | None = None) -> None:
    """Hide a post at once; its files go with it 30 days later (memories.cron)."""
    now = now or timezone.now()
    memory_check_editor(memory=memory, actor=actor, now=now)
    Memory.objects.filter(pk=memory.pk, deleted_at__isnull=True).update(deleted_at=now)


def memory_untag(*, memory: Memory, actor: CustomUser, participant: ParticipantRef) -> int:
    """A family removes its own participant's tag from a post (idempotent); returns how
    many tags went. A participant not of the caller's family is ``participant_not_found``."""
    if participant.type == "child":
        parent = parent_of(actor)
        family = Child.objects.of_parent(parent) if parent else Child.objects.none()
        lookup = {"child": participant.id}
    else:
        family = StudentUser.objects.filter(user=actor)
        lookup = {"student": participant.id}
    if not family.filter(pk=participant.id).exists():
        raise _participant_not_found()
    return MemoryTag.objects.filter(memory=memory, **lookup).delete()[0]


def memories_purge(*, now: datetime) -> dict[str, int]:
    """Remove the posts deleted more than 30 days before ``now``, with their items and
    tags, in a bounded number of queries; their files go after the commit."""
    gone = Memory.objects.filter(deleted_at__lt=now - PURGE_AFTER)
    items = list(
        MemoryItem.objects.filter(memory__in=gone.values("pk")).values("name", "thumbnail")
    )
    MemoryTag.objects.filter(memory__in=gone.values("pk")).delete()
    MemoryItem.objects.filter(memory__in=gone.values("pk")).delete()
    posts = gone.delete()[1].get(Memory._meta.label, 0)
    transaction.on_commit(lambda: _delete_files(items))
    return {"memories_removed": posts, "memory_files_removed": len(items)}
