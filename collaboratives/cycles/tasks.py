"""Background work of the improvement work: the daily action-period nudges (registered under
its name from before the split, ``collaboratives.tasks.action_period_nudges_send``)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from collaboratives.cycles import nudges
from collaboratives.cycles.models import ActionPeriod
from core.batch import each_locked


@shared_task(name="collaboratives.tasks.action_period_nudges_send")
def action_period_nudges_send() -> int:
    """Daily: in the last ``COLLABORATIVE_NUDGE_DAYS`` of an action period, nudge each team that
    has logged fewer PDSA cycles than expected. Once per person per period."""
    today = timezone.localdate()
    ending = ActionPeriod.objects.filter(
        opening_convening__starts_at__date__lte=today,
        closing_convening__starts_at__date__gt=today,
        closing_convening__starts_at__date__lte=today + timedelta(
            days=settings.COLLABORATIVE_NUDGE_DAYS),
    )
    return sum(each_locked(ending,
                           lambda period: nudges.action_period_nudge_send(period=period,
                                                                           today=today)))
