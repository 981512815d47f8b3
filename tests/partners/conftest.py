"""The directory's world.

    oxford   Oxford School District (LEA, MS), active: lea_lead (lead), lea_member; listed
    denver   University of Denver (IHE, CO), active: ihe_lead (lead), ihe_member; listed
    portland Portland State University (IHE, OR), active: listed=False (opted out)
    chicago  Chicago Public Schools (LEA, IL), active, never listed
    pending  Avondale Elementary (LEA, AZ): membership awaiting payment; its lead is refused
    nobody   signed in, no membership
"""

from types import SimpleNamespace

import pytest

from members.models import Institution, Membership, Role, TeamMember
from partners import services
from tests.factories import InstitutionFactory, TeamFactory, UserFactory


def member_institution(name, kind, city, state, *, lead, status=Membership.Status.ACTIVE):
    institution = InstitutionFactory(name=name, kind=kind, city=city, state=state)
    team = TeamFactory(lead=lead, membership__status=status,
                       membership__application__institutions=[institution])
    return institution, team


def entry(institution, lead, *, listed=True, problems="Chronic absenteeism",
          seeking="An IHE partner for chronic absenteeism", seeking_kind="ihe"):
    return services.listing_save(institution=institution, actor=lead, listed=listed,
                                 about=f"{institution.name} serves its community.",
                                 problems=problems, seeking_kind=seeking_kind, seeking=seeking)


@pytest.fixture
def dir_world(db, tier1, staff, immediate_on_commit):
    w = SimpleNamespace(staff=staff)
    w.lea_lead = UserFactory(email="lead@oxford.example.org", first_name="Olivia",
                             last_name="Lead", job_title="Director of student services")
    w.ihe_lead = UserFactory(email="lead@du.example.org", first_name="Diego", last_name="Lead")
    w.oxford, w.oxford_team = member_institution("Oxford School District", Institution.Kind.LEA,
                                                 "Oxford", "MS", lead=w.lea_lead)
    w.denver, w.denver_team = member_institution("University of Denver", Institution.Kind.IHE,
                                                 "Denver", "CO", lead=w.ihe_lead)
    w.lea_member = TeamMember.objects.create(team=w.oxford_team, user=UserFactory(),
                                             role=Role.MEMBER).user
    w.ihe_member = TeamMember.objects.create(team=w.denver_team, user=UserFactory(),
                                             role=Role.MEMBER).user
    w.portland_lead = UserFactory(email="lead@pdx.example.org")
    w.portland, _ = member_institution("Portland State University", Institution.Kind.IHE,
                                       "Portland", "OR", lead=w.portland_lead)
    w.chicago_lead = UserFactory(email="lead@cps.example.org")
    w.chicago, _ = member_institution("Chicago Public Schools", Institution.Kind.LEA, "Chicago",
                                      "IL", lead=w.chicago_lead)
    w.pending_lead = UserFactory(email="lead@avondale.example.org")
    w.avondale, _ = member_institution("Avondale Elementary School District",
                                       Institution.Kind.LEA, "Avondale", "AZ",
                                       lead=w.pending_lead, status=Membership.Status.PENDING)
    w.nobody = UserFactory(email="someone@nowhere.example.org")
    w.oxford_entry = entry(w.oxford, w.lea_lead)
    w.denver_entry = entry(w.denver, w.ihe_lead, problems="Teacher preparation; attendance",
                           seeking="A district partner for chronic absenteeism",
                           seeking_kind="lea")
    w.portland_entry = entry(w.portland, w.portland_lead, listed=False)
    return w
