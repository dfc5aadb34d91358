"""Admin for courses. It calls the same services as the API, so the rules hold here too;
a service's refusal is shown on the form (core.admin.ServiceAdminMixin)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    BaseAdmin,
    BaseInline,
    GuardedDeleteMixin,
    ServiceAdminMixin,
    call_service,
    decimal_text,
    label_through,
    time_range_text,
)
from core.errors import DomainError
from courses import (
    admin_ratings,  # noqa: F401 - registers the ratings' pages
    exam_services,
    image_services,
    rules,
    selectors,
    services,
)
from courses.admin_exams import with_marks_table
from courses.admin_proposals import approve_proposals, reject_proposals
from courses.admin_ratings import rating_summary_text
from courses.admin_text import schedule_messages
from courses.models import (
    UNAPPROVED,
    Course,
    CourseSchedule,
    Exam,
    ExamResult,
    Lecture,
    Season,
    Tag,
)
from files.admin_photos import PhotoAdminMixin
from users.cards import course_cards
from users.models import Instructor
from users.views_cards import pdf_response

label_through(Course, "tags", _("course–tag link"), _("course–tag links"))
label_through(Tag, "instructors", _("tag–instructor link"), _("tag–instructor links"))


def _changed(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


class RelatedFilter(admin.SimpleListFilter):
    """Like the default related filter, but one query for all the choices' names."""

    field = ""

    def choices_queryset(self):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [(obj.pk, str(obj)) for obj in self.choices_queryset()]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{self.field: int(value)})
        return queryset


class InstructorFilter(RelatedFilter):
    title = _("instructor")
    parameter_name = "instructor"
    field = "instructor_id"

    def choices_queryset(self):
        return Instructor.objects.select_related("user")


class CourseFilter(RelatedFilter):
    title = _("course")
    parameter_name = "course"
    field = "course_id"

    def choices_queryset(self):
        return Course.objects.only("id", "name").order_by("name")


# --- seasons and tags ---------------------------------------------------------------------

_SEASON_FIELDS = ("name", "kind", "start_date", "end_date", "is_active")


