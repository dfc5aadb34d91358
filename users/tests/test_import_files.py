"""Reading the office's import files: the formats, the headers, the cells, the templates,
and the files refused as a whole."""

from __future__ import annotations

import datetime
import io
import zipfile

import openpyxl
from django.test import SimpleTestCase
from django.utils import translation

from users.import_files import (
    COLUMNS,
    FAMILIES,
    INSTRUCTORS,
    MAX_ROWS,
    STUDENTS,
    ImportFileError,
    read_table,
    template_csv,
    template_xlsx,
)
from users.import_rows import parse_row, parse_rows, phone_e164

TODAY = datetime.date(2026, 11, 10)


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(kind: str, content: bytes) -> str:
    try:
        read_table(kind=kind, content=content)
    except ImportFileError as error:
        return error.message
    raise AssertionError("the file was read")


class FormatTests(SimpleTestCase):
    def test_an_xlsx_with_arabic_headers_gives_text_cells(self):
        content = workbook(
            [
                ["الهاتف", "الاسم الأول", "اسم العائلة", "تاريخ الميلاد", "الرقم القومي"],
                [1012345678, "مريم", "حسن", datetime.datetime(2000, 3, 20), 29801011234567],
            ]
        )

        table = read_table(kind=STUDENTS, content=content)

        self.assertEqual(
            table.rows,
            [
                (
                    2,
                    {
                        "phone": "1012345678",
                        "first_name": "مريم",
                        "last_name": "حسن",
                        "dob": "2000-03-20",
                        "identity_number": "29801011234567",
                    },
                )
            ],
        )

    def test_a_csv_reads_english_keys_semicolons_and_the_arabic_windows_code_page(self):
        text = "phone;First name;LAST_NAME;notes\r\n01012345678;مريم;حسن;x\r\n"

        table = read_table(kind=STUDENTS, content=text.encode("cp1256"))

        self.assertEqual(table.rows[0][1]["first_name"], "مريم")
        self.assertEqual(table.ignored, ["notes"])

    def test_row_numbers_are_the_sheets_and_empty_rows_are_skipped(self):
        content = workbook(
            [
                ["phone", "first_name", "last_name"],
                ["010", "a", "b"],
                [None, None],
                ["011", "c", "d"],
            ]
        )

        table = read_table(kind=STUDENTS, content=content)

        self.assertEqual([number for number, _ in table.rows], [2, 4])

    def test_a_csvs_empty_lines_count_in_the_row_numbers(self):
        text = (
            "phone,first_name,last_name\r\n010,a,b\r\n\r\n,,\r\n"
            '011,"c\nc",d\r\n012,e,f,,\r\n013,g\r\n'
        )

        table = read_table(kind=STUDENTS, content=text.encode())

        self.assertEqual([number for number, _ in table.rows], [2, 5, 6, 7])
        self.assertEqual(table.rows[1][1]["first_name"], "c\nc")  # one cell over two lines
        self.assertEqual(table.rows[3][1]["last_name"], "")  # a short row: the rest empty

    def test_each_template_reads_back_with_every_column_and_no_row(self):
        for kind in (FAMILIES, STUDENTS, INSTRUCTORS):
            for build in (template_xlsx, template_csv):
                with self.subTest(kind=kind, build=build.__name__):
                    message = refusal(kind, build(kind))
                    self.assertEqual(message, "لا صفوف في الملف تحت صف العناوين.")

    def test_the_xlsx_template_is_right_to_left_with_arabic_headers_and_text_phones(self):
        sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(FAMILIES))).active

        headers = [cell.value for cell in sheet[1]]

        with translation.override("ar"):
            self.assertEqual(headers, [str(c.label) for c in COLUMNS[FAMILIES]])
        self.assertTrue(sheet.sheet_view.rightToLeft)
        self.assertEqual(headers[0], "هاتف ولي الأمر")
        self.assertEqual(sheet.column_dimensions["A"].number_format, "@")
        self.assertTrue(sheet["A1"].font.bold)
        self.assertIn("010", sheet["A1"].comment.text)


