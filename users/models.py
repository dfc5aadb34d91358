"""People: the login account, role profiles, children and their parents."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from core.display import datetime_text
from core.models import TimeStampedModel


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    INSTRUCTOR = "instructor", _("Instructor")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PhotoConsent(models.TextChoices):
    """Whether a participant may be tagged in memories (§6.9), and where they may be seen."""

    NONE = "none", _("Not in photos")
    FAMILY = "family", _("Family only")
    CENTER = "center", _("The whole center")


class Language(models.TextChoices):
    """The languages of settings.LANGUAGES, for what is sent to a user without a request."""

    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, phone_number1, password, **extra):
        if not phone_number1:
            raise ValueError("phone_number1 is required")
        email = extra.pop("email", None)
        user = self.model(
            phone_number1=phone_number1,
            email=self.normalize_email(email) if email else None,
            **extra,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone_number1, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(phone_number1, password, **extra)

    def create_superuser(self, phone_number1, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra["role"] = Role.ADMIN
        return self._create_user(phone_number1, password, **extra)


class CustomUser(AbstractBaseUser, PermissionsMixin):
    """A login account. Logs in with ``phone_number1`` (E.164, default region EG)."""

    phone_number1 = PhoneNumberField(_("phone number"), unique=True, region="EG")
    phone_number2 = PhoneNumberField(_("second phone number"), blank=True, null=True, region="EG")
    # NULL (not "") when absent, so the conditional unique constraints ignore it.
    email = models.EmailField(_("email"), blank=True, null=True)  # noqa: DJ001
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    dob = models.DateField(_("date of birth"), blank=True, null=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    identity_number = models.CharField(_("national ID"), max_length=14, blank=True, null=True)  # noqa: DJ001
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STUDENT)
    is_verified = models.BooleanField(_("documents verified"), default=False)
    is_phone_verified = models.BooleanField(_("phone verified"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # §6.6: text an absence alert (the in-app notification is always made).
    absence_sms = models.BooleanField(_("absence alerts by SMS"), default=True)
    # The language of texts sent without a request (SMS, stored notification text): the
    # one the user last asked for with Accept-Language, or Arabic.
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ARABIC
    )
    # §6.8: the stored photo (files.stored), set through the photo services only. An
    # instructor's is public (the catalogue), everyone else's private.
    photo = models.JSONField(_("photo"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "phone_number1"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]
        constraints = [
            # Case-insensitive: "Case@x.com" and "CASE@x.com" are one mailbox to people.
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(email__isnull=False) & ~Q(email=""),
                name="user_email_ci_unique",
                violation_error_message=_("A user with this email already exists."),
            ),
            models.UniqueConstraint(
                fields=["identity_number"],
                condition=Q(identity_number__isnull=False),
                name="user_identity_number_unique",
                violation_error_message=_("A user with this identity number already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(phone_number2=models.F("phone_number1")),
                name="user_phone_numbers_differ",
                violation_error_message=_("The second phone number must differ from the first."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="user_role_valid",
                violation_error_message=_("Choose a valid role."),
            ),
            # Djoser and Django's admin look at is_staff: every role-admin is staff.
            models.CheckConstraint(
                condition=~Q(role="admin") | Q(is_staff=True),
                name="user_admin_role_is_staff",
                violation_error_message=_("An admin account must have access to the admin site."),
            ),
        ]
        indexes = [models.Index(fields=["role"])]

    def check_password(self, raw_password: str) -> bool:
        """Django's check, with the rehash of an older hash (PBKDF2, other Argon2
        parameters) written only over the hash that was verified.

        Two first logins at once both verify the old hash and both rehash it, each with
        its own salt; with Django's plain save the last one wins, and the token issued to
        the other (it carries a digest of the hash, CHECK_REVOKE_TOKEN) is refused at
        once as "password changed". Here the loser keeps the stored hash instead.
        """

        def rehash(password: str) -> None:
            verified = self.password
            self.set_password(password)
            self._password = None
            users = type(self)._default_manager.filter(pk=self.pk)
            if not users.filter(password=verified).update(password=self.password):
                stored = users.values_list("password", flat=True).first()
                if stored is not None:  # (None: the account is gone; nothing to keep)
                    self.password = stored

        return check_password(raw_password, self.password, rehash)

    def __str__(self) -> str:
        # The phone is wrapped in Unicode isolates (LRI … PDI) so that it reads
        # "+201012345678" inside right-to-left text, also where HTML cannot help.
        return f"{self.get_full_name()} (\u2066{self.phone_number1}\u2069)"

    def clean(self):
        super().clean()
        # The constraint below ignores case; say so on the field (API, admin and services
        # all run full_clean) rather than as a non-field error or an IntegrityError.
        if self.email:
            clash = CustomUser._default_manager.filter(email__iexact=self.email)
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError(
                    {"email": _("A user with this email already exists.")}, code="unique"
                )

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name


class StudentUser(TimeStampedModel):
    """Profile of an adult (or self-managed) student: a participant with a login."""

    user = models.OneToOneField(
        CustomUser,
        on_delete=models.PROTECT,
        related_name="student_profile",
        verbose_name=_("user"),
    )
    code = models.CharField(_("participant code"), max_length=6, unique=True, editable=False)
    # §6.9: who may see memories this participant is tagged in (memories app).
    photo_consent = models.CharField(
        _("photo consent"),
        max_length=6,
        choices=PhotoConsent.choices,
        default=PhotoConsent.FAMILY,
    )

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} [{self.code}]"

    @property
    def full_name(self) -> str:
        return self.user.get_full_name()


class Parent(TimeStampedModel):
    user = models.OneToOneField(
        CustomUser, on_delete=models.PROTECT, related_name="parent_profile", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("parent")
        verbose_name_plural = _("parents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.user.get_full_name()


class ChildQuerySet(models.QuerySet):
    def of_parent(self, parent: Parent) -> ChildQuerySet:
        """Children the parent is linked to, as primary or as another parent."""
        return self.filter(Q(primary_parent=parent) | Q(other_parents=parent)).distinct()


class Child(TimeStampedModel):
    """A participant without a login, managed by its parents."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    dob = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    notes = models.TextField(_("notes"), blank=True)
    code = models.CharField(_("participant code"), max_length=6, unique=True, editable=False)
    # §6.8: the stored photo (files.stored), private; set through the photo services only.
    photo = models.JSONField(_("photo"), null=True, blank=True, editable=False)
    # §6.9: who may see memories this participant is tagged in (memories app).
    photo_consent = models.CharField(
        _("photo consent"),
        max_length=6,
        choices=PhotoConsent.choices,
        default=PhotoConsent.FAMILY,
    )
    primary_parent = models.ForeignKey(
        Parent,
        on_delete=models.PROTECT,
        related_name="primary_children",
        verbose_name=_("primary parent"),
    )
    # At most two besides the primary parent: enforced by users.services.
    other_parents = models.ManyToManyField(
        Parent, blank=True, related_name="linked_children", verbose_name=_("other parents")
    )

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.full_name} [{self.code}]"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class InstructorKind(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    SUPERVISOR = "supervisor", _("Supervisor")


