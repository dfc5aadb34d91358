"""Factories for courses. Lectures are usually made by the generation service itself."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from courses.models import (
    Course,
    CourseSchedule,
    CourseStatus,
    Exam,
    Lecture,
    Season,
    SeasonKind,
    Tag,
)
from users.tests.factories import make_instructor


class SeasonFactory(DjangoModelFactory):
    class Meta:
        model = Season

    name = factory.Sequence(lambda n: f"Season {n}")
    kind = SeasonKind.SCHOOL
    start_date = datetime.date(2026, 9, 1)
    end_date = datetime.date(2027, 6, 30)
    is_active = True


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    name = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    season = factory.SubFactory(SeasonFactory)
    instructor = factory.LazyFunction(make_instructor)
    start_date = datetime.date(2026, 11, 1)
    end_date = datetime.date(2026, 11, 30)
    capacity = 20
    price = Decimal("350.00")
    status = CourseStatus.PUBLISHED


class ScheduleFactory(DjangoModelFactory):
    class Meta:
        model = CourseSchedule

    course = factory.SubFactory(CourseFactory)
    weekday = 0
    start_time = datetime.time(17, 0)
    end_time = datetime.time(18, 30)


class LectureFactory(DjangoModelFactory):
    class Meta:
        model = Lecture

    course = factory.SubFactory(CourseFactory)
    number = factory.Sequence(lambda n: n + 1)
    date = datetime.date(2026, 11, 7)
    start_time = datetime.time(17, 0)
    end_time = datetime.time(18, 30)
    instructor = factory.LazyAttribute(lambda o: o.course.instructor)


class ExamFactory(DjangoModelFactory):
    class Meta:
        model = Exam

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Exam {n}")
    kind = "quiz"
    total_marks = Decimal("50.00")
    pass_mark = Decimal("25.00")


def make_attendance(lecture, *, child=None, student=None, present=None):
    """An attendance row (marked when ``present`` is given)."""
    from attendance.models import LectureAttendance

    rating = Decimal("8.00") if present is not None else None
    return LectureAttendance.objects.create(
        lecture=lecture,
        child=child,
        student=student,
        present=present,
        rating=rating,
        source="admin" if present is not None else "",
    )


def everyone_enrolled():
    """Until enrollments exist no participant is in any course, so every exam result is
    refused. Tests of grading and reading results pretend, through the one selector that
    answers the question, that the participant is enrolled."""
    from unittest import mock

    return mock.patch("courses.selectors.participant_in_course", return_value=True)


def make_result(exam, *, marks, child=None, student=None):
    """An exam result through the service (grading included), its participant enrolled."""
    from courses import exam_services

    with everyone_enrolled():
        result, _created = exam_services.exam_result_save(
            exam=exam, marks=marks, child=child, student=student
        )
    return result
