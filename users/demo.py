"""Demo people for the quick-start command. Idempotent: keyed by phone number.

Birth dates are counted back from today, so the children stay inside the children's
course's age range (6–12) and the student an adult whatever year the demo is loaded."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from users import services
from users.models import Child, CustomUser, Instructor, Parent, Role, StudentUser

DEMO_PASSWORD = "Redwan-demo-2026"
ADMIN_PHONE = "+201000000001"
INSTRUCTOR_PHONE = "+201000000002"
SUPERVISOR_PHONE = "+201000000005"
PARENT_PHONE = "+201000000003"
STUDENT_PHONE = "+201000000004"


def _user(phone: str, role: str, **fields) -> tuple[CustomUser, bool]:
    user = CustomUser.objects.filter(phone_number1=phone).first()
    if user is not None:
        return user, False
    if role == Role.ADMIN:
        return CustomUser.objects.create_superuser(phone, DEMO_PASSWORD, **fields), True
    user = CustomUser.objects.create_user(phone, DEMO_PASSWORD, role=role, **fields)
    services.profile_create(user=user)
    return user, True


def _born(years_ago: int, month: int, day: int) -> datetime.date:
    return datetime.date(timezone.localdate().year - years_ago, month, day)


@transaction.atomic
def seed_people() -> dict:
    """Admin, a teacher, a supervisor, a parent with two children and an adult student.

    Returns them by role: ``admin``, ``instructor`` and ``supervisor`` (Instructor
    profiles), ``parent`` (the Parent profile), ``children`` (the parent's two children,
    eldest first) and ``student`` (the StudentUser profile)."""
    admin_user, _ = _user(
        ADMIN_PHONE, Role.ADMIN, first_name="مدير", last_name="المركز", gender="male"
    )
    teacher_user, _ = _user(
        INSTRUCTOR_PHONE, Role.INSTRUCTOR, first_name="أحمد", last_name="سالم", gender="male"
    )
    Instructor.objects.filter(user=teacher_user, bio="").update(
        bio="مدرس القرآن الكريم والتجويد", fingerprint_id="FP-0001"
    )
    supervisor_user, _ = _user(
        SUPERVISOR_PHONE, Role.INSTRUCTOR, first_name="منى", last_name="كامل", gender="female"
    )
    Instructor.objects.filter(user=supervisor_user).update(kind="supervisor")
    parent_user, _ = _user(
        PARENT_PHONE, Role.PARENT, first_name="محمد", last_name="علي", gender="male"
    )
    parent = Parent.objects.get(user=parent_user)
    children = []
    for first_name, gender, dob in (
        ("يوسف", "male", _born(10, 3, 14)),
        ("مريم", "female", _born(8, 9, 2)),
    ):
        child = Child.objects.filter(primary_parent=parent, first_name=first_name).first()
        if child is None:
            child = services.child_create(
                parent=parent, first_name=first_name, last_name="محمد", dob=dob, gender=gender
            )
        children.append(child)
    student_user, _ = _user(
        STUDENT_PHONE,
        Role.STUDENT,
        first_name="سارة",
        last_name="حسن",
        gender="female",
        dob=_born(24, 5, 20),
    )
    # Accounts made by an older version of this module have no birth date, and an unknown
    # age fails the adults' course's age limit.
    if student_user.dob is None:
        student_user.dob = _born(24, 5, 20)
        student_user.save(update_fields=["dob"])
    return {
        "admin": admin_user,
        "instructor": teacher_user.instructor_profile,
        "supervisor": supervisor_user.instructor_profile,
        "parent": parent,
        "children": children,
        "student": StudentUser.objects.get(user=student_user),
    }
