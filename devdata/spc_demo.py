"""Demo control charts for ``make run``: an XmR chart and a Laney p' chart with signals, on the
demo collaborative's teams. Idempotent: ``ensure()`` adds the two measures and their values once.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from collaboratives.measures.services import (
    measure_define,
    measure_phase_add,
    measure_value_record,
)
from collaboratives.models import Collaborative, Enrollment, Measure
from members.models import User

SLUG = "chronic-absenteeism-2026"
XMR_NAME = "Minutes of first period lost to late buses"
P_NAME = "Students chronically absent (district count)"
WEEKS = 30


def ensure() -> None:
    collaborative = Collaborative.objects.filter(slug=SLUG).first()
    if collaborative is None or Measure.objects.filter(collaborative=collaborative,
                                                       name=P_NAME).exists():
        return
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    xmr = measure_define(
        collaborative=collaborative, actor=staff, name=XMR_NAME, kind="balancing",
        unit="rate", rate_basis="minutes per school", better="down", sampling="weekly",
        chart="xmr", operational_definition="Average minutes of first period lost to late "
                                            "buses per school that week, from the transport "
                                            "office's log.")
    p_prime = measure_define(
        collaborative=collaborative, actor=staff, name=P_NAME, kind="outcome", unit="percent",
        better="down", sampling="weekly", counted=True, chart="p_prime", goal=Decimal("15"),
        operational_definition="Numerator: enrolled students who have missed 10% or more of "
                               "school days so far. Denominator: students enrolled. From the "
                               "district's attendance system each Friday.")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    rng = random.Random(2026)
    enrollments = (Enrollment.objects.filter(collaborative=collaborative)
                   .select_related("team").order_by("pk"))
    for n, enrollment in enumerate(enrollments):
        team = enrollment.team
        lead = team.members.get(role="lead").user
        enrolled = 4800 + 150 * n
        for i in range(WEEKS):
            day = monday - timedelta(weeks=WEEKS - i)
            minutes = 12 + rng.gauss(0, 1.2) + (9 if i == 17 else 0) - (3 if i >= 22 else 0)
            measure_value_record(team=team, measure=xmr, actor=lead, day=day,
                                 value=Decimal(f"{max(minutes, 0):.1f}"))
            share = (0.205 + rng.uniform(-0.025, 0.025) - (0.04 if i >= 22 else 0) - 0.01 * n
                     + (0.09 if i == 12 else 0))  # a flu week: a signal on the chart
            measure_value_record(team=team, measure=p_prime, actor=lead, day=day,
                                 numerator=round(enrolled * share), denominator=enrolled)
        measure_phase_add(team=team, measure=xmr, actor=lead,
                          starts_on=monday - timedelta(weeks=WEEKS - 22),
                          label="Staggered bell times")
        measure_phase_add(team=team, measure=p_prime, actor=lead,
                          starts_on=monday - timedelta(weeks=WEEKS - 22),
                          label="Texts to families")
