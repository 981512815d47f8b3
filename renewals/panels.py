"""The renewal banners on "My portal" (members.hooks.dashboard_panel): the offer to a billing
contact, the grace period and the lapse to everyone on the team; a count for staff."""

from django.conf import settings
from django.utils import timezone

from billing.models import Invoice
from members.hooks import dashboard_panel, portal_person
from members.models import Membership
from renewals import selectors
from renewals.models import Renewal

# A renewal needs a word while its membership runs, is in grace or has lapsed.
BANNER_MEMBERSHIP_STATUSES = (Membership.Status.ACTIVE, Membership.Status.IN_GRACE,
                              Membership.Status.LAPSED)


def renewals_for_banner(request) -> list[Renewal]:
    """Renewals that need a word on this person's dashboard: still open (offered, or accepted
    and unpaid) on a membership they are on, or billed to (the dashboard's own memberships,
    ``members.hooks.portal_person``). Each carries ``membership_row`` (that membership as the
    dashboard shows it) and ``is_contact`` (may answer: a billing contact). No query without
    such a membership, one without a banner to show, two with."""
    person = portal_person(request)
    memberships = {row["pk"]: row for row in person.memberships
                   if row["status"] in BANNER_MEMBERSHIP_STATUSES}
    if not memberships:
        return []
    # Most dashboards have no banner: ask which renewals need one with a narrow query, and
    # read their rows (with the invoice) only when some do.
    ids = [pk for pk, invoice_status in Renewal.objects.filter(
        membership_id__in=memberships, status__in=Renewal.OPEN).values_list(
        "pk", "invoice__status").order_by() if invoice_status != Invoice.Status.PAID]
    if not ids:
        return []
    renewals = list(Renewal.objects.filter(pk__in=ids).select_related("invoice")
                    .order_by("anniversary", "pk"))
    for renewal in renewals:
        renewal.membership_row = memberships[renewal.membership_id]
        renewal.is_contact = renewal.membership_id in person.billed_ids
    return renewals


@dashboard_panel(order=5, template="renewals/panel.html")
def renewal_banners(request):
    user = request.user
    if user.is_staff:
        count = selectors.staff_attention_count()
        return {"staff_count": count} if count else None
    renewals = renewals_for_banner(request)
    if not renewals:
        return None
    return {"renewals": renewals, "today": timezone.localdate(),
            "grace_days": settings.RENEWAL_GRACE_DAYS}
