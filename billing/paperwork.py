"""The purchasing office's paperwork: quotes, the Center's vendor forms, PO details on an open
invoice, payment terms, bounced accounts-payable addresses, and statements of account.

Services with rules, as in ``billing.services`` (which holds issuing, paying and voiding); this
module builds on it. PDFs and mail leave through ``billing.delivery``'s tasks after commit.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.html import strip_tags

from billing import delivery
from billing.models import (
    ZERO,
    EmailBounce,
    FeeSchedule,
    Invoice,
    InvoiceVersion,
    Payment,
    Quote,
    QuoteNumberCounter,
    Refund,
    fiscal_year_of,
)
from billing.services import _fees_on, _lock_invoice
from core.dates import day as format_day
from core.emails import email_queue
from core.money import format_usd, money
from core.statemachine import audit
from members.models import Membership, MembershipApplication, User

QUOTE_PREFIX = "Q"
# What a PO or vendor number may hold: letters, digits and the punctuation purchasing systems
# print (PO-2027/0042, 4500012345.01, #A-17). No markup, no control characters.
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/#:()-]*$")
REFERENCE_MAX = 60


# --- Quotes -------------------------------------------------------------------------------------

def quote_number_format(*, fiscal_year: int, sequence: int) -> str:
    """``Q-2027-0001``: never mistaken for an invoice number (``NCSUP-2027-0001``)."""
    return f"{QUOTE_PREFIX}-{fiscal_year}-{sequence:04d}"


def quote_number_next(*, fiscal_year: int) -> int:
    """The next quote number of a fiscal year; the counter stays locked until commit (gapless)."""
    QuoteNumberCounter.objects.bulk_create([QuoteNumberCounter(fiscal_year=fiscal_year)],
                                           ignore_conflicts=True)
    counter = QuoteNumberCounter.objects.select_for_update().get(fiscal_year=fiscal_year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _quote_create(*, fees: FeeSchedule, today: date, partnership: bool, **frozen) -> Quote:
    fiscal_year = fiscal_year_of(today)
    sequence = quote_number_next(fiscal_year=fiscal_year)
    annual = money(fees.partnership_fee if partnership else fees.institution_fee)
    quote = Quote.objects.create(
        number=quote_number_format(fiscal_year=fiscal_year, sequence=sequence),
        fiscal_year=fiscal_year, sequence=sequence, fee_schedule=fees, issue_date=today,
        valid_until=today + timedelta(days=settings.QUOTE_VALID_DAYS), partnership=partnership,
        annual_fee=annual, years=fees.commitment_years,
        total=money(annual * fees.commitment_years), **frozen)
    audit(quote, action="quote_issued", actor=frozen.get("issued_by"),
          reason=f"{quote.number} for {quote.institutions}: {format_usd(quote.total)}")
    delivery.quote_pdf_render_task.delay_on_commit(quote.pk)
    return quote


QUOTABLE = (MembershipApplication.Status.SUBMITTED, MembershipApplication.Status.WAITLISTED,
            MembershipApplication.Status.APPROVED)


@transaction.atomic
def quote_for_application(*, application: MembershipApplication,
                          today: date | None = None) -> Quote:
    """The quote of an application at the fee schedule in force today: made once, then the same
    one however often (or however simultaneously) it is asked for. A new fee schedule makes a
    new quote. Withdrawn and rejected applications get none."""
    today = today or timezone.localdate()
    locked = (MembershipApplication.objects.select_for_update(of=("self",))
              .select_related("requested_tier").get(pk=application.pk))
    if locked.status not in QUOTABLE:
        raise ValidationError(f"This application is {locked.get_status_display()}: it has no "
                              "quote. Apply again to get one.", code="not_quotable")
    fees = _fees_on(today)
    existing = Quote.objects.filter(application=locked, fee_schedule=fees).first()
    if existing is not None:
        return existing
    return _quote_create(
        fees=fees, today=today,
        partnership=locked.kind == MembershipApplication.Kind.PARTNERSHIP,
        application=locked, institutions=locked.display_name(),
        tier_name=locked.requested_tier.name, prepared_for=locked.billing_name,
        prepared_for_email=locked.billing_email, prepared_for_address=locked.billing_address,
        issued_by=None)


@transaction.atomic
def quote_issue(*, institutions: str, partnership: bool, tier_name: str, actor: User,
                prepared_for: str = "", prepared_for_email: str = "",
                prepared_for_address: str = "", today: date | None = None) -> Quote:
    """Staff quote an institution that has not applied (a purchasing office asked first)."""
    today = today or timezone.localdate()
    errors = {}
    if not strip_tags(institutions).strip() or "<" in institutions:
        errors["institutions"] = ["Name the institutions the quote is for, in plain text."]
    if not tier_name.strip():
        errors["tier_name"] = ["Choose the tier."]
    if errors:
        raise ValidationError(errors)
    return _quote_create(
        fees=_fees_on(today), today=today, partnership=partnership,
        institutions=institutions.strip(), tier_name=tier_name.strip(),
        prepared_for=prepared_for.strip(), prepared_for_email=prepared_for_email.strip(),
        prepared_for_address=prepared_for_address.strip(), issued_by=actor)


# --- PO details on an open invoice ----------------------------------------------------------------

def _reference_errors(value: str, label: str) -> list[str]:
    if value and not value.strip():
        return [f"A {label} of only spaces is not a {label}: type it, or leave the field "
                "empty to remove it."]
    value = value.strip()
    if len(value) > REFERENCE_MAX:
        return [f"A {label} is at most {REFERENCE_MAX} characters; this one has {len(value)}."]
    if value and not REFERENCE_RE.match(value):
        return [f"A {label} is letters, digits, spaces and . _ / # : ( ) - only, as your "
                "purchasing system prints it (no markup)."]
    return []


@transaction.atomic
def invoice_po_update(*, invoice: Invoice, po_number: str, vendor_number: str, ap_email: str,
                      actor: User | None) -> Invoice:
    """Enter or correct the PO number, vendor number and accounts-payable email on an invoice
    that is still owed. Its number, lines and amounts stay as issued; a new PDF version is made
    and sent to accounts payable, earlier PDFs stay on record, and Stripe's copy is updated.

    The invoice row is locked first: a payment recorded a moment earlier is seen, and the change
    is refused (nothing is lost: the payment stands, the form keeps what was typed)."""
    errors = {}
    for name, value, label in (("po_number", po_number, "PO number"),
                               ("vendor_number", vendor_number, "vendor number")):
        if found := _reference_errors(value, label):
            errors[name] = found
    ap_email = ap_email.strip()
    if len(ap_email) > 254:
        errors["ap_email"] = ["That address is too long to be an email address."]
    if errors:
        raise ValidationError(errors)
    po_number, vendor_number = po_number.strip(), vendor_number.strip()
    locked = _lock_invoice(invoice)
    if locked.status not in Invoice.PAYABLE:
        state = "paid" if locked.status == Invoice.Status.PAID else locked.get_status_display()
        raise ValidationError(f"{locked} is {state}: its purchasing details can no longer "
                              "change. Nothing was changed.", code="not_open")
    if (locked.po_number, locked.vendor_number, locked.ap_email) == (po_number, vendor_number,
                                                                      ap_email):
        return locked
    if locked.pdf_path:
        InvoiceVersion.objects.create(
            invoice=locked, version=locked.version, pdf_path=locked.pdf_path,
            po_number=locked.po_number, vendor_number=locked.vendor_number,
            ap_email=locked.ap_email,
            replaced_by=actor if actor is not None and actor.is_authenticated else None)
    changes = [f"{label}: {old or '—'} → {new or '—'}" for label, old, new in (
        ("PO number", locked.po_number, po_number),
        ("vendor number", locked.vendor_number, vendor_number),
        ("AP email", locked.ap_email, ap_email)) if old != new]
    locked.po_number, locked.vendor_number, locked.ap_email = po_number, vendor_number, ap_email
    locked.version += 1
    locked.pdf_path = ""
    locked.save(update_fields=["po_number", "vendor_number", "ap_email", "version", "pdf_path",
                               "updated_at"])
    audit(locked, action="po_details", actor=actor,
          reason=f"Version {locked.version}: " + "; ".join(changes))
    delivery.invoice_revision_deliver.delay_on_commit(locked.pk, locked.version)
    return locked


# --- Terms, scheduled issue and bounces -----------------------------------------------------------

@transaction.atomic
def bounce_record(*, address: str, reason: str = "", source: str = "admin") -> EmailBounce:
    """A permanent bounce: billing mail stops going to the address (the membership's other
    addresses still get it) and staff are told once, with the memberships it belongs to."""
    address = address.strip().lower()
    if not address or "@" not in address:
        raise ValidationError({"address": ["Enter the email address that bounced."]})
    bounce, created = EmailBounce.objects.get_or_create(
        address=address, defaults={"reason": reason.strip()[:300], "source": source[:40]})
    if created:
        invoices = list(Invoice.objects.filter(
            Q(ap_email__iexact=address) | Q(bill_to_email__iexact=address)
            | Q(membership__billing_contacts__email__iexact=address)
            | Q(membership__billing_contacts__user__email__iexact=address),
            status__in=Invoice.PAYABLE).distinct().order_by("pk")[:20])
        audit(bounce, action="email_bounced", reason=f"{address}: {bounce.reason}")
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        email_queue(key=f"email-bounced:{digest}", to=settings.CENTER_STAFF_EMAIL,
                    template="billing_email_bounced",
                    context={"bounce": bounce, "invoices": invoices})
    return bounce


# --- Statements of account ----------------------------------------------------------------------

@dataclass
class StatementRow:
    day: date
    description: str
    charge: Decimal = ZERO
    credit: Decimal = ZERO
    balance: Decimal = ZERO


@dataclass
class Statement:
    membership: Membership
    institutions: str
    start: date
    end: date
    opening: Decimal = ZERO
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    refunded: Decimal = ZERO
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return money(self.opening + self.invoiced - self.paid + self.refunded)


STATEMENT_MAX_DAYS = 366 * 5


def statement_range_errors(start: date | None, end: date | None) -> dict[str, list[str]]:
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if start and end and start > end:
        errors["end"] = ["The end is on or after the start."]
    elif start and end and (end - start).days > STATEMENT_MAX_DAYS:
        errors["end"] = ["A statement covers at most five years; choose a shorter range."]
    if start and start > today:
        errors["start"] = ["The start cannot be in the future."]
    return errors


def statement_of(*, membership: Membership, start: date, end: date) -> Statement:
    """Every invoice (not void), payment and refund of a membership between two days (both
    included), with the balance brought forward and after each. A fixed number of queries."""
    if errors := statement_range_errors(start, end):
        raise ValidationError(errors)
    invoices = Invoice.objects.issued().exclude(status=Invoice.Status.VOID).filter(
        membership=membership)
    payments = Payment.objects.filter(invoice__in=invoices).select_related("invoice")
    refunds = Refund.objects.filter(invoice__in=invoices).select_related("invoice")

    def total(queryset, day_field, before):
        return money(queryset.filter(**{f"{day_field}__lt": before}).aggregate(
            s=Sum("total" if queryset.model is Invoice else "amount"))["s"] or 0)

    statement = Statement(membership=membership, start=start, end=end,
                          institutions=" + ".join(i.name for i in membership.institutions.all()))
    statement.opening = money(total(invoices, "issue_date", start)
                              - total(payments, "received_on", start)
                              + total(refunds, "refunded_on", start))
    rows = [StatementRow(i.issue_date, f"Invoice {i.number}: {i.summary}"
                         + (f" (PO {i.po_number})" if i.po_number else ""), charge=i.total)
            for i in invoices.filter(issue_date__range=(start, end))]
    rows += [StatementRow(p.received_on, f"Payment, {p.get_method_display()}"
                          + (f" {p.reference}" if p.reference else "")
                          + f", on {p.invoice.number}", credit=p.amount)
             for p in payments.filter(received_on__range=(start, end))]
    rows += [StatementRow(r.refunded_on, f"Refund, {r.get_method_display()}, on "
                          f"{r.invoice.number}", charge=r.amount)
             for r in refunds.filter(refunded_on__range=(start, end))]
    rows.sort(key=lambda row: (row.day, row.credit > 0))
    balance = statement.opening
    for row in rows:
        balance = money(balance + row.charge - row.credit)
        row.balance = balance
    statement.rows = rows
    statement.invoiced = money(sum((r.charge for r in rows if r.description.startswith(
        "Invoice")), ZERO))
    statement.refunded = money(sum((r.charge for r in rows if r.description.startswith(
        "Refund")), ZERO))
    statement.paid = money(sum((r.credit for r in rows), ZERO))
    return statement


def receipt_number(payment: Payment) -> str:
    return f"R-{payment.invoice.number}-{payment.pk}"


def describe_period(start: date, end: date) -> str:
    return f"{format_day(start)} to {format_day(end)}"
