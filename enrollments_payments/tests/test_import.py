"""Importing families, adult students and instructors (SPEC §6.11): the preview reports
every row and writes nothing; the confirm writes everything in one transaction or
nothing; a file imported twice changes nothing; every new account is texted once, after
the commit, a code that sets its password."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import time_machine
from django.test import TestCase, TransactionTestCase

from core.sms import LocmemSmsBackend, wait_for_sms_in_background
from courses.tests.factories import CourseFactory
from enrollments_payments.import_services import ERROR, NEW, UNCHANGED, UPDATED, people_import
from enrollments_payments.models import Enrollment, EnrollmentStatus
from enrollments_payments.tests.factories import NOW
from enrollments_payments.tests.importing import (
    PARENT_A,
    PARENT_A_E164,
    PARENT_B,
    PARENT_C,
    child,
    csv_file,
    families_table,
    family,
    table,
    xlsx_file,
)
from testkit.db import requires_postgres, run_concurrently
from users import services as user_services
from users.import_files import FAMILIES, INSTRUCTORS, STUDENTS
from users.models import Child, CustomUser, Instructor, Role, StudentUser, VerificationCode
from users.password_reset import password_reset_confirm
from users.tests.factories import make_admin, make_child, make_instructor, make_parent

FUTURE = "2027-01-01"


def outcomes(report) -> dict[int, str]:
    return {row.number: row.outcome for row in report.rows}


class ImportMixin:
    def start_clock(self):
        LocmemSmsBackend.outbox.clear()
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def counts(self) -> tuple[int, ...]:
        return (
            CustomUser.objects.count(),
            Child.objects.count(),
            StudentUser.objects.count(),
            Instructor.objects.count(),
            Enrollment.objects.count(),
            VerificationCode.objects.count(),
        )


class ImportTestCase(ImportMixin, TestCase):
    """The import inside the test's transaction: what it leaves for after the commit is
    kept in ``self.callbacks`` and not run (each new account's welcome; ``WelcomeTests``
    run them, on real commits)."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin(is_superuser=True)
        cls.course = CourseFactory(slug="quran-kids", name="Quran for kids", capacity=10)

    def setUp(self):
        self.start_clock()

    def run_import(self, kind, tab, *, commit, expected=None):
        with self.captureOnCommitCallbacks() as callbacks:
            report = people_import(
                kind=kind, table=tab, actor=self.admin, commit=commit, expected=expected
            )
        self.callbacks = callbacks
        return report


