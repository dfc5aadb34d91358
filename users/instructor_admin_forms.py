"""The instructor forms of the admin: one add form for the account and its profile
(saved together by ``users.services.instructor_create``), and the profile's change form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from users.models import CustomUser, Instructor, Role

# The account's fields shown on the add form, as the account model labels and checks them.
ACCOUNT_FIELDS = ("first_name", "last_name", "phone_number1", "email")
PROFILE_FIELDS = ("kind", "bio", "fingerprint_id")
# Django's generic "<model> with this <field> already exists" reads badly in Arabic.
TAKEN = {
    "phone_number1": _("A user with this phone number already exists."),
    "email": _("A user with this email already exists."),
}


def _account_field(name: str) -> forms.Field:
    field = CustomUser._meta.get_field(name).formfield()
    if name in ("phone_number1", "email"):
        # A phone number and an e-mail address read left to right in the Arabic page.
        field.widget.attrs.update({"dir": "ltr", "class": "vTextField"})
    return field


class InstructorAddForm(forms.ModelForm):
    """Name, phone, optional e-mail, a password (or none yet), and the profile."""

    first_name = _account_field("first_name")
    last_name = _account_field("last_name")
    phone_number1 = _account_field("phone_number1")
    email = _account_field("email")
    set_password_later = forms.BooleanField(
        label=_("Set the password later"),
        required=False,
        help_text=_(
            "The account cannot sign in until a password is set on its user page "
            "or the instructor resets it."
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )

    class Meta:
        model = Instructor
        fields = PROFILE_FIELDS

    def clean(self):
        data = super().clean()
        account = self._account_checked(data)
        if data.get("set_password_later"):
            data["password1"] = data["password2"] = ""
            return data
        first, second = data.get("password1"), data.get("password2")
        if not first:
            self.add_error("password1", _("Enter a password, or choose to set it later."))
        elif first != second:
            self.add_error("password2", _("The two passwords do not match."))
        else:
            # The same validators as the service, shown under the password field.
            try:
                password_validation.validate_password(first, account)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def _account_checked(self, data: dict) -> CustomUser:
        """The account as the service will make it, checked the way it checks it (a phone
        or e-mail already in use), so that every error shows at once, under its field."""
        account = CustomUser(
            role=Role.INSTRUCTOR,
            phone_number1=data.get("phone_number1"),
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            email=data.get("email") or None,
        )
        if not any(name in self.errors for name in ACCOUNT_FIELDS):
            try:
                account.full_clean(exclude=["password"])
            except ValidationError as exc:
                for name, errors in exc.error_dict.items():
                    for error in errors:
                        taken = error.code == "unique" and name in TAKEN
                        message = TAKEN[name] if taken else error
                        self.add_error(name if name in self.fields else None, message)
        return account

    def service_arguments(self) -> dict:
        """``instructor_create``'s arguments from the cleaned form."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "phone_number1": data["phone_number1"],
            "email": data.get("email") or None,
            "password": data.get("password1") or None,
            **{name: data.get(name) for name in PROFILE_FIELDS},
        }
