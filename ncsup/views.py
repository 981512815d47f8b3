from django.shortcuts import render

from billing.models import FeeSchedule
from members.models import Tier


def home(request):
    """The public membership offer, drawn from the tiers and the fee schedule in force."""
    fees = FeeSchedule.objects.in_force()
    covered = fees.covered_seats_per_institution if fees else None
    return render(request, "home.html", {
        "tiers": Tier.objects.all(),
        "fees": fees,
        "partnership_seats": covered * 2 if covered else None,
    })
