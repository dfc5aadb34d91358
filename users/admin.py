"""Admin for people. Changes go through users.services so the rules hold here too."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    ReadOnlyPasswordHashWidget,
    SetUnusablePasswordMixin,
)
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import (
    BaseAdmin,
    ServiceAdminMixin,
    call_service,
    label_through,
    ltr_html,
)
from core.admin_export import ExportMixin
from core.errors import DomainError
from files.admin_photos import PhotoAdminMixin
from users import photo_services, services
from users.cards import participants_cards
from users.import_files import FAMILIES, INSTRUCTORS, STUDENTS
from users.instructor_admin_forms import ACCOUNT_FIELDS, PROFILE_FIELDS, InstructorAddForm
from users.models import (
    Child,
    CustomUser,
    Instructor,
    Parent,
    ParentLinkRequest,
    StudentUser,
    VerificationCode,
)
from users.views_cards import pdf_response

label_through(Child, "other_parents", _("child–parent link"), _("child–parent links"))
label_through(CustomUser, "groups", _("user–group link"), _("user–group links"))
label_through(CustomUser, "user_permissions", _("user–permission link"), _("user–permission links"))

_PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """Permission names are stored in English; show them in the admin's language."""
    action, _sep, _rest = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action not in _PERMISSION_ACTIONS or model is None:
        return str(permission)
    app = model._meta.app_config.verbose_name
    return f"{app} | {_PERMISSION_ACTIONS[action] % {'model': model._meta.verbose_name}}"