class RefusedFileTests(SimpleTestCase):
    def test_a_password_column_refuses_the_whole_file(self):
        for header in ("password", "كلمة المرور", "Password1"):
            with self.subTest(header=header):
                content = f"phone,first_name,last_name,{header}\n010,a,b,secret\n".encode()
                self.assertIn("لا تُستورد كلمات المرور", refusal(STUDENTS, content))

    def test_missing_required_columns_are_named(self):
        message = refusal(FAMILIES, b"parent_phone,child_first_name\n010,x\n")

        self.assertIn("الاسم الأول لولي الأمر", message)
        self.assertIn("اسم العائلة لولي الأمر", message)

    def test_files_that_are_not_a_table(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("a.txt", "hello")
        cases = {
            "old excel": (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "ملف Excel قديم"),
            "a zip that is no workbook": (archive.getvalue(), "تعذّرت قراءة الملف كملف Excel"),
            "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "ليس بصيغة CSV ولا XLSX"),
            "empty": (b"", "الملف فارغ"),
            "header only": (b"phone,first_name,last_name\n", "لا صفوف في الملف"),
            "a row longer than the header": (
                b"phone,first_name,last_name\n1,2,3,4\n",
                "خلايا أكثر",
            ),
            "a column twice": (b"phone,first_name,last_name,phone\n1,2,3,4\n", "مكرر"),
        }
        for name, (content, expected) in cases.items():
            with self.subTest(name):
                self.assertIn(expected, refusal(STUDENTS, content))

    def test_a_file_over_the_row_limit_is_refused(self):
        lines = ["phone,first_name,last_name"] + [f"0101{i:07d},a,b" for i in range(MAX_ROWS + 1)]

        message = refusal(STUDENTS, "\n".join(lines).encode())

        self.assertIn(str(MAX_ROWS + 1), message)


class CellTests(SimpleTestCase):
    def test_phones_in_the_forms_offices_type_them(self):
        for text in ("01012345678", "+201012345678", "1012345678", "'01012345678",
                     "٠١٠١٢٣٤٥٦٧٨", "+20 101 234 5678", "\u206601012345678\u2069".strip("\u2066\u2069")):  # fmt: skip
            with self.subTest(text=text):
                self.assertEqual(phone_e164(text), "+201012345678")
        for text in ("12345", "0101", "abc", "+1 202 555 01999"):
            with self.subTest(text=text):
                self.assertIsNone(phone_e164(text))

    def test_a_row_reads_dates_genders_and_kinds_in_arabic_or_english(self):
        row = parse_row(
            INSTRUCTORS,
            2,
            {"phone": "01012345678", "first_name": " Khaled  ", "last_name": "Fathy",
             "dob": "٢٠/٠٣/١٩٩٠", "gender": "ذكر", "kind": "Supervisor"},
            TODAY,
        )  # fmt: skip

        self.assertEqual(row.errors, [])
        self.assertEqual(row.person.first_name, "Khaled")
        self.assertEqual(row.person.dob, datetime.date(1990, 3, 20))
        self.assertEqual(row.person.gender, "male")
        self.assertEqual(row.instructor.kind, "supervisor")

    def test_each_bad_cell_is_named_in_arabic(self):
        row = parse_row(
            STUDENTS,
            7,
            {"phone": "x", "first_name": "", "last_name": "b", "dob": "32/13/2000",
             "gender": "maybe", "email": "not-an-email", "identity_number": "123"},
            TODAY,
        )  # fmt: skip

        self.assertEqual(
            row.errors,
            [
                "الهاتف: أدخل رقم هاتف صحيحًا.",
                "الاسم الأول: هذه الخانة مطلوبة.",
                "البريد الإلكتروني: يرجى إدخال عنوان بريد إلكتروني صحيح.",
                "الرقم القومي: الرقم القومي مكوّن من 14 رقمًا.",
                "النوع: اكتب ذكر أو أنثى.",
                "تاريخ الميلاد: اكتب التاريخ مثل \u20662015-03-20\u2069 أو \u206620/03/2015\u2069.",
            ],
        )

    def test_a_family_row_without_child_cells_is_the_parent_alone(self):
        (alone, partial) = parse_rows(
            FAMILIES,
            [
                (2, {"parent_phone": "010 1234 5678", "parent_first_name": "a", "parent_last_name": "b"}),
                (3, {"parent_phone": "01012345679", "parent_first_name": "c", "parent_last_name": "d",
                     "child_first_name": "Sara"}),
            ],
            TODAY,
        )  # fmt: skip

        self.assertIsNone(alone.child)
        self.assertEqual(alone.errors, [])
        self.assertEqual(
            partial.errors,
            [
                "اسم العائلة للطفل: هذه الخانة مطلوبة.",
                "تاريخ ميلاد الطفل: هذه الخانة مطلوبة.",
                "نوع الطفل: هذه الخانة مطلوبة.",
            ],
        )

    def test_a_familys_later_rows_may_leave_the_parents_optional_cells_empty(self):
        parent = {"parent_phone": "01012345678", "parent_first_name": "Ahmed",
                  "parent_last_name": "Ali", "parent_email": "a@example.com"}  # fmt: skip
        sara = {"child_first_name": "Sara", "child_last_name": "Ali", "child_dob": "2016-05-01",
                "child_gender": "female"}  # fmt: skip
        omar = {**sara, "child_first_name": "Omar", "child_gender": "male"}

        rows = parse_rows(
            FAMILIES,
            [
                (2, {**parent, **sara}),
                (3, {**parent, "parent_email": "", "parent_first_name": "ahmed", **omar}),
                (4, {**parent, "parent_email": "b@example.com", **omar}),
            ],
            TODAY,
        )

        self.assertEqual([row.errors for row in rows[:2]], [[], []])
        self.assertEqual(
            rows[2].errors,
            [
                "بيانات ولي الأمر تختلف عن الصف 2 الذي فيه رقم الهاتف نفسه.",
                "الصف 3 فيه الطفل نفسه (الاسم الأول وتاريخ الميلاد).",
            ],
        )
