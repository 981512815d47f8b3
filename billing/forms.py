from decimal import Decimal

from django import forms
from django.utils import timezone

from billing.models import Invoice, Payment
from core.once import OnceForm
from members.models import Membership, Tier


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


class PurchaseOrderForm(forms.Form):
    """The PO details of an open invoice. Fields are not stripped: the service says when a value
    is only spaces, rather than silently removing it."""

    po_number = forms.CharField(label="Purchase order number", required=False, strip=False,
                                help_text="As your purchasing office issued it, e.g. "
                                          "4500012345. Leave empty to remove it.")
    vendor_number = forms.CharField(label="Vendor number", required=False, strip=False,
                                    help_text="The number your purchasing system gave the "
                                              "Center as a vendor, if it asks for one.")
    ap_email = forms.EmailField(label="Accounts-payable email", required=False,
                                help_text="The new PDF goes there, and so do reminders.")


class StatementForm(forms.Form):
    membership = forms.TypedChoiceField(coerce=int, label="Membership")
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, memberships=(), **kwargs):
        """``memberships``: ``(id, "District + University")`` of each membership billed to the
        person; with only one, the field is hidden and set to it."""
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = list(memberships)
        if len(memberships) == 1:
            self.fields["membership"].widget = forms.HiddenInput()
            self.fields["membership"].initial = memberships[0][0]


class QuoteIssueForm(OnceForm):
    """Staff quote an institution that has not applied."""

    institutions = forms.CharField(max_length=450, label="Institutions",
                                   help_text="One, or a partnership: e.g. “Oxford School "
                                             "District + University of Mississippi”.")
    partnership = forms.BooleanField(required=False, label="An LEA-IHE partnership",
                                     help_text="Priced at the partnership fee.")
    tier = forms.ModelChoiceField(queryset=Tier.objects.order_by("position", "name"))
    prepared_for = forms.CharField(max_length=120, required=False, label="Attention of")
    prepared_for_email = forms.EmailField(required=False, label="Their email")
    prepared_for_address = forms.CharField(required=False, label="Their address",
                                           widget=forms.Textarea(attrs={"rows": 3}))


class BounceForm(OnceForm):
    address = forms.EmailField(label="Address that bounced")
    reason = forms.CharField(max_length=300, required=False,
                             help_text="What the mail server said, e.g. “550 5.1.1 user "
                                       "unknown”.")
