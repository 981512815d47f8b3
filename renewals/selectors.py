"""Reads about renewals: the staff list with its stages and money (the banners: panels.py)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.models import Invoice
from members.models import Membership
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


def _stage_case():
    paid = Q(invoice__status=Invoice.Status.PAID)
    return Case(
        When(paid & Q(status=Renewal.Status.ACCEPTED), then=Value("renewed")),
        When(status=Renewal.Status.DECLINED, then=Value("declined")),
        When(membership__status=Membership.Status.LAPSED, then=Value("lapsed")),
        When(membership__status=Membership.Status.IN_GRACE, then=Value("in_grace")),
        When(status=Renewal.Status.ACCEPTED, then=Value("accepted")),
        default=Value("offered"), output_field=CharField())


def renewals_annotated() -> QuerySet[Renewal]:
    """Every renewal with ``stage`` (one of ``EXCLUSIVE``) and ``at_stake`` (the invoice's
    total once issued, else a year at the fee offered), in SQL."""
    return Renewal.objects.annotate(
        stage=_stage_case(),
        stake=Coalesce(F("invoice__total"), F("annual_fee"),
                       output_field=DecimalField(**MONEY)),
    )


def _due_window(today: date) -> Q:
    return (Q(anniversary__gte=today,
              anniversary__lte=today + timedelta(days=settings.RENEWAL_OFFER_DAYS))
            & Q(stage__in=["offered", "accepted"]))


def renewals_for_staff(*, stage: str = "", tier_id: int | None = None, search: str = "",
                       today: date | None = None) -> QuerySet[Renewal]:
    """The staff list: filtered, soonest end first, ready for a table (no query per row)."""
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
    return (renewals.select_related("membership__tier", "membership__application", "tier",
                                    "previous_tier", "answered_by")
            # The invoice with its balance, so "partially paid" costs no query per row.
            .prefetch_related(Prefetch("invoice", queryset=Invoice.objects.with_balance()),
                              "membership__institutions", "membership__billing_contacts__user")
            .order_by("anniversary", "pk"))


def renewals_summary(today: date | None = None) -> list[dict]:
    """Per stage: how many renewals and the money at stake (Decimal), in one query.

    One GROUP BY (stage, in the due window) of at most a dozen rows, summed here: fourteen
    filtered aggregates over the stage CASE cost Django ~60k Python calls to compile."""
    today = today or timezone.localdate()
    rows = (renewals_annotated()
            .annotate(is_due=Case(When(_due_window(today), then=Value(True)),
                                  default=Value(False), output_field=BooleanField()))
            .values("stage", "is_due")
            .annotate(n=Count("pk"), amount=Sum("stake"))
            .order_by())
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
