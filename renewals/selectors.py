"""Reads about renewals: the staff list with its stages and money (the banners: panels.py)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    DecimalField,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import Truncator

from billing.models import Invoice
from core.dates import day as format_day
from core.links import url_maker
from core.money import format_usd
from members.models import BillingContact, Membership
from renewals.models import MONEY, Renewal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    at_risk: bool  # revenue at stake: still to be won or paid


STAGES = [
    Stage("due", "due in 90 days", True),
    Stage("offered", "offered, no answer", True),
    Stage("accepted", "accepted, invoice unpaid", True),
    Stage("renewed", "renewed and paid", False),
    Stage("declined", "declined", False),
    Stage("in_grace", "in grace", True),
    Stage("lapsed", "lapsed", True),
]
STAGE_LABELS = {stage.key: stage.label for stage in STAGES}
# Stages every renewal is in exactly one of ("due" is a window across the first three).
EXCLUSIVE = ["offered", "accepted", "renewed", "declined", "in_grace", "lapsed"]


# A renewal's stage and the money at stake, as SQL over the renewal's own row: one definition
# for the staff list, its filters and its summary. The membership's status and the invoice are
# read by key in subqueries: as ORM expressions these cost Django ~30k Python calls to build and
# compile on every request, and as joins they made PostgreSQL hash the whole invoice table.
_INVOICE = "(SELECT i.{column} FROM billing_invoice i WHERE i.id = renewals_renewal.invoice_id)"
STAGE_SQL = (
    "CASE WHEN renewals_renewal.status = %s AND " + _INVOICE.format(column="status") + " = %s "  # noqa: S608
    "THEN 'renewed' WHEN renewals_renewal.status = %s THEN 'declined' "
    "ELSE CASE (SELECT m.status FROM members_membership m "
    "WHERE m.id = renewals_renewal.membership_id) "
    "WHEN %s THEN 'lapsed' WHEN %s THEN 'in_grace' "
    "ELSE CASE WHEN renewals_renewal.status = %s THEN 'accepted' ELSE 'offered' END END END")
STAGE_PARAMS = (Renewal.Status.ACCEPTED.value, Invoice.Status.PAID.value,
                Renewal.Status.DECLINED.value, Membership.Status.LAPSED.value,
                Membership.Status.IN_GRACE.value, Renewal.Status.ACCEPTED.value)
STAKE_SQL = "COALESCE(" + _INVOICE.format(column="total") + ", renewals_renewal.annual_fee)"


# Built from the constants above only; every value goes in as a parameter.
SUMMARY_SQL = (
    "SELECT stage, (anniversary BETWEEN %s AND %s AND stage IN ('offered', 'accepted')),"  # noqa: S608
    " COUNT(*), SUM(stake) FROM (SELECT " + STAGE_SQL + " AS stage, " + STAKE_SQL
    + " AS stake, anniversary FROM renewals_renewal) AS renewals GROUP BY 1, 2")


def renewals_annotated() -> QuerySet[Renewal]:
    """Every renewal with ``stage`` (one of ``EXCLUSIVE``) and ``stake`` (the invoice's total
    once issued, else a year at the fee offered), in SQL."""
    return Renewal.objects.annotate(
        stage=RawSQL(STAGE_SQL, STAGE_PARAMS, output_field=CharField()),  # noqa: S611
        stake=RawSQL(STAKE_SQL, (), output_field=DecimalField(**MONEY)),  # noqa: S611
    )


def _due_window(today: date) -> Q:
    return (Q(anniversary__gte=today,
              anniversary__lte=today + timedelta(days=settings.RENEWAL_OFFER_DAYS))
            & Q(stage__in=["offered", "accepted"]))


def _staff_filtered(*, stage: str, tier_id: int | None, search: str,
                    today: date | None) -> QuerySet[Renewal]:
    today = today or timezone.localdate()
    renewals = renewals_annotated()
    if stage == "due":
        renewals = renewals.filter(_due_window(today))
    elif stage in EXCLUSIVE:
        renewals = renewals.filter(stage=stage)
    if tier_id:
        renewals = renewals.filter(membership__tier_id=tier_id)
    if search:
        renewals = renewals.filter(membership__institutions__name__icontains=search).distinct()
    return renewals.order_by("anniversary", "pk")


def renewals_for_staff(*, stage: str = "", tier_id: int | None = None, search: str = "",
                       today: date | None = None) -> QuerySet[Renewal]:
    """The staff list as model rows (the CSV): filtered, soonest end first, no query per row."""
    return (_staff_filtered(stage=stage, tier_id=tier_id, search=search, today=today)
            .select_related("membership__tier", "membership__application", "tier",
                            "previous_tier", "answered_by")
            # The invoice with its balance, so "partially paid" costs no query per row.
            .prefetch_related(Prefetch("invoice", queryset=Invoice.objects.with_balance()),
                              "membership__institutions", "membership__billing_contacts__user"))


# The columns of one row of the staff page: the renewal, its stage and stake, and the ids the
# rest of the row is read by (names, contacts, tiers, the invoice), so the page's query joins
# only what the stage needs (its plan took PostgreSQL longer than its run with six joins).
STAFF_PAGE_COLUMNS = ("pk", "anniversary", "status", "years", "decline_reason", "decline_details",
                      "tier_id", "previous_tier_id", "stage", "stake", "membership_id",
                      "membership__tier_id", "invoice_id")


def renewals_for_staff_page(*, stage: str = "", tier_id: int | None = None, search: str = "",
                            today: date | None = None) -> QuerySet:
    """The staff page's list, as ``STAFF_PAGE_COLUMNS`` dicts; ``staff_rows`` completes a page."""
    return (_staff_filtered(stage=stage, tier_id=tier_id, search=search, today=today)
            .values(*STAFF_PAGE_COLUMNS))


