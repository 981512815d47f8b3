from decimal import Decimal

from django import forms
from django.utils import timezone

from billing.models import Invoice, Payment
from core.once import OnceForm
from members.models import Membership


class VoidForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Kept with the invoice and in the audit log.")


class UncollectibleForm(VoidForm):
    pass


def _amount(label: str) -> forms.DecimalField:
    return forms.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                              label=label)


def _day(label: str) -> forms.DateField:
    return forms.DateField(label=label, initial=timezone.localdate,
                           widget=forms.DateInput(attrs={"type": "date"}))


def _offline_method(label: str = "Method") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[(m, name) for m, name in Payment.Method.choices if m in Payment.OFFLINE],
        initial=Payment.Method.CHECK, label=label)


class PaymentForm(OnceForm):
    amount = _amount("Amount (USD)")
    received_on = _day("Received on")
    method = _offline_method()
    reference = forms.CharField(max_length=120, required=False,
                                help_text="Check number, transfer reference or PO number.")


class RefundForm(OnceForm):
    amount = _amount("Amount refunded (USD)")
    refunded_on = _day("Paid back on")
    method = _offline_method("Paid back by")
    reference = forms.CharField(max_length=120, required=False,
                                help_text="Check number or transfer reference.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="e.g. “Check recorded twice” or “Left early: year 2 "
                                       "refunded”. Kept in the invoice's history.")

class PaymentAddForm(PaymentForm):
    """Staff record a check or transfer by the invoice number written on it."""

    invoice_number = forms.CharField(max_length=20, label="Invoice number",
                                     help_text="As printed on the invoice, e.g. NCSUP-2027-0001.")
    field_order = ["invoice_number", "amount", "received_on", "method", "reference"]

    def clean_invoice_number(self):
        number = self.cleaned_data["invoice_number"].strip().upper()
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None:
            raise forms.ValidationError(f"No invoice is numbered {number}.")
        self.cleaned_data["invoice"] = invoice
        return number


class InvoiceIssueForm(OnceForm):
    COMMITMENT, EXTRA_SEATS = "commitment", "extra_seats"

    membership = forms.ModelChoiceField(queryset=Membership.objects.none())
    what = forms.ChoiceField(
        label="Invoice for",
        choices=[(COMMITMENT, "Commitment years that are due and not yet invoiced"),
                 (EXTRA_SEATS, "Extra improvement-team seats")],
        widget=forms.RadioSelect, initial=COMMITMENT,
    )
    seats = forms.IntegerField(min_value=1, required=False,
                               help_text="For extra seats only: they are added to the roster's "
                                         "covered seats and invoiced at the seat price.")
    reason = forms.CharField(max_length=200, required=False,
                             help_text="For extra seats: why, for the record (optional).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = (Membership.objects.filter(status__in=Membership.CURRENT)
                          .prefetch_related("institutions").order_by("pk"))
        field.label_from_instance = lambda m: (
            f"#{m.pk} {' + '.join(i.name for i in m.institutions.all())}")

    def clean(self):
        data = super().clean()
        if data.get("what") == self.EXTRA_SEATS and not data.get("seats"):
            self.add_error("seats", "How many extra seats?")
        return data