class PermissionLabelsMixin:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.related_model is Permission and formfield is not None:
            formfield.queryset = formfield.queryset.select_related("content_type")
            formfield.label_from_instance = permission_label
        return formfield


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabelsMixin, ExportMixin, DjangoGroupAdmin):
    pass


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """Whether a password is set, in words: the hash's algorithm, salt and digest are not
    the staff's reading."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        usable = bool(value) and not value.startswith(UNUSABLE_PASSWORD_PREFIX)
        label = _("A password is set; it is stored encrypted and cannot be shown.")
        context["summary"] = [{"label": label if usable else _("No password set.")}]
        return context


class UserChangeForm(DjangoUserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordSummaryWidget()


class PasswordChangeForm(AdminPasswordChangeForm):
    # Django joins its warning to the help text untranslated; this one is translated.
    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


@admin.register(CustomUser)
class CustomUserAdmin(PermissionLabelsMixin, BaseAdmin, DjangoUserAdmin):
    form = UserChangeForm
    change_password_form = PasswordChangeForm
    ordering = ("-id",)
    list_display = (
        "row_id",
        "phone",
        "first_name",
        "last_name",
        "role",
        "is_verified",
        "is_phone_verified",
        "is_active",
    )
    list_filter = ("role", "is_verified", "is_phone_verified", "is_active", "is_staff", "gender")
    search_fields = (
        "phone_number1",
        "phone_number2",
        "first_name",
        "last_name",
        "email",
        "identity_number",
    )
    readonly_fields = ("last_login", "date_joined", "is_phone_verified")
    fieldsets = (
        (None, {"fields": ("phone_number1", "password")}),
        (
            _("Personal info"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "phone_number2",
                    "email",
                    "dob",
                    "gender",
                    "identity_number",
                )
            },
        ),
        (_("Role and checks"), {"fields": ("role", "is_verified", "is_phone_verified")}),
        (_("Messages"), {"fields": ("absence_sms", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "phone_number1",
                    "first_name",
                    "last_name",
                    "role",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        if obj.role == "admin":
            # Center staff sign in to this admin site.
            obj.is_staff = True
        super().save_model(request, obj, form, change)
        # A new account, or one whose role changed, gets the profile its role needs.
        services.profile_ensure(user=obj)

    def has_delete_permission(self, request, obj=None):
        # Accounts carry history (enrollments, payments, attendance): deactivate instead.
        return False

    @admin.display(description=_("phone number"), ordering="phone_number1")
    def phone(self, obj):
        return ltr_html(obj.phone_number1)


def print_cards(model_admin, request, participants):
    """The selected participants' cards (the API's sheets), or the refusal as a message."""
    try:
        return pdf_response(participants_cards(participants=participants))
    except DomainError as exc:
        model_admin.message_user(request, exc.message, messages.ERROR)
        return None


class ImportLinkMixin:
    """The list leads to the import page (``people_import``) with its kind chosen."""

    import_kind = ""

    def changelist_view(self, request, extra_context=None):
        if request.user.has_perm("users.add_customuser"):
            url = f"{reverse('people_import')}?kind={self.import_kind}"
            extra_context = {**(extra_context or {}), "import_url": url}
        return super().changelist_view(request, extra_context)


class ProfileAdmin(BaseAdmin):
    """A role profile belongs to its account: it is made from the account's role (add a
    user with that role, see CustomUserAdmin.save_model) and never moves to another one."""

    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("user", *super().get_readonly_fields(request, obj))

    @admin.display(description=_("name"), ordering="user__first_name")
    def name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description=_("phone"), ordering="user__phone_number1")
    def phone(self, obj):
        return ltr_html(obj.user.phone_number1)


@admin.register(StudentUser)
class StudentUserAdmin(ImportLinkMixin, ProfileAdmin):
    import_kind = STUDENTS
    list_display = ("row_id", "code", "name", "phone", "photo_consent")
    search_fields = ("code", "user__first_name", "user__last_name", "user__phone_number1")
    list_filter = ("user__gender", "photo_consent")
    # The student's own choice (PATCH /auth/users/me/): shown, not changed by staff.
    readonly_fields = ("code", "photo_consent")
    actions = ("print_cards",)

    @admin.action(description=_("Print cards"))
    def print_cards(self, request, queryset):
        return print_cards(self, request, queryset.select_related("user"))


@admin.register(Parent)
class ParentAdmin(ImportLinkMixin, ProfileAdmin):
    import_kind = FAMILIES
    list_display = ("row_id", "name", "phone")
    search_fields = ("user__first_name", "user__last_name", "user__phone_number1")


@admin.register(Instructor)
class InstructorAdmin(ImportLinkMixin, ServiceAdminMixin, PhotoAdminMixin, ProfileAdmin):
    """Instructors are added here: one form makes the account and its profile together
    (``services.instructor_create``); the profile is edited through
    ``services.instructor_update``, the (public) photo through ``photo_services``."""

    import_kind = INSTRUCTORS
    list_display = ("row_id", "photo_thumbnail", "name", "phone", "kind", "fingerprint_id")
    list_filter = ("kind",)
    search_fields = ("user__first_name", "user__last_name", "user__phone_number1", "fingerprint_id")
    fields = ("user", *PROFILE_FIELDS)
    add_fieldsets = (
        (_("Account"), {"fields": ACCOUNT_FIELDS}),
        (_("Password"), {"fields": ("set_password_later", "password1", "password2")}),
        (_("Instructor profile"), {"fields": PROFILE_FIELDS}),
    )

    def has_add_permission(self, request):
        return BaseAdmin.has_add_permission(self, request)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InstructorAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            changed = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
            call_service(
                services.instructor_update, instructor=Instructor.objects.get(pk=obj.pk), **changed
            )
            return
        made = call_service(services.instructor_create, **form.service_arguments())
        obj.pk, obj.user, obj.created_at = made.pk, made.user, made.created_at
        obj._state.adding, obj._state.db = False, made._state.db

    def photo_value(self, obj):
        return obj.user.photo

    def photo_set(self, request, obj, upload):
        return photo_services.instructor_photo_set(instructor=obj, upload=upload).user.photo

    def photo_remove(self, request, obj):
        photo_services.instructor_photo_remove(instructor=obj)


class ChildAdminForm(forms.ModelForm):
    """The same rules as the API (users.services), shown as form errors."""

    class Meta:
        model = Child
        fields = (
            "first_name",
            "last_name",
            "dob",
            "gender",
            "notes",
            "photo_consent",
            "primary_parent",
            "other_parents",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form sent without it keeps the child's consent (a new child: the default). Staff
        # who may only look get it read-only, outside the form.
        if "photo_consent" in self.fields:
            self.fields["photo_consent"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("photo_consent"):
            data["photo_consent"] = self.instance.photo_consent
        try:
            # The date of birth is checked by child_create / child_update themselves.
            primary = data.get("primary_parent")
            services.child_check_parents(
                primary_parent_id=primary.pk if primary else None,
                other_parent_ids={p.pk for p in data.get("other_parents") or []},
            )
        except DomainError as exc:
            raise forms.ValidationError({exc.field: str(exc.message)}) from exc
        return data


# What child_update may change; the parents are the admin's own business (below).
_CHILD_FIELDS = ("first_name", "last_name", "dob", "gender", "notes", "photo_consent")


@admin.register(Child)
class ChildAdmin(ServiceAdminMixin, PhotoAdminMixin, BaseAdmin):
    form = ChildAdminForm
    list_display = (
        "row_id",
        "photo_thumbnail",
        "code",
        "first_name",
        "last_name",
        "dob",
        "gender",
        "photo_consent",
        "primary_parent",
    )
    list_select_related = ("primary_parent__user",)
    list_filter = ("gender", "photo_consent")
    search_fields = (
        "code",
        "first_name",
        "last_name",
        "primary_parent__user__first_name",
        "primary_parent__user__phone_number1",
    )
    autocomplete_fields = ("primary_parent", "other_parents")
    readonly_fields = ("code",)
    actions = ("print_cards",)

    @admin.action(description=_("Print cards"))
    def print_cards(self, request, queryset):
        return print_cards(self, request, queryset)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            # The same service as the parents' API: rules, and the participant code.
            child = call_service(
                services.child_create,
                parent=data["primary_parent"],
                **{name: data[name] for name in _CHILD_FIELDS},
            )
            obj.pk, obj.code, obj.created_at = child.pk, child.code, child.created_at
            obj._state.adding, obj._state.db = False, child._state.db
            return
        changed = {name: data[name] for name in _CHILD_FIELDS if name in form.changed_data}
        child = Child.objects.get(pk=obj.pk)
        if changed:
            child = call_service(services.child_update, child=child, actor=request.user, **changed)
        if "primary_parent" in form.changed_data:
            # Staff may hand a child to another primary parent (checked in the form's clean).
            child.primary_parent = data["primary_parent"]
            child.save(update_fields=["primary_parent", "updated_at"])

    def photo_set(self, request, obj, upload):
        child = photo_services.child_photo_set(child=obj, actor=request.user, upload=upload)
        return child.photo

    def photo_remove(self, request, obj):
        photo_services.child_photo_remove(child=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.child_delete(child=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # A child with enrollments or attendance is history: no delete button at all.
        if obj is not None and services.child_has_history(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for child in queryset:
            try:
                services.child_delete(child=child, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{child}: {exc.message}", messages.ERROR)


@admin.register(ParentLinkRequest)
class ParentLinkRequestAdmin(BaseAdmin):
    """Parents make requests (API); staff only decide them, so there is no add form."""

    list_display = ("row_id", "requester", "child", "status", "created_at", "decided_at")
    list_select_related = ("requester__user", "child")
    list_filter = ("status",)
    search_fields = ("child__code", "requester__user__phone_number1", "requester__user__first_name")
    readonly_fields = ("requester", "child", "status", "decided_by", "decided_at")
    actions = ("approve", "reject")

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Approve selected requests"))
    def approve(self, request, queryset):
        self._decide(request, queryset, services.parent_link_request_approve)

    @admin.action(description=_("Reject selected requests"))
    def reject(self, request, queryset):
        self._decide(request, queryset, services.parent_link_request_reject)

    def _decide(self, request, queryset, decide):
        done = 0
        for link in queryset.select_related("child"):
            try:
                decide(link=link, by=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{link}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(n)d request(s) processed.") % {"n": done})


@admin.register(VerificationCode)
class VerificationCodeAdmin(BaseAdmin):
    """Read-only: the code itself is never stored, only its hash (not shown)."""

    list_display = (
        "row_id",
        "purpose",
        "user",
        "phone",
        "created_at",
        "expires_at",
        "attempts",
        "used_at",
    )
    list_filter = ("purpose",)
    list_select_related = ("user",)
    search_fields = ("user__phone_number1", "phone")
    fields = ("purpose", "user", "phone", "created_at", "expires_at", "attempts", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
