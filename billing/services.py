"""Every write about invoices and payments that has a rule.

Locks follow one order, parents first: membership, then invoice, then the number counter. Stripe
is never called from inside these transactions; tasks call it after commit.

Why one module of this size (about 570 lines): issuing, paying, refunding and voiding share the
invoice lock and the money rules; delivery (PDF, Stripe, email) lives in billing/delivery.py and
the commitment maths in billing/terms.py.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import ngettext

from billing import delivery, stripe_gateway

# The after-commit half of issuing lives in billing.delivery (its tasks cannot import this
# module back); its services are re-exported here, with the rest of billing's writes.
from billing.delivery import _email_billing_contacts
from billing.delivery import invoice_email_queue as invoice_email_queue
from billing.delivery import invoice_pdf_store as invoice_pdf_store
from billing.delivery import invoice_stripe_push as invoice_stripe_push
from billing.delivery import invoice_stripe_sync as invoice_stripe_sync
from billing.models import (
    ZERO,
    BillingTerms,
    FeeSchedule,
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    Payment,
    Refund,
    ReminderLog,
    StripeEvent,
    fiscal_year_of,
)
from billing.remittance import payment_details
from billing.signals import invoice_paid
from billing.stripe_gateway import StripeInvoiceState
from billing.terms import commitment_year_start, commitment_years_in_term
from core.dates import day as format_day
from core.money import format_usd, money
from core.statemachine import audit, transition
from members import services as member_services
from members.models import Membership, MembershipApplication, Tier, User

logger = logging.getLogger(__name__)


NUMBER_PREFIX = "NCSUP"
# A check or purchase-order payment can arrive before its invoice is issued (a district pays
# ahead from a quote); never earlier than this. Later than today it cannot be.
EARLY_PAYMENT_DAYS = 60


def invoice_number_format(*, fiscal_year: int, sequence: int) -> str:
    """The printed number of an invoice: ``NCSUP-2027-0001`` (the fiscal year, then the year's
    gapless sequence). The one place the format is written; bulk loaders use it too."""
    return f"{NUMBER_PREFIX}-{fiscal_year}-{sequence:04d}"


@dataclass(frozen=True)
class LineData:
    description: str
    unit_price: Decimal
    quantity: int = 1

    @property
    def amount(self) -> Decimal:
        return money(money(self.unit_price) * self.quantity)


def _enqueue(task, *args) -> None:
    """Run a delivery task (billing.delivery) once the surrounding transaction commits."""
    task.delay_on_commit(*args)


def _fees_on(day: date) -> FeeSchedule:
    fees = FeeSchedule.objects.in_force(on=day)
    if fees is None:
        raise ValidationError(f"No fee schedule is in force on {format_day(day)}; add one in "
                              "admin.", code="no_fee_schedule")
    return fees


def _lock_membership(membership: Membership) -> Membership:
    return (Membership.objects.select_for_update(of=("self",)).select_related("application", "tier")
            .get(pk=membership.pk))


def _lock_membership_to_invoice(membership: Membership) -> Membership:
    """Lock a membership that is to be invoiced; one that is no longer current is refused."""
    locked = _lock_membership(membership)
    if locked.status not in Membership.CURRENT:
        raise ValidationError(f"{locked} is {locked.get_status_display()}: nothing to invoice.",
                              code="membership_not_current")
    return locked


# --- Terms ---------------------------------------------------------------------------------------

def terms_of(application_id: int) -> BillingTerms | None:
    """Staff's billing terms for an application's membership (net days, AP email, issue day)."""
    return BillingTerms.objects.filter(application_id=application_id).first()


def issue_waits(membership: Membership, *, today: date) -> bool:
    """Has staff scheduled this membership's invoices for a later day (a district's new fiscal
    year)? The daily job issues them on that day."""
    terms = terms_of(membership.application_id)
    return bool(terms and terms.issue_on and today < terms.issue_on)


# --- Commitment years ---------------------------------------------------------------------------

def commitment_years_due(membership: Membership, *, today: date, lead_days: int) -> list[int]:
    """Year 1 is due on approval; each later year ``lead_days`` before its anniversary."""
    return [
        year for year in range(1, commitment_years_in_term(membership) + 1)
        if year == 1
        or commitment_year_start(membership, year) - timedelta(days=lead_days) <= today
    ]


# --- Issuing -----------------------------------------------------------------------------------

def invoice_number_next(*, fiscal_year: int) -> int:
    """The next number of a fiscal year. Call inside the issuing transaction: the counter row
    stays locked until it commits, so concurrent issues wait and numbers have no gaps."""
    InvoiceNumberCounter.objects.bulk_create(
        [InvoiceNumberCounter(fiscal_year=fiscal_year)], ignore_conflicts=True
    )
    counter = InvoiceNumberCounter.objects.select_for_update().get(fiscal_year=fiscal_year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _invoice_create(
    *,
    membership: Membership,
    kind: str,
    lines: list[LineData],
    fees: FeeSchedule,
    issue_date: date,
    commitment_year: int | None = None,
    actor: User | None = None,
) -> Invoice:
    """Create, number and open an invoice in the caller's transaction; deliver after commit."""
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    application = membership.application
    terms = terms_of(application.pk)
    net_days = terms.net_days if terms is not None else fees.net_days
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                membership=membership,
                kind=kind,
                commitment_year=commitment_year,
                status=Invoice.Status.DRAFT,
                net_days=net_days,
                bill_to_name=application.billing_name,
                bill_to_email=application.billing_email,
                bill_to_address=application.billing_address,
                bill_to_institutions=" + ".join(i.name for i in membership.institutions.all()),
                po_number=application.po_number,
                ap_email=terms.ap_email if terms is not None else "",
                issued_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError as error:
        raise ValidationError("This commitment year is already invoiced.",
                              code="duplicate") from error
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, position=position, description=line.description,
                    quantity=line.quantity, unit_price=money(line.unit_price),
                    amount=line.amount)
        for position, line in enumerate(lines, start=1)
    ])
    fiscal_year = fiscal_year_of(issue_date)
    sequence = invoice_number_next(fiscal_year=fiscal_year)
    invoice.total = money(sum((line.amount for line in lines), ZERO))
    invoice.fiscal_year = fiscal_year
    invoice.sequence = sequence
    invoice.number = invoice_number_format(fiscal_year=fiscal_year, sequence=sequence)
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + timedelta(days=net_days)
    invoice.save(update_fields=["total", "fiscal_year", "sequence", "number", "issue_date",
                                "due_date", "updated_at"])
    invoice, _ = transition(invoice, Invoice.Status.OPEN, actor=actor,
                            reason=f"Issued {invoice.number} for {format_usd(invoice.total)}")
    _enqueue(delivery.invoice_deliver, invoice.pk)
    return invoice


