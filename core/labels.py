"""Arabic names for the codes the system stores: the scheduled jobs, the numbers a job run
counts, and the kinds of notification. The codes stay as they are (the API and the job
log use them); the staff's pages show these names, or the code itself when a name is
missing (a code from a newer job, a hand-made notification)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

JOB_NAMES = {
    "generate_instructor_attendance_weekly": _("weekly instructor attendance sheet"),
    "mark_absent_daily": _("nightly absence marking"),
    "flush_expired_tokens": _("expired sign-in tokens cleanup"),
    "remove_deleted_memories": _("removal of deleted memories"),
    "expire_enrollment_requests": _("expiry of old enrollment requests"),
    "complete_enrollments": _("completion of ended enrollments"),
    "end_online_access": _("end of expired online-course access"),
}

JOB_COUNTS = {
    "lecture_rows": _("lecture rows"),
    "shift_rows": _("supervision shift rows"),
    "reassigned": _("reassigned"),
    "participants_absent": _("participants marked absent"),
    "absence_alerts": _("absence alerts"),
    "absence_notifications": _("absence notifications"),
    "lectures_announced": _("lectures announced"),
    "instructors_absent": _("instructors marked absent"),
    "instructor_rows_planned": _("instructor rows planned"),
    "cancelled_removed": _("rows of cancelled lectures removed"),
    "tokens_flushed": _("tokens removed"),
    "reset_codes_deleted": _("password reset codes removed"),
    "memories_removed": _("memories removed"),
    "memory_files_removed": _("memory items removed with their files"),
    "expired": _("requests expired"),
    "completed": _("enrollments completed"),
    "access_ended": _("online enrollments whose access ended"),
}

NOTIFICATION_KINDS = {
    "note": _("note from the center"),
    "absence": _("absence"),
    "enrollment_approved": _("enrollment approved"),
    "enrollment_rejected": _("enrollment rejected"),
    "payment_receipt": _("payment receipt"),
    "refund_approved": _("refund approved"),
    "refund_rejected": _("refund rejected"),
    "parent_link_request": _("parent link request"),
    "lecture_proposed": _("extra lecture proposed"),
    "lecture_approved": _("extra lecture approved"),
    "lecture_rejected": _("extra lecture rejected"),
    "memory": _("new memory"),
}


def label(names: dict, code: str) -> str:
    """The Arabic name of ``code`` in ``names``, or the code itself."""
    return str(names.get(code, code))
