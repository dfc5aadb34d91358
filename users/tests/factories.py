"""Factories and personas for tests across the project."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from users import services
from users.models import Child, CustomUser, Instructor, Parent, Role, StudentUser

PASSWORD = "Str0ng-pass-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = CustomUser

    # From +201000010000 on: below it are the demo accounts' numbers (users.demo), which a
    # test that also seeds the demo would otherwise meet as strangers' accounts.
    phone_number1 = factory.Sequence(lambda n: f"+2010{n + 10_000:08d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    gender = "male"
    role = Role.STUDENT
    password = factory.django.Password(PASSWORD)


def make_user(role: str = Role.STUDENT, **kwargs) -> CustomUser:
    """A user with the role's profile, created the way the services create it."""
    user = UserFactory(role=role, **kwargs)
    services.profile_create(user=user)
    return user


def make_admin(**kwargs) -> CustomUser:
    return UserFactory(role=Role.ADMIN, is_staff=True, **kwargs)


def make_parent(**kwargs) -> Parent:
    return make_user(Role.PARENT, **kwargs).parent_profile


def make_student(**kwargs) -> StudentUser:
    return make_user(Role.STUDENT, **kwargs).student_profile


def make_instructor(kind: str = "teacher", **kwargs) -> Instructor:
    instructor = make_user(Role.INSTRUCTOR, **kwargs).instructor_profile
    if kind != instructor.kind:
        instructor.kind = kind
        instructor.save(update_fields=["kind"])
    return instructor


def make_child(parent: Parent | None = None, **kwargs) -> Child:
    fields = {
        "first_name": "Omar",
        "last_name": "Hassan",
        "dob": datetime.date(2016, 5, 1),
        "gender": "male",
    }
    fields.update(kwargs)
    return services.child_create(parent=parent or make_parent(), **fields)
