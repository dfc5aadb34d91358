"""Writes and cross-model rules for users, children and parent links.

The API, the admin, management commands and tests all call these functions.

Lock order. Every transaction here and in users/verification.py that takes more than one
row lock takes them in this order, so two of them can wait for each other but never
deadlock:

    user (CustomUser) → verification code → child → parent-link request

Take each lock with an explicit ``select_for_update()`` on one model (never on a join:
``select_for_update().select_related(...)`` locks the joined rows too, in no promised
order — that is how approve and reject once deadlocked into a 500).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.locking import lock_row
from core.permissions import is_admin
from core.unset import UNSET, Unset, given
from files.photos import image_delete_on_commit
from notifications.services import notification_create
from users import codes
from users.models import (
    Child,
    CustomUser,
    Instructor,
    LinkStatus,
    Parent,
    ParentLinkRequest,
    PhotoConsent,
    Role,
    StudentUser,
)
from users.selectors import parent_of

MAX_OTHER_PARENTS = 2
SELF_REGISTRATION_ROLES = {Role.PARENT, Role.STUDENT}


def _student_code(gender: str) -> str:
    letter = codes.STUDENT_LETTERS.get(gender, codes.STUDENT_FALLBACK_LETTER)
    return codes.make_code(letter, lambda c: StudentUser.objects.filter(code=c).exists())


def child_code_new(gender: str) -> str:
    return codes.make_code(
        codes.CHILD_LETTERS[gender], lambda c: Child.objects.filter(code=c).exists()
    )


def dob_check(dob: date | None) -> None:
    """The one rule on every date of birth (users and children): not in the future."""
    if dob is not None and dob > timezone.localdate():
        raise Invalid("dob_in_future", _("Date of birth cannot be in the future."), field="dob")


@transaction.atomic
def user_register(
    *,
    password: str,
    role: str,
    phone_number1: str,
    first_name: str,
    last_name: str,
    phone_number2: str | None = None,
    email: str | None = None,
    dob: date | None = None,
    gender: str = "",
    identity_number: str | None = None,
) -> CustomUser:
    """Self-registration of a parent or a student, with its profile, in one transaction."""
    if role not in SELF_REGISTRATION_ROLES:
        raise Invalid(
            "role_not_allowed", _("Only parents and students can register."), field="role"
        )
    dob_check(dob)
    user = CustomUser(
        role=role,
        phone_number1=phone_number1,
        phone_number2=phone_number2,
        email=email,
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        identity_number=identity_number,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    profile_create(user=user)
    return user


def profile_ensure(*, user: CustomUser) -> StudentUser | Parent | Instructor | None:
    """The role's profile, created when missing (e.g. staff changed the user's role)."""
    related = {
        Role.STUDENT: "student_profile",
        Role.PARENT: "parent_profile",
        Role.INSTRUCTOR: "instructor_profile",
    }.get(user.role)
    if related is None:
        return None
    try:
        return getattr(user, related)
    except (StudentUser.DoesNotExist, Parent.DoesNotExist, Instructor.DoesNotExist):
        return profile_create(user=user)


def profile_create(*, user: CustomUser) -> StudentUser | Parent | Instructor | None:
    """Create the role profile that goes with ``user.role`` (no-op for admins)."""
    if user.role == Role.STUDENT:
        return StudentUser.objects.create(user=user, code=_student_code(user.gender))
    if user.role == Role.PARENT:
        return Parent.objects.create(user=user)
    if user.role == Role.INSTRUCTOR:
        return Instructor.objects.create(user=user)
    return None


@transaction.atomic
def instructor_create(
    *,
    password: str | None,
    phone_number1: str,
    first_name: str,
    last_name: str,
    phone_number2: str | None = None,
    email: str | None = None,
    dob: date | None = None,
    gender: str = "",
    identity_number: str | None = None,
    bio: str = "",
    kind: str = "teacher",
    fingerprint_id: str | None = None,
) -> Instructor:
    """Admins create instructor accounts (they cannot self-register). The account and its
    profile, fingerprint id included, are written together or not at all.

    ``password=None`` opens an account that cannot sign in until staff set its password
    (the user's admin page) or the instructor resets it."""
    dob_check(dob)
    user = CustomUser(
        role=Role.INSTRUCTOR,
        phone_number1=phone_number1,
        phone_number2=phone_number2,
        email=email,
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        identity_number=identity_number,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    instructor = Instructor(user=user, bio=bio, kind=kind, fingerprint_id=fingerprint_id or None)
    instructor.full_clean(exclude=["user"])
    instructor.save()
    return instructor


@transaction.atomic
def instructor_update(
    *,
    instructor: Instructor,
    password: str | None = None,
    phone_number1: str | Unset = UNSET,
    phone_number2: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    first_name: str | Unset = UNSET,
    last_name: str | Unset = UNSET,
    dob: date | None | Unset = UNSET,
    gender: str | Unset = UNSET,
    identity_number: str | None | Unset = UNSET,
    bio: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    fingerprint_id: str | None | Unset = UNSET,
) -> Instructor:
    """Admins edit an instructor's account and profile. The role never changes here."""
    user_fields = given(
        phone_number1=phone_number1,
        phone_number2=phone_number2,
        email=email,
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        identity_number=identity_number,
    )
    fields = given(bio=bio, kind=kind, fingerprint_id=fingerprint_id)
    if "dob" in user_fields:
        dob_check(user_fields["dob"])
    if "fingerprint_id" in fields:
        fields["fingerprint_id"] = fields["fingerprint_id"] or None
    user = instructor.user
    for name, value in user_fields.items():
        setattr(user, name, value)
    if password:
        validate_password(password, user)
        user.set_password(password)
    if user_fields or password:
        user.full_clean(exclude=["password"])
        user.save()
    for name, value in fields.items():
        setattr(instructor, name, value)
    instructor.full_clean(exclude=["user"])
    instructor.save()
    return instructor


# --- children -----------------------------------------------------------------------------


def child_check_dob(dob: date) -> None:
    dob_check(dob)


def child_check_parents(*, primary_parent_id: int | None, other_parent_ids: set[int]) -> None:
    """At most two parents besides the primary one, and the primary one is not among them."""
    if primary_parent_id is not None and primary_parent_id in other_parent_ids:
        raise Invalid(
            "primary_parent_repeated",
            _("The primary parent is already linked."),
            field="other_parents",
        )
    if len(other_parent_ids) > MAX_OTHER_PARENTS:
        raise Invalid(
            "too_many_parents",
            _("This child already has three parents linked."),
            field="other_parents",
        )


@transaction.atomic
def child_create(
    *,
    parent: Parent,
    first_name: str,
    last_name: str,
    dob: date,
    gender: str,
    notes: str = "",
    photo_consent: str = PhotoConsent.FAMILY,
) -> Child:
    child_check_dob(dob)
    child = Child(
        primary_parent=parent,
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        notes=notes,
        photo_consent=photo_consent,
        code=child_code_new(gender),
    )
    child.full_clean()
    child.save()
    return child


def child_check_editor(*, child: Child, actor: CustomUser) -> None:
    """Who may edit or delete a child: an admin, or the child's primary parent."""
    if is_admin(actor):
        return
    parent = parent_of(actor)
    if parent is None:
        raise Forbidden("not_allowed", _("Only parents manage children."))
    if child.primary_parent_id != parent.pk:
        raise Forbidden("not_primary_parent", _("Only the child's primary parent can do this."))


@transaction.atomic
def child_update(
    *,
    child: Child,
    actor: CustomUser,
    first_name: str | Unset = UNSET,
    last_name: str | Unset = UNSET,
    dob: date | Unset = UNSET,
    gender: str | Unset = UNSET,
    notes: str | Unset = UNSET,
    photo_consent: str | Unset = UNSET,
) -> Child:
    """Edit a child (an admin or the primary parent). The code and the parents never change
    here: parents are linked through link requests, and the code is the child's card.

    ``photo_consent`` (§6.9) is read by the memory feeds at query time: lowering it hides
    the child's center posts at once."""
    child_check_editor(child=child, actor=actor)
    fields = given(
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        notes=notes,
        photo_consent=photo_consent,
    )
    if "dob" in fields:
        child_check_dob(fields["dob"])
    for name, value in fields.items():
        setattr(child, name, value)
    child.full_clean()
    child.save()
    return child


def child_has_history(child: Child) -> bool:
    """Attendance rows, exam results, enrollments (with their payments), enrollment
    requests or online lessons watched: the history that deleting a child would lose.

    Each table is asked through its reverse relation, one ``EXISTS`` at a time.
    """
    return (
        child.attendance_records.exists()
        or child.exam_results.exists()
        or child.instructor_ratings.exists()
        or child.enrollments.exists()
        or child.enrollment_requests.exists()
        or child.lesson_progress.exists()
    )


@transaction.atomic
def child_delete(*, child: Child, actor: CustomUser) -> None:
    """Delete a child without history (an admin or the primary parent)."""
    child_check_editor(child=child, actor=actor)
    # Child before its link requests (the module's lock order), so a delete racing an
    # approval waits for it instead of deadlocking with it.
    child = lock_row(Child, child.pk)
    if child_has_history(child):
        raise Conflict(
            "child_has_history",
            _("This child has enrollments or attendance and cannot be deleted."),
        )
    child.link_requests.all().delete()
    child.other_parents.clear()
    child.delete()
    image_delete_on_commit(child.photo)


# --- parent links -------------------------------------------------------------------------


@transaction.atomic
def parent_link_request_create(*, requester: Parent, child_code: str) -> ParentLinkRequest:
    """Ask to be linked to a child by its card code; the primary parent is notified."""
    child = (
        Child.objects.select_related("primary_parent__user")
        .filter(code=(child_code or "").strip().upper())
        .first()
    )
    if child is None:
        raise Invalid("child_not_found", _("No child has this code."), field="child_code")
    if (
        child.primary_parent_id == requester.pk
        or child.other_parents.filter(pk=requester.pk).exists()
    ):
        raise Conflict("already_linked", _("You are already linked to this child."))
    if ParentLinkRequest.objects.filter(
        requester=requester, child=child, status=LinkStatus.PENDING
    ).exists():
        raise Conflict("link_request_pending", _("A request for this child is already pending."))
    if child.other_parents.count() >= MAX_OTHER_PARENTS:
        raise Conflict("too_many_parents", _("This child already has three parents linked."))
    link = ParentLinkRequest.objects.create(requester=requester, child=child)
    notification_create(
        recipient=child.primary_parent.user,
        kind="parent_link_request",
        title=_("New parent link request"),
        body=_("%(name)s asks to be linked to %(child)s.")
        % {"name": requester.user.get_full_name(), "child": child.full_name},
        data={"link_request": link.pk, "child": child.pk},
    )
    return link


def _lock_for_decision(link: ParentLinkRequest) -> tuple[Child, ParentLinkRequest]:
    """Lock the child, then the request (the module's lock order), and re-read both."""
    child = lock_row(Child, link.child_id)
    link = lock_row(ParentLinkRequest, link.pk)
    if link.status != LinkStatus.PENDING:
        raise Conflict("link_request_decided", _("This request was already decided."))
    link.child = child
    return child, link


def _decide(link: ParentLinkRequest, *, by: CustomUser, status: str) -> ParentLinkRequest:
    link.status = status
    link.decided_by = by
    link.decided_at = timezone.now()
    link.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return link


@transaction.atomic
def parent_link_request_approve(*, link: ParentLinkRequest, by: CustomUser) -> ParentLinkRequest:
    """Link the requester to the child. Racing a reject or another approval of the same
    child is decided by the child's row lock: the loser sees the new state (409)."""
    _check_decider(link, by)
    # The child lock also keeps two approvals from pushing it past the parent limit.
    child, link = _lock_for_decision(link)
    if child.other_parents.count() >= MAX_OTHER_PARENTS:
        raise Conflict("too_many_parents", _("This child already has three parents linked."))
    link = _decide(link, by=by, status=LinkStatus.APPROVED)
    child.other_parents.add(link.requester_id)
    return link


@transaction.atomic
def parent_link_request_reject(*, link: ParentLinkRequest, by: CustomUser) -> ParentLinkRequest:
    _check_decider(link, by)
    _child, link = _lock_for_decision(link)
    return _decide(link, by=by, status=LinkStatus.REJECTED)


def _check_decider(link: ParentLinkRequest, by: CustomUser) -> None:
    if is_admin(by):
        return
    parent = getattr(by, "parent_profile", None)
    if parent is None or link.child.primary_parent_id != parent.pk:
        if parent is not None and link.requester_id == parent.pk:
            raise Forbidden("not_primary_parent", _("Only the child's primary parent can decide."))
        raise NotFound("not_found", _("Not found."))


@transaction.atomic
def user_update(
    *,
    user: CustomUser,
    phone_number2: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    first_name: str | Unset = UNSET,
    last_name: str | Unset = UNSET,
    dob: date | None | Unset = UNSET,
    gender: str | Unset = UNSET,
    identity_number: str | None | Unset = UNSET,
    absence_sms: bool | Unset = UNSET,
    language: str | Unset = UNSET,
    photo_consent: str | Unset = UNSET,
) -> CustomUser:
    """Profile edit by the user. Login phone, role, staff and verification flags are not
    here: they are not arguments, so no caller can change them through this service.

    ``photo_consent`` (§6.9) is an adult student's own, kept on their student profile;
    other roles have none (400 on the field)."""
    if photo_consent is not UNSET:
        student_photo_consent_set(user=user, photo_consent=photo_consent)
    fields = given(
        phone_number2=phone_number2,
        email=email,
        first_name=first_name,
        last_name=last_name,
        dob=dob,
        gender=gender,
        identity_number=identity_number,
        absence_sms=absence_sms,
        language=language,
    )
    if "dob" in fields:
        dob_check(fields["dob"])
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def student_photo_consent_set(*, user: CustomUser, photo_consent: str) -> StudentUser:
    """Set an adult student's photo consent (§6.9); only a student has one."""
    try:
        # The user's own cached profile, so the caller's representation shows the change.
        profile = user.student_profile if user.role == Role.STUDENT else None
    except StudentUser.DoesNotExist:
        profile = None
    if profile is None:
        raise Invalid(
            "invalid", _("Only students set their own photo consent."), field="photo_consent"
        )
    profile.photo_consent = photo_consent
    profile.full_clean()
    profile.save(update_fields=["photo_consent", "updated_at"])
    return profile
