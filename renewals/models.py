"""A membership's renewal: the offer made before its commitment ends, and the answer.

The membership's own status says where it stands (active, in its grace period, lapsed, ended:
``members.Membership``); the renewal says what was offered, what the member answered and which
invoice the answer issued. Both change only through ``core.statemachine`` and are audited.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel

MONEY = {"max_digits": 10, "decimal_places": 2}


class Renewal(TimeStampedModel):
    class Status(models.TextChoices):
        OFFERED = "offered", "offered"
        ACCEPTED = "accepted", "accepted"
        DECLINED = "declined", "declined"

    TRANSITIONS = {Status.OFFERED: {Status.ACCEPTED, Status.DECLINED}}
    OPEN = (Status.OFFERED, Status.ACCEPTED)  # may still end in grace and lapse when unpaid

    class DeclineReason(models.TextChoices):
        BUDGET = "budget", "No budget for it this year"
        PRIORITIES = "priorities", "Our priorities have changed"
        PARTNER = "partner", "The partnership is ending"
        OTHER = "other", "Another reason"

    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT,
                                   related_name="renewals")
    # The first day after the commitment being renewed (its term_end + 1): day 0 of the offer,
    # the reminders, the grace period and the lapse.
    anniversary = models.DateField("commitment ends", help_text="The first day the current "
                                   "commitment no longer covers.")
    status = models.CharField(max_length=10, choices=Status, default=Status.OFFERED,
                              db_index=True)
    # What membership would cost a year, from the fee schedule in force on the offer: the
    # revenue at stake until an invoice says otherwise.
    annual_fee = models.DecimalField(**MONEY)
    commitment_years = models.PositiveSmallIntegerField(
        help_text="The longer option offered: the fee schedule's commitment.")
    offered_at = models.DateTimeField(auto_now_add=True)
    # The answer.
    years = models.PositiveSmallIntegerField(null=True, blank=True)
    tier = models.ForeignKey("members.Tier", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="The tier renewed into.")
    previous_tier = models.ForeignKey("members.Tier", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=12, choices=DeclineReason, blank=True)
    decline_details = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    invoice = models.OneToOneField("billing.Invoice", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="renewal")

    class Meta:
        ordering = ["anniversary", "id"]
        indexes = [models.Index(fields=["status", "anniversary"])]
        constraints = [
            models.UniqueConstraint(fields=["membership", "anniversary"],
                                    name="renewal_once_per_membership_and_end"),
            models.CheckConstraint(condition=Q(annual_fee__gte=0),
                                   name="renewal_fee_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="renewal_declined_has_reason"),
        ]

    def __str__(self):
        return f"Renewal of {self.membership} ({self.anniversary:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("renewals:offer", args=[self.pk])

    @property
    def last_covered_day(self):
        return self.anniversary - timedelta(days=1)

    @property
    def grace_ends(self):
        """The day the membership lapses if still unpaid."""
        return self.anniversary + timedelta(days=settings.RENEWAL_GRACE_DAYS)

    @property
    def grace_last_day(self):
        """The last day of the grace period, printed to people (the lapse comes the day after)."""
        return self.grace_ends - timedelta(days=1)

    @property
    def at_stake(self) -> Decimal:
        return self.invoice.total if self.invoice_id else self.annual_fee


class RenewalNotice(models.Model):
    """An email about a renewal, sent to its billing contacts once, however often jobs run."""

    # "offer", "reminder_60", "reminder_30", "grace", "lapsed", "declined" (renewals.services).
    renewal = models.ForeignKey(Renewal, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=12)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [models.UniqueConstraint(fields=["renewal", "kind"],
                                               name="renewal_notice_once_per_kind")]

    def __str__(self):
        return f"{self.kind} for {self.renewal}"