def dues_line(*, membership: Membership, year: int, years: int, fees: FeeSchedule) -> LineData:
    """The invoice line of commitment ``year`` of ``years``: its dates and the fee (an
    institution's or a partnership's) from ``fees``."""
    start = commitment_year_start(membership, year)
    # Both ends inclusive, as the membership's term: the day before the next year starts, and
    # never past the term's last day.
    end = min(commitment_year_start(membership, year + 1) - timedelta(days=1), membership.term_end)
    partnership = membership.application.kind == MembershipApplication.Kind.PARTNERSHIP
    who = "LEA-IHE partnership" if partnership else "one institution"
    return LineData(
        description=(f"NCSUP membership, {membership.tier.name} ({who}): commitment year "
                     f"{year} of {years}, {start.day} {start:%B %Y} to {end.day} {end:%B %Y}"),
        unit_price=fees.partnership_fee if partnership else fees.institution_fee,
    )


@transaction.atomic
def invoice_issue(
    *,
    membership: Membership,
    commitment_year: int,
    issue_date: date | None = None,
    actor: User | None = None,
) -> Invoice:
    """Issue the membership invoice for one commitment year, priced from the fee schedule in
    force on the issue date. A year is invoiced once; asking twice is refused."""
    issue_date = issue_date or timezone.localdate()
    locked = _lock_membership_to_invoice(membership)
    years = commitment_years_in_term(locked)
    if not 1 <= commitment_year <= years:
        raise ValidationError(ngettext("The membership term has %(years)d commitment year.",
                                       "The membership term has %(years)d commitment years.",
                                       years) % {"years": years},
                              code="no_such_year")
    if locked.invoices.filter(kind=Invoice.Kind.COMMITMENT,
                              commitment_year=commitment_year).exists():
        raise ValidationError(f"Commitment year {commitment_year} is already invoiced.",
                              code="duplicate")
    fees = _fees_on(issue_date)
    return _invoice_create(
        membership=locked, kind=Invoice.Kind.COMMITMENT, commitment_year=commitment_year,
        lines=[dues_line(membership=locked, year=commitment_year, years=years, fees=fees)],
        fees=fees, issue_date=issue_date, actor=actor,
    )


