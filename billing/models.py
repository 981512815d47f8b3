"""What members owe and what they paid.

An issued invoice is a frozen record: it copies the bill-to, the PO number and its line texts at
issue, and is never edited or deleted afterwards (corrections void it). Its balance and whether it
is partially paid are derived from its ``Payment`` rows, never stored.
"""

import functools
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.dates import day
from core.models import TimeStampedModel
from core.money import money

MONEY = {"max_digits": 10, "decimal_places": 2}
ZERO = Decimal("0.00")


def fiscal_year_of(day: date) -> int:
    """The University of Mississippi's fiscal year, which runs July to June.

    A fiscal year is named by the calendar year in which it ends: FY2027 runs from 1 July 2026 to
    30 June 2027, so an invoice issued on 2026-07-01 is numbered ``NCSUP-2027-0001``.
    """
    return day.year + 1 if day.month >= 7 else day.year


class FeeScheduleQuerySet(models.QuerySet):
    def in_force(self, on=None):
        """The schedule in force on a day: the latest one that took effect by then."""
        on = on or timezone.localdate()
        return self.filter(effective_from__lte=on).order_by("-effective_from").first()


class FeeSchedule(TimeStampedModel):
    """What membership costs from a date on. Invoices price from the one in force on issue."""

    effective_from = models.DateField(unique=True)
    institution_fee = models.DecimalField(
        "annual fee per institution", max_digits=10, decimal_places=2
    )
    partnership_fee = models.DecimalField(
        "annual fee per LEA-IHE partnership", max_digits=10, decimal_places=2
    )
    extra_seat_fee = models.DecimalField(
        "annual price of an extra seat", max_digits=10, decimal_places=2
    )
    commitment_years = models.PositiveSmallIntegerField(default=2)
    net_days = models.PositiveSmallIntegerField("payment terms (days)", default=30)

    objects = FeeScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(institution_fee__gte=0, partnership_fee__gte=0,
                                   extra_seat_fee__gte=0),
                name="fee_schedule_fees_not_negative",
            ),
        ]

    def __str__(self):
        return f"Fees from {day(self.effective_from)}"


class InvoiceNumberCounter(models.Model):
    """The last invoice number used in a fiscal year.

    The issuing transaction locks this row (``select_for_update``) and increments it, so numbers
    are sequential and gapless per fiscal year: a rolled-back issue rolls the counter back too.
    """

    fiscal_year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-fiscal_year"]

    def __str__(self):
        return f"FY{self.fiscal_year}: {self.last_number}"


@functools.cache
def _balance_expressions():
    """``with_balance``'s two expressions, built once: building them costs ~2,000 function
    calls, and an expression is never changed by a query using it (``annotate`` resolves a
    copy), so every list that shows balances shares the one pair."""
    output = DecimalField(**MONEY)

    def total_of(model):
        return Coalesce(Subquery(
            model.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice")
            .annotate(s=Sum("amount")).values("s"), output_field=output),
            Value(ZERO), output_field=output)

    return (ExpressionWrapper(total_of(Payment) - total_of(Refund), output_field=output),
            ExpressionWrapper(F("total") - F("paid_total"), output_field=output))


class InvoiceQuerySet(models.QuerySet):
    def with_balance(self):
        """Annotate ``paid_total`` (payments less refunds) and ``balance_due``, in one query.

        A subquery rather than a join, so that search joins and pagination never multiply sums.
        """
        paid_total, balance_due = _balance_expressions()
        return self.annotate(paid_total=paid_total).annotate(balance_due=balance_due)

    def issued(self):
        return self.exclude(status=Invoice.Status.DRAFT)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(status=Invoice.Status.OPEN, due_date__lt=today)


