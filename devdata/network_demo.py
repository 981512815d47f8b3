"""Demo data for `make run`: the network's events (one full, with a waitlist; a past webinar
with its recording) and three groups with topics and posts. Idempotent: does nothing once the
demo groups exist."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from members.models import User
from network import services
from network.models import Event, EventMaterial, Group, GroupMembership

DEMO = "@demo.ncsup.example.org"


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _event(*, days: int, hour: int = 15, minutes: int = 60, **fields) -> Event:
    starts = _at(days, hour)
    fields.setdefault("meeting_link", "https://meet.example.org/ncsup-network")
    return Event.objects.create(starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
                                **fields)


def ensure(*, staff: User) -> None:
    if Group.objects.filter(slug="chronic-absenteeism").exists():
        return
    people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=DEMO)}
    oxford, chesterfield, avondale = (people.get(n) for n in ("oxford", "chesterfield",
                                                              "avondale"))
    coach = User.objects.filter(email="coach@ncsup.example.org").first() or staff

    working = Group.objects.create(
        name="Chronic absenteeism working group", slug="chronic-absenteeism",
        kind=Group.Kind.WORKING_GROUP, focus=Group.Focus.PROBLEM,
        focus_detail="chronic absenteeism",
        summary="Districts and universities testing changes that bring students back to school.",
        description="We meet monthly, share PDSA cycles on attendance and read together.")
    hub = Group.objects.create(
        name="School improvement planning hub", slug="school-improvement-planning",
        kind=Group.Kind.IMPROVEMENT_HUB, focus=Group.Focus.PROBLEM,
        focus_detail="school improvement processes and planning", joining=Group.Joining.REQUEST,
        summary="Principals and partners turning improvement plans into tested changes.")
    analysts = Group.objects.create(
        name="Data analysts", slug="data-analysts", kind=Group.Kind.AFFINITY_GROUP,
        focus=Group.Focus.ROLE, focus_detail="data analysts on improvement teams",
        summary="Run charts, measures and the questions only analysts ask.")
    GroupMembership.objects.create(group=working, user=coach,
                                   role=GroupMembership.Role.FACILITATOR)
    GroupMembership.objects.create(group=analysts, user=coach,
                                   role=GroupMembership.Role.FACILITATOR)
    if oxford:
        GroupMembership.objects.create(group=hub, user=oxford,
                                       role=GroupMembership.Role.FACILITATOR)
        services.group_join(group=working, user=oxford)
    if chesterfield:
        services.group_join(group=working, user=chesterfield)
        services.group_join(group=hub, user=chesterfield)  # a request for Oxford to decide

    topic = services.topic_start(
        group=working, actor=coach, title="What worked for first-period attendance?",
        body="Share one change you tested this month and what your data said.")
    if oxford:
        services.post_add(topic=topic, actor=oxford, markup="markdown",
                          body="We tested **a text home on the first absence**:\n\n"
                               "- 3 schools, 2 weeks\n- replies within a day: 58%\n\n"
                               "Next: adapt the wording for families who speak Spanish.")
    services.topic_start(group=analysts, actor=coach, title="Annotating run charts",
                         body="How do you mark a PDSA cycle on a chart without clutter?")
    if oxford:
        services.topic_start(group=hub, actor=oxford, title="Plans that teams actually use",
                             body="Which part of your improvement plan do teams open weekly?")

    webinar = _event(days=9, title="Webinar: reading a run chart", kind=Event.Kind.WEBINAR,
                     capacity=100, facilitator=coach,
                     description="Forty minutes on the median, the goal line and the four "
                                 "run-chart rules, with time for your own charts.")
    workshop = _event(days=16, hour=13, minutes=120, title="Workshop: writing a driver diagram",
                      kind=Event.Kind.WORKSHOP, capacity=2, facilitator=coach,
                      description="Small-group practice: from an aim to primary and secondary "
                                  "drivers and change ideas. Two places, so sign up early.")
    _event(days=12, hour=16, title="Book study: Learning to Improve, chapters 1-3",
           kind=Event.Kind.BOOK_STUDY, group=working, capacity=20, facilitator=coach)
    _event(days=30, hour=10, minutes=180, title="Southeast regional meetup",
           kind=Event.Kind.MEETUP, format=Event.Format.IN_PERSON, meeting_link="",
           venue="University of Mississippi School of Education",
           address="University, MS 38677", capacity=40)
    _event(days=20, hour=14, title="Role-alike conversation: data analysts",
           kind=Event.Kind.ROLE_ALIKE, group=analysts, capacity=25, facilitator=coach)
    past = _event(days=-21, title="Webinar: PDSA cycles that teach", kind=Event.Kind.WEBINAR,
                  capacity=100, facilitator=coach)
    EventMaterial.objects.create(event=past, kind=EventMaterial.Kind.RECORDING,
                                 title="Recording (52 minutes)", added_by=staff,
                                 url="https://video.example.org/ncsup/pdsa-cycles-that-teach")
    EventMaterial.objects.create(event=past, kind=EventMaterial.Kind.SLIDES,
                                 title="Slides", added_by=staff,
                                 url="https://docs.example.org/ncsup/pdsa-cycles-slides")

    for person in (oxford, chesterfield):
        if person:
            services.event_register(event=webinar, user=person)
            services.event_register(event=workshop, user=person)
    services.event_register(event=workshop, user=coach, waitlist=True)  # full: a waitlist
    if avondale:
        services.event_register(event=webinar, user=avondale)