@transaction.atomic
def commitment_invoices_issue(
    *, membership: Membership, today: date | None = None, actor: User | None = None
) -> list[Invoice]:
    """Issue every commitment year that is due and not yet invoiced: year 1 on approval, later
    years ``BILLING_YEAR2_LEAD_DAYS`` before their anniversary. Safe to call any number of times,
    from any number of workers: the membership row lock and a unique constraint see to that."""
    today = today or timezone.localdate()
    locked = _lock_membership(membership)
    if locked.status not in Membership.CURRENT or issue_waits(locked, today=today):
        return []
    invoiced = set(locked.invoices.filter(kind=Invoice.Kind.COMMITMENT)
                   .values_list("commitment_year", flat=True))
    due = commitment_years_due(locked, today=today, lead_days=settings.BILLING_YEAR2_LEAD_DAYS)
    return [invoice_issue(membership=locked, commitment_year=year, issue_date=today, actor=actor)
            for year in due if year not in invoiced]


def extra_seats_line(*, tier: Tier, seats: int, fees: FeeSchedule) -> LineData:
    """The invoice line of ``seats`` extra seats, at the seat price of ``fees``."""
    return LineData(description=f"Extra improvement-team seat, {tier.name} "
                                f"(annual price per seat)",
                    unit_price=fees.extra_seat_fee, quantity=seats)


@transaction.atomic
def invoice_issue_extra_seats(
    *, membership: Membership, seats: int, actor: User | None, issue_date: date | None = None
) -> Invoice:
    """Bill extra improvement-team seats granted by staff, at the schedule's seat price."""
    if seats < 1:
        raise ValidationError({"seats": ["At least one seat."]})
    issue_date = issue_date or timezone.localdate()
    locked = _lock_membership_to_invoice(membership)
    fees = _fees_on(issue_date)
    line = extra_seats_line(tier=locked.tier, seats=seats, fees=fees)
    return _invoice_create(membership=locked, kind=Invoice.Kind.EXTRA_SEATS, lines=[line],
                           fees=fees, issue_date=issue_date, actor=actor)


@transaction.atomic
def extra_seats_grant(
    *, membership: Membership, seats: int, actor: User, reason: str = "",
    issue_date: date | None = None,
) -> Invoice:
    """Staff grant extra roster seats: the seats and their invoice exist together or not at all."""
    invoice = invoice_issue_extra_seats(membership=membership, seats=seats, actor=actor,
                                        issue_date=issue_date)
    member_services.seat_grant_record(membership=membership, seats=seats, actor=actor,
                                      reason=reason or f"Invoice {invoice.number}")
    return invoice


# --- Status changes ----------------------------------------------------------------------------

