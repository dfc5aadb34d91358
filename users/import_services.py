"""The people of an import row, written through ``users.services`` (SPEC §6.11 "Import").

An account is found by its phone (``phone_number1``, E.164): a row whose phone has no
account opens one (``account_open`` for parents and students, ``instructor_create`` for
instructors, without a password); a row whose phone has an account of the row's kind
updates the fields the row gives that differ (``user_update``, ``instructor_update``);
an account of another kind refuses the row. A child is found among its parent's children
by first name (spacing and case ignored) and date of birth; otherwise it is created with
``child_create``, which gives it its participant code.

So every rule of those services holds (unique national ID and e-mail, a second phone that
differs from the first, dates of birth, participant codes), and a file imported twice
finds everything it made the first time and changes nothing.

Every new account is welcomed after the commit, and only then: the forgotten-password
flow (``password_reset_request(welcome=True)``) makes its code and texts it. A rolled
back import texts nobody.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import TooManyRequests
from core.sms import mask_phone, run_in_background
from users import services
from users.import_rows import ChildFields, ImportRow, InstructorFields, Person, name_key
from users.models import Child, CustomUser, Instructor, Parent, Role, StudentUser
from users.password_reset import password_reset_request

logger = logging.getLogger(__name__)


class RowRefused(Exception):
    """The row cannot be written; ``message`` says why, in the admin's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Written:
    """What one row did to people."""

    account: CustomUser
    new: bool = False  # the row's own record (the child, or the account) was created
    changes: list[str] = field(default_factory=list)  # sentences, in the row's order
    new_accounts: int = 0
    participant: Child | StudentUser | None = None


def _field_names(model, names) -> str:
    return "، ".join(str(model._meta.get_field(name).verbose_name) for name in names)


def _differs(name: str, current: object, value: object) -> bool:
    if name in ("first_name", "last_name"):
        return name_key(str(current or "")) != name_key(str(value))
    if name == "email":
        return str(current or "").casefold() != str(value).casefold()
    if name == "phone_number2":
        return (str(current) if current else None) != value
    if name in ("notes", "bio"):
        return str(current or "").strip() != str(value).strip()
    return current != value


def _changed(obj, given: dict[str, object]) -> dict[str, object]:
    """The given (non-empty) values that differ from ``obj``'s: an empty cell keeps what
    is stored."""
    return {
        name: value
        for name, value in given.items()
        if value not in (None, "") and _differs(name, getattr(obj, name), value)
    }


def _user_fields(person: Person) -> dict[str, object]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone_number2": person.phone2,
        "email": person.email,
        "dob": person.dob,
        "gender": person.gender,
        "identity_number": person.identity_number,
    }


def _welcome_on_commit(user: CustomUser) -> None:
    """After the import's commit, the account's welcome goes to the SMS worker: each code
    is hashed (Argon2id) before it is stored, and an import's hundreds of them must not
    hold the confirm's request. A row rolled back takes its callback with it."""
    phone = str(user.phone_number1)
    transaction.on_commit(partial(run_in_background, account_welcome, phone), robust=True)


def account_welcome(phone: str, *, now: datetime | None = None) -> bool:
    """Text a new account its code to set a password (§5's reset flow). A code already
    sent to the number within the minute (someone asked for a reset of it just before)
    is left to stand: its owner asks again under "Forgot password"."""
    try:
        password_reset_request(phone_number=phone, now=now, welcome=True)
    except TooManyRequests:
        logger.info("No welcome code for %s: one was sent within the minute", mask_phone(phone))
        return False
    return True


def _existing(role: str, phone: str) -> CustomUser | None:
    user = CustomUser.objects.filter(phone_number1=phone).first()
    if user is not None and user.role != role:
        raise RowRefused(
            _("This phone belongs to another kind of account (%(role)s).")
            % {"role": user.get_role_display()}
        )
    return user