class PreviewTests(ImportTestCase):
    def test_an_xlsx_preview_reports_each_row_and_writes_nothing(self):
        content = xlsx_file(
            FAMILIES,
            [
                family(**child("Sara", "2016-05-01", course="quran-kids")),  # row 2
                family(**child("Omar", datetime.date(2018, 2, 2), gender="male")),  # row 3
                family(phone="12345", **child("Laila", "2017-01-01")),  # row 4: bad phone
                family(phone=PARENT_B, **child("Nour", FUTURE)),  # row 5: born in the future
                family(phone=PARENT_C, **child("Mona", "2015-03-20", course="no-such-course")),
                family(first="Mahmoud", **child("Hoda", "2014-04-04")),  # row 7: other parent
                family(phone=PARENT_B, first="", **child("Yara", "2013-01-01")),  # row 8
                family(**child("Sara", "2016-05-01")),  # row 9: Sara again
            ],
        )
        before = self.counts()

        report = self.run_import(FAMILIES, table(FAMILIES, content), commit=False)

        self.assertEqual(
            outcomes(report),
            {2: NEW, 3: NEW, 4: ERROR, 5: ERROR, 6: ERROR, 7: ERROR, 8: ERROR, 9: ERROR},
        )
        errors = {row.number: " ".join(row.errors) for row in report.rows}
        self.assertIn("هاتف ولي الأمر: أدخل رقم هاتف صحيحًا.", errors[4])
        self.assertIn("تاريخ ميلاد الطفل: لا يمكن أن يكون تاريخ الميلاد في المستقبل.", errors[5])
        self.assertIn("الدورة: لا توجد دورة بهذا المعرّف أو الاسم.", errors[6])
        self.assertIn("بيانات ولي الأمر تختلف عن الصف 2", errors[7])
        self.assertIn("الاسم الأول لولي الأمر: هذه الخانة مطلوبة.", errors[8])
        self.assertIn("الصف 2 فيه الطفل نفسه", errors[9])
        self.assertIn("التسجيل في Quran for kids.", report.rows[0].changes)
        self.assertFalse(report.committed)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.callbacks, [])
        self.assertEqual(LocmemSmsBackend.outbox, [])

    def test_a_csv_preview_of_students_reports_its_bad_rows(self):
        content = csv_file(
            STUDENTS,
            [
                {"phone": "01044444444", "first_name": "Mariam", "last_name": "Hassan",
                 "gender": "أنثى", "dob": "20/03/2000", "course": "Quran for kids"},
                {"phone": "+201044444444", "first_name": "Mariam", "last_name": "H."},
                {"phone": "0101", "first_name": "Bad", "last_name": "Phone"},
                {"phone": "01055555555", "first_name": "Future", "last_name": "Born",
                 "dob": FUTURE},
                {"phone": "01066666666", "first_name": "No", "last_name": "Course",
                 "course": "Tajweed"},
            ],
        )  # fmt: skip
        before = self.counts()

        report = self.run_import(STUDENTS, table(STUDENTS, content), commit=False)

        self.assertEqual(outcomes(report), {2: NEW, 3: ERROR, 4: ERROR, 5: ERROR, 6: ERROR})
        self.assertIn("الصف 2 فيه رقم الهاتف نفسه", report.rows[1].errors[0])
        self.assertIn("الهاتف: أدخل رقم هاتف صحيحًا.", report.rows[2].errors)
        self.assertIn("تاريخ الميلاد: لا يمكن", report.rows[3].errors[0])
        self.assertIn("الدورة: لا توجد دورة", report.rows[4].errors[0])
        self.assertEqual(self.counts(), before)

    def test_rules_of_the_services_show_in_the_preview(self):
        taken = make_parent(identity_number="29801011234567")
        instructor = make_instructor()
        full = CourseFactory(slug="full", capacity=1)
        rows = [
            family(phone=PARENT_B, parent_identity_number="29801011234567"),
            family(phone=str(instructor.user.phone_number1)),
            family(**child("Sara", "2016-05-01", course="full")),
            family(**child("Omar", "2017-05-01", gender="male", course="full")),
        ]

        report = self.run_import(FAMILIES, families_table(rows), commit=False)

        self.assertEqual(outcomes(report), {2: ERROR, 3: ERROR, 4: NEW, 5: ERROR})
        self.assertIn("يوجد مستخدم آخر بهذا الرقم القومي.", report.rows[0].errors)
        self.assertIn("رقم الهاتف هذا لحساب من نوع آخر (محاضر).", report.rows[1].errors)
        self.assertEqual(report.rows[3].errors, ["الدورة مكتملة العدد."])
        self.assertFalse(Enrollment.objects.filter(course=full).exists())
        self.assertEqual(taken.user.first_name, CustomUser.objects.get(pk=taken.user.pk).first_name)


FAMILY_ROWS = [
    family(**child("Sara", "2016-05-01", course="quran-kids", child_notes="Asthma")),
    family(**child("Omar", "2018-02-02", gender="male")),
    family(phone=PARENT_B, first="Huda", last="Samir"),
]


