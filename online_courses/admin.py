"""The staff's pages for online courses: a course with its lessons inline (their numbers
set the order; two lessons may swap theirs), and a lesson with its materials inline.

Deleting a lesson, renumbering lessons and deleting a material go through
online_courses.lesson_services, the rules the API follows too (a lesson someone has
watched stays). The catalogue image is public, written by files.photos as a course's is.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    BaseAdmin,
    GuardedDeleteMixin,
    ServiceAdminMixin,
    call_service,
    decimal_text,
)
from courses.admin import InstructorFilter
from courses.admin_ratings import rating_summary_text
from courses.selectors import with_rating_summary
from files.admin_photos import PhotoAdminMixin
from files.config import PUBLIC
from files.photos import photo_clear, photo_replace
from online_courses import file_services, lesson_services, services
from online_courses.lesson_services import lessons_with_progress
from online_courses.models import Lesson, LessonMaterial, OnlineCourse

LESSON_FIELDS = (
    "number",
    "title",
    "duration_seconds",
    "is_preview",
    "video_provider",
    "video_id",
)


class LessonInlineForm(forms.ModelForm):
    def clean_number(self) -> int:
        number = self.cleaned_data["number"]
        if number is not None and not 1 <= number <= lesson_services.MAX_NUMBER:
            raise ValidationError(gettext("A lesson's number starts at 1."))
        return number

    def _get_validation_exclusions(self):
        # The numbers are checked across the whole formset (LessonFormSet) and written by
        # lessons_renumber, which lets two lessons swap theirs; checked one form at a time
        # against the database, a swap would always look like a clash.
        return {*super()._get_validation_exclusions(), "number"}


class LessonFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]
        numbers = [form.cleaned_data.get("number") for form in kept]
        if len(numbers) != len(set(numbers)):
            raise ValidationError(gettext("Two lessons of an online course share a number."))
        deleting = [form.instance.pk for form in self.deleted_forms if form.instance.pk]
        if lessons_with_progress(deleting):
            raise ValidationError(gettext("Someone has watched this lesson; it cannot be deleted."))


class LessonInline(admin.TabularInline):
    model = Lesson
    form = LessonInlineForm
    formset = LessonFormSet
    fields = LESSON_FIELDS
    ordering = ("number",)
    extra = 0
    show_change_link = True


@admin.register(OnlineCourse)
class OnlineCourseAdmin(ServiceAdminMixin, PhotoAdminMixin, BaseAdmin):
    photo_field = "image"
    photo_title = _("Course image")
    list_display = (
        "title",
        "photo_thumbnail",
        "instructor",
        "audience",
        "status",
        "price_display",
        "access_days",
        "lesson_count",
        "rating_display",
    )
    list_filter = ("status", InstructorFilter, "audience", "sequential")
    list_select_related = ("instructor__user",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("instructor",)
    fields = (
        "title",
        "slug",
        "description",
        "instructor",
        "price",
        "status",
        "audience",
        "min_age",
        "max_age",
        "access_days",
        "sequential",
    )
    inlines = (LessonInline,)

    def get_queryset(self, request):
        # The rating subqueries first: the lesson count's join must not multiply them.
        rated = with_rating_summary(super().get_queryset(request))
        return rated.annotate(lessons_count=Count("lessons"))

    @admin.display(description=_("rating"), ordering="rating_average")
    def rating_display(self, obj) -> str:
        return rating_summary_text(obj)

    @admin.display(description=_("price (EGP)"), ordering="price")
    def price_display(self, obj) -> str:
        return decimal_text(obj.price)

    @admin.display(description=_("lessons"), ordering="lessons_count")
    def lesson_count(self, obj) -> int:
        return obj.lessons_count

    def photo_set(self, request, obj, upload):
        return photo_replace(
            source=OnlineCourse,
            pk=obj.pk,
            field="image",
            upload=upload,
            storage=PUBLIC,
            folder="online-courses",
        ).image

    def photo_remove(self, request, obj) -> None:
        photo_clear(source=OnlineCourse, pk=obj.pk, field="image")

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Lesson:
            return super().save_formset(request, form, formset, change)
        # Deletions and new numbers through the lesson services, then the other changes.
        formset.save(commit=False)
        for lesson in formset.deleted_objects:
            call_service(services.lesson_delete, lesson=lesson)
        call_service(
            lesson_services.lessons_renumber,
            online_course=form.instance,
            numbers={
                lesson.pk: lesson.number
                for lesson, changed in formset.changed_objects
                if "number" in changed
            },
        )
        for lesson, _changed in formset.changed_objects:
            lesson.save()
        for lesson in formset.new_objects:
            lesson.online_course = form.instance
            lesson.save()
        return None


class LessonMaterialInline(admin.TabularInline):
    """Materials are uploaded through the API (``POST …/lessons/{id}/materials/``); here
    their titles are edited and they are deleted (with their files)."""

    model = LessonMaterial
    fields = ("title", "original_name", "link", "size", "content_type")
    readonly_fields = ("original_name", "link", "size", "content_type")
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("file"))
    def link(self, obj) -> str:
        if obj is None or not obj.file:
            return "—"
        # A signed URL that expires (the file is private).
        url = storages[obj.stored["storage"]].url(obj.file)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("Open")
        )


@admin.register(Lesson)
class LessonAdmin(ServiceAdminMixin, GuardedDeleteMixin, BaseAdmin):
    list_display = (
        "title",
        "course_link",
        "number",
        "duration_seconds",
        "is_preview",
        "video_provider",
    )
    list_filter = ("online_course", "is_preview", "video_provider")
    list_select_related = ("online_course",)
    search_fields = ("title", "online_course__title")
    ordering = ("online_course__title", "number")
    fields = ("online_course", *LESSON_FIELDS, "description")
    readonly_fields = ("online_course", "number")
    inlines = (LessonMaterialInline,)

    def has_add_permission(self, request) -> bool:
        # Lessons are added on their course's page, where their numbers are set.
        return False

    @admin.display(description=_("online course"), ordering="online_course__title")
    def course_link(self, obj) -> str:
        url = reverse("admin:online_courses_onlinecourse_change", args=[obj.online_course_id])
        return format_html('<a href="{}">{}</a>', url, obj.online_course.title)

    def delete_refusal(self, obj) -> str | None:
        if lessons_with_progress([obj.pk]):
            return gettext("Someone has watched this lesson; it cannot be deleted.")
        return None

    def delete_model(self, request, obj) -> None:
        services.lesson_delete(lesson=obj)

    def delete_queryset(self, request, queryset) -> None:
        for lesson in queryset:
            services.lesson_delete(lesson=lesson)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not LessonMaterial:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for material in formset.deleted_objects:
            call_service(file_services.lesson_material_delete, material=material)
        for material, _changed in formset.changed_objects:
            material.save()
        return None
