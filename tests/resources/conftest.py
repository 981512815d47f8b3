"""The library's world: tags, a resource for each visibility rule, and people of each kind.

    tier1_member   on a Tier 1 membership (no collaborative)
    world.lead_a   on a Tier 2 team enrolled in the collaborative
    world.outsider on a Tier 2 team not enrolled
    ended          whose membership ended
"""

from types import SimpleNamespace

import pytest

from members.models import Membership
from resources import services
from resources.models import Resource, Tag
from tests.collaboratives.conftest import world  # noqa: F401 (the fixture)
from tests.factories import TeamFactory, UserFactory


def tag(kind, name):
    return Tag.objects.create(kind=kind, name=name, slug=name.lower().replace(" ", "-"))


def add(actor, title, *, summary="A guide.", visibility=Resource.Visibility.MEMBERS, tags=(),
        kind=Resource.Kind.LINK, url="https://example.org/guide", **extra):
    return services.resource_save(resource=Resource(title=title, summary=summary, kind=kind,
                                                    url=url, visibility=visibility, **extra),
                                  actor=actor, tags=list(tags))


@pytest.fixture
def lib(world, tier1, staff):  # noqa: F811
    w = world
    w.staff = staff
    w.absenteeism = tag(Tag.Kind.PROBLEM, "Chronic absenteeism")
    w.math = tag(Tag.Kind.PROBLEM, "Math for students with disabilities")
    w.pdsa = tag(Tag.Kind.METHOD, "PDSA")
    w.run_chart = tag(Tag.Kind.METHOD, "Run chart")
    w.leads = tag(Tag.Kind.AUDIENCE, "Team leads")
    w.public = add(staff, "What is improvement science?", visibility="public",
                   summary="An introduction for anyone curious about improvement science.")
    w.members = add(staff, "Running your first PDSA cycle", tags=[w.pdsa, w.absenteeism],
                    summary="Plan, do, study, act: a worked example on attendance texts.")
    w.tier2 = add(staff, "Coaching call agenda template", visibility="tier2",
                  tags=[w.leads], summary="The agenda coaches use on monthly calls.")
    w.collab = add(staff, "Attendance collaborative baseline", visibility="collaborative",
                   collaborative=w.collaborative, tags=[w.run_chart, w.absenteeism],
                   summary="How the collaborative's teams measured their baseline.")
    w.unlisted = add(staff, "Draft: math routines", listed=False, tags=[w.math])
    w.tier1_member = UserFactory(email="tier1@district-t.example.org")
    TeamFactory(lead=w.tier1_member, membership__application__requested_tier=tier1)
    w.ended = UserFactory(email="ended@district-e.example.org")
    TeamFactory(lead=w.ended, membership__status=Membership.Status.ENDED)
    w.nobody = UserFactory(email="applicant@nowhere.example.org")
    return SimpleNamespace(**vars(w))
