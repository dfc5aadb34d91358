""" "الصفحة الرئيسية" in the admin: the office adds, removes and orders what the public
landing page features (SPEC §6.11).

One page with three tables — courses, online courses, instructors. Each row names an item
and its position (1 first); a row left without a position goes to the end, in the order
of the table. Saving writes each table whole through landing.services (positions become
1…n again), so moving an item between rows, or swapping two, is one save. A column says
whether the public sees the row now: a draft course or an inactive instructor's account
stays listed and shows once published or active again.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import BaseAdmin, ServiceAdminMixin, call_service
from courses.models import CourseStatus
from landing import services
from landing.models import (
    FeaturedCourse,
    FeaturedInstructor,
    FeaturedItem,
    FeaturedOnlineCourse,
    LandingPage,
)


class FeaturedForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty: after the rows that have one (landing.services numbers them 1…n).
        self.fields["position"].required = False

    def validate_unique(self) -> None:
        # Against the table as it will be, not as it is: the formset refuses an item on
        # two rows of this save, and the service writes the table whole. Checking each
        # row against the stored rows would refuse moving an item to another row.
        pass


class FeaturedFormSet(BaseInlineFormSet):
    def get_unique_error_message(self, unique_check) -> str:
        return gettext("An item appears twice on the landing page: keep one row for it.")

    def get_form_error(self) -> str:
        return gettext("Remove the repeated row.")


class FeaturedInline(admin.TabularInline):
    form = FeaturedForm
    formset = FeaturedFormSet
    extra = 0
    readonly_fields = ("public_state",)
    # Set by each table: the field naming the item.
    target: str = ""

    def get_fields(self, request, obj=None):
        return (self.target, "position", "public_state")

    @admin.display(description=_("on the public page"))
    def public_state(self, row: FeaturedItem) -> str:
        if row is None or row.pk is None:
            return "—"
        refusal = self.hidden_because(row)
        if refusal:
            return gettext("Not shown: %(reason)s") % {"reason": refusal}
        return gettext("Shown to visitors")

    def hidden_because(self, row: FeaturedItem) -> str | None:
        return None


class FeaturedCourseInline(FeaturedInline):
    model = FeaturedCourse
    target = "course"
    autocomplete_fields = ("course",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course")

    def hidden_because(self, row: FeaturedCourse) -> str | None:
        course = row.course
        if course.status != CourseStatus.PUBLISHED:
            return gettext("course status: %(status)s") % {"status": course.get_status_display()}
        return None


class FeaturedOnlineCourseInline(FeaturedInline):
    model = FeaturedOnlineCourse
    target = "online_course"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("online_course")

    def hidden_because(self, row: FeaturedOnlineCourse) -> str | None:
        online_course = row.online_course
        if online_course.status != CourseStatus.PUBLISHED:
            return gettext("online course status: %(status)s") % {
                "status": online_course.get_status_display()
            }
        return None


class FeaturedInstructorInline(FeaturedInline):
    model = FeaturedInstructor
    target = "instructor"
    autocomplete_fields = ("instructor",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instructor__user")

    def hidden_because(self, row: FeaturedInstructor) -> str | None:
        if not row.instructor.user.is_active:
            return gettext("the instructor's account is inactive")
        return None


# What each table's rows are written by: (the service, its argument, the item's field).
_LIST_SERVICES = {
    FeaturedCourse: (services.landing_courses_set, "courses", "course"),
    FeaturedOnlineCourse: (services.landing_online_courses_set, "online_courses", "online_course"),
    FeaturedInstructor: (services.landing_instructors_set, "instructors", "instructor"),
}


def ordered_items(formset) -> list:
    """The items of a submitted table in the order they will have: by position, rows
    without one after the others, ties and blanks in the table's order. Deleted and empty
    rows are left out."""
    _service, _argument, field = _LIST_SERVICES[formset.model]
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or data.get(field) is None:
            continue
        position = data.get("position")
        rows.append(((position is None, position or 0, index), data[field]))
    return [item for _key, item in sorted(rows, key=lambda row: row[0])]


def _count(model: type[FeaturedItem]) -> Coalesce:
    rows = (
        model.objects.filter(page=OuterRef("pk"))
        .order_by()
        .values("page")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), 0)


@admin.register(LandingPage)
class LandingPageAdmin(ServiceAdminMixin, BaseAdmin):
    list_display = (
        "page_title",
        "courses_count",
        "online_courses_count",
        "instructors_count",
        "updated_at",
    )
    inlines = (FeaturedCourseInline, FeaturedOnlineCourseInline, FeaturedInstructorInline)

    def has_add_permission(self, request) -> bool:
        return False  # one page, made when first opened

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_courses=_count(FeaturedCourse),
                n_online_courses=_count(FeaturedOnlineCourse),
                n_instructors=_count(FeaturedInstructor),
            )
        )

    def changelist_view(self, request, extra_context=None):
        services.landing_page()
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("page"))
    def page_title(self, page: LandingPage) -> str:
        return str(page)

    @admin.display(description=_("featured courses"), ordering="n_courses")
    def courses_count(self, page: LandingPage) -> int:
        return page.n_courses

    @admin.display(description=_("featured online courses"), ordering="n_online_courses")
    def online_courses_count(self, page: LandingPage) -> int:
        return page.n_online_courses

    @admin.display(description=_("featured instructors"), ordering="n_instructors")
    def instructors_count(self, page: LandingPage) -> int:
        return page.n_instructors

    def save_formset(self, request, form, formset, change) -> None:
        # Not saved row by row: the whole table through its service. save(commit=False)
        # only sorts the rows into new, changed and deleted for the page's history entry.
        formset.save(commit=False)
        service, argument, _field = _LIST_SERVICES[formset.model]
        call_service(service, **{argument: ordered_items(formset)})
