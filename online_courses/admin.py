"""The staff's pages for online courses: a course with its lessons inline (their numbers
set the order; two lessons may swap theirs), and a lesson with its materials inline.

Every write goes through the services the API calls: a lesson added or changed (on
either page) through ``services.lesson_create``/``lesson_update`` (a video id checked
against its provider, an uploaded video it replaces removed after the commit), deleted,
renumbered and its materials deleted through online_courses.lesson_services (a lesson
someone has watched stays). The catalogue image is public, written by files.photos as a course's is.

A lesson's page also takes its files: a video file (``video_upload``), and materials as
new rows of the materials table, each a file and an optional title. They are stored by
online_courses.file_services, the services of the API's upload endpoints (content,
size, the cap of materials), within the same limits while the body is read
(files.admin_uploads); a refusal shows under its file input, and nothing of the save is
kept, files included.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    BaseAdmin,
    GuardedDeleteMixin,
    ServiceAdminMixin,
    ServiceRefused,
    call_service,
    decimal_text,
)
from courses.admin import InstructorFilter
from courses.admin_ratings import rating_summary_text
from courses.selectors import with_rating_summary
from files.admin_photos import FilePicker, PhotoAdminMixin
from files.admin_uploads import BoundedFileField, UploadLimits, UploadsAdminMixin
from files.config import PUBLIC
from files.photos import photo_clear, photo_replace
from online_courses import file_services, lesson_services, services
from online_courses.lesson_services import lessons_with_progress
from online_courses.models import HOSTED_PROVIDERS, Lesson, LessonMaterial, OnlineCourse

LESSON_FIELDS = (
    "number",
    "title",
    "duration_seconds",
    "is_preview",
    "video_provider",
    "video_id",
)


# The online course's own fields, as online_course_create/online_course_update take them.
ONLINE_COURSE_FIELDS = (
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


class OnlineCourseForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # As on the API: left empty, the service makes one from the title.
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Left empty, it is made from the title.")


# What the lesson services take from a lesson's form, besides its video and number.
LESSON_SERVICE_FIELDS = ("title", "description", "duration_seconds", "is_preview")


def lesson_changes(form: forms.ModelForm) -> dict:
    """The arguments of ``services.lesson_update`` (or ``lesson_create``) for what a lesson's
    form holds: on a stored lesson only what changed, the provider and id as one video."""
    changed = set(form.changed_data) if form.instance.pk else set(form.cleaned_data)
    changes = {
        name: form.cleaned_data[name]
        for name in LESSON_SERVICE_FIELDS
        if name in changed and name in form.cleaned_data
    }
    # An upload on the lesson's page sets the video itself (file_services).
    if {"video_provider", "video_id"} & changed and not form.cleaned_data.get(VIDEO_UPLOAD):
        provider = form.cleaned_data.get("video_provider") or ""
        video_id = form.cleaned_data.get("video_id") or ""
        changes["video"] = services.VideoInput(provider, video_id) if provider else None
    return changes


def call_lesson_service(service, form: forms.ModelForm, /, *, form_prefix=None, **kwargs):
    """A lesson service called for ``form``; a refusal of the video shows under its id."""
    try:
        return call_service(service, **kwargs)
    except ServiceRefused as refused:
        errors = [
            ("video_id" if name == "video" else name, found) for name, found in refused.errors
        ]
        raise ServiceRefused(errors, form_prefix=form_prefix) from refused


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
    form = OnlineCourseForm
    fields = ONLINE_COURSE_FIELDS
    inlines = (LessonInline,)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            changes = {name: changes[name] for name in ONLINE_COURSE_FIELDS if name in changes}
            if changes:
                call_service(services.online_course_update, online_course=obj, **changes)
        else:
            fields = {name: form.cleaned_data[name] for name in ONLINE_COURSE_FIELDS}
            obj.pk = call_service(services.online_course_create, **fields).pk
            obj._state.adding = False  # its lessons follow in save_formset

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
        # The other changes and the new lessons through the lesson services: a video id is
        # checked against its provider and a replaced uploaded file goes, as on the API.
        deleted = set(formset.deleted_forms)
        for row in formset.initial_forms:
            changes = lesson_changes(row) if row not in deleted else {}
            if changes:
                call_lesson_service(
                    services.lesson_update,
                    row,
                    form_prefix=row.prefix,
                    lesson=row.instance,
                    **changes,
                )
        for row in formset.extra_forms:
            if not row.has_changed() or formset._should_delete_form(row):
                continue
            call_lesson_service(
                services.lesson_create,
                row,
                form_prefix=row.prefix,
                online_course=form.instance,
                number=row.cleaned_data["number"],
                **lesson_changes(row),
            )
        return None


VIDEO_UPLOAD = "video_upload"
MATERIAL_UPLOAD = "upload"


def _video_help() -> str:
    return gettext(
        "An MP4 or WebM file of at most %(mb)s MB. Saved, it becomes the lesson's video "
        "in place of the current one."
    ) % {"mb": settings.LESSON_VIDEO_MAX_MB}


def _material_help() -> str:
    return gettext(
        "A PDF, an image (JPEG, PNG, WebP) or a Word, Excel or PowerPoint file of at most "
        "%(mb)s MB each, at most %(n)s a lesson. Add a row for each new file."
    ) % {"mb": settings.LESSON_MATERIAL_MAX_MB, "n": file_services.MAX_MATERIALS}


def signed_link(stored: dict) -> str:
    """A link that opens a private file (a signed URL that expires)."""
    url = storages[stored["storage"]].url(stored["name"])
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("Open the file")
    )


def upload_refused(refused: ServiceRefused, field: str, form_prefix: str | None = None):
    """A file service's refusal (its errors name ``file``, or no field) under ``field``."""
    errors = [(field if name in (None, "file") else name, found) for name, found in refused.errors]
    return ServiceRefused(errors, form_prefix=form_prefix)


