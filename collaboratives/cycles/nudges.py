"""The nudge near the end of an action period to each team that has logged fewer PDSA cycles
than expected; once per person per period."""

from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from collaboratives.convenings.reminders import reminder_claim
from collaboratives.cycles.models import ActionPeriod
from collaboratives.programme.models import Enrollment
from core.emails import email_queue
from members.models import TeamMember


@transaction.atomic
def action_period_nudge_send(*, period: ActionPeriod, today: date | None = None) -> int:
    """Near the end of an action period, nudge each team that has logged fewer cycles than
    expected: every active member once per period."""
    today = today or timezone.localdate()
    period = (ActionPeriod.objects.select_related("collaborative", "opening_convening",
                                                  "closing_convening").get(pk=period.pk))
    behind = (Enrollment.objects.filter(collaborative=period.collaborative)
              .annotate(logged=Count("team__pdsa_cycles",
                                     filter=Q(team__pdsa_cycles__action_period=period)))
              .filter(logged__lt=period.expected_cycles).select_related("team"))
    queued = 0
    for enrollment in behind:
        kind = f"nudge:period-{period.pk}:team-{enrollment.team_id}"
        members = (TeamMember.objects.filter(team=enrollment.team, user__is_active=True,
                                             status=TeamMember.Status.ACTIVE)
                   .select_related("user"))
        for member in members:
            if not reminder_claim(period.closing_convening, member.user, kind):
                continue
            email_queue(
                key=f"action-period-nudge:{period.pk}:{enrollment.team_id}:{member.user_id}",
                to=member.user.email, template="action_period_nudge",
                context={"period": period, "collaborative": period.collaborative,
                         "team": enrollment.team, "user": member.user,
                         "logged": enrollment.logged, "expected": period.expected_cycles,
                         "days_left": (period.ends_on - today).days}, category="nudge")
            queued += 1
    return queued