class Invoice(TimeStampedModel):
    """A bill to one membership, numbered at issue (``NCSUP-2027-0001``).

    Drafts exist only inside the issuing transaction: ``billing.services`` creates the draft,
    its lines and its number together and opens it before committing.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        OPEN = "open", "open"
        PAID = "paid", "paid"
        VOID = "void", "void"
        UNCOLLECTIBLE = "uncollectible", "uncollectible"

    TRANSITIONS = {
        Status.DRAFT: {Status.OPEN, Status.VOID},
        Status.OPEN: {Status.PAID, Status.VOID, Status.UNCOLLECTIBLE},
        Status.PAID: {Status.OPEN},  # a refund: the balance is due again (or the invoice voided)
        Status.UNCOLLECTIBLE: {Status.PAID, Status.VOID},
    }
    PAYABLE = (Status.OPEN, Status.UNCOLLECTIBLE)

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", "annual membership (commitment year)"
        EXTRA_SEATS = "extra_seats", "extra team seats"

    membership = models.ForeignKey(
        "members.Membership", on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.COMMITMENT)
    commitment_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 for the first year of the commitment, 2 for the next."
    )
    status = models.CharField(max_length=13, choices=Status, default=Status.DRAFT, db_index=True)

    # Assigned at issue.
    number = models.CharField(max_length=20, blank=True, default="")
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    net_days = models.PositiveSmallIntegerField("payment terms (days)", default=30)
    total = models.DecimalField(**MONEY, default=ZERO)

    # Frozen at issue: copied from the membership's application, never read back from it.
    bill_to_name = models.CharField("bill to", max_length=120, blank=True)
    bill_to_email = models.EmailField("billing email", blank=True)
    bill_to_address = models.TextField("billing address", blank=True)
    bill_to_institutions = models.CharField("institutions", max_length=450, blank=True)
    po_number = models.CharField("purchase order number", max_length=60, blank=True)
    vendor_number = models.CharField(
        "vendor number", max_length=60, blank=True,
        help_text="The number the member's purchasing office gave the Center as a vendor.")
    ap_email = models.EmailField("accounts-payable email", blank=True)
    version = models.PositiveSmallIntegerField(
        default=1, help_text="Raised each time the PO details change and a new PDF is made.")

    open_at = models.DateTimeField("issued at", null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    void_at = models.DateTimeField("voided at", null=True, blank=True)
    uncollectible_at = models.DateTimeField("marked uncollectible at", null=True, blank=True)
    void_reason = models.TextField(blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Documents and delivery: the PDF sits in default_storage under an unguessable name.
    pdf_path = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    # Stripe, when keys are set.
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    hosted_invoice_url = models.URLField(max_length=500, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-sequence", "-id"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # Staff's invoice list pages through every invoice in this order.
            models.Index(fields=["-issue_date", "-sequence", "-id"], name="invoice_newest_first"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""),
                                    name="invoice_number_unique"),
            models.UniqueConstraint(fields=["fiscal_year", "sequence"],
                                    name="invoice_sequence_unique_per_fiscal_year"),
            models.UniqueConstraint(fields=["stripe_invoice_id"],
                                    condition=~Q(stripe_invoice_id=""),
                                    name="invoice_stripe_invoice_unique"),
            # A double click or two workers can never bill the same commitment year twice.
            models.UniqueConstraint(
                fields=["membership", "commitment_year"], condition=Q(kind="commitment"),
                name="invoice_one_per_membership_commitment_year",
                violation_error_message="This commitment year is already invoiced.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="commitment", commitment_year__gte=1)
                           | (~Q(kind="commitment") & Q(commitment_year__isnull=True))),
                name="invoice_commitment_year_iff_commitment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "void"]) | (~Q(number="")
                                                             & Q(issue_date__isnull=False,
                                                                 due_date__isnull=False,
                                                                 fiscal_year__isnull=False,
                                                                 sequence__isnull=False)),
                name="invoice_issued_has_number_and_dates",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
        ]

    def __str__(self):
        return self.number or f"Draft invoice #{self.pk}"

    @property
    def is_editable_by_member(self) -> bool:
        """May the billing contact still change the PO details? Only while money is owed."""
        return self.status == self.Status.OPEN

    @property
    def amount_paid(self) -> Decimal:
        """Money received less money refunded."""
        if hasattr(self, "paid_total"):
            return money(self.paid_total or 0)
        received = self.payments.aggregate(s=Sum("amount"))["s"] or 0
        return money(received - (self.refunds.aggregate(s=Sum("amount"))["s"] or 0))

    @property
    def balance(self) -> Decimal:
        return money(self.total - self.amount_paid)

    @property
    def is_partially_paid(self) -> bool:
        return self.status in self.PAYABLE and ZERO < self.amount_paid < self.total

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (self.status == self.Status.OPEN and self.due_date is not None
                and self.due_date < today)

    @property
    def display_status(self) -> tuple[str, str]:
        """(css key, label) for people: overdue and partially paid are derived, not stored."""
        return invoice_display_status(status=self.status, due_date=self.due_date,
                                      total=self.total, amount_paid=self.amount_paid)

    @property
    def summary(self) -> str:
        return invoice_summary(kind=self.kind, commitment_year=self.commitment_year)

    @property
    def can_be_paid_online(self) -> bool:
        return invoice_payable_online(status=self.status,
                                      hosted_invoice_url=self.hosted_invoice_url,
                                      amount_paid=self.amount_paid)

    @property
    def pdf_filename(self) -> str:
        return f"{self.number or f'invoice-{self.pk}'}.pdf"


class InvoiceLine(models.Model):
    """One line of an invoice; its text and price are copied at issue."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=500)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0, amount__gte=0),
                                   name="invoice_line_not_negative"),
        ]

    def __str__(self):
        return self.description