class MaterialFileInput(FilePicker):
    """The file column of the materials table: a stored material's link, a new row's
    file input."""

    stored: dict | None = None

    def render(self, name, value, attrs=None, renderer=None):
        if self.stored is not None:
            return signed_link(self.stored)
        return super().render(name, value, attrs, renderer)


class MaterialInlineForm(forms.ModelForm):
    upload = BoundedFileField(
        label=_("file"),
        required=False,
        # An empty file is refused by the service, with the API's words.
        allow_empty_file=True,
        widget=MaterialFileInput(),
        help_text=lazy(_material_help, str)(),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields[MATERIAL_UPLOAD]
        if self.instance.pk:
            # A stored material keeps its file: it is replaced by deleting it and adding one.
            field.disabled = True
            field.widget.stored = self.instance.stored
        else:
            field.required = True  # a new row is a file (a row left empty is skipped)


class LessonMaterialInline(admin.TabularInline):
    """The lesson's materials: a stored one's title is edited here and it is deleted (with
    its file); a new row is a file and an optional title, stored on save by
    ``file_services.lesson_material_add`` as ``POST …/lessons/{id}/materials/`` does."""

    model = LessonMaterial
    form = MaterialInlineForm
    fields = ("title", MATERIAL_UPLOAD, "original_name", "size", "content_type")
    readonly_fields = ("original_name", "size", "content_type")
    extra = 1

    @admin.display(description=_("file"))
    def upload(self, obj) -> str:
        # The column as staff who may only look see it (the others get the form's field).
        return signed_link(obj.stored) if obj is not None and obj.file else "—"


class LessonForm(forms.ModelForm):
    video_upload = BoundedFileField(
        label=_("New video file"),
        required=False,
        allow_empty_file=True,
        widget=FilePicker(
            accept="video/mp4,video/webm",
            choose=_("Choose a video"),
            empty=_("No video chosen."),
        ),
        help_text=lazy(_video_help, str)(),
    )

    def clean(self):
        data = super().clean()
        if data.get(VIDEO_UPLOAD):
            chosen = {"video_provider", "video_id"} & set(self.changed_data)
            if chosen and data.get("video_provider") in HOSTED_PROVIDERS:
                self.add_error(
                    VIDEO_UPLOAD,
                    _("Upload a video file or give a provider's video id, not both."),
                )
            # The upload makes the lesson's video an uploaded file (the service sets the
            # provider): the row is saved before it with its video as it was.
            data["video_provider"] = self.instance.video_provider
            data["video_id"] = self.instance.video_id
        return data

    def _get_validation_exclusions(self):
        # The stored file is not a field of the form, but the lesson's check that its video
        # is complete (a provider's id, or a stored file for "uploaded file") reads it: a
        # choice of "uploaded file" with none stored is refused here, not by the database.
        return {*super()._get_validation_exclusions()} - {"video_file"}


@admin.register(Lesson)
class LessonAdmin(ServiceAdminMixin, UploadsAdminMixin, GuardedDeleteMixin, BaseAdmin):
    form = LessonForm
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
    fields = ("online_course", *LESSON_FIELDS, "video_shown", VIDEO_UPLOAD, "description")
    readonly_fields = ("online_course", "number", "video_shown")
    inlines = (LessonMaterialInline,)

    def has_add_permission(self, request) -> bool:
        # Lessons are added on their course's page, where their numbers are set.
        return False

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [name for name in fields if name != VIDEO_UPLOAD]

    def upload_limits(self, request) -> UploadLimits:
        video, material = settings.LESSON_VIDEO_MAX_MB, settings.LESSON_MATERIAL_MAX_MB
        return UploadLimits(
            total_mb=video + file_services.MAX_MATERIALS * material,
            fields={VIDEO_UPLOAD: video, MATERIAL_UPLOAD: material},
        )

    @admin.display(description=_("online course"), ordering="online_course__title")
    def course_link(self, obj) -> str:
        url = reverse("admin:online_courses_onlinecourse_change", args=[obj.online_course_id])
        return format_html('<a href="{}">{}</a>', url, obj.online_course.title)

    @admin.display(description=_("Current video file"))
    def video_shown(self, obj) -> str:
        if obj is None or obj.video_stored is None:
            return gettext("No uploaded video.")
        return signed_link(obj.video_stored)

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
        # New rows after the deletions: a lesson at its cap may swap a material in one save.
        for row in formset.extra_forms:
            if not row.has_changed() or formset._should_delete_form(row):
                continue
            try:
                material = call_service(
                    file_services.lesson_material_add,
                    lesson=form.instance,
                    upload=row.cleaned_data[MATERIAL_UPLOAD],
                    title=row.cleaned_data.get("title") or "",
                )
            except ServiceRefused as refused:
                raise upload_refused(refused, MATERIAL_UPLOAD, row.prefix) from refused
            self.upload_written(request, material.stored)
        return None

    def save_model(self, request, obj, form, change) -> None:
        # Lessons are added on their course's page: here a stored lesson changes.
        changes = lesson_changes(form)
        if changes:
            call_lesson_service(services.lesson_update, form, lesson=obj, **changes)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        upload = form.cleaned_data.get(VIDEO_UPLOAD)
        if not upload:
            return
        try:
            lesson = call_service(
                file_services.lesson_video_upload, lesson=form.instance, upload=upload
            )
        except ServiceRefused as refused:
            raise upload_refused(refused, VIDEO_UPLOAD) from refused
        self.upload_written(request, lesson.video_stored)