def _lock_invoice(invoice: Invoice) -> Invoice:
    Membership.objects.select_for_update().filter(pk=invoice.membership_id).first()
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: User, reason: str) -> Invoice:
    """Cancel an invoice that is not paid. Money received is refunded first, then it can go."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the invoice is void, for the record."]})
    locked = _lock_invoice(invoice)
    if locked.status in Invoice.PAYABLE and locked.amount_paid > ZERO:
        raise ValidationError(f"{locked} has {format_usd(locked.amount_paid)} paid against it: "
                              "refund it first, then void the invoice.", code="has_payments")
    locked, changed = transition(locked, Invoice.Status.VOID, actor=actor, reason=reason)
    if changed:
        locked.void_reason = reason.strip()
        locked.save(update_fields=["void_reason", "updated_at"])
        if locked.stripe_invoice_id:
            _enqueue(delivery.invoice_stripe_sync_task, locked.pk)
    return locked


@transaction.atomic
def invoice_mark_uncollectible(*, invoice: Invoice, actor: User, reason: str) -> Invoice:
    """Write an open invoice off. It can still be paid later, or voided."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the invoice is written off."]})
    locked = _lock_invoice(invoice)
    locked, changed = transition(locked, Invoice.Status.UNCOLLECTIBLE, actor=actor,
                                 reason=reason)
    if changed and locked.stripe_invoice_id:
        _enqueue(delivery.invoice_stripe_sync_task, locked.pk)
    return locked


# --- Payments ----------------------------------------------------------------------------------

