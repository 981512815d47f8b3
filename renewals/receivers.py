"""How renewals answers billing's signals (connected by RenewalsConfig.ready()).

- ``billing.signals.invoice_paid``: a paid renewal invoice reinstates a membership in its grace
  period or lapsed, at once (in the request or task that recorded the payment).
"""

from django.dispatch import receiver

from billing.signals import invoice_paid
from renewals import services


@receiver(invoice_paid, dispatch_uid="renewals.reinstate_on_payment")
def reinstate_on_payment(sender, *, invoice, **kwargs):
    services.renewal_paid(invoice=invoice)
