"""Reads with rules: whose invoices a person may see, and the staff reports."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from billing.models import ZERO, FeeSchedule, Invoice, Payment, Refund
from core.money import money
from members.models import User
from members.selectors import memberships_billed_to


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Issued invoices of the person's memberships (staff see every invoice), with balances.

    A fixed number of queries however many invoices there are: no per-row lookups."""
    invoices = Invoice.objects.issued().with_balance()
    if not (user.is_authenticated and user.is_staff):
        invoices = invoices.filter(membership__in=memberships_billed_to(user))
    return invoices


def invoices_of_member(user: User, *, membership_id: int | None = None) -> QuerySet[Invoice]:
    """The member billing page: only the person's own memberships, staff included."""
    invoices = (Invoice.objects.issued().with_balance()
                .filter(membership__in=memberships_billed_to(user)))
    if membership_id is not None:
        invoices = invoices.filter(membership_id=membership_id)
    return invoices.order_by("-issue_date", "-fiscal_year", "-sequence")


def membership_in_arrears(membership, *, today: date | None = None) -> bool:
    """Is the membership's first (year 1) invoice still unpaid after its due date?

    For the roster's optional invitation pause (settings.MEMBERSHIP_ARREARS_CHECK)."""
    today = today or timezone.localdate()
    return Invoice.objects.filter(
        membership=membership, kind=Invoice.Kind.COMMITMENT, commitment_year=1,
        status=Invoice.Status.OPEN, due_date__lt=today,
    ).exists()


AGE_BUCKETS = ["current", "1-30", "31-60", "61-90", "90+"]


def open_invoices_by_age(*, today: date | None = None) -> QuerySet[Invoice]:
    """Open invoices with ``bucket`` (days past the due date) and their balance."""
    today = today or timezone.localdate()
    return (
        Invoice.objects.filter(status=Invoice.Status.OPEN).with_balance()
        .annotate(bucket=Case(
            When(due_date__gte=today, then=Value("current")),
            When(due_date__gte=today - timedelta(days=30), then=Value("1-30")),
            When(due_date__gte=today - timedelta(days=60), then=Value("31-60")),
            When(due_date__gte=today - timedelta(days=90), then=Value("61-90")),
            default=Value("90+"),
        ))
        .order_by("due_date", "pk")
    )


@dataclass
class AgeRow:
    bucket: str
    count: int = 0
    balance: Decimal = ZERO


def aging_summary(*, today: date | None = None) -> list[AgeRow]:
    rows = {bucket: AgeRow(bucket) for bucket in AGE_BUCKETS}
    grouped = (open_invoices_by_age(today=today).order_by().values("bucket")
               .annotate(n=Count("pk"), balance=Sum("balance_due")))
    for row in grouped:
        rows[row["bucket"]] = AgeRow(row["bucket"], row["n"], money(row["balance"] or 0))
    return list(rows.values())


@dataclass
class RevenueRow:
    fiscal_year: int
    invoiced: Decimal = ZERO
    collected: Decimal = ZERO  # payments less refunds, by the fiscal year each was made in
    refunded: Decimal = ZERO
    uncollectible: Decimal = ZERO
    void: Decimal = ZERO


def _fiscal_year_of_field(field: str):
    """SQL for the July-June fiscal year of a date column (see billing.models.fiscal_year_of)."""
    return Case(
        When(**{f"{field}__month__gte": 7}, then=ExtractYear(field) + 1),
        default=ExtractYear(field),
        output_field=IntegerField(),
    )


def revenue_by_fiscal_year() -> list[RevenueRow]:
    """Invoiced (by the invoice's fiscal year) against collected (by the fiscal year the money
    came in), newest year first."""
    rows: dict[int, RevenueRow] = {}
    zero = Value(ZERO)
    for row in (Invoice.objects.issued().order_by().values("fiscal_year", "status")
                .annotate(amount=Coalesce(Sum("total"), zero))):
        target = rows.setdefault(row["fiscal_year"], RevenueRow(row["fiscal_year"]))
        if row["status"] == Invoice.Status.VOID:
            target.void += money(row["amount"])
        else:
            target.invoiced += money(row["amount"])
            if row["status"] == Invoice.Status.UNCOLLECTIBLE:
                target.uncollectible += money(row["amount"])
    for row in (Payment.objects.annotate(fy=_fiscal_year_of_field("received_on")).order_by()
                .values("fy").annotate(amount=Coalesce(Sum("amount"), zero))):
        rows.setdefault(row["fy"], RevenueRow(row["fy"])).collected += money(row["amount"])
    for row in (Refund.objects.annotate(fy=_fiscal_year_of_field("refunded_on")).order_by()
                .values("fy").annotate(amount=Coalesce(Sum("amount"), zero))):
        target = rows.setdefault(row["fy"], RevenueRow(row["fy"]))
        target.collected -= money(row["amount"])
        target.refunded += money(row["amount"])
    return sorted(rows.values(), key=lambda r: r.fiscal_year, reverse=True)



def fee_schedule_in_force(on: date | None = None) -> FeeSchedule | None:
    """What membership costs on a day (today by default); the application form shows it."""
    return FeeSchedule.objects.in_force(on)