def _account(role: str, person: Person) -> tuple[CustomUser, bool, dict[str, object]]:
    """The parent's or the student's account, found and updated or opened; whether it is
    new, and the fields that changed."""
    user = _existing(role, person.phone)
    if user is None:
        user = services.account_open(role=role, phone_number1=person.phone, **_user_fields(person))
        _welcome_on_commit(user)
        return user, True, {}
    changed = _changed(user, _user_fields(person))
    if changed:
        services.user_update(user=user, **changed)
    return user, False, changed


def family_row_write(*, row: ImportRow, actor: CustomUser) -> Written:
    """The parent (found by phone, or opened) and, when the row has one, the child."""
    user, new, changed = _account(Role.PARENT, row.person)
    written = Written(account=user, new=new, new_accounts=int(new))
    if new:
        written.changes.append(_("New parent account; a code to set its password is texted."))
    elif changed:
        written.changes.append(
            _("The parent's details change: %(fields)s.")
            % {"fields": _field_names(CustomUser, changed)}
        )
    if row.child is None:
        return written
    parent = services.profile_ensure(user=user)
    child, written.new, child_change = _child_write(parent, row.child, actor)
    written.participant = child
    if child_change:
        written.changes.append(child_change)
    return written


def _child_write(
    parent: Parent, fields: ChildFields, actor: CustomUser
) -> tuple[Child, bool, str | None]:
    key = name_key(fields.first_name)
    candidates = Child.objects.of_parent(parent).filter(dob=fields.dob).order_by("pk")
    child = next((c for c in candidates if name_key(c.first_name) == key), None)
    if child is None:
        child = services.child_create(
            parent=parent,
            first_name=fields.first_name,
            last_name=fields.last_name,
            dob=fields.dob,
            gender=fields.gender,
            notes=fields.notes or "",
        )
        return child, True, _("New child.")
    given = {"last_name": fields.last_name, "gender": fields.gender, "notes": fields.notes}
    changed = _changed(child, given)
    if not changed:
        return child, False, None
    child = services.child_update(child=child, actor=actor, **changed)
    change = _("The child's details change: %(fields)s.") % {"fields": _field_names(Child, changed)}
    return child, False, change


def student_row_write(*, row: ImportRow) -> Written:
    user, new, changed = _account(Role.STUDENT, row.person)
    written = Written(account=user, new=new, new_accounts=int(new))
    if new:
        written.changes.append(_("New student account; a code to set its password is texted."))
    elif changed:
        written.changes.append(
            _("Details change: %(fields)s.") % {"fields": _field_names(CustomUser, changed)}
        )
    written.participant = services.profile_ensure(user=user)
    return written


def _instructor_fields(fields: InstructorFields) -> dict[str, object]:
    return {"bio": fields.bio, "kind": fields.kind, "fingerprint_id": fields.fingerprint_id}


def instructor_row_write(*, row: ImportRow) -> Written:
    person, profile = row.person, _instructor_fields(row.instructor or InstructorFields())
    user = _existing(Role.INSTRUCTOR, person.phone)
    if user is None:
        given = {name: value for name, value in profile.items() if value is not None}
        instructor = services.instructor_create(
            password=None, phone_number1=person.phone, **_user_fields(person), **given
        )
        _welcome_on_commit(instructor.user)
        return Written(
            account=instructor.user,
            new=True,
            new_accounts=1,
            changes=[_("New instructor account; a code to set its password is texted.")],
        )
    instructor = services.profile_ensure(user=user)
    user_changed = _changed(user, _user_fields(person))
    profile_changed = _changed(instructor, profile)
    written = Written(account=user)
    if user_changed or profile_changed:
        services.instructor_update(instructor=instructor, **user_changed, **profile_changed)
        names = _field_names(CustomUser, user_changed) if user_changed else ""
        if profile_changed:
            names = "، ".join(filter(None, [names, _field_names(Instructor, profile_changed)]))
        written.changes.append(_("Details change: %(fields)s.") % {"fields": names})
    return written