@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    received_on: date | None = None,
    reference: str = "",
    actor: User | None = None,
    stripe_invoice_id: str = "",
    stripe_payment_id: str = "",
) -> Payment:
    """Record money received. The invoice turns paid when payments cover it, and a membership
    awaiting its first payment becomes active.

    Idempotent for Stripe: a payment for a Stripe invoice that is already recorded is returned
    as it is.
    """
    amount = money(amount)
    received_on = received_on or timezone.localdate()
    if method not in Payment.Method.values:
        raise ValidationError({"method": ["Choose how the money came in."]})
    if amount <= ZERO:
        raise ValidationError({"amount": ["A payment is more than $0.00."]})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": ["Money cannot be received in the future."]})
    locked = _lock_invoice(invoice)
    if stripe_invoice_id:
        existing = Payment.objects.filter(stripe_invoice_id=stripe_invoice_id).first()
        if existing is not None:
            return existing
    if locked.status == Invoice.Status.VOID:
        raise ValidationError(f"{locked} is void: it takes no payments.", code="void")
    if locked.status == Invoice.Status.PAID:
        raise ValidationError({"amount": [f"{locked} is already paid in full."]})
    if locked.status not in Invoice.PAYABLE:
        raise ValidationError(f"{locked} is not issued yet.", code="draft")
    if locked.issue_date is not None:
        earliest = locked.issue_date - timedelta(days=EARLY_PAYMENT_DAYS)
        if received_on < earliest:
            raise ValidationError({"received_on": [
                f"{locked} was issued on {format_day(locked.issue_date)}: money received for "
                f"it is dated from {format_day(earliest)} ({EARLY_PAYMENT_DAYS} days before, for "
                f"a payment sent ahead) to today, not {format_day(received_on)}."]})
    balance = locked.balance
    if amount > balance:
        raise ValidationError({"amount": [
            f"{format_usd(amount)} is more than the balance of {format_usd(balance)} on "
            f"{locked}. Record the balance, and refund the difference."]})
    payment = Payment.objects.create(
        invoice=locked, amount=amount, received_on=received_on, method=method,
        reference=reference.strip(), stripe_invoice_id=stripe_invoice_id,
        stripe_payment_id=stripe_payment_id,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    label = Payment.Method(method).label
    audit(locked, action="payment", actor=actor,
          reason=_money_moved(amount, label, payment.reference))
    if amount == balance:
        locked, _ = transition(locked, Invoice.Status.PAID, actor=actor,
                               reason=f"Paid in full by {label}")
        paid = locked
        transaction.on_commit(lambda: invoice_paid.send(sender=Invoice, invoice=paid))
        membership = locked.membership
        if (locked.kind == Invoice.Kind.COMMITMENT
                and membership.status == Membership.Status.PENDING):
            transition(membership, Membership.Status.ACTIVE, actor=actor,
                       reason=f"First payment received ({locked.number})")
        if method != Payment.Method.STRIPE and locked.stripe_invoice_id:
            _enqueue(delivery.invoice_stripe_sync_task, locked.pk)
    _email_billing_contacts(
        locked,
        key=f"payment-received:{payment.pk}",
        template="payment_received",
        context={"invoice": locked, "payment": payment, "method": label,
                 "balance": money(balance - amount)},
    )
    return payment


def _money_moved(amount: Decimal, method_label: str, reference: str) -> str:
    """How the audit log writes money in or out: "$500.00 by check (Check 2002)"."""
    return f"{format_usd(amount)} by {method_label}" + (f" ({reference})" if reference else "")


@transaction.atomic
def refund_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    reason: str,
    request_key: str,
    refunded_on: date | None = None,
    reference: str = "",
    actor: User | None = None,
) -> Refund:
    """Record money paid back by check or transfer. A paid invoice owes the refunded amount again
    (it reopens; staff void it when nothing is owed any more). Money paid online is refunded in
    Stripe. The same ``request_key`` again (a double-click) returns the refund already made."""
    amount = money(amount)
    refunded_on = refunded_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if method not in Payment.OFFLINE:
        errors["method"] = ["Choose how the money was paid back."]
    if amount <= ZERO:
        errors["amount"] = ["A refund is more than $0.00."]
    if refunded_on > timezone.localdate():
        errors["refunded_on"] = ["A refund cannot be dated in the future."]
    if not reason.strip():
        errors["reason"] = ["Say why the money goes back, for the record."]
    if errors:
        raise ValidationError(errors)
    locked = _lock_invoice(invoice)
    existing = Refund.objects.filter(request_key=request_key).first()
    if existing is not None:
        return existing
    offline = locked.payments.filter(method__in=Payment.OFFLINE).aggregate(s=Sum("amount"))["s"]
    refundable = money((offline or 0) - (locked.refunds.aggregate(s=Sum("amount"))["s"] or 0))
    if refundable <= ZERO:
        online = locked.payments.filter(method=Payment.Method.STRIPE).exists()
        raise ValidationError({"amount": [
            f"{locked} was paid online: refund it in Stripe's dashboard." if online else
            f"Nothing received on {locked} by check or transfer is left to refund."]})
    if amount > refundable:
        raise ValidationError({"amount": [
            f"{format_usd(amount)} is more than the {format_usd(refundable)} received on "
            f"{locked} by check or transfer and not yet refunded."]})
    first = locked.payments.filter(method__in=Payment.OFFLINE).aggregate(
        d=Min("received_on"))["d"]
    if first is not None and refunded_on < first:
        raise ValidationError({"refunded_on": [
            f"The money on {locked} first came in on {format_day(first)}: a refund is dated "
            f"from then to today, not {format_day(refunded_on)}."]})
    refund = Refund.objects.create(
        invoice=locked, amount=amount, refunded_on=refunded_on, method=method,
        reference=reference.strip(), reason=reason.strip(), request_key=request_key,
        recorded_by=actor if actor is not None and actor.is_authenticated else None)
    label = Payment.Method(method).label
    audit(locked, action="refund", actor=actor,
          reason=f"{_money_moved(amount, label, refund.reference)}: {refund.reason}")
    balance = locked.balance
    if locked.status == Invoice.Status.PAID:
        transition(locked, Invoice.Status.OPEN, actor=actor,
                   reason=f"Refund of {format_usd(amount)}: {format_usd(balance)} due")
    _email_billing_contacts(locked, key=f"refund-sent:{refund.pk}", template="refund_sent",
                            context={"invoice": locked, "refund": refund, "method": label,
                                     "balance": balance})
    return refund


