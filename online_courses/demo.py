"""The demo's online course (``enrollments_payments.demo`` tells the story): a published
course of recorded tajweed lessons for adults, taught by the demo instructor, made once
(looked up by its slug, as courses.demo's courses are) through the services the API and
the admin call:

1. an introduction, a free preview on YouTube, with a one-page worksheet on the points of
   articulation (a PDF drawn here, stored through ``lesson_material_add`` like any upload:
   its content is checked; a preview's materials are public, as its video is);
2. the rules of noon sakinah and tanween on Vimeo;
3. the rules of meem sakinah on Bunny Stream (it plays once the server has its Bunny
   library and key; without them the player says ``video_not_configured``).

The video ids are placeholders in each provider's format, for the office to replace with
its own recordings. Watching is the progress service's, as a player reports it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from fpdf import FPDF

from courses.models import Audience, CourseStatus
from files.photos import image_delete
from online_courses import services
from online_courses.file_services import lesson_material_add
from online_courses.models import Lesson, OnlineCourse
from online_courses.progress import ProgressResult, lesson_progress_record
from online_courses.services import VideoInput
from users.models import Instructor
from users.participants import Participant

logger = logging.getLogger(__name__)

SLUG = "tajweed-adults-online"
TITLE = "أحكام التجويد للكبار"
DESCRIPTION = (
    "دورة مسجلة في أحكام التجويد للكبار، يقدمها مدرس القرآن الكريم والتجويد بالمركز. "
    "تبدأ بدرس تمهيدي مجاني يشاهده الجميع، ثم أحكام النون الساكنة والتنوين مع ورقة عمل "
    "للتدريب، ثم أحكام الميم الساكنة. شاهد الدروس في الوقت الذي يناسبك: يُفتح كل درس "
    "بعد إتمام الدرس الذي قبله، ويبقى الاشتراك متاحًا ستة أشهر من يوم قبوله."
)
PRICE = Decimal("300.00")
ACCESS_DAYS = 180

# (title, description, seconds, preview, provider, placeholder id in the provider's format)
_LESSONS = [
    (
        "مقدمة: ما التجويد ولماذا نتعلمه؟",
        "تعريف التجويد وحكم تعلمه، ولمحة عن مخارج الحروف مع ورقة عمل للتدريب. "
        "درس مجاني يشاهده الجميع.",
        570,
        True,
        "youtube",
        "rdwnTajwd01",
    ),
    (
        "أحكام النون الساكنة والتنوين",
        "الإظهار والإدغام والإقلاب والإخفاء، بأمثلة من جزء عمّ.",
        1260,
        False,
        "vimeo",
        "905113274",
    ),
    (
        "أحكام الميم الساكنة",
        "الإخفاء الشفوي والإدغام الشفوي والإظهار الشفوي، مع تدريب على التلاوة.",
        1080,
        False,
        "bunny",
        "3f9c2a71-5d4e-4b8a-9c1f-6e2d7a0b4c85",
    ),
]
WORKSHEET_LESSON = 1
WORKSHEET_TITLE = "ورقة عمل: مخارج الحروف"
WORKSHEET_NAME = "ورقة-عمل-مخارج-الحروف.pdf"


def seed_online_course(*, instructor: Instructor) -> OnlineCourse:
    """The demo's online course, made with its lessons and worksheet when missing (see the
    module docstring); an existing one is left as the office keeps it."""
    course = OnlineCourse.objects.filter(slug=SLUG).first()
    if course is not None:
        return course
    stored = []
    try:
        with transaction.atomic():
            course = services.online_course_create(
                title=TITLE,
                slug=SLUG,
                description=DESCRIPTION,
                price=PRICE,
                status=CourseStatus.PUBLISHED,
                audience=Audience.ADULTS,
                min_age=18,
                instructor=instructor,
                access_days=ACCESS_DAYS,
                sequential=True,
            )
            lessons = [
                services.lesson_create(
                    online_course=course,
                    title=title,
                    description=description,
                    duration_seconds=seconds,
                    is_preview=preview,
                    video=VideoInput(provider, video_id),
                )
                for title, description, seconds, preview, provider, video_id in _LESSONS
            ]
            upload = SimpleUploadedFile(WORKSHEET_NAME, worksheet_pdf(), "application/pdf")
            material = lesson_material_add(
                lesson=lessons[WORKSHEET_LESSON - 1], upload=upload, title=WORKSHEET_TITLE
            )
            stored.append(material.stored)
    except BaseException:
        # The rows rolled back; the worksheet's file was already written (file_services).
        for file in stored:
            image_delete(file)
        raise
    logger.info("demo online course %s: %d lessons", SLUG, len(lessons))
    return course


def worksheet_pdf() -> bytes:
    """The worksheet of lesson 1: one A4 page in fpdf2's built-in Helvetica, which needs
    no font file (it has no Arabic letters: the terms are written in transliteration)."""
    pdf = FPDF(format="A4")
    pdf.set_title("Tajweed worksheet - the points of articulation")
    pdf.set_author("Redwan Courses Center")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # the same bytes on every run
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, "Tajweed for adults - lesson 1 worksheet", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, "Redwan Courses Center", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in (
        "The five places the letters come from (makharij al-huruf):",
        "1. Al-jawf - the open space of the mouth and throat: the long vowels.",
        "2. Al-halq - the throat: six letters, from its depth to its top.",
        "3. Al-lisan - the tongue: eighteen letters, from its root to its tip.",
        "4. Ash-shafatan - the lips: fa, ba, meem and waw.",
        "5. Al-khayshum - the nose: the ghunnah of noon and meem.",
        "",
        "Exercise: say each letter with a sukoon after a hamza (ab, at, ath ...),",
        "listen where it comes from, and write its place beside it.",
    ):
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    for _row in range(8):
        pdf.ln(10)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    return bytes(pdf.output())


def demo_watch(
    *, lesson: Lesson, participant: Participant, watched_seconds: int, at: datetime
) -> ProgressResult:
    """``participant`` watched the first ``watched_seconds`` of ``lesson`` at ``at``, as
    the player reports it (the whole duration completes the lesson)."""
    return lesson_progress_record(
        lesson=lesson,
        participant=participant,
        position_seconds=watched_seconds,
        watched_seconds=watched_seconds,
        now=at,
    )
