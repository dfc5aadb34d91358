"""The demo as a newcomer, a reviewer or the browser check sees it: ``seed_demo`` loads the
people (``users.demo``), the season and courses (``courses.demo``), the online course
(``online_courses.demo``), the landing page that features them (``landing.demo``), and
then tells the season's story once, through the same services the API calls:

1. three days before the season, the parent's two children are enrolled in the children's
   course and the elder also in calligraphy, the student in the adults' course — each a
   request approved by the admin with a first payment (one only partly paid); on the
   season's fourth day the student's request for the online course is approved (paid in
   full), and she watches its first lesson that evening and a part of the second the next;
2. when no demo lecture has started today, an extra review lecture of the children's
   course, running now, is added as an admin adds one (the weekly slots are fixed);
3. every lecture that has started is taken by its instructor ten minutes in, mostly
   present with ratings, a few absent (their parents, or the student, get absence
   alerts); the last calligraphy lecture before today is left untaken and the nightly
   job marks it, as it does at 23:59;
4. the instructor's sessions, planned by the weekly job, are checked in (twice late),
   checked out and rated by the admin;
5. one enrollment request and one refund request stay pending for the admin.

Dates are counted from the real clock. The story is written in one transaction, once: a
later run finds the first enrollment request and leaves everything — and whatever a user
changed since — as it is (delete ``db.sqlite3`` for a fresh story relative to today).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from attendance.demo import (
    demo_nightly_job,
    demo_plan_sessions,
    demo_roll_call,
    demo_staff_attendance,
)
from courses.demo import demo_extra_lecture_today, seed_courses
from courses.models import Course, Lecture, LectureStatus
from courses.rules import CENTER_TZ, local_datetime
from enrollments_payments.models import Enrollment, EnrollmentRequest
from enrollments_payments.offerings import Offering, offering_lookup
from enrollments_payments.payment_services import (
    PaymentInput,
    refund_request_create,
)
from enrollments_payments.services import enrollment_request_approve, enrollment_request_create
from landing.demo import seed_landing
from online_courses.demo import demo_watch, seed_online_course
from online_courses.models import OnlineCourse
from users.demo import seed_people
from users.models import CustomUser, StudentUser
from users.participants import Participant, participant_lookup

logger = logging.getLogger(__name__)

KIDS, ADULTS, CALLIGRAPHY = "quran-kids", "arabic-adults", "calligraphy-all"
# When the families asked for their seats and when the admin approved them, counted back
# from the course's first day (before it, so that every lecture has its roster row).
ASKED = (timedelta(days=-5), time(18, 30))
APPROVED = (timedelta(days=-3), time(11, 0))
REFUND_AMOUNT = Decimal("50.00")
# The student asks for the online course as if it began a week into the season (so she
# is approved on its fourth day), and watches on the evenings that follow.
ONLINE_FROM = timedelta(days=7)
WATCHED = ((timedelta(days=0), time(20, 30)), (timedelta(days=1), time(21, 0)))
SECOND_LESSON_SHARE = Decimal("0.4")


@dataclass
class DemoStory:
    written: bool = False
    enrollments: int = 0
    online_enrollment: Enrollment | None = None
    roll_calls: int = 0
    absences: int = 0
    staff_sessions: int = 0
    extra_lecture: Lecture | None = None
    nightly_day: str | None = None
    pending: dict = field(default_factory=dict)


def seed_demo(*, now: datetime | None = None) -> DemoStory:
    """People, courses and (on the first run) the season's story; see the module
    docstring. Idempotent."""
    now = now or timezone.now()
    people = seed_people()
    courses = seed_courses(instructor=people["instructor"], now=now)
    online_course = seed_online_course(instructor=people["instructor"])
    seed_landing(
        courses=[courses[slug] for slug in (KIDS, CALLIGRAPHY, ADULTS)],
        online_courses=[online_course],
        instructors=[people["instructor"], people["supervisor"]],
    )
    yusuf = people["children"][0]
    if EnrollmentRequest.objects.filter(course=courses[KIDS], child=yusuf).exists():
        return DemoStory(written=False)
    with transaction.atomic():
        return _write_story(people=people, courses=courses, online_course=online_course, now=now)


def _write_story(
    *, people: dict, courses: dict[str, Course], online_course: OnlineCourse, now: datetime
) -> DemoStory:
    admin: CustomUser = people["admin"]
    parent_user: CustomUser = people["parent"].user
    yusuf, maryam = people["children"]
    student = people["student"]
    story = DemoStory(written=True)

    seats = [
        # course, participant, who asks, note, payment (amount, method, reference)
        (KIDS, yusuf, parent_user, "", ("350.00", "cash", "")),
        (KIDS, maryam, parent_user, "", ("350.00", "instapay", "IPN-20417")),
        (CALLIGRAPHY, yusuf, parent_user, "يحب الرسم", ("150.00", "cash", "")),
        (ADULTS, student, student.user, "", ("500.00", "vodafone_cash", "VC-88213")),
    ]
    enrollments = {}
    for slug, participant, requester, note, (amount, method, reference) in seats:
        enrollments[slug, participant] = _enrol(
            offering=courses[slug],
            first_day=courses[slug].start_date,
            participant=participant,
            requester=requester,
            admin=admin,
            note=note,
            payment=PaymentInput(amount=Decimal(amount), method=method, reference=reference),
        )
    season = courses[KIDS].season
    story.online_enrollment = _online_story(
        online_course=online_course,
        first_day=season.start_date + ONLINE_FROM,
        student=student,
        admin=admin,
    )
    story.enrollments = len(enrollments) + 1

    today = timezone.localdate(now, CENTER_TZ)
    demo_lectures = Lecture.objects.filter(course__in=courses.values()).exclude(
        status=LectureStatus.CANCELLED
    )
    if not any(lec.starts_at <= now for lec in demo_lectures.filter(date=today)):
        for slug in (KIDS, ADULTS):
            story.extra_lecture = demo_extra_lecture_today(course=courses[slug], now=now)
            if story.extra_lecture is not None:
                break

    held = [lec for lec in demo_lectures.order_by("date", "start_time") if lec.starts_at <= now]
    # Left for the nightly job: the last calligraphy lecture of a day before today.
    untaken = next(
        (
            lec
            for lec in reversed(held)
            if lec.course_id == courses[CALLIGRAPHY].pk and lec.date < today
        ),
        None,
    )
    absences = _absences(
        held=held, courses=courses, yusuf=yusuf, maryam=maryam, student=student, story=story
    )
    for lecture in held:
        if lecture == untaken:
            continue
        actor = lecture.instructor.user if lecture.instructor_id else admin
        missing = absences.get(lecture.pk, ())
        demo_roll_call(lecture=lecture, actor=actor, now=now, absent=missing)
        story.roll_calls += 1
        story.absences += len(missing)

    demo_plan_sessions(first=season.start_date, today=today)
    late = [lec for lec in held if lec.course_id == courses[ADULTS].pk][:1]
    late += [story.extra_lecture] if story.extra_lecture else []
    story.staff_sessions = demo_staff_attendance(lectures=held, admin=admin, now=now, late=late)

    if untaken is not None:
        demo_nightly_job(day=untaken.date)
        story.nightly_day = untaken.date.isoformat()

    # Waiting for the admin: the younger child asks for calligraphy too, and the parent
    # asks back a sibling discount on her first course.
    pending_request = enrollment_request_create(
        actor=parent_user,
        course=courses[CALLIGRAPHY],
        child=maryam,
        note="تريد الانضمام إلى أخيها",
        now=now,
    )
    refund = refund_request_create(
        enrollment=enrollments[KIDS, maryam],
        actor=parent_user,
        amount=REFUND_AMOUNT,
        reason="خصم الإخوة",
    )
    story.pending = {"enrollment_request": pending_request.pk, "refund_request": refund.pk}
    logger.info(
        "demo story: %d enrollments, %d roll calls (%d absent), %d instructor sessions",
        story.enrollments,
        story.roll_calls,
        story.absences,
        story.staff_sessions,
    )
    return story


def _enrol(
    *,
    offering: Offering,
    first_day: date,
    participant: Participant,
    requester: CustomUser,
    admin: CustomUser,
    note: str,
    payment: PaymentInput,
) -> Enrollment:
    """A seat asked for and approved before ``first_day`` (a course's first), with a
    payment."""
    asked = local_datetime(first_day + ASKED[0], ASKED[1])
    approved = local_datetime(first_day + APPROVED[0], APPROVED[1])
    who = participant_lookup(participant)
    request = enrollment_request_create(
        actor=requester, note=note, now=asked, child=who.get("child"), **offering_lookup(offering)
    )
    return enrollment_request_approve(request=request, actor=admin, payment=payment, now=approved)


def _online_story(
    *, online_course: OnlineCourse, first_day: date, student: StudentUser, admin: CustomUser
) -> Enrollment:
    """The student enrolled in the online course, paid in full, and what she watched: the
    first lesson whole on the evening of the approval, the second's first 40% the next
    evening (the course is sequential: the first lesson's completion opened it)."""
    enrollment = _enrol(
        offering=online_course,
        first_day=first_day,
        participant=student,
        requester=student.user,
        admin=admin,
        note="",
        payment=PaymentInput(amount=online_course.price, method="instapay", reference="IPN-20533"),
    )
    # The course as the office keeps it: its first two lessons, however many there are.
    lessons = online_course.lessons.order_by("number")[:2]
    shares = (Decimal(1), SECOND_LESSON_SHARE)
    approved_on = timezone.localdate(enrollment.enrolled_at, CENTER_TZ)
    for lesson, share, (after, at) in zip(lessons, shares, WATCHED, strict=False):
        demo_watch(
            lesson=lesson,
            participant=student,
            watched_seconds=int(lesson.duration_seconds * share),
            at=local_datetime(approved_on + after, at),
        )
    return enrollment


def _absences(
    *, held: list[Lecture], courses: dict[str, Course], yusuf, maryam, student, story: DemoStory
) -> dict[int, list[Participant]]:
    """Who misses which lecture: the younger child the children's course's second
    lecture, the student the adults' course's second, the elder child today's review."""
    absent: dict[int, list[Participant]] = {}
    for slug, who in ((KIDS, maryam), (ADULTS, student)):
        own = [
            lec for lec in held if lec.course_id == courses[slug].pk and lec != story.extra_lecture
        ]
        if len(own) >= 2:
            absent[own[1].pk] = [who]
    if story.extra_lecture is not None and story.extra_lecture.course_id == courses[KIDS].pk:
        absent[story.extra_lecture.pk] = [yusuf]
    return absent
