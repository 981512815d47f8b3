"""What billing announces to the apps above it (billing imports none of them).

Each signal is sent after the transaction that made the change commits. Receivers are connected
in the receiving app's ``AppConfig.ready()``; search for the signal's name to see who listens.
"""

from django.dispatch import Signal

#: An invoice was paid in full. Sent once per payment that settles it, after commit, with
#: ``invoice=`` (a ``billing.Invoice``). The renewals app reinstates a membership whose renewal
#: invoice this is (``renewals.receivers``).
invoice_paid = Signal()
