"""Renewals' background work: one daily job, safe to run twice and on several workers."""

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from billing.models import Invoice
from core.batch import each_locked
from members.models import Membership
from renewals import services
from renewals.models import Renewal


def memberships_to_advance(today: date):
    """Memberships that may have something due: active ones whose commitment ends within the
    offer window, and any with a renewal still open (offered, or accepted and unpaid)."""
    open_renewal = (Renewal.objects.filter(membership=OuterRef("pk"), status__in=Renewal.OPEN)
                    .exclude(invoice__status=Invoice.Status.PAID))
    declined = Renewal.objects.filter(membership=OuterRef("pk"), status=Renewal.Status.DECLINED,
                                      anniversary__lte=today)
    window_end = today + timedelta(days=settings.RENEWAL_OFFER_DAYS - 1)
    return Membership.objects.filter(status__in=services.RENEWING).filter(
        Q(status=Membership.Status.ACTIVE, term_end__lte=window_end)
        | Exists(open_renewal) | Exists(declined))


@shared_task
def renewals_advance_due(today: str | None = None):
    """Daily: offers, reminders, grace periods, lapses and declined endings that are due.
    ``today`` (ISO date) runs the job as of another day (tests, a missed day)."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    done = each_locked(memberships_to_advance(day),
                       lambda membership: services.renewal_advance(membership=membership,
                                                                   today=day))
    return sum(len(steps) for steps in done)
