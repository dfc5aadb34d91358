"""landing.services: a list is written whole, in the order given, each item once; and the
demo's landing page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from courses.models import Course
from courses.tests.factories import CourseFactory
from enrollments_payments.demo import seed_demo
from landing import services
from landing.demo import seed_landing
from landing.models import FeaturedCourse, FeaturedInstructor, FeaturedOnlineCourse, LandingPage
from landing.selectors import landing_content
from online_courses.tests.factories import OnlineCourseFactory
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_instructor


def stored(model) -> list[tuple[int, int]]:
    field = {FeaturedCourse: "course", FeaturedOnlineCourse: "online_course"}.get(
        model, "instructor"
    )
    return list(model.objects.values_list(f"{field}_id", "position"))


class ListWriteTests(TestCase):
    def test_a_list_becomes_exactly_the_items_given_numbered_from_one(self):
        a, b, c = CourseFactory(), CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a, b])

        services.landing_courses_set(courses=[c, a])

        self.assertEqual(stored(FeaturedCourse), [(c.pk, 1), (a.pk, 2)])
        self.assertEqual(LandingPage.objects.count(), 1)

    def test_the_three_lists_are_written_apart(self):
        course, online, teacher = CourseFactory(), OnlineCourseFactory(), make_instructor()
        services.landing_courses_set(courses=[course])
        services.landing_online_courses_set(online_courses=[online])
        services.landing_instructors_set(instructors=[teacher])

        services.landing_courses_set(courses=[])

        self.assertEqual(stored(FeaturedCourse), [])
        self.assertEqual(stored(FeaturedOnlineCourse), [(online.pk, 1)])
        self.assertEqual(stored(FeaturedInstructor), [(teacher.pk, 1)])

    def test_an_item_given_twice_is_refused_and_the_list_stays(self):
        a, b = CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a])

        with self.assertRaises(ValidationError) as refused:
            services.landing_courses_set(courses=[b, a, b])

        self.assertEqual(refused.exception.code, "featured_twice")
        self.assertEqual(stored(FeaturedCourse), [(a.pk, 1)])

    def test_an_unsaved_item_is_refused(self):
        with self.assertRaises(ValidationError):
            services.landing_courses_set(courses=[Course(name="not saved")])
        self.assertFalse(FeaturedCourse.objects.exists())

    def test_a_deleted_course_leaves_the_page(self):
        a, b = CourseFactory(), CourseFactory()
        services.landing_courses_set(courses=[a, b])

        a.delete()

        self.assertEqual([c.pk for c in landing_content().courses], [b.pk])

    def test_writing_a_list_dates_the_page(self):
        page = services.landing_page()
        before = page.updated_at

        services.landing_instructors_set(instructors=[make_instructor()])

        page.refresh_from_db()
        self.assertGreater(page.updated_at, before)


class DemoLandingTests(TestCase):
    def test_the_demo_features_its_courses_and_instructors_on_a_new_page(self):
        seed_demo()

        content = landing_content()

        self.assertEqual(
            [c.slug for c in content.courses], ["quran-kids", "calligraphy-all", "arabic-adults"]
        )
        self.assertEqual([c.slug for c in content.online_courses], ["tajweed-adults-online"])
        self.assertEqual(len(content.instructors), 2)

    def test_a_page_the_office_emptied_stays_empty_on_the_next_run(self):
        seed_demo()
        services.landing_courses_set(courses=[])
        services.landing_online_courses_set(online_courses=[])
        services.landing_instructors_set(instructors=[])

        seed_demo()

        self.assertFalse(FeaturedCourse.objects.exists())
        self.assertFalse(FeaturedOnlineCourse.objects.exists())
        self.assertFalse(FeaturedInstructor.objects.exists())
        self.assertFalse(seed_landing(courses=[CourseFactory()], instructors=[]))


@requires_postgres
class RacingSavesTests(TransactionTestCase):
    """Saves of one list at once wait for each other on the page's row: the last one wins
    whole, never a mix and never a unique-key error."""

    def test_five_saves_of_a_list_at_once_end_as_one_of_them(self):
        a, b, c, d = (CourseFactory() for _ in range(4))
        services.landing_courses_set(courses=[a])
        orders = ([a, b, c], [c, b], [d, a, b, c], [b], [c, d, a])

        def save(order):
            def call():
                with transaction.atomic():
                    services.landing_courses_set(courses=order)
                    # Hold the lock long enough for the other save to meet it.
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(0.2)")
                return True

            return call

        results = run_concurrently(*(save(order) for order in orders))

        self.assertEqual(results, [True] * len(orders))
        final = [course_id for course_id, _position in stored(FeaturedCourse)]
        self.assertIn(final, [[x.pk for x in order] for order in orders])
        positions = [position for _course, position in stored(FeaturedCourse)]
        self.assertEqual(positions, list(range(1, len(final) + 1)))