@admin.register(Season)
class SeasonAdmin(ServiceAdminMixin, GuardedDeleteMixin, BaseAdmin):
    list_display = ("name", "kind", "start_date", "end_date", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            season = Season.objects.get(pk=obj.pk)
            call_service(services.season_update, season=season, **_changed(form, _SEASON_FIELDS))
        else:
            fields = {name: form.cleaned_data[name] for name in _SEASON_FIELDS}
            obj.pk = call_service(services.season_create, **fields).pk
            obj._state.adding = False

    def delete_refusal(self, obj) -> str | None:
        if obj.courses.exists():
            return gettext("This season has courses; archive them instead.")
        return None

    def delete_model(self, request, obj) -> None:
        services.season_delete(season=obj)


@admin.register(Tag)
class TagAdmin(ServiceAdminMixin, BaseAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    autocomplete_fields = ("instructors",)

    def save_model(self, request, obj, form, change) -> None:
        tag = Tag.objects.get(pk=obj.pk) if change else None
        obj.pk = call_service(services.tag_save, tag=tag, name=form.cleaned_data["name"]).pk
        obj._state.adding = False  # instructors follow in save_related


# --- courses and their weekly schedule ------------------------------------------------------


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


_SLOT_FIELDS = ("weekday", "start_time", "end_time")


class CourseScheduleInline(BaseInline, admin.TabularInline):
    model = CourseSchedule
    formset = ScheduleFormSet
    extra = 0
    classes = ("schedule-inline",)


class LectureInline(admin.TabularInline):
    model = Lecture
    extra = 0
    fields = ("number", "date", "time", "instructor", "status", "attendance_taken")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ("date", "start_time")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instructor__user")

    @admin.display(description=_("time"))
    def time(self, obj) -> str:
        return time_range_text(obj.start_time, obj.end_time)


_COURSE_FIELDS = (
    "name",
    "slug",
    "description",
    "season",
    "instructor",
    "start_date",
    "end_date",
    "num_lectures",
    "capacity",
    "price",
    "audience",
    "min_age",
    "max_age",
    "location",
    "status",
)


@admin.register(Course)
class CourseAdmin(ServiceAdminMixin, PhotoAdminMixin, GuardedDeleteMixin, BaseAdmin):
    photo_field = "image"
    photo_title = _("Course image")
    list_display = (
        "name",
        "photo_thumbnail",
        "season",
        "instructor",
        "audience",
        "status",
        "start_date",
        "capacity",
        "price_display",
        "rating_display",
    )
    list_filter = ("season", "status", InstructorFilter, "audience")
    list_select_related = ("season", "instructor__user")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("instructor", "tags")
    readonly_fields = ("lectures_link",)
    inlines = (CourseScheduleInline, LectureInline)
    actions = ("generate_lectures", "participant_cards")

    @admin.display(description=_("price (EGP)"), ordering="price")
    def price_display(self, obj) -> str:
        return decimal_text(obj.price)

    def get_queryset(self, request):
        # The ratings' average and count come with the page's one query.
        return selectors.with_rating_summary(super().get_queryset(request))

    @admin.display(description=_("rating"), ordering="rating_average")
    def rating_display(self, obj) -> str:
        return rating_summary_text(obj)

    @admin.display(description=_("lectures"))
    def lectures_link(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        count = obj.lectures.count()
        url = reverse("admin:courses_lecture_changelist") + f"?course={obj.pk}"
        text = ngettext("%(n)d lecture", "%(n)d lectures", count) % {"n": count}
        return format_html('<a href="{}">{}</a>', url, text)

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

    @admin.action(description=_("Participants' cards"))
    def participant_cards(self, request, queryset):
        """The cards of GET /api/courses/{id}/cards/ (one course)."""
        courses = list(queryset[:2])
        if len(courses) != 1:
            self.message_user(request, _("Select one course for its cards."), messages.ERROR)
            return None
        try:
            return pdf_response(course_cards(course=courses[0]))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None

    def save_model(self, request, obj, form, change) -> None:
        # Through the services, so that a new instructor takes over the future lectures and
        # new dates re-plan them, exactly as through the API. Tags follow in save_related.
        if change:
            course = Course.objects.get(pk=obj.pk)
            call_service(
                services.course_update,
                course=course,
                actor=request.user,
                **_changed(form, _COURSE_FIELDS),
            )
        else:
            fields = {name: form.cleaned_data[name] for name in _COURSE_FIELDS}
            obj.pk = call_service(services.course_create, **fields).pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not CourseSchedule:
            return super().save_formset(request, form, formset, change)
        # All the slot changes through one schedule service (overlap rule, one re-planning
        # of the lectures); what it did to the lectures is said once the save succeeded.
        formset.save(commit=False)
        result = call_service(
            services.schedule_save,
            course=form.instance,
            delete=list(formset.deleted_objects),
            update=[
                (
                    CourseSchedule.objects.get(pk=slot.pk),
                    {name: getattr(slot, name) for name in _SLOT_FIELDS if name in changed},
                )
                for slot, changed in formset.changed_objects
            ],
            create=[
                {name: getattr(slot, name) for name in _SLOT_FIELDS} for slot in formset.new_objects
            ],
        )
        request._schedule_plan = result.plan if result is not None else None
        return None

    def _say_what_the_schedule_did(self, request) -> None:
        if hasattr(request, "_schedule_plan"):
            for level, text in schedule_messages(request._schedule_plan):
                self.message_user(request, text, level)

    def response_change(self, request, obj):
        self._say_what_the_schedule_did(request)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        self._say_what_the_schedule_did(request)
        return super().response_add(request, obj, post_url_continue)

    def delete_refusal(self, obj) -> str | None:
        if services.course_has_history(obj):
            return gettext(
                "This course has attendance, results or enrollments; archive it instead."
            )
        return None

    def photo_set(self, request, obj, upload):
        return image_services.course_image_set(course=obj, upload=upload).image

    def photo_remove(self, request, obj) -> None:
        image_services.course_image_remove(course=obj)

    def delete_model(self, request, obj) -> None:
        services.course_delete(course=obj)

    def delete_queryset(self, request, queryset) -> None:
        for course in queryset:
            services.course_delete(course=course)


# --- lectures -------------------------------------------------------------------------------

_LECTURE_FIELDS = ("title", "date", "start_time", "end_time", "instructor", "status")


@admin.register(Lecture)
class LectureAdmin(ServiceAdminMixin, GuardedDeleteMixin, BaseAdmin):
    fields = ("course", "title", "date", "start_time", "end_time", "instructor", "status")
    list_display = ("course", "number_text", "date", "time", "instructor", "status")
    list_filter = (CourseFilter, "status", "attendance_taken", "course__season", InstructorFilter)
    list_select_related = ("course", "instructor__user")
    search_fields = ("title", "course__name")
    date_hierarchy = "date"
    autocomplete_fields = ("course", "instructor")
    readonly_fields = (
        "number",
        "attendance_taken",
        "is_manual",
        "attendance_rows",
        "rejection_reason",
    )
    # Proposed lectures (status filter "proposed") are decided here, as through the API.
    actions = ("cancel_lectures", "approve_proposals", "reject_proposals")

    @admin.display(description=_("attendance"))
    def attendance_rows(self, obj) -> str:
        # Read-only pages (attendance is taken through the API's submission service).
        if obj is None or obj.pk is None:
            return "-"
        rows = reverse("admin:attendance_lectureattendance_changelist")
        history = reverse("admin:attendance_attendancesubmission_changelist")
        return format_html(
            '<a href="{}?lecture__id__exact={}">{}</a> · <a href="{}?lecture__id__exact={}">{}</a>',
            rows,
            obj.pk,
            gettext("rows"),
            history,
            obj.pk,
            gettext("history"),
        )

    @admin.display(description=_("number"), ordering="number")
    def number_text(self, obj) -> str:
        # A proposal is parked outside the course's numbers until it is approved.
        return "—" if obj.status in UNAPPROVED else str(obj.number)

    @admin.display(description=_("time"), ordering="start_time")
    def time(self, obj) -> str:
        return time_range_text(obj.start_time, obj.end_time)

    def get_fields(self, request, obj=None):
        # The number and the attendance flag are shown once the lecture exists.
        if obj is None:
            return self.fields
        extra = ("rejection_reason",) if obj.rejection_reason else ()
        return (
            *self.fields,
            "number",
            "attendance_taken",
            "is_manual",
            "attendance_rows",
            *extra,
        )

    def get_readonly_fields(self, request, obj=None):
        # A lecture does not move between courses.
        return (*self.readonly_fields, "course") if obj is not None else self.readonly_fields

    @admin.action(description=_("Cancel the selected lectures"))
    def cancel_lectures(self, request, queryset):
        count = services.lectures_cancel(lectures=queryset)
        self.message_user(request, _("%(n)d lectures cancelled.") % {"n": count})

    @admin.action(description=_("Approve the selected proposed lectures"))
    def approve_proposals(self, request, queryset):
        approve_proposals(self, request, queryset)

    @admin.action(description=_("Reject the selected proposed lectures (asks for the reason)"))
    def reject_proposals(self, request, queryset):
        return reject_proposals(self, request, queryset)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            lecture = Lecture.objects.get(pk=obj.pk)
            call_service(
                services.lecture_update, lecture=lecture, **_changed(form, _LECTURE_FIELDS)
            )
            return
        data = form.cleaned_data
        created = call_service(
            services.lecture_create,
            course=data["course"],
            date=data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            title=data["title"],
            instructor=data["instructor"],
        )
        if data["status"] != created.status:
            created = call_service(services.lecture_update, lecture=created, status=data["status"])
        obj.pk, obj.number = created.pk, created.number
        obj._state.adding = False

    def delete_refusal(self, obj) -> str | None:
        if services.lecture_has_attendance(obj):
            return gettext("This lecture has attendance; it cannot be deleted (cancel it instead).")
        return None

    def delete_model(self, request, obj) -> None:
        services.lecture_delete(lecture=obj)

    def delete_queryset(self, request, queryset) -> None:
        for lecture in queryset:
            services.lecture_delete(lecture=lecture)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.lecture_has_attendance(obj):
            return False
        return super().has_delete_permission(request, obj)


# --- exams ----------------------------------------------------------------------------------


_EXAM_FIELDS = ("course", "title", "kind", "scheduled_at", "total_marks", "pass_mark")


@admin.register(Exam)
class ExamAdmin(ServiceAdminMixin, GuardedDeleteMixin, BaseAdmin):
    list_display = ("title", "course", "kind", "scheduled_at", "total_display", "pass_display")
    list_filter = ("kind", "course__season")
    list_select_related = ("course",)
    search_fields = ("title", "course__name")
    autocomplete_fields = ("course",)

    @admin.display(description=_("total marks"), ordering="total_marks")
    def total_display(self, obj) -> str:
        return decimal_text(obj.total_marks)

    @admin.display(description=_("pass mark"), ordering="pass_mark")
    def pass_display(self, obj) -> str:
        return decimal_text(obj.pass_mark)

    def get_readonly_fields(self, request, obj=None):
        return ("course",) if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        # An existing exam's page carries the results table of its course's participants.
        form = super().get_form(request, obj, change=change, **kwargs)
        return with_marks_table(form, obj) if obj is not None else form

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        table = getattr(form, "marks_table", None)
        if table is None:
            return
        entries = table.entries()
        if entries:
            created, updated = call_service(
                exam_services.exam_results_save_many,
                exam=form.instance,
                entries=entries,
                entered_by=request.user,
            )
            request._results_saved = (created, updated)

    def response_change(self, request, obj):
        if saved := getattr(request, "_results_saved", None):
            self.message_user(
                request,
                gettext("Results saved: %(created)d new, %(updated)d changed.")
                % {"created": saved[0], "updated": saved[1]},
            )
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            exam = self.get_object(request, object_id)
            if exam is not None and (note := self.delete_refusal(exam)):
                self.message_user(request, note, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            exam = Exam.objects.get(pk=obj.pk)
            fields = _changed(form, _EXAM_FIELDS)
            fields.pop("course", None)
            call_service(exam_services.exam_update, exam=exam, actor=request.user, **fields)
        else:
            fields = {name: form.cleaned_data[name] for name in _EXAM_FIELDS}
            obj.pk = call_service(exam_services.exam_create, actor=request.user, **fields).pk
            obj._state.adding = False

    def delete_refusal(self, obj) -> str | None:
        if obj.results.exists():
            return gettext("This exam has results and cannot be deleted.")
        return None

    def has_delete_permission(self, request, obj=None) -> bool:
        # An exam with results is history: no delete button (the change page says why).
        if obj is not None and obj.results.exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        exam_services.exam_delete(exam=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for exam in queryset:
            exam_services.exam_delete(exam=exam, actor=request.user)


@admin.register(ExamResult)
class ExamResultAdmin(ServiceAdminMixin, BaseAdmin):
    list_display = ("exam", "child", "student", "marks_display", "percentage_display", "passed")
    list_filter = ("passed", "exam__kind")
    list_select_related = ("exam__course", "child", "student__user")
    search_fields = ("exam__title", "child__code", "student__code")
    fields = ("exam", "child", "student", "marks", "notes", "percentage", "passed", "entered_by")
    readonly_fields = ("exam", "child", "student", "percentage", "passed", "entered_by")

    @admin.display(description=_("marks"), ordering="marks")
    def marks_display(self, obj) -> str:
        return decimal_text(obj.marks)

    @admin.display(description=_("percentage"), ordering="percentage")
    def percentage_display(self, obj) -> str:
        return decimal_text(obj.percentage)

    def has_add_permission(self, request) -> bool:
        # Results are entered in the results table of their exam's page.
        return False

    def add_view(self, request, form_url="", extra_context=None):
        # There is no page to add one result: lead staff to the exams, and say where
        # results are entered (rather than answering "403 Forbidden").
        self.message_user(
            request,
            gettext(
                "Results are entered on the exam's page: open the exam and fill in the "
                "marks of its participants in the results table."
            ),
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:courses_exam_changelist"))

    def save_model(self, request, obj, form, change) -> None:
        # Re-graded by the same service as the API (percentage, pass, marks within total).
        call_service(
            exam_services.exam_result_save,
            exam=obj.exam,
            child=obj.child,
            student=obj.student,
            marks=form.cleaned_data["marks"],
            notes=form.cleaned_data["notes"],
            entered_by=request.user,
        )
