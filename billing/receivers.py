"""How billing answers members' signals and questions (connected by BillingConfig.ready()).

- ``members.signals.membership_approved``: issue the year-1 invoice, in a task.
- ``members.hooks``: the fee schedule in force, the commitment length and arrears.
"""

from django.dispatch import receiver

from billing import selectors, tasks
from members import hooks
from members.signals import membership_approved


@receiver(membership_approved, dispatch_uid="billing.issue_year_1")
def issue_year_1_on_approval(sender, *, membership, **kwargs):
    """Sent after commit: the welcome email is already queued, so it arrives first."""
    tasks.commitment_invoices_issue_for.delay(membership_id=membership.pk)


hooks.fees_in_force_provider(selectors.fee_schedule_in_force)
hooks.commitment_years_provider(selectors.commitment_years_on)
hooks.arrears_provider(selectors.membership_in_arrears)