@transaction.atomic
def stripe_invoice_reconcile(*, state: StripeInvoiceState) -> Payment | None:
    """Record what Stripe collected on one of our invoices, once.

    Money paid out of band (a check we marked paid in Stripe) is not counted again. Money that
    Stripe collected on an invoice we no longer expect it for is written to the audit log for
    staff to refund, never silently dropped or double counted.
    """
    if state.status != "paid" or state.paid_on_stripe <= ZERO:
        return None
    existing = Payment.objects.filter(stripe_invoice_id=state.id).first()
    if existing is not None:
        return existing
    invoice = Invoice.objects.filter(stripe_invoice_id=state.id).first()
    if invoice is None and state.ncsup_number:
        invoice = Invoice.objects.filter(number=state.ncsup_number).first()
    if invoice is None:
        logger.warning("Stripe invoice %s is not one of ours; ignored.", state.id)
        return None
    locked = _lock_invoice(invoice)
    if Payment.objects.filter(stripe_invoice_id=state.id).exists():
        return Payment.objects.get(stripe_invoice_id=state.id)
    balance = locked.balance if locked.status in Invoice.PAYABLE else ZERO
    if state.paid_on_stripe > balance:
        excess = state.paid_on_stripe - balance
        audit(locked, action="stripe_overpayment",
              reason=f"Stripe collected {format_usd(state.paid_on_stripe)} ({state.id}) while "
                     f"{locked} was {locked.get_status_display()} with {format_usd(balance)} "
                     f"due: refund {format_usd(excess)}.")
        logger.warning("Stripe overpaid %s by %s: refund due", locked, format_usd(excess))
    if balance <= ZERO:
        return None
    return payment_record(
        invoice=locked, amount=min(state.paid_on_stripe, balance), method=Payment.Method.STRIPE,
        received_on=min(state.paid_on or timezone.localdate(), timezone.localdate()),
        reference=state.payment_id or state.id, stripe_invoice_id=state.id,
        stripe_payment_id=state.payment_id,
    )


def stripe_event_process(*, event_id: str, event_type: str, object_id: str) -> bool:
    """Process one verified webhook event at most once. Returns False for a replay.

    ``invoice.paid`` re-reads the invoice from Stripe (before any lock is taken) instead of
    trusting the payload or the order events arrive in. Any error rolls back the event row too,
    so Stripe's retry processes it again.
    """
    if StripeEvent.objects.filter(event_id=event_id).exists():
        return False
    state = None
    if event_type == "invoice.paid" and object_id:
        state = stripe_gateway.invoice_state(object_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(event_id=event_id, type=event_type[:100])
        except IntegrityError:
            return False
        if state is not None:
            stripe_invoice_reconcile(state=state)
    return True


# --- Documents and email ------------------------------------------------------------------------

def reminder_kind_due(invoice: Invoice, *, today: date) -> str | None:
    """Which reminder an open invoice is owed today, if any: due in 7 days, or 1, 14 and 30
    days overdue. A job that missed days sends the latest stage only."""
    if invoice.status != Invoice.Status.OPEN or invoice.due_date is None:
        return None
    days_late = (today - invoice.due_date).days
    for threshold, kind in ((30, ReminderLog.Kind.OVERDUE_30), (14, ReminderLog.Kind.OVERDUE_14),
                            (1, ReminderLog.Kind.OVERDUE_1)):
        if days_late >= threshold:
            return kind
    if -7 <= days_late <= 0 and (invoice.due_date - invoice.issue_date).days > 7:
        return ReminderLog.Kind.DUE_SOON
    return None


@transaction.atomic
def invoice_reminder_send(*, invoice: Invoice, today: date | None = None) -> ReminderLog | None:
    """Send the reminder an invoice is owed today, unless it was sent before."""
    today = today or timezone.localdate()
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    kind = reminder_kind_due(locked, today=today)
    if kind is None:
        return None
    try:
        with transaction.atomic():
            log = ReminderLog.objects.create(invoice=locked, kind=kind)
    except IntegrityError:
        return None
    _email_billing_contacts(
        locked,
        key=f"invoice-reminder:{locked.pk}:{kind}",
        template="invoice_reminder",
        context={"invoice": locked, "kind": kind, "overdue": kind != ReminderLog.Kind.DUE_SOON,
                 "days_late": (today - locked.due_date).days, **payment_details()},
        attachment_path=locked.pdf_path,
        attachment_name=locked.pdf_filename if locked.pdf_path else "",
    )
    return log
