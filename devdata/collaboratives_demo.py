"""Demo data for `make run`: a current collaborative with two enrolled partnerships."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from collaboratives.convenings.services import convening_schedule
from collaboratives.cycles.services import (
    action_periods_create_between_convenings,
    aim_set,
    change_idea_add,
    coaching_call_log,
    pdsa_cycle_advance,
    pdsa_cycle_log,
    primary_driver_add,
)
from collaboratives.measures.services import measure_define, measure_value_record, team_measure_set
from collaboratives.models import Collaborative, PDSACycle
from collaboratives.programme.services import enrollment_create, phase_set
from members.models import Team, User

COACH_EMAIL = "coach@ncsup.example.org"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed(*, staff: User, password: str) -> User | None:
    """Idempotent: does nothing when the demo collaborative exists. Returns the new coach."""
    if Collaborative.objects.filter(slug="chronic-absenteeism-2026").exists():
        return None
    teams = list(
        Team.objects.filter(
            membership__tier__includes_collaborative=True,
            membership__status__in=["pending", "active"],
        )
        .select_related("membership")
        .order_by("pk")
    )
    if not teams:
        return None
    coach, created = User.objects.get_or_create(
        email=COACH_EMAIL, defaults={"first_name": "Casey", "last_name": "Coach"}
    )
    if created:
        coach.set_password(password)
        coach.save()
    group, _ = Group.objects.get_or_create(name=settings.COLLABORATIVE_COACH_GROUP)
    coach.groups.add(group)

    today = timezone.localdate()
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    collaborative = Collaborative.objects.create(
        name=f"Chronic Absenteeism Breakthrough Collaborative {start.year}-{start.year % 100 + 1}",
        slug="chronic-absenteeism-2026",
        problem_of_practice="Chronic absenteeism",
        start=start,
        end=start.replace(year=start.year + 1) - timedelta(days=1),
        aim="Cut chronic absenteeism across member institutions by a quarter within one year.",
    )
    quarter = [
        (start, 91),
        (start + timedelta(91), 91),
        (start + timedelta(182), 91),
        (start + timedelta(273), 91),
    ]
    for kind, (begin, days) in zip(
        ["learning", "testing", "spreading", "sustaining"], quarter, strict=True
    ):
        end = min(begin + timedelta(days=days - 1), collaborative.end)
        phase_set(collaborative=collaborative, kind=kind, start=begin, end=end)
    plan = [
        (14, "Launch convening", "in_person", "The Inn at Ole Miss", "120 Alumni Dr, Oxford, MS"),
        (70, "Convening 2: testing changes", "online", "", ""),
        (140, "Convening 3: what the data say", "online", "", ""),
        (
            210,
            "Convening 4: spreading what works",
            "in_person",
            "Fordham University",
            "113 W 60th St, New York, NY",
        ),
        (300, "Convening 5: sustaining the gains", "online", "", ""),
    ]
    for offset, title, format, venue, address in plan:
        day = start + timedelta(days=offset)
        convening_schedule(
            collaborative=collaborative,
            title=title,
            format=format,
            starts_at=_at(day, 9),
            ends_at=_at(day, 15),
            venue=venue,
            address=address,
            meeting_link="https://meet.example.org/ncsup-demo" if format == "online" else "",
            agenda="Team reports, PDSA cycle review, planning the next action period.",
            # Spreading what works: the whole network, Tier 1 included, is invited.
            open_to_network=title.startswith("Convening 4"),
            actor=staff,
        )
    action_periods_create_between_convenings(collaborative=collaborative)
    driver = primary_driver_add(
        collaborative=collaborative, actor=staff, title="Families know attendance matters"
    )
    texts = change_idea_add(
        primary_driver=driver, actor=staff, title="Text families after a first absence"
    )
    change_idea_add(
        primary_driver=driver, actor=staff, title="Attendance nudges in report cards"
    )
    belonging = primary_driver_add(
        collaborative=collaborative, actor=staff, title="Students feel they belong at school"
    )
    change_idea_add(
        primary_driver=belonging, actor=staff, title="Check-in, check-out mentoring"
    )

    for n, team in enumerate(teams):
        enrollment = enrollment_create(
            collaborative=collaborative, team=team, coach=coach, actor=staff
        )
        lead = team.members.get(role="lead").user
        aim_set(
            enrollment=enrollment,
            actor=lead,
            what="Chronic absenteeism in grades 6-8",
            how_much=f"from {24 - n}% to {18 - n}%",
            by_when=collaborative.end - timedelta(days=60),
        )
        cycle = pdsa_cycle_log(
            team=team,
            collaborative=collaborative,
            actor=lead,
            change_idea=texts,
            title="Texting families after a first absence",
            question="Will a same-day text bring absent students back sooner?",
            prediction="Half of the families texted reply within a day.",
            plan_who="Attendance clerk",
            plan_what="Text after the first absence",
            plan_when="Two weeks",
            plan_where="Grade 7",
            data_to_collect="Replies; returns",
        )
        if n == 0:
            pdsa_cycle_advance(cycle=cycle, actor=lead, to=PDSACycle.Status.IN_PROGRESS)
            pdsa_cycle_advance(
                cycle=cycle,
                actor=lead,
                to=PDSACycle.Status.COMPLETED,
                what_happened="31 families texted; 19 replied the same day.",
                results="61% replied within a day, more than the 50% predicted.",
                learning="A personal tone works better than the template.",
                decision="adopt",
                next_step="Spread to grade 8.",
            )
            coaching_call_log(
                enrollment=enrollment,
                actor=coach,
                held_on=today - timedelta(days=3),
                attendees=[lead],
                notes="Reviewed the texting cycle.",
                next_steps="Plan the grade 8 cycle before the next convening.",
            )
    _measures(collaborative, staff, teams)
    return coach


# Weekly chronic-absenteeism rates: a steady baseline, then a drop once the texting took hold.
BASELINE = [23.9, 24.6, 23.1, 24.8, 24.2, 23.5, 24.9, 23.8, 24.4, 23.6]
AFTER = [22.1, 21.4, 21.9, 20.8, 21.2, 20.5]


def _measures(collaborative, staff, teams):
    measure = measure_define(
        collaborative=collaborative, actor=staff, name="Chronic absenteeism rate",
        kind="outcome", unit="percent", better="down", sampling="weekly",
        operational_definition="Students in grades 6-8 who have missed 10% or more of the "
                               "school days so far, as a percentage of enrolled students, "
                               "counted each Friday.", goal=Decimal("18"))
    measure_define(
        collaborative=collaborative, actor=staff, name="Families reached after a first absence",
        kind="process", unit="percent", better="up", sampling="weekly",
        operational_definition="Families contacted the same day, as a percentage of first "
                               "absences that week.")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    series = BASELINE + AFTER
    for n, team in enumerate(teams):
        lead = team.members.get(role="lead").user
        for weeks_ago, value in enumerate(reversed(series), start=1):
            day = monday - timedelta(weeks=weeks_ago)
            if day < collaborative.start:
                continue
            measure_value_record(team=team, measure=measure, actor=lead, day=day,
                                 value=Decimal(str(value)) - n)
        # The first five weeks were the baseline, before the texting began.
        team_measure_set(team=team, measure=measure, actor=lead, baseline_points=5)
