from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel


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
    covered_seats_per_institution = models.PositiveSmallIntegerField(default=5)
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
        return f"Fees from {self.effective_from:%d %b %Y}"

    def clean(self):
        if self.covered_seats_per_institution < 1:
            raise ValidationError({"covered_seats_per_institution": "At least one seat."})
