"""How to pay offline: one place, read by the PDF (billing.pdf), the emails (billing.delivery,
billing.services) and the billing page."""

from django.conf import settings


def payment_details() -> dict:
    """How to pay offline, for the PDF, the emails and the billing page."""
    return {
        "remit_to": settings.BILLING_REMIT_TO,
        "payable_to": settings.BILLING_CHECKS_PAYABLE_TO,
        "billing_email": settings.BILLING_CONTACT_EMAIL,
    }
