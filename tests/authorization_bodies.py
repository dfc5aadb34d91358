"""Request bodies of the authorization sweep (tests/authorization_table.py): valid for the
personas the table allows, so an allowed call answers 2xx rather than 400.

Each body is a function of the test (its objects) and the persona calling.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from testkit.images import image_bytes
from users.tests.factories import PASSWORD

NEW_PASSWORD = "An0ther-pass-456"

Body = Callable[[Any, str], "dict | Multipart"]


class Multipart(dict):
    """A ``multipart/form-data`` body (the sweep encodes it as such, not as JSON)."""


def _photo(t, who):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Multipart(file=SimpleUploadedFile("p.png", image_bytes(), content_type="image/png"))


def _memory(t, who):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    return Multipart(
        caption="Sweep",
        taken_on="2026-11-10",
        audience="family",
        course=t.course.pk,
        participants=json.dumps([{"type": "child", "id": t.child.pk}]),
        items=SimpleUploadedFile("p.png", image_bytes(), content_type="image/png"),
    )


def _video(t, who):
    from django.core.files.uploadedfile import SimpleUploadedFile

    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    return Multipart(file=SimpleUploadedFile("v.mp4", head + b"\0" * 512))


def _material(t, who):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Multipart(file=SimpleUploadedFile("m.pdf", b"%PDF-1.7\n%%EOF\n"), title="Sheet")


def _progress(t, who):
    body = {"position_seconds": 30, "watched_seconds": 30}
    child = {"parent": t.child, "linked_parent": t.child, "other_parent": t.other_child}.get(who)
    if child is not None:
        body["child"] = child.pk
    return body


def _same(body: dict) -> Body:
    return lambda t, who: body


def _register(t, who):
    return {
        "phone_number1": "+201099990001",
        "password": NEW_PASSWORD,
        "re_password": NEW_PASSWORD,
        "first_name": "New",
        "last_name": "Family",
        "role": "parent",
    }


def _instructor(t, who):
    return {
        "phone_number1": "+201099990002",
        "first_name": "New",
        "last_name": "Teacher",
        "password": NEW_PASSWORD,
        "kind": "teacher",
    }


def _season(t, who):
    return {
        "name": "Sweep season",
        "kind": "other",
        "start_date": "2027-01-01",
        "end_date": "2027-03-01",
        "is_active": True,
    }


def _course(t, who):
    return {
        "name": "Sweep course",
        "description": "",
        "season": t.season.pk,
        "instructor": t.instructor_profile.pk,
        "start_date": "2026-12-01",
        "end_date": "2026-12-20",
        "capacity": 10,
        "price": "100.00",
        "audience": "all",
        "location": "Room 9",
    }


def _enrollment_request(t, who):
    child = {"parent": t.child, "linked_parent": t.child, "other_parent": t.other_child}.get(who)
    body = {"course": t.course2.pk, "note": "sweep"}
    if child is not None:
        body["child"] = child.pk
    return body


def _rating(t, who):
    body = {"course": t.course.pk, "rating": 8, "comment": "sweep"}
    child = {"parent": t.child, "linked_parent": t.child, "other_parent": t.other_child}.get(who)
    if child is not None:
        body["child"] = child.pk
    return body


BODIES: dict[tuple[str, str], Body] = {
    ("PUT", "auth/users/me/photo/"): _photo,
    ("PUT", "api/children/{pk}/photo/"): _photo,
    ("PUT", "api/instructors/{pk}/photo/"): _photo,
    ("PUT", "api/courses/{pk}/image/"): _photo,
    ("POST", "api/memories/"): _memory,
    ("POST", "api/online-courses/"): _same({"title": "Sweep online course"}),
    ("PATCH", "api/online-courses/{pk}/"): _same({"description": "sweep"}),
    ("PUT", "api/online-courses/{pk}/image/"): _photo,
    ("POST", "api/online-courses/{pk}/lessons/"): _same(
        {"title": "Sweep lesson", "video": {"provider": "vimeo", "video_id": "76979871"}}
    ),
    ("PATCH", "api/online-courses/{pk}/lessons/{lesson_id}/"): _same({"title": "sweep"}),
    ("POST", "api/online-courses/{pk}/lessons/{lesson_id}/progress/"): _progress,
    ("PUT", "api/online-courses/{pk}/lessons/{lesson_id}/video/"): _video,
    ("POST", "api/online-courses/{pk}/lessons/{lesson_id}/materials/"): _material,
    ("PATCH", "api/memories/{pk}/"): _same({"caption": "sweep"}),
    ("POST", "api/memories/{pk}/untag/"): lambda t, who: {
        "participant": {"type": "child", "id": t.child.pk}
    },
    ("POST", "auth/users/"): _register,
    ("PATCH", "auth/users/me/"): _same({"first_name": "Sweep"}),
    ("POST", "auth/users/set_password/"): _same(
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    ),
    ("PATCH", "auth/users/{id}/"): _same({"first_name": "Sweep"}),
    ("POST", "auth/jwt/create/"): lambda t, who: {
        "phone_number1": str(t.parent.phone_number1),
        "password": PASSWORD,
    },
    ("POST", "auth/jwt/refresh/"): lambda t, who: {"refresh": t.parent_refresh},
    ("POST", "auth/jwt/verify/"): lambda t, who: {"token": t.parent_access},
    ("POST", "auth/jwt/blacklist/"): lambda t, who: {"refresh": t.parent_refresh},
    ("POST", "auth/phone/verify/"): _same({"code": "123456"}),
    ("POST", "auth/password/reset/"): lambda t, who: {"phone_number1": str(t.parent.phone_number1)},
    ("POST", "auth/password/reset/confirm/"): lambda t, who: {
        "phone_number1": str(t.parent.phone_number1),
        "code": "123456",
        "new_password": NEW_PASSWORD,
        "re_new_password": NEW_PASSWORD,
    },
    ("POST", "api/children/"): _same(
        {"first_name": "Lina", "last_name": "Sweep", "dob": "2017-03-01", "gender": "female"}
    ),
    ("PATCH", "api/children/{pk}/"): _same({"notes": "sweep"}),
    ("POST", "api/parent-links/"): lambda t, who: {"child_code": t.other_child.code},
    ("POST", "api/instructors/"): _instructor,
    ("PATCH", "api/instructors/{pk}/"): _same({"bio": "sweep"}),
    ("POST", "api/seasons/"): _season,
    ("PATCH", "api/seasons/{pk}/"): _same({"name": "Renamed season"}),
    ("POST", "api/tags/"): _same({"name": "sweep-tag"}),
    ("PATCH", "api/tags/{pk}/"): _same({"name": "sweep-tag-3"}),
    ("POST", "api/courses/"): _course,
    ("PATCH", "api/courses/{pk}/"): _same({"description": "sweep"}),
    ("POST", "api/courses/{pk}/schedule/"): _same(
        {"weekday": 3, "start_time": "10:00", "end_time": "11:00"}
    ),
    ("PATCH", "api/courses/{pk}/schedule/{slot_id}/"): _same({"end_time": "18:45"}),
    ("POST", "api/lectures/"): lambda t, who: {
        "course": t.course.pk,
        "date": "2026-11-20",
        "start_time": "09:00",
        "end_time": "10:00",
    },
    ("PATCH", "api/lectures/{pk}/"): _same({"title": "sweep"}),
    ("POST", "api/lectures/{pk}/reject/"): _same({"reason": "sweep"}),
    ("POST", "api/lectures/{pk}/attendance/"): lambda t, who: {
        "records": [{"child": t.child.pk, "present": True, "rating": 9}]
    },
    ("POST", "api/exams/"): lambda t, who: {
        "course": t.course.pk,
        "title": "Sweep exam",
        "kind": "quiz",
        "total_marks": "20.00",
        "pass_mark": "10.00",
    },
    ("PATCH", "api/exams/{pk}/"): _same({"title": "sweep"}),
    ("POST", "api/exams/{pk}/results/"): lambda t, who: {"child": t.child.pk, "marks": "15.00"},
    ("POST", "api/attendance/scan/"): _same({"fingerprint_id": "FP-SWEEP"}),
    ("POST", "api/instructor-ratings/"): _rating,
    ("POST", "api/course-ratings/"): _rating,
    ("POST", "api/devices/"): _same({"name": "Gate 2", "kind": "rfid"}),
    ("PATCH", "api/devices/{pk}/"): _same({"location": "Hall"}),
    ("POST", "api/supervisor-shifts/"): lambda t, who: {
        "supervisor": t.supervisor_profile.pk,
        "weekday": 2,
        "start_time": "08:00",
        "end_time": "10:00",
    },
    ("PATCH", "api/supervisor-shifts/{pk}/"): _same({"end_time": "15:00"}),
    ("POST", "api/instructor-attendance/{pk}/check-in/"): lambda t, who: {
        "at": t.lecture.starts_at.isoformat()
    },
    # Half an hour into the lecture, which is running now.
    ("POST", "api/instructor-attendance/{pk}/check-out/"): lambda t, who: {
        "at": (t.lecture.starts_at + datetime.timedelta(minutes=30)).isoformat()
    },
    ("POST", "api/instructor-attendance/{pk}/rate/"): _same({"rating": 8}),
    ("POST", "api/enrollment-requests/"): _enrollment_request,
    ("POST", "api/enrollment-requests/bulk-approve/"): lambda t, who: {"ids": [t.other_request.pk]},
    ("POST", "api/enrollment-requests/{pk}/reject/"): _same({"reason": "sweep"}),
    ("POST", "api/payments/"): lambda t, who: {
        "enrollment": t.enrollment.pk,
        "amount": "20.00",
        "method": "cash",
    },
    ("POST", "api/payments/{pk}/void/"): _same({"reason": "sweep"}),
    ("POST", "api/refund-requests/"): lambda t, who: {
        "enrollment": t.enrollment.pk,
        "amount": "10.00",
        "reason": "sweep",
    },
    ("POST", "api/refund-requests/{pk}/reject/"): _same({"reason": "sweep"}),
}