def staff_rows(renewals: list[dict], *, tiers: dict[int, str]) -> list[dict]:
    """One page of ``renewals_for_staff_page``, ready for the table: the institutions' names,
    the billing contacts' addresses and the invoice, three queries whatever the page's size
    (the invoice's only when the page has one)."""
    membership_ids = {row["membership_id"] for row in renewals}
    names: dict[int, list[str]] = {}
    for membership_id, name in (Membership.institutions.through.objects
                                .filter(membership_id__in=membership_ids)
                                .order_by("institution__name", "institution_id")
                                .values_list("membership_id", "institution__name")):
        names.setdefault(membership_id, []).append(name)
    contacts: dict[int, list[str]] = {}
    for membership_id, account_email, email in (
            BillingContact.objects.filter(membership_id__in=membership_ids)
            .order_by("created_at", "pk").values_list("membership_id", "user__email", "email")):
        contacts.setdefault(membership_id, []).append(account_email or email)
    invoice_ids = [row["invoice_id"] for row in renewals if row["invoice_id"]]
    invoices = ({invoice.pk: invoice for invoice in
                 Invoice.objects.with_balance().filter(pk__in=invoice_ids)}
                if invoice_ids else {})
    reasons = dict(Renewal.DeclineReason.choices)
    offer_url = url_maker("renewals:offer")
    rows = []
    for row in renewals:
        invoice = invoices.get(row["invoice_id"])
        if row["status"] == Renewal.Status.ACCEPTED:
            years = row["years"] or 0
            answer = f"{years} year{'' if years == 1 else 's'}"
            if row["tier_id"] != row["previous_tier_id"]:
                answer += f", to {tiers.get(row['tier_id'], '')}"
        elif row["status"] == Renewal.Status.DECLINED:
            answer = reasons.get(row["decline_reason"], "")
            if row["decline_details"]:
                answer += f": “{Truncator(row['decline_details']).chars(120)}”"
        else:
            answer = ""
        rows.append({
            "url": offer_url(row["pk"]),
            "institutions": " + ".join(names.get(row["membership_id"], [])),
            "detail": " · ".join(filter(None, [
                tiers.get(row["membership__tier_id"], ""),
                ", ".join(contacts.get(row["membership_id"], []))])),
            "ends": format_day(row["anniversary"] - timedelta(days=1)),
            "stage": row["stage"],
            "stage_label": STAGE_LABELS[row["stage"]],
            "answer": answer,
            "invoice_number": invoice.number if invoice else "",
            "invoice_status": invoice.display_status if invoice else None,
            "stake": format_usd(row["stake"]),
        })
    return rows


def renewals_summary(today: date | None = None) -> list[dict]:
    """Per stage: how many renewals and the money at stake (Decimal), in one query.

    One GROUP BY (stage, in the due window) of at most a dozen rows, summed here, in SQL
    written out: fourteen filtered aggregates over the stage cost Django ~60k Python calls to
    compile, and one GROUP BY of ORM expressions still ~30k."""
    today = today or timezone.localdate()
    due_until = today + timedelta(days=settings.RENEWAL_OFFER_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SQL, [today, due_until, *STAGE_PARAMS])
        rows = [{"stage": stage, "is_due": bool(is_due), "n": n,
                 "amount": Decimal(amount).quantize(ZERO) if amount is not None else None}
                for stage, is_due, n, amount in cursor.fetchall()]
    counts = dict.fromkeys([*EXCLUSIVE, "due"], 0)
    amounts = dict.fromkeys([*EXCLUSIVE, "due"], ZERO)
    for row in rows:
        keys = [row["stage"], "due"] if row["is_due"] else [row["stage"]]
        for key in keys:
            counts[key] += row["n"]
            amounts[key] += row["amount"] if row["amount"] is not None else ZERO
    return [{"key": stage.key, "label": stage.label, "at_risk": stage.at_risk,
             "count": counts[stage.key], "amount": amounts[stage.key]}
            for stage in STAGES]


def at_stake_total(summary: list[dict]) -> Decimal:
    """Revenue still to be won or collected: offered, accepted unpaid, in grace and lapsed."""
    return sum((row["amount"] for row in summary
                if row["at_risk"] and row["key"] != "due"), ZERO)


def staff_attention_count() -> int:
    """Renewals staff may want to chase: offered without answer, in grace, or lapsed."""
    return (renewals_annotated().filter(stage__in=["offered", "in_grace", "lapsed"]).count())
