"""Admin for courses. It calls the same services as the API, so the rules hold here too."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from courses import rules, services
from courses.generation import lectures_generate
from courses.models import Course, CourseSchedule, Exam, ExamResult, Lecture, Season, Tag
from users.models import Instructor


class InstructorFilter(admin.SimpleListFilter):
    """Like the default related filter, but one query for all instructors' names."""

    title = _("instructor")
    parameter_name = "instructor"
    field = "instructor_id"

    def lookups(self, request, model_admin):
        return [(i.pk, str(i)) for i in Instructor.objects.select_related("user")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{self.field: int(value)})
        return queryset


class LectureAdminForm(forms.ModelForm):
    class Meta:
        model = Lecture
        fields = ("course", "title", "date", "start_time", "end_time", "instructor", "status")

    def clean(self):
        data = super().clean()
        moved = {"date", "start_time", "end_time"} & set(self.changed_data)
        if self.instance.pk and moved and services.lecture_has_attendance(self.instance):
            raise ValidationError(_("This lecture has attendance; it cannot be moved."))
        return data


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "start_date", "end_date", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    autocomplete_fields = ("instructors",)


class ScheduleFormSet(BaseInlineFormSet):
    """Slots of one course may not overlap — checked across the submitted forms."""

    def clean(self) -> None:
        super().clean()
        slots = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if data.get("start_time") is None or data.get("end_time") is None:
                continue
            slot = (int(data["weekday"]), data["start_time"], data["end_time"])
            if any(rules.slots_overlap(slot, other) for other in slots):
                raise ValidationError(_("Two weekly slots of this course overlap."))
            slots.append(slot)


class CourseScheduleInline(admin.TabularInline):
    model = CourseSchedule
    formset = ScheduleFormSet
    extra = 0


class LectureInline(admin.TabularInline):
    model = Lecture
    extra = 0
    fields = (
        "number",
        "date",
        "start_time",
        "end_time",
        "instructor",
        "status",
        "attendance_taken",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ("date", "start_time")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instructor__user")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("name", "season", "instructor", "audience", "status", "start_date", "capacity")
    list_filter = ("season", "status", InstructorFilter, "audience")
    list_select_related = ("season", "instructor__user")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("instructor", "tags")
    inlines = (CourseScheduleInline, LectureInline)
    actions = ("generate_lectures",)

    @admin.action(description=_("Generate lectures from the weekly schedule"))
    def generate_lectures(self, request, queryset):
        for course in queryset:
            try:
                result = services.course_generate_lectures(course=course)
            except DomainError as exc:
                self.message_user(request, f"{course}: {exc.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(course)s: %(created)d created, %(removed)d removed.")
                % {"course": course, "created": result.created, "removed": result.removed},
            )

    def save_model(self, request, obj, form, change) -> None:
        # Through the services, so that a new instructor takes over the future lectures and
        # new dates re-plan them, exactly as through the API. Tags follow in save_related.
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            fields.pop("tags", None)
            services.course_update(course=Course.objects.get(pk=obj.pk), **fields)
        else:
            fields = {k: v for k, v in form.cleaned_data.items() if k != "tags"}
            obj.pk = services.course_create(**fields).pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Schedule edits in the inline re-plan lectures that were already generated.
        if change and form.instance.lectures.exists():
            lectures_generate(course=form.instance)

    def delete_model(self, request, obj) -> None:
        services.course_delete(course=obj)

    def delete_queryset(self, request, queryset) -> None:
        for course in queryset:
            try:
                services.course_delete(course=course)
            except ValidationError as exc:
                self.message_user(request, f"{course}: {exc.message}", messages.ERROR)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.course_has_history(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Lecture)
class LectureAdmin(admin.ModelAdmin):
    form = LectureAdminForm
    list_display = ("course", "number", "date", "start_time", "instructor", "status")
    list_filter = ("status", "attendance_taken", "course__season", InstructorFilter)
    list_select_related = ("course", "instructor__user")
    search_fields = ("title", "course__name")
    date_hierarchy = "date"
    autocomplete_fields = ("course", "instructor")
    readonly_fields = ("number", "attendance_taken", "is_manual")
    actions = ("cancel_lectures",)

    @admin.action(description=_("Cancel the selected lectures"))
    def cancel_lectures(self, request, queryset):
        count = services.lectures_cancel(lectures=queryset)
        self.message_user(request, _("%(n)d lectures cancelled.") % {"n": count})

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if change:
                obj.refresh_from_db()
                services.lecture_update(lecture=obj, **data)
            else:
                created = services.lecture_create(
                    course=obj.course,
                    date=obj.date,
                    start_time=obj.start_time,
                    end_time=obj.end_time,
                    title=obj.title,
                    instructor=obj.instructor,
                )
                obj.pk, obj.number = created.pk, created.number
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)

    def delete_model(self, request, obj) -> None:
        services.lecture_delete(lecture=obj)

    def delete_queryset(self, request, queryset) -> None:
        for lecture in queryset:
            try:
                services.lecture_delete(lecture=lecture)
            except ValidationError as exc:
                self.message_user(request, f"{lecture}: {exc.message}", messages.ERROR)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.lecture_has_attendance(obj):
            return False
        return super().has_delete_permission(request, obj)


class ExamResultInline(admin.TabularInline):
    model = ExamResult
    extra = 0
    fields = ("child", "student", "marks", "percentage", "passed", "notes")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("child", "student__user")


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "kind", "scheduled_at", "total_marks", "pass_mark")
    list_filter = ("kind", "course__season")
    list_select_related = ("course",)
    search_fields = ("title", "course__name")
    autocomplete_fields = ("course",)
    inlines = (ExamResultInline,)


@admin.register(ExamResult)
class ExamResultAdmin(admin.ModelAdmin):
    list_display = ("exam", "child", "student", "marks", "percentage", "passed")
    list_filter = ("passed", "exam__kind")
    list_select_related = ("exam__course", "child", "student__user")
    search_fields = ("exam__title", "child__code", "student__code")
    # Who the result belongs to is fixed: only the API's service checks that the
    # participant is in the exam's course (courses.selectors.participant_in_course).
    readonly_fields = ("exam", "child", "student", "percentage", "passed", "entered_by")

    def has_add_permission(self, request) -> bool:
        # Results go through the API / service, which computes percentage and pass.
        return False
