"""The results table of an exam's admin page: one line per participant of the course
(active enrollments, children and adult students) with a marks field each.

The table rides on the exam's own form (``ExamAdmin.get_form``): the page is valid only
when both are, and the marks are checked by ``exam_services.exam_marks_check`` against the
total the same page submits. Saving goes through ``exam_services.exam_results_save_many``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from courses import exam_services, selectors
from courses.models import Exam

PREFIX = "marks"


class MarksForm(forms.Form):
    participant = forms.CharField(widget=forms.HiddenInput)
    marks = forms.DecimalField(
        label=_("marks"),
        required=False,
        max_digits=6,
        decimal_places=2,
        error_messages={"invalid": _("Write the marks as a number, such as 42.5.")},
        widget=forms.TextInput(attrs={"dir": "ltr", "size": 6, "inputmode": "decimal"}),
    )
    notes = forms.CharField(
        label=_("notes"), required=False, widget=forms.TextInput(attrs={"size": 24})
    )


class MarksFormSet(forms.BaseFormSet):
    def __init__(self, *args, rows, had_result, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.had_result = had_result
        self.total_marks: Decimal | None = None

    def clean(self) -> None:
        seen = set()
        for form in self.forms:
            if "marks" in form.errors or "participant" in form.errors:
                continue  # already refused (not a number); the other lines are still checked
            key = form.cleaned_data.get("participant")
            if key not in self.rows or key in seen:
                raise forms.ValidationError(
                    gettext("The participants of this course changed; open the page again.")
                )
            seen.add(key)
            marks = form.cleaned_data.get("marks")
            if marks is None:
                if key in self.had_result:
                    form.add_error("marks", gettext("A recorded result cannot be left empty."))
                continue
            # Only what this page writes; results left as they are meet a new total in
            # exam_update, which refuses it on the total's field.
            if self.total_marks is None or not form.has_changed():
                continue
            try:
                exam_services.exam_marks_check(marks=marks, total_marks=self.total_marks)
            except DomainError as exc:
                form.add_error("marks", str(exc.message))


class MarksTable:
    """The lines of the table: enrolled participants with their form, then read-only lines
    of results whose participant has left the course."""

    def __init__(self, exam: Exam, data=None) -> None:
        participants = selectors.exam_participants(exam)
        enrolled = [row for row in participants if row.enrolled]
        self.others = [row for row in participants if not row.enrolled]
        self.total_marks = exam.total_marks
        initial = [
            {
                "participant": row.key,
                "marks": row.result.marks if row.result else None,
                "notes": row.result.notes if row.result else "",
            }
            for row in enrolled
        ]
        FormSet = forms.formset_factory(MarksForm, formset=MarksFormSet, extra=0)
        if data is not None and f"{PREFIX}-TOTAL_FORMS" not in data:
            data = None  # a POST without the table (a script, an old page) changes no result
        self.formset = FormSet(
            data,
            prefix=PREFIX,
            initial=initial,
            rows={row.key: row for row in enrolled},
            had_result={row.key for row in enrolled if row.result},
        )
        self.formset.total_marks = exam.total_marks
        self.lines = list(zip(enrolled, self.formset.forms, strict=False))

    def is_valid(self, total_marks: Decimal | None) -> bool:
        if not self.formset.is_bound:
            return True
        self.formset.total_marks = total_marks
        return self.formset.is_valid()

    def entries(self) -> list[exam_services.MarksEntry]:
        """The lines whose marks or notes were entered or changed."""
        found = []
        if not self.formset.is_bound:
            return found
        for form in self.formset.forms:
            if not form.has_changed() or form.cleaned_data.get("marks") is None:
                continue
            row = self.formset.rows[form.cleaned_data["participant"]]
            found.append(
                exam_services.MarksEntry(
                    marks=form.cleaned_data["marks"],
                    child_id=row.child_id,
                    student_id=row.student_id,
                    notes=form.cleaned_data["notes"],
                )
            )
        return found


def with_marks_table(form_class: type[forms.ModelForm], exam: Exam) -> type[forms.ModelForm]:
    """The exam's form, carrying the results table of ``exam`` as ``marks_table``."""

    class ExamWithMarksForm(form_class):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.marks_table = MarksTable(exam, self.data if self.is_bound else None)

        def clean(self):
            cleaned = super().clean()
            # The marks are checked against the total this same page submits.
            total = cleaned.get("total_marks", exam.total_marks)
            if not self.marks_table.is_valid(total):
                raise forms.ValidationError(gettext("Correct the marks in the results table."))
            return cleaned

    ExamWithMarksForm.__name__ = form_class.__name__
    return ExamWithMarksForm
