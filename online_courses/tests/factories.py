"""Online-course test data."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from courses.models import CourseStatus
from online_courses.models import Lesson, OnlineCourse, VideoProvider


class OnlineCourseFactory(DjangoModelFactory):
    class Meta:
        model = OnlineCourse

    title = factory.Sequence(lambda n: f"Online course {n}")
    slug = factory.Sequence(lambda n: f"online-course-{n}")
    price = Decimal("200.00")
    status = CourseStatus.PUBLISHED
    access_days = 30


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    online_course = factory.SubFactory(OnlineCourseFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    duration_seconds = 600
    video_provider = VideoProvider.YOUTUBE
    video_id = "dQw4w9WgXcQ"
