"""Absence alerts (§6.6): when a participant is marked absent, each linked parent of a
child — or the adult student — gets one ``absence`` notification, texted after the commit
when their ``absence_sms`` preference is on.

One alert per (participant, lecture), ever. The guarantee is ``AbsenceAlert``'s unique
constraints: ``_announce`` first inserts the claims with ``INSERT … SELECT … ON CONFLICT
DO NOTHING RETURNING id`` and then notifies exactly the claims that insert made. Whoever
marks the absence — a submission (instructor or admin) or the nightly job — and however
often, a second claim for the same pair is a no-op, also when two writers race.

Everything is set-based, so the nightly job's 100,000 absences cost the same few
statements as one submission's three:

1. the claims, ``INSERT INTO absence_alert … SELECT`` from the rows just marked absent;
2. the notifications, one ``INSERT INTO notification … SELECT`` over the new claims joined
   to their recipients (primary parents ∪ other parents ∪ students), with the title and
   body written in SQL in each recipient's language;
3. after the commit, one streamed ``SELECT`` of the texts to send, for recipients who
   keep ``absence_sms`` on; ``core.sms.send_sms`` never raises and logs masked numbers.

The same text is rendered in Python (``absence_text``) when a notification is read, in the
reader's language (``Accept-Language``); it is built from one template per language, so
the stored, texted and served wordings never drift apart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import translation
from django.utils.translation import gettext as _

from attendance.models import AbsenceAlert, LectureAttendance
from core.sms import send_sms_many
from core.sql import IdIn, insert_from_select
from notifications.models import Notification

logger = logging.getLogger(__name__)

KIND = "absence"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _templates(language: str) -> tuple[str, str]:
    with translation.override(language):
        return (
            _("Absence: %(participant)s"),
            _("%(participant)s was absent from lecture %(number)s of %(course)s on %(date)s."),
        )


def absence_text(data: Mapping[str, Any], *, language: str | None = None) -> tuple[str, str]:
    """(title, body) of an absence notification from its ``data``, in ``language`` (the
    active language when not given). Raises ``KeyError``/``TypeError`` on foreign data."""
    values = {
        "participant": data["participant"]["name"],
        "course": data["course"]["name"],
        "number": data["lecture"]["number"],
        "date": data["lecture"]["date"],
    }
    title, body = _templates(language or translation.get_language() or settings.LANGUAGE_CODE)
    return title % values, body % values


def _sql_text(template: str, values: Mapping[str, Expression]) -> Expression:
    """The template as one SQL string expression: literal pieces and column values."""
    parts: list[Expression] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > position:
            parts.append(Value(template[position : match.start()]))
        parts.append(values[match.group(1)])
        position = match.end()
    if position < len(template):
        parts.append(Value(template[position:]))
    if len(parts) == 1:
        return Cast(parts[0], TextField())
    return Concat(*parts, output_field=TextField())


def _in_language(language_column: str, build) -> Expression:
    """``build(language)`` for the recipient's language; the site's default otherwise."""
    default = settings.LANGUAGE_CODE
    return Case(
        *[
            When(**{language_column: code}, then=build(code))
            for code, _name in settings.LANGUAGES
            if code != default
        ],
        default=build(default),
        output_field=TextField(),
    )


def _recipient_rows(
    alerts: QuerySet[AbsenceAlert], *, now: datetime, texting: bool = False
) -> QuerySet:
    """SELECT (recipient_id, kind, title, body, data, created_at) — a notification row —
    for every active recipient of ``alerts``: a child's primary and other parents, a
    student themself; or, ``texting``, SELECT (phone, title, body) for those of them who
    keep ``absence_sms`` on."""

    def rows(recipient: str, participant: str, name: Expression):
        values = {
            "participant": name,
            "course": F("attendance__lecture__course__name"),
            "number": Cast("attendance__lecture__number", CharField()),
            "date": Cast("attendance__lecture__date", CharField()),
        }

        def text(index: int):
            return lambda language: _sql_text(_templates(language)[index], values)

        wanted = {f"{recipient}__is_active": True}
        if texting:
            wanted[f"{recipient}__absence_sms"] = True
        columns = dict(
            n_recipient=F(f"{recipient}_id"),
            n_kind=Value(KIND),
            n_title=_in_language(f"{recipient}__language", text(0)),
            n_body=_in_language(f"{recipient}__language", text(1)),
            n_data=JSONObject(
                participant=JSONObject(
                    type=Value(participant),
                    id=F(f"attendance__{participant}_id"),
                    name=name,
                    code=F(f"attendance__{participant}__code"),
                ),
                lecture=JSONObject(
                    id=F("attendance__lecture_id"),
                    number=F("attendance__lecture__number"),
                    date=Cast("attendance__lecture__date", CharField()),
                ),
                course=JSONObject(
                    id=F("attendance__lecture__course_id"),
                    name=F("attendance__lecture__course__name"),
                ),
            ),
            n_created_at=Value(now),
        )
        if texting:
            columns = {
                # As text: no phone-number object parsed per row on the way out.
                "n_phone": Cast(f"{recipient}__phone_number1", CharField()),
                "n_title": columns["n_title"],
                "n_body": columns["n_body"],
            }
        return alerts.filter(**wanted).values(**columns)

    def full_name(prefix: str) -> Expression:
        return Concat(
            F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name"), output_field=TextField()
        )

    child = "attendance__child__"
    primary = rows(f"{child}primary_parent__user", "child", full_name(child))
    others = rows(f"{child}other_parents__user", "child", full_name(child))
    students = rows(
        "attendance__student__user", "student", full_name("attendance__student__user__")
    )
    return primary.union(others, students, all=True)


NOTIFICATION_COLUMNS = {
    column: f"n_{column.removesuffix('_id')}"
    for column in ("recipient_id", "kind", "title", "body", "data", "created_at")
}


def _announce(*, absences: QuerySet[LectureAttendance], now: datetime) -> dict[str, int]:
    """Claim the never-announced absences among ``absences`` (stamped ``now``), notify
    exactly the claims this insert made — their ids come back from it (``RETURNING``), so
    a claim made earlier, by this writer or another, at the same ``now`` or not, is never
    announced twice — and text them after the commit."""
    claims = absences.filter(present=False).values(a_attendance=F("pk"), a_at=Value(now))
    claimed = insert_from_select(
        AbsenceAlert,
        {"attendance_id": "a_attendance", "alerted_at": "a_at"},
        claims.order_by(),
        skip_conflicts=True,
        returning="id",
    )
    if not claimed:
        return {"absence_alerts": 0, "absence_notifications": 0}
    new_claims = AbsenceAlert.objects.filter(IdIn("pk", claimed)).order_by()
    notified = insert_from_select(
        Notification,
        NOTIFICATION_COLUMNS,
        _recipient_rows(new_claims, now=now),
    )
    transaction.on_commit(lambda: absence_sms_send(claims=new_claims, now=now))
    return {"absence_alerts": len(claimed), "absence_notifications": notified}


def absence_alerts_for_rows(*, attendance_ids: Sequence[int], now: datetime) -> dict[str, int]:
    """After a submission (instructor or admin) or the nightly job wrote these rows:
    announce those it marked absent. Call under the writer's locks (the lecture's row
    lock; the job's lecture locks)."""
    return _announce(absences=LectureAttendance.objects.filter(IdIn("pk", attendance_ids)), now=now)


def absence_sms_send(*, claims: QuerySet[AbsenceAlert], now: datetime) -> int:
    """Text the announcements of ``claims`` to the recipients who keep ``absence_sms`` on:
    the same rows, in the same words, as the notifications (``_recipient_rows``), read
    back from the committed claims in one streamed query. Runs after the commit; a
    failing sender is logged with a masked number and never stops the others. Returns how
    many messages the backend took."""
    texts = _recipient_rows(claims, now=now, texting=True).iterator(chunk_size=2000)
    sent = send_sms_many((row["n_phone"], f"{row['n_title']}\n{row['n_body']}") for row in texts)
    if sent:
        logger.info("absence alerts: %d SMS handed to the backend", sent)
    return sent
