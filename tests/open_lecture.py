"""A lecture whose attendance window is open whenever the test runs, with children on its
roster: for the tests that submit attendance to a real server."""

from __future__ import annotations

import datetime

from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from users.tests.factories import make_child


def open_lecture(instructor, *, children: int = 3) -> tuple:
    """``(lecture, kids)``: the instructor's lecture today (Cairo) from 00:00, so its window
    is open whatever the time of the run, and ``children`` children (Kid0, Kid1, …) on its
    roster."""
    lecture = LectureFactory(
        course=CourseFactory(instructor=instructor),
        date=datetime.datetime.now(tz=CENTER_TZ).date(),
        start_time=datetime.time(0, 0),
        end_time=datetime.time(0, 30),
    )
    kids = [make_child(first_name=f"Kid{i}") for i in range(children)]
    for kid in kids:
        make_attendance(lecture, child=kid)
    return lecture, kids