class Payment(models.Model):
    """Money received against one invoice. Never edited or deleted; a mistake is a ``Refund``."""

    class Method(models.TextChoices):
        STRIPE = "stripe", "online (Stripe)"
        CHECK = "check", "check"
        ACH = "ach", "ACH transfer"
        WIRE = "wire", "wire transfer"
        PO = "po", "purchase order"

    OFFLINE = (Method.CHECK, Method.ACH, Method.WIRE, Method.PO)

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    received_on = models.DateField()
    method = models.CharField(max_length=6, choices=Method)
    reference = models.CharField(
        max_length=120, blank=True, help_text="Check number, transfer reference or PO number."
    )
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    stripe_payment_id = models.CharField(
        max_length=255, blank=True, help_text="The Stripe payment intent or charge."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # One Stripe invoice is paid once: a replayed webhook cannot record it again.
            models.UniqueConstraint(fields=["stripe_invoice_id"],
                                    condition=~Q(stripe_invoice_id=""),
                                    name="payment_stripe_invoice_unique"),
            models.UniqueConstraint(fields=["stripe_payment_id"],
                                    condition=~Q(stripe_payment_id=""),
                                    name="payment_stripe_payment_unique"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} on {self.received_on}"


class Refund(models.Model):
    """Money paid back on an invoice, by check or transfer. Never edited or deleted.

    The invoice's balance is its total less payments plus refunds. Money paid online is refunded
    in Stripe, not here (see ``billing.services.refund_record``).
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    refunded_on = models.DateField()
    method = models.CharField(max_length=6, choices=Payment.Method)
    reference = models.CharField(max_length=120, blank=True,
                                 help_text="Check number or transfer reference.")
    reason = models.TextField()
    # The refund form's one-time key: a double-click or a resubmitted form records one refund.
    request_key = models.CharField(max_length=64, unique=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-refunded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"Refund {self.amount} by {self.get_method_display()} on {self.refunded_on}"


class StripeEvent(models.Model):
    """A Stripe webhook event we have processed; the unique id makes processing happen once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class ReminderLog(models.Model):
    """A reminder sent for an invoice. Each kind goes once per invoice, however often jobs run."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_7", "due in 7 days"
        OVERDUE_1 = "overdue_1", "1 day overdue"
        OVERDUE_14 = "overdue_14", "14 days overdue"
        OVERDUE_30 = "overdue_30", "30 days overdue"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="reminder_once_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.invoice}"


# --- Purchasing paperwork: quotes, vendor documents, PO updates, terms, bounces ----------------

class QuoteNumberCounter(models.Model):
    """The last quote number used in a fiscal year: quotes have their own gapless series
    (``Q-2027-0001``), locked and incremented like ``InvoiceNumberCounter``."""

    fiscal_year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-fiscal_year"]

    def __str__(self):
        return f"Quotes FY{self.fiscal_year}: {self.last_number}"


class Quote(TimeStampedModel):
    """What a membership will cost, for a purchasing office to raise a purchase order against.

    Never an invoice: its own number series, no balance, no payments. Frozen when issued, like an
    invoice. One per application per fee schedule (asking again returns it); staff may issue one
    for an institution that has not applied (no application).
    """

    number = models.CharField(max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    application = models.ForeignKey("members.MembershipApplication", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="quotes")
    fee_schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="+")
    issue_date = models.DateField()
    valid_until = models.DateField()
    # Frozen at issue.
    institutions = models.CharField(max_length=450)
    partnership = models.BooleanField(default=False)
    tier_name = models.CharField("tier", max_length=80)
    prepared_for = models.CharField(max_length=120, blank=True)
    prepared_for_email = models.EmailField(blank=True)
    prepared_for_address = models.TextField(blank=True)
    annual_fee = models.DecimalField(**MONEY)
    years = models.PositiveSmallIntegerField()
    total = models.DecimalField(**MONEY)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    pdf_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issue_date", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "sequence"],
                                    name="quote_sequence_unique_per_fiscal_year"),
            # Asked for twice at once, an application still gets one quote per fee schedule.
            models.UniqueConstraint(fields=["application", "fee_schedule"],
                                    condition=Q(application__isnull=False),
                                    name="quote_one_per_application_fee_schedule"),
            models.CheckConstraint(condition=Q(total__gte=0, annual_fee__gte=0, years__gte=1),
                                   name="quote_amounts_sane"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("issue_date")),
                                   name="quote_valid_after_issue"),
        ]

    def __str__(self):
        return self.number

    @property
    def pdf_filename(self) -> str:
        return f"{self.number}-quote.pdf"

    def year_rows(self) -> list[tuple[int, Decimal]]:
        return [(year, self.annual_fee) for year in range(1, self.years + 1)]


class VendorDocument(TimeStampedModel):
    """A form a purchasing office asks for before it pays a new vendor (the Center's W-9, a
    sole-source letter, ACH instructions). Members are offered the current one of each kind:
    the latest that has taken effect. Older ones stay on record."""

    class Kind(models.TextChoices):
        W9 = "w9", "W-9 (taxpayer identification)"
        SOLE_SOURCE = "sole_source", "sole-source letter"
        ACH = "ach", "ACH instructions"
        OTHER = "other", "other vendor form"

    kind = models.CharField(max_length=12, choices=Kind)
    title = models.CharField(max_length=120, help_text="As members see it, e.g. “W-9, 2027”.")
    file = models.FileField(upload_to="vendor-documents/%Y/", help_text="A PDF.",
                            validators=[FileExtensionValidator(["pdf"])])
    effective_from = models.DateField(help_text="Offered to members from this day, until a "
                                                "newer one of the same kind takes effect.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "-effective_from", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"],
                                               name="vendor_document_one_per_kind_per_day")]

    def __str__(self):
        return f"{self.title} ({self.get_kind_display()}, from {day(self.effective_from)})"

    @property
    def download_name(self) -> str:
        return f"NCSUP-{self.kind}-{self.effective_from.isoformat()}.pdf"


class InvoiceVersion(models.Model):
    """An earlier PDF of an invoice, kept when its PO details changed and a new one was made.
    The number, lines and amounts never change; only the purchasing details printed on it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    pdf_path = models.CharField(max_length=300)
    po_number = models.CharField("purchase order number", max_length=60, blank=True)
    vendor_number = models.CharField(max_length=60, blank=True)
    ap_email = models.EmailField("accounts-payable email", blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["invoice", "-version"]
        constraints = [models.UniqueConstraint(fields=["invoice", "version"],
                                               name="invoice_version_unique")]

    def __str__(self):
        return f"{self.invoice} version {self.version}"


class BillingTerms(TimeStampedModel):
    """How one applicant's membership is billed: payment terms, the accounts-payable address and,
    for districts that need an invoice inside their new fiscal year, the day from which its
    commitment invoices may be issued. Keyed by application so staff can set it before approval.
    """

    class Net(models.IntegerChoices):
        NET_30 = 30, "net 30"
        NET_45 = 45, "net 45"
        NET_60 = 60, "net 60"

    application = models.OneToOneField("members.MembershipApplication", on_delete=models.CASCADE,
                                       related_name="billing_terms")
    net_days = models.PositiveSmallIntegerField("payment terms", choices=Net, default=Net.NET_30)
    ap_email = models.EmailField(
        "accounts-payable email", blank=True,
        help_text="Gets every invoice and reminder, besides the billing contacts.")
    issue_on = models.DateField(
        "issue invoices from", null=True, blank=True,
        help_text="Commitment invoices due before this day wait for it; the daily job issues "
                  "them that morning (e.g. 1 July, the start of a district's fiscal year).")

    class Meta:
        verbose_name_plural = "billing terms"
        constraints = [models.CheckConstraint(condition=Q(net_days__in=[30, 45, 60]),
                                              name="billing_terms_net_days")]

    def __str__(self):
        return f"Net {self.net_days} for {self.application}"


class EmailBounce(models.Model):
    """An address that bounced permanently. Billing mail skips it while the membership has
    another address; staff are told once."""

    address = models.EmailField(unique=True)
    reason = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=40, default="admin",
                              help_text="admin, or the mail provider's webhook")
    bounced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-bounced_at"]

    def __str__(self):
        return self.address


# What an invoice says about itself, from its values alone: its properties read these, and so do
# lists that read invoices as values (staff's list, the billing page) rather than as instances.
_STATUS_LABELS = dict(Invoice.Status.choices)
_KIND_LABELS = dict(Invoice.Kind.choices)


def invoice_summary(*, kind: str, commitment_year: int | None) -> str:
    """What the invoice is for: "Membership, year 2", "Extra team seats"."""
    if kind == Invoice.Kind.COMMITMENT:
        return f"Membership, year {commitment_year}"
    return str(_KIND_LABELS.get(kind, kind)).capitalize()


def invoice_payable_online(*, status: str, hosted_invoice_url: str,
                           amount_paid: Decimal) -> bool:
    """Stripe's hosted page asks for the full total, so it is offered only while nothing has
    been paid offline; a part-paid invoice is settled by check or transfer."""
    return status in Invoice.PAYABLE and bool(hosted_invoice_url) and amount_paid == ZERO


def invoice_display_status(*, status: str, due_date: date | None, total: Decimal,
                           amount_paid: Decimal, today: date | None = None) -> tuple[str, str]:
    """``Invoice.display_status`` from the values alone, for lists read as values (one
    ``today`` for every row): overdue first (open and past its due date), then partially paid
    (owed, some but not all of it paid), else the stored status."""
    if status == Invoice.Status.OPEN and due_date is not None and due_date < (
            today or timezone.localdate()):
        return "overdue", "overdue"
    if status in Invoice.PAYABLE and ZERO < amount_paid < total:
        return "open", "partially paid"
    return status, _STATUS_LABELS.get(status, status)
