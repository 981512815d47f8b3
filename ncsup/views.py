from django.http import HttpResponse
from django.shortcuts import render

from billing import stripe_gateway
from billing.models import FeeSchedule
from members.models import Tier, covered_seats


def home(request):
    """The public membership offer, drawn from the tiers and the fee schedule in force."""
    tiers = list(Tier.objects.all())
    covered = min((t.covered_seats_per_institution for t in tiers), default=None)
    return render(request, "home.html", {
        "tiers": tiers,
        "fees": FeeSchedule.objects.in_force(),
        "covered_seats": covered,
        "partnership_seats": (covered_seats(per_institution=covered, institutions=2, granted=0)
                              if covered else None),
        "online_payments": stripe_gateway.enabled(),
    })


def healthz(request):
    """For load balancers (and the benchmark's baseline): the full middleware stack, no work."""
    return HttpResponse("ok", content_type="text/plain")
