"""Builders the portal-wide tests use for this feature's URLs (tests/test_access_matrix.py and
tests/test_double_submit.py): each makes what its URL needs inside the world it is given."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from members.models import Membership, Role, TeamMember
from partners import services as partner_services
from partners.models import Introduction, Listing
from resources import services as resource_services
from resources.models import Resource


def resource(w, *, kind="link") -> Resource:
    """A resource for every member, by the world's staff member."""
    extra = {"url": "https://example.org/guide"}
    if kind == "file":
        extra = {"file_path": default_storage.save("resources/files/matrix-guide.pdf",
                                                   ContentFile(b"%PDF-1.7\n%%EOF\n")),
                 "original_name": "guide.pdf", "file_size": 14}
    return resource_services.resource_save(
        resource=Resource(title="A guide to PDSA cycles", summary="For every member.",
                          kind=kind, visibility=Resource.Visibility.MEMBERS, **extra),
        actor=w.staff)


def _team_of(user):
    return TeamMember.objects.get(user=user, status="active").team


def partners(w):
    """Every membership of the world active; the other member's institution listed (they lead
    it), and the world's team's institution listed too."""
    Membership.objects.update(status=Membership.Status.ACTIVE)
    theirs = _team_of(w.other_member).membership.institutions.get()
    ours = w.team.membership.institutions.get()
    for institution, lead in ((theirs, w.other_member), (ours, w.lead)):
        listing = Listing.objects.filter(institution=institution).first()
        if listing is None:
            partner_services.listing_save(institution=institution, actor=lead, listed=True,
                                          about="A member institution.",
                                          problems="Chronic absenteeism",
                                          seeking_kind="any", seeking="A partner")
    w.their_listing = Listing.objects.get(institution=theirs)
    w.our_institution = ours
    return w


def introduction(w) -> Introduction:
    """The world's team member asks, on behalf of their institution, to meet the other's."""
    partners(w)
    return partner_services.introduction_request(
        actor=w.team_member, from_institution=w.our_institution, listing=w.their_listing,
        message="Could we work on attendance together?")


def double_submit_prepare(w):
    """For test_double_submit's site: an asker on an active membership and a listing to ask."""
    Membership.objects.filter(team=w.team_a).update(status=Membership.Status.ACTIVE)
    Membership.objects.filter(team=w.team_b).update(status=Membership.Status.ACTIVE)
    partner_services.listing_save(
        institution=w.team_b.membership.institutions.first(), actor=w.member_b, listed=True,
        about="Denver's schools.", problems="Chronic absenteeism", seeking_kind="any",
        seeking="A partner for attendance")
    w.partner_listing = Listing.objects.get()
    w.partner_from = w.team_a.membership.institutions.first()
    assert TeamMember.objects.filter(team=w.team_a, user=w.lead_a, role=Role.LEAD).exists()