class ConfirmTests(ImportTestCase):
    def test_confirm_writes_every_row_and_queues_one_welcome_per_new_account(self):
        preview = self.run_import(FAMILIES, families_table(FAMILY_ROWS), commit=False)
        self.assertEqual(self.callbacks, [])

        report = self.run_import(
            FAMILIES, families_table(FAMILY_ROWS), commit=True, expected=preview.digest
        )

        self.assertTrue(report.committed)
        self.assertEqual(outcomes(report), {2: NEW, 3: NEW, 4: NEW})
        parent = CustomUser.objects.get(phone_number1=PARENT_A_E164)
        self.assertEqual(parent.role, Role.PARENT)
        self.assertFalse(parent.has_usable_password())
        children = Child.objects.filter(primary_parent=parent.parent_profile).order_by("pk")
        self.assertEqual([c.first_name for c in children], ["Sara", "Omar"])
        self.assertRegex(children[0].code, r"^G\d{5}$")
        self.assertRegex(children[1].code, r"^B\d{5}$")
        self.assertEqual(children[0].notes, "Asthma")
        enrollment = Enrollment.objects.get(child=children[0])
        self.assertEqual((enrollment.course, enrollment.status), (self.course, "active"))
        self.assertEqual(report.new_accounts, 2)
        self.assertEqual(len(self.callbacks), 2)

    def test_the_same_file_twice_changes_nothing(self):
        self.run_import(FAMILIES, families_table(FAMILY_ROWS), commit=True)
        before = self.counts()

        report = self.run_import(FAMILIES, families_table(FAMILY_ROWS), commit=True)

        self.assertTrue(report.committed)
        self.assertEqual(outcomes(report), {2: UNCHANGED, 3: UNCHANGED, 4: UNCHANGED})
        self.assertEqual(report.new_accounts, 0)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.callbacks, [])

    def test_a_file_with_an_error_writes_nothing_on_confirm(self):
        rows = [*FAMILY_ROWS, family(phone="0000", **child("X", "2016-01-01"))]
        before = self.counts()

        report = self.run_import(FAMILIES, families_table(rows), commit=True)

        self.assertFalse(report.committed)
        self.assertEqual(outcomes(report), {2: NEW, 3: NEW, 4: NEW, 5: ERROR})
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.callbacks, [])

    def test_a_confirm_whose_rows_changed_since_the_preview_writes_nothing(self):
        preview = self.run_import(FAMILIES, families_table(FAMILY_ROWS), commit=False)
        make_child(make_parent(phone_number1=PARENT_A_E164, first_name="Ahmed", last_name="Ali"),
                   first_name="Sara", last_name="Ali", dob=datetime.date(2016, 5, 1),
                   gender="female")  # fmt: skip
        before = self.counts()

        report = self.run_import(
            FAMILIES, families_table(FAMILY_ROWS), commit=True, expected=preview.digest
        )

        self.assertTrue(report.stale)
        self.assertFalse(report.committed)
        self.assertEqual(outcomes(report)[2], UPDATED)  # Sara is there, to be enrolled
        self.assertEqual(self.counts(), before)


class WelcomeTests(ImportMixin, TransactionTestCase):
    """Real commits and rollbacks: each new account is texted its code once, after the
    commit, from the SMS worker; a preview or a rolled back import texts nobody."""

    def setUp(self):
        self.start_clock()
        self.admin = make_admin(is_superuser=True)
        self.course = CourseFactory(slug="quran-kids", capacity=10)

    def run_import(self, rows, *, commit):
        report = people_import(
            kind=FAMILIES, table=families_table(rows), actor=self.admin, commit=commit
        )
        wait_for_sms_in_background()
        return report

    def texted(self) -> list[str]:
        return sorted(to for to, _ in LocmemSmsBackend.outbox)

    def test_each_new_account_is_texted_once_and_a_second_import_texts_nobody(self):
        preview = self.run_import(FAMILY_ROWS, commit=False)
        self.assertEqual((self.texted(), VerificationCode.objects.count()), ([], 0))

        first = self.run_import(FAMILY_ROWS, commit=True)
        second = self.run_import(FAMILY_ROWS, commit=True)

        self.assertEqual(outcomes(preview), outcomes(first))
        self.assertEqual(outcomes(second), {2: UNCHANGED, 3: UNCHANGED, 4: UNCHANGED})
        self.assertEqual(self.texted(), [PARENT_A_E164, "+201022222222"])
        self.assertEqual(VerificationCode.objects.count(), 2)

    def test_the_texted_code_sets_the_new_accounts_password(self):
        self.run_import(FAMILY_ROWS[:1], commit=True)
        ((phone, message),) = LocmemSmsBackend.outbox
        self.assertIn("واحة الرضوان", message)
        code = re.search(r"\d{6}", message).group(0)

        user = password_reset_confirm(
            phone_number=PARENT_A, code=code, new_password="Sunny-Garden-77",
            re_new_password="Sunny-Garden-77",
        )  # fmt: skip

        self.assertEqual(phone, PARENT_A_E164)
        self.assertTrue(user.check_password("Sunny-Garden-77"))

    def test_an_error_in_the_middle_of_the_writes_leaves_nothing_and_texts_nobody(self):
        real = user_services.child_create
        calls = []

        def child_create(**kwargs):
            calls.append(kwargs["first_name"])
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return real(**kwargs)

        before = self.counts()
        with mock.patch.object(user_services, "child_create", side_effect=child_create):
            with self.assertRaises(RuntimeError):
                self.run_import(FAMILY_ROWS, commit=True)
        wait_for_sms_in_background()

        self.assertEqual(calls, ["Sara", "Omar"])  # the first child was written, then undone
        self.assertEqual(self.counts(), before)
        self.assertEqual(LocmemSmsBackend.outbox, [])


