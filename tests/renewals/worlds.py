"""A renewal offered on another test module's world (the access matrix, the double-submit
test), so those files need one line each."""

from datetime import timedelta

from django.urls import reverse

from members.models import BillingContact, Membership
from renewals import services


def renewal_offer_url(membership, contact=None) -> str:
    """The offer page of ``membership``'s renewal (offered 90 days before its end, made active
    first); ``contact`` is made a billing contact. Safe to call again: the same offer."""
    Membership.objects.filter(pk=membership.pk, status="pending").update(status="active")
    membership = Membership.objects.get(pk=membership.pk)
    if contact is not None:
        BillingContact.objects.get_or_create(membership=membership, user=contact, defaults={
            "name": contact.display_name, "email": contact.email})
    renewal = services.renewal_offer(
        membership=membership,
        today=membership.term_end + timedelta(days=1) - timedelta(days=90))
    return reverse("renewals:offer", args=[renewal.pk])
