"""The people of every app's tests, in one place, so permission tests read like sentences.

``PersonasMixin`` gives a test case, built once per class in ``setUpTestData``:

- ``parent``: primary parent of ``child``; ``linked_parent``: linked to ``child`` by an
  approved link (one of its other parents); ``other_parent``: a stranger to ``child``, the
  primary parent of ``other_child``;
- ``student``: an adult student with a login;
- ``instructor``: the instructor of the course a test makes (``courses.tests.base`` makes
  one); ``other_instructor``: an instructor of no course of ours; ``supervisor``: an
  instructor of kind supervisor;
- ``admin``: center staff;
- ``anonymous``: ``None``.

Each persona is a ``CustomUser``; its profile is ``<persona>_profile`` (``parent_profile``,
``student_profile``, ``instructor_profile``, …).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from users.models import Child, CustomUser
from users.tests.factories import make_admin, make_child, make_instructor, make_parent, make_student

# Everyone the API may be asked by, in the order permission matrices list them.
PEOPLE = (
    "anonymous",
    "parent",
    "linked_parent",
    "other_parent",
    "student",
    "instructor",
    "other_instructor",
    "supervisor",
    "admin",
)


@dataclass(frozen=True)
class Personas:
    parent: CustomUser
    linked_parent: CustomUser
    other_parent: CustomUser
    student: CustomUser
    instructor: CustomUser
    other_instructor: CustomUser
    supervisor: CustomUser
    admin: CustomUser
    child: Child
    other_child: Child

    def user(self, who: str | None) -> CustomUser | None:
        """The persona called ``who`` (``None``/``"anonymous"`` for no one)."""
        return None if who in (None, "anonymous") else getattr(self, who)


def make_personas() -> Personas:
    parent = make_parent()
    linked_parent = make_parent()
    other_parent = make_parent()
    child = make_child(parent, first_name="Omar", gender="male")
    child.other_parents.add(linked_parent)
    return Personas(
        parent=parent.user,
        linked_parent=linked_parent.user,
        other_parent=other_parent.user,
        student=make_student().user,
        instructor=make_instructor().user,
        other_instructor=make_instructor().user,
        supervisor=make_instructor(kind="supervisor").user,
        admin=make_admin(),
        child=child,
        other_child=make_child(other_parent, first_name="Salma", gender="female"),
    )


_PROFILES = {
    "parent": "parent_profile",
    "linked_parent": "parent_profile",
    "other_parent": "parent_profile",
    "student": "student_profile",
    "instructor": "instructor_profile",
    "other_instructor": "instructor_profile",
    "supervisor": "instructor_profile",
}


class PersonasMixin:
    """Mix into a Django/DRF TestCase (before it in the bases)."""

    personas: Personas

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.personas = make_personas()
        for field in fields(Personas):
            setattr(cls, field.name, getattr(cls.personas, field.name))
        for who, related in _PROFILES.items():
            setattr(cls, f"{who}_profile", getattr(getattr(cls, who), related))

    def as_user(self, who: str | None) -> CustomUser | None:
        """Authenticate the test client as the persona called ``who``; returns the user."""
        user = self.personas.user(who)
        self.client.force_authenticate(user)
        return user
