"""Data the rhythm's tests share: a weekly series on a measure, a submitted report."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from rhythm import services
from tests.factories import MeasureFactory, MeasureValueFactory


def weekly_series(team, measure, values):
    """One value a week, the last this week."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for i, value in enumerate(values):
        MeasureValueFactory(team=team, measure=measure, value=Decimal(str(value)),
                            period=monday - timedelta(weeks=len(values) - 1 - i))


def deteriorating_balancing(collaborative, team):
    """A balancing measure (higher is better) that shifts down over its latest points."""
    measure = MeasureFactory(collaborative=collaborative, name="Teacher morale", kind="balancing",
                             unit="percent", better="up")
    weekly_series(team, measure, [70, 72, 71, 73, 70, 72, 71, 73, 60, 59, 58, 57, 56, 55, 54])
    return measure


def submitted(world, month, score="2.5", team="a", **words):
    enrollment = getattr(world, f"enrollment_{team}")
    lead = world.lead_a if team == "a" else world.member_b
    return services.report_file(enrollment=enrollment, month=month, actor=lead,
                                learned=words.get("learned", "Texts beat calls."),
                                self_score=score, submit=True)
