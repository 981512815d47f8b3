"""Reads with rules: whose invoices a person may see, and the staff reports."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from billing.models import (
    ZERO,
    FeeSchedule,
    Invoice,
    InvoiceVersion,
    Payment,
    Refund,
    VendorDocument,
)
from core.money import money
from members.models import BillingContact, Membership, Role, Team, User
from members.selectors import current_places, memberships_billed_to, team_lead_of


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Issued invoices of the person's memberships (staff see every invoice), with balances.

    A fixed number of queries however many invoices there are: no per-row lookups."""
    invoices = Invoice.objects.issued().with_balance()
    if not (user.is_authenticated and user.is_staff):
        invoices = invoices.filter(membership__in=memberships_billed_to(user))
    return invoices


INVOICE_COLUMNS = ("pk", "number", "kind", "commitment_year", "status", "issue_date",
                   "due_date", "total", "paid_total", "bill_to_institutions", "po_number",
                   "vendor_number", "ap_email", "pdf_path", "version", "hosted_invoice_url")


def invoices_of_memberships(membership_ids: list[int]) -> QuerySet:
    """Issued invoices of memberships, newest first, with what they have been paid (less
    refunds): the billing page's, for the memberships billed to the person
    (``billing_page_memberships``). Dicts of ``INVOICE_COLUMNS``: a page of them costs a third
    less than instances. The ids are a list, not a subquery to compile again."""
    return (Invoice.objects.issued().with_balance().filter(membership_id__in=membership_ids)
            .order_by("-issue_date", "-fiscal_year", "-sequence").values(*INVOICE_COLUMNS))


def invoice_versions_of(invoices) -> dict[int, list[dict]]:
    """The earlier PDFs of each invoice (newest first), by invoice id: only an invoice whose PO
    details changed (``version`` above 1) has any, so a page of first versions reads nothing."""
    changed = [invoice["pk"] for invoice in invoices if invoice["version"] > 1]
    versions: dict[int, list[dict]] = {}
    if changed:
        for kept in (InvoiceVersion.objects.filter(invoice_id__in=changed)
                     .order_by("invoice", "-version").values("invoice_id", "version")):
            versions.setdefault(kept["invoice_id"], []).append(kept)
    return versions


@dataclass(frozen=True)
class BillingAccess:
    """What one person may do with one membership's billing."""

    sees_invoices: bool = False  # staff, and the membership's billing contacts
    manages_contacts: bool = False  # staff, and the lead of its team while it is current

    @property
    def sees_contacts(self) -> bool:
        return self.sees_invoices or self.manages_contacts


def billing_access(user: User, membership: Membership) -> BillingAccess:
    if not user.is_authenticated:
        return BillingAccess()
    if user.is_staff:
        return BillingAccess(sees_invoices=True, manages_contacts=True)
    team = Team.objects.filter(membership=membership).first()
    return BillingAccess(
        sees_invoices=memberships_billed_to(user).filter(pk=membership.pk).exists(),
        manages_contacts=team is not None and team_lead_of(team, user),
    )


def memberships_with_contacts_for(user: User) -> QuerySet[Membership]:
    """Memberships whose billing contacts the person sees on the billing page: those they are a
    billing contact of, and those whose team they lead today."""
    if not user.is_authenticated:
        return Membership.objects.none()
    led = current_places(user).filter(role=Role.LEAD).values("team__membership_id")
    ids = memberships_billed_to(user).values("pk").union(led)
    return (Membership.objects.filter(pk__in=ids).prefetch_related("institutions")
            .order_by("-term_start", "-pk"))


@dataclass(frozen=True)
class BillingMembership:
    """A membership as the billing page names it."""

    pk: int
    institutions: str  # "District + University", as the membership's institutions read
    billed_to_viewer: bool  # the person is one of its billing contacts: they see its invoices


def billing_page_memberships(user: User) -> list[BillingMembership]:
    """``memberships_with_contacts_for``, newest first, each marked when it is billed to the
    person (those are the memberships ``memberships_billed_to`` gives): one query, its
    institutions' names joined in rather than prefetched."""
    rows = (memberships_with_contacts_for(user).prefetch_related(None)
            .annotate(billed=Exists(BillingContact.objects.filter(membership=OuterRef("pk"),
                                                                  user=user)))
            .order_by("-term_start", "-pk", "institutions__name")
            .values_list("pk", "billed", "institutions__name"))
    names: dict[int, list[str]] = {}
    billed: dict[int, bool] = {}
    for pk, is_billed, name in rows:
        billed[pk] = is_billed
        if name is not None:
            names.setdefault(pk, []).append(name)
    return [BillingMembership(pk, " + ".join(names.get(pk, ())), is_billed)
            for pk, is_billed in billed.items()]


def membership_in_arrears(membership, *, today: date | None = None) -> bool:
    """Is the membership's first (year 1) invoice still unpaid after its due date?

    For the roster's optional invitation pause (members.hooks.arrears_provider)."""
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


def commitment_years_on(on: date | None = None) -> int:
    """The initial commitment's length for a membership starting on a day: the schedule in
    force then, else the next one to take effect, else the schedule's default (no schedule
    entered yet)."""
    fees = (FeeSchedule.objects.in_force(on)
            or FeeSchedule.objects.order_by("effective_from").first())
    if fees is not None:
        return fees.commitment_years
    return FeeSchedule._meta.get_field("commitment_years").get_default()


def vendor_documents_current(*, today: date | None = None) -> list[VendorDocument]:
    """The document of each kind members are offered: the latest that has taken effect."""
    today = today or timezone.localdate()
    current: dict[str, VendorDocument] = {}
    for document in VendorDocument.objects.filter(effective_from__lte=today).order_by(
            "kind", "-effective_from", "-pk"):
        current.setdefault(document.kind, document)
    order = list(VendorDocument.Kind.values)
    return sorted(current.values(), key=lambda d: order.index(d.kind))


HISTORY_COLUMNS = ("pk", "entry", "day", "amount", "method", "reference", "number")


def money_history_of_memberships(membership_ids: list[int]) -> QuerySet:
    """Every payment and refund on the memberships (the billing page's: those billed to the
    person), newest first, as one list of tuples in ``HISTORY_COLUMNS`` order (``entry`` is
    "payment" or "refund"): one query a page, whatever the history's size. The method is the
    stored value; ``method_label`` says it in words."""
    payments = (Payment.objects.filter(invoice__membership_id__in=membership_ids)
                .annotate(entry=Value("payment", output_field=CharField()), day=F("received_on"),
                          number=F("invoice__number"))
                .order_by().values_list(*HISTORY_COLUMNS))
    refunds = (Refund.objects.filter(invoice__membership_id__in=membership_ids)
               .annotate(entry=Value("refund", output_field=CharField()), day=F("refunded_on"),
                         number=F("invoice__number"))
               .order_by().values_list(*HISTORY_COLUMNS))
    return payments.union(refunds, all=True).order_by("-day", "-pk")


_METHOD_LABELS = dict(Payment.Method.choices)


def method_label(method: str) -> str:
    """How a payment or refund was made, in words ("check", "online (Stripe)")."""
    return _METHOD_LABELS.get(method, method)
