"""The instructor forms of the admin: one add form for the account and its profile
(saved together by ``users.services.instructor_create``), and the profile's change form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from users.models import CustomUser, Instructor

# The account's fields shown on the add form, as the account model labels and checks them.
ACCOUNT_FIELDS = ("first_name", "last_name", "phone_number1", "email")
PROFILE_FIELDS = ("kind", "bio", "fingerprint_id")


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
            someone = CustomUser(
                phone_number1=data.get("phone_number1"),
                first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "",
                email=data.get("email") or None,
            )
            try:
                password_validation.validate_password(first, someone)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

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