class Instructor(TimeStampedModel):
    user = models.OneToOneField(
        CustomUser,
        on_delete=models.PROTECT,
        related_name="instructor_profile",
        verbose_name=_("user"),
    )
    bio = models.TextField(_("bio"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=InstructorKind.choices, default=InstructorKind.TEACHER
    )
    fingerprint_id = models.CharField(
        _("fingerprint id"), max_length=64, blank=True, null=True, unique=True
    )

    class Meta:
        verbose_name = _("instructor")
        verbose_name_plural = _("instructors")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InstructorKind.values),
                name="instructor_kind_valid",
                violation_error_message=_("Choose a valid instructor kind."),
            )
        ]

    def __str__(self) -> str:
        return self.user.get_full_name()

    @property
    def is_supervisor(self) -> bool:
        return self.kind == InstructorKind.SUPERVISOR


class LinkStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParentLinkRequest(TimeStampedModel):
    """A parent asks to be linked to a child; the child's primary parent decides."""

    requester = models.ForeignKey(
        Parent, on_delete=models.CASCADE, related_name="link_requests", verbose_name=_("requester")
    )
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="link_requests", verbose_name=_("child")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.PENDING
    )
    decided_by = models.ForeignKey(
        CustomUser,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("parent link request")
        verbose_name_plural = _("parent link requests")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "child"],
                condition=Q(status="pending"),
                name="one_pending_link_request_per_parent_child",
                violation_error_message=_(
                    "This parent already has a pending link request for this child."
                ),
            )
        ]

    def __str__(self) -> str:
        return _("%(requester)s asks for %(child)s (%(status)s)") % {
            "requester": self.requester,
            "child": self.child,
            "status": self.get_status_display(),
        }


class CodePurpose(models.TextChoices):
    PHONE_VERIFICATION = "phone_verification", _("Phone verification")
    PASSWORD_RESET = "password_reset", _("Password reset")


class VerificationCode(models.Model):
    """A code texted to a phone. Only a salted hash of the code is stored.

    A phone verification code belongs to its user. A password reset code is kept by the
    phone number it was asked for, with the user when the number has an account: a number
    without one gets a code too (never sent), so the reset answers the same either way.
    """

    user = models.ForeignKey(
        CustomUser,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="verification_codes",
        verbose_name=_("user"),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=20,
        choices=CodePurpose.choices,
        default=CodePurpose.PHONE_VERIFICATION,
    )
    phone = models.CharField(_("phone number"), max_length=16, blank=True, default="")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["purpose", "phone", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="phone_verification") | Q(user__isnull=False),
                name="verification_code_phone_has_user",
                violation_error_message=_("A phone verification code belongs to a user."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("verification code, %(at)s") % {"at": datetime_text(self.created_at)}
