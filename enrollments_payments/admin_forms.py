"""The forms and the wording of the staff's money pages (``enrollments_payments.admin``).

Amounts read ``250.00 ج.م`` (two places, a dot, as typed in the inputs); times are Cairo's,
to the minute. A balance is said in words instead of a signed number: a negative balance
(the family paid more than a discounted price, say) is money the center holds for the
family, and a minus sign in right-to-left text is easily read as a debt.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.display import money_text
from core.serializers import ARABIC_INDIC_DIGITS, MONEY_PATTERN
from core.spreadsheets import Figure, html_figure
from enrollments_payments import rules, selectors
from enrollments_payments.models import Enrollment, EnrollmentStatus, Payment

REASON_MAX_LENGTH = 2000


def balance_of(enrollment: Enrollment) -> Decimal:
    """The balance of an enrollment annotated by ``selectors.with_money``."""
    return rules.balance(
        price=enrollment.price,
        paid=enrollment.amount_paid,
        refunded=enrollment.amount_refunded,
        refunded_in_full=enrollment.status == EnrollmentStatus.REFUNDED,
    )


def balance_text(balance: Decimal) -> str:
    """What is left, in words: due from the family, credit held for it, or nothing (an
    export writes the signed balance: positive due, negative credit)."""
    if balance > 0:
        text = gettext("%(amount)s due from the family") % {"amount": money_text(balance)}
    elif balance < 0:
        text = gettext("%(amount)s credit for the family") % {"amount": money_text(-balance)}
    else:
        text = gettext("nothing due (%(amount)s)") % {"amount": money_text(balance)}
    return Figure(text, balance)


def balance_short(balance: Decimal) -> str:
    """The balance in a list's narrow column, in the same words."""
    if balance > 0:
        text = gettext("due %(amount)s") % {"amount": money_text(balance)}
    elif balance < 0:
        text = gettext("credit %(amount)s") % {"amount": money_text(-balance)}
    else:
        text = money_text(balance)
    return Figure(text, balance)


def nowrap(text: str) -> str:
    """A cell of a list that keeps its amount and currency on one line (an export still
    writes the amount as a number)."""
    return html_figure(format_html('<span style="white-space: nowrap">{}</span>', text), text)


def enrollment_with_money(pk: object) -> Enrollment | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return selectors.with_money(Enrollment.objects.filter(pk=pk)).first()


def balance_hint(enrollment: Enrollment | None) -> str:
    """The sentence under the enrollment input of the payment form, which the page's
    script (payment_balance.js) replaces when another enrollment is chosen."""
    if enrollment is None:
        text = gettext("Choose the enrollment to see its balance.")
    else:
        text = gettext("Balance: %(balance)s") % {"balance": balance_text(balance_of(enrollment))}
    return format_html(
        '<span id="enrollment-balance" data-url="{}">{}</span>',
        reverse("admin:enrollments_payments_payment_balance"),
        text,
    )


class MinuteSplitDateTime(widgets.AdminSplitDateTime):
    """The admin's date and time inputs, the time to the minute (``16:00``)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.widgets[1] = widgets.AdminTimeWidget(format="%H:%M")


# Amounts typed on an Arabic keyboard ("٢٥٠٫٥٠") read as "250.50", as in the API.
_TO_ASCII = str.maketrans({**{d: str(i) for i, d in enumerate(ARABIC_INDIC_DIGITS)}, "٫": "."})


class AmountField(forms.DecimalField):
    """The amount input: a text box (a number box refuses Arabic-Indic digits) that takes
    ASCII or Arabic-Indic digits and the Arabic decimal separator."""

    widget = forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal", "class": "vTextField"})

    default_error_messages = {
        "invalid": _("Write the amount in digits with at most two decimals, e.g. 350 or 350.50."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            # The API's pattern: no sign, no exponent ("1e3"), no thousands separator.
            if value and not re.fullmatch(MONEY_PATTERN, value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = value.translate(_TO_ASCII)
        return super().to_python(value)


class PaymentAddForm(forms.ModelForm):
    """Money received. The overpayment rule is the service's (``payment_exceeds_balance``):
    the box only passes the staff member's confirmation on to it."""

    allow_overpayment = forms.BooleanField(
        label=_("Confirm overpayment"),
        required=False,
        help_text=_(
            "Tick it to take more than the enrollment's balance (an advance, for instance); "
            "without it such a payment is refused."
        ),
    )

    class Meta:
        model = Payment
        fields = ("enrollment", "amount", "method", "reference", "paid_at")
        widgets = {"paid_at": MinuteSplitDateTime()}
        field_classes = {"amount": AmountField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("enrollment")
        if field is not None:
            chosen = (
                self.data.get("enrollment") if self.is_bound else self.initial.get("enrollment")
            )
            field.help_text = balance_hint(enrollment_with_money(getattr(chosen, "pk", chosen)))


class ReasonForm(forms.Form):
    """The reason that voiding a payment or rejecting a request asks for."""

    reason = forms.CharField(
        label=_("reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": _("Write the reason.")},
    )


class VoidForm(ReasonForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = Payment._meta.get_field("void_reason").verbose_name