class MatchingTests(ImportTestCase):
    def test_an_existing_family_is_updated_where_the_file_differs(self):
        parent = make_parent(phone_number1=PARENT_A_E164, first_name="Ahmed", last_name="Aly")
        sara = make_child(parent, first_name="Sara", last_name="Ali", gender="female",
                          dob=datetime.date(2016, 5, 1))  # fmt: skip
        rows = [
            family(phone="+20 101 111 1111", **child(" sara ", "01/05/2016", child_notes="Asthma")),
            family(**child("Omar", "2018-02-02", gender="male")),
        ]

        report = self.run_import(FAMILIES, families_table(rows), commit=True)

        self.assertEqual(outcomes(report), {2: UPDATED, 3: NEW})
        self.assertEqual(
            report.rows[0].changes,
            ["تتغير بيانات ولي الأمر: اسم العائلة.", "تتغير بيانات الطفل: ملاحظات."],
        )
        sara.refresh_from_db()
        self.assertEqual((sara.first_name, sara.notes), ("Sara", "Asthma"))
        parent.user.refresh_from_db()
        self.assertEqual(parent.user.last_name, "Ali")
        self.assertEqual(Child.objects.filter(primary_parent=parent).count(), 2)
        self.assertEqual(self.callbacks, [])  # no new account: nobody to welcome

    def test_a_child_is_found_under_another_spelling_of_the_same_arabic_name(self):
        parent = make_parent(phone_number1=PARENT_A_E164, first_name="Ahmed", last_name="Ali")
        registered = {"احمد": "2016-05-01", "فاطمة": "2017-06-02", "مصطفى": "2018-07-03"}
        for name, dob in registered.items():
            make_child(parent, first_name=name, last_name="Ali",
                       dob=datetime.date.fromisoformat(dob))  # fmt: skip
        as_written = {"أحمد": "2016-05-01", "فاطمه": "2017-06-02", "مُصطفي": "2018-07-03"}
        rows = [family(**child(name, dob)) for name, dob in as_written.items()]
        before = self.counts()

        report = self.run_import(FAMILIES, families_table(rows), commit=True)

        self.assertNotIn(NEW, outcomes(report).values(), report.rows)
        self.assertEqual(self.counts(), before)
        self.assertEqual(
            sorted(
                Child.objects.filter(primary_parent=parent).values_list("first_name", flat=True)
            ),
            sorted(registered),  # the family's spelling stays
        )

    def test_an_empty_cell_keeps_what_is_stored(self):
        make_parent(phone_number1=PARENT_A_E164, first_name="Ahmed", last_name="Ali",
                    email="ahmed@example.com", gender="male")  # fmt: skip

        report = self.run_import(FAMILIES, families_table([family()]), commit=True)

        self.assertEqual(outcomes(report), {2: UNCHANGED})
        self.assertEqual(
            CustomUser.objects.get(phone_number1=PARENT_A_E164).email, "ahmed@example.com"
        )

    def test_instructors_are_imported_updated_and_matched(self):
        rows = [
            {"phone": "01077777777", "first_name": "Khaled", "last_name": "Fathy",
             "kind": "مشرف", "fingerprint_id": "77", "bio": "Tajweed"},
            {"phone": "01088888888", "first_name": "Mona", "last_name": "Adel"},
        ]  # fmt: skip
        first = self.run_import(
            INSTRUCTORS, table(INSTRUCTORS, xlsx_file(INSTRUCTORS, rows)), commit=True
        )
        rows[0]["bio"] = "Tajweed and Quran"

        second = self.run_import(
            INSTRUCTORS, table(INSTRUCTORS, xlsx_file(INSTRUCTORS, rows)), commit=True
        )

        self.assertEqual(outcomes(first), {2: NEW, 3: NEW})
        self.assertEqual(outcomes(second), {2: UPDATED, 3: UNCHANGED})
        khaled = Instructor.objects.get(user__phone_number1="+201077777777")
        self.assertEqual(
            (khaled.kind, khaled.fingerprint_id, khaled.bio),
            ("supervisor", "77", "Tajweed and Quran"),
        )
        self.assertEqual(
            Instructor.objects.get(user__phone_number1="+201088888888").kind, "teacher"
        )
        self.assertEqual((first.new_accounts, second.new_accounts), (2, 0))

    def test_a_student_is_enrolled_once(self):
        rows = [{"phone": "01044444444", "first_name": "Mariam", "last_name": "Hassan",
                 "gender": "female", "course": "quran-kids"}]  # fmt: skip
        self.run_import(STUDENTS, table(STUDENTS, xlsx_file(STUDENTS, rows)), commit=True)

        again = self.run_import(STUDENTS, table(STUDENTS, xlsx_file(STUDENTS, rows)), commit=True)

        student = StudentUser.objects.get(user__phone_number1="+201044444444")
        self.assertRegex(student.code, r"^F\d{5}$")
        self.assertEqual(outcomes(again), {2: UNCHANGED})
        enrollments = Enrollment.objects.filter(student=student)
        self.assertEqual([e.status for e in enrollments], [EnrollmentStatus.ACTIVE])

    def test_only_admins_import(self):
        parent = make_parent()
        with self.assertRaises(Exception) as refused:
            people_import(
                kind=FAMILIES, table=families_table([family()]), actor=parent.user, commit=True
            )
        self.assertEqual(refused.exception.code, "admin_only")
        self.assertFalse(CustomUser.objects.filter(phone_number1=PARENT_A_E164).exists())


@requires_postgres
class ImportRaceTests(ImportMixin, TransactionTestCase):
    def setUp(self):
        self.start_clock()
        self.admin = make_admin(is_superuser=True)
        self.course = CourseFactory(slug="quran-kids", capacity=10)

    def test_two_confirms_of_one_file_at_once_write_it_once(self):
        def confirm():
            tab = families_table(FAMILY_ROWS)
            return people_import(kind=FAMILIES, table=tab, actor=self.admin, commit=True)

        results = run_concurrently(confirm, confirm)
        wait_for_sms_in_background()

        self.assertFalse([r for r in results if isinstance(r, Exception)], results)
        # The one that waited on the other's rows either met them as saved (unchanged,
        # committed) or met the clash of its own inserts (a row error, nothing written).
        self.assertIn(True, [r.committed for r in results])
        for report in results:
            self.assertTrue(report.committed or report.has_errors)
        parent = CustomUser.objects.get(phone_number1=PARENT_A_E164)
        self.assertEqual(Child.objects.filter(primary_parent=parent.parent_profile).count(), 2)
        self.assertEqual(Enrollment.objects.filter(course=self.course).count(), 1)
        self.assertEqual(len(LocmemSmsBackend.outbox), 2)
