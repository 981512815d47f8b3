from dataclasses import dataclass

import pytest

from tests.factories import TeamFactory, TeamMemberFactory, UserFactory
from tests.network.factories import EventFactory, GroupFactory, GroupMembershipFactory


@dataclass
class Net:
    member: object       # a Tier 1 member (lead of a current membership's team)
    colleague: object    # on the same team
    other: object        # a member of another team
    outsider: object     # an account on no current team
    staff: object
    facilitator: object  # facilitates both groups
    open_group: object
    closed_group: object
    webinar: object      # open to all members


@pytest.fixture
def net(db, tier1, immediate_on_commit):
    member = UserFactory(email="tier1@avondale.example.org", first_name="Ana",
                         last_name="Reyes")
    team = TeamFactory(lead=member, name="Avondale Elementary School District")
    colleague = TeamMemberFactory(team=team, user__email="teacher@avondale.example.org").user
    other = UserFactory(email="lead@fairfax.example.org")
    TeamFactory(lead=other)
    facilitator = UserFactory(email="facilitator@oxford.example.org")
    TeamFactory(lead=facilitator)
    open_group = GroupFactory(name="Chronic absenteeism working group",
                              slug="chronic-absenteeism")
    closed_group = GroupFactory(name="Data analysts", slug="data-analysts", by_request=True)
    for group in (open_group, closed_group):
        GroupMembershipFactory(group=group, user=facilitator, facilitator=True)
    return Net(member=member, colleague=colleague, other=other, outsider=UserFactory(),
               staff=UserFactory(staff=True), facilitator=facilitator, open_group=open_group,
               closed_group=closed_group,
               webinar=EventFactory(title="Webinar: run charts", capacity=2))
