"""Factories for the staff side of attendance."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from attendance.device_services import device_create
from attendance.models import Device, InstructorAttendance, SupervisorShift
from courses.tests.factories import LectureFactory
from users.tests.factories import make_instructor


def make_device(**kwargs) -> tuple[Device, str]:
    """A registered device and its key (the only time a test can have it)."""
    fields = {"name": "Gate reader", "kind": "fingerprint", "location": "Entrance"}
    fields.update(kwargs)
    issued = device_create(**fields)
    return issued.device, issued.key


class ShiftFactory(DjangoModelFactory):
    class Meta:
        model = SupervisorShift

    supervisor = factory.LazyFunction(lambda: make_instructor(kind="supervisor"))
    weekday = 0  # Saturday
    start_time = datetime.time(8, 0)
    end_time = datetime.time(14, 0)
    is_active = True


class LectureRowFactory(DjangoModelFactory):
    """A pending row of a lecture, for the lecture's instructor."""

    class Meta:
        model = InstructorAttendance

    lecture = factory.SubFactory(LectureFactory)
    instructor = factory.LazyAttribute(lambda o: o.lecture.instructor)
    date = factory.LazyAttribute(lambda o: o.lecture.date)


class ShiftRowFactory(DjangoModelFactory):
    class Meta:
        model = InstructorAttendance

    shift = factory.SubFactory(ShiftFactory)
    instructor = factory.LazyAttribute(lambda o: o.shift.supervisor)
    date = datetime.date(2026, 11, 7)


def make_fingered_instructor(fingerprint_id: str, kind: str = "teacher"):
    instructor = make_instructor(kind=kind)
    instructor.fingerprint_id = fingerprint_id
    instructor.save(update_fields=["fingerprint_id"])
    return instructor
