"""Demo people for the quick-start command. Idempotent: keyed by phone number."""

from __future__ import annotations

import datetime

from django.db import transaction

from users import services
from users.models import Child, CustomUser, Instructor, Parent, Role

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


@transaction.atomic
def seed_people() -> dict:
    """Admin, a teacher, a supervisor, a parent with two children and an adult student."""
    _user(ADMIN_PHONE, Role.ADMIN, first_name="مدير", last_name="المركز", gender="male")
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
    for first_name, gender, dob in (
        ("يوسف", "male", datetime.date(2016, 3, 14)),
        ("مريم", "female", datetime.date(2018, 9, 2)),
    ):
        if not Child.objects.filter(primary_parent=parent, first_name=first_name).exists():
            services.child_create(
                parent=parent, first_name=first_name, last_name="محمد", dob=dob, gender=gender
            )
    _user(STUDENT_PHONE, Role.STUDENT, first_name="سارة", last_name="حسن", gender="female")
    return {"instructor": teacher_user.instructor_profile}
