"""Change packages reach the whole membership: Tier 1 members read published versions too."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import ChangePackage
from members.models import Membership
from tests.factories import CollaborativeFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def packages():
    collaborative = CollaborativeFactory()
    published = ChangePackage.objects.create(
        collaborative=collaborative, version=1, title="Attendance change package",
        status=ChangePackage.Status.PUBLISHED, published_at=timezone.now(),
        pdf_path=default_storage.save("collaboratives/change-packages/lib.pdf",
                                      ContentFile(b"%PDF-1.4 test")))
    draft = ChangePackage.objects.create(collaborative=collaborative, version=2,
                                         title="Next version (draft)")
    return published, draft


def test_a_tier_1_member_reads_published_packages_but_not_drafts(client, packages, tier1):
    published, draft = packages
    lead = UserFactory()
    TeamFactory(lead=lead)  # a Tier 1 membership, not in any collaborative
    client.force_login(lead)
    listing = client.get(reverse("collaboratives:library")).content.decode()
    assert "Attendance change package" in listing and "draft" not in listing
    assert client.get(reverse("collaboratives:library_package",
                              args=[published.pk])).status_code == 200
    assert client.get(reverse("collaboratives:library_pdf", args=[published.pk])).status_code == 200
    assert client.get(reverse("collaboratives:library_package",
                              args=[draft.pk])).status_code == 404


def test_people_without_a_current_membership_are_told_and_refused(client, packages):
    published, _ = packages
    former = UserFactory()
    team = TeamFactory(lead=former)
    Membership.objects.filter(pk=team.membership.pk).update(status=Membership.Status.ENDED)
    for person in (UserFactory(), former):
        client.force_login(person)
        listing = client.get(reverse("collaboratives:library")).content.decode()
        assert "Change packages are for members of the network" in listing
        assert "Attendance change package" not in listing
        assert client.get(reverse("collaboratives:library_package",
                                  args=[published.pk])).status_code == 404
        assert client.get(reverse("collaboratives:library_pdf",
                                  args=[published.pk])).status_code == 404


def test_library_query_count_does_not_grow_with_collaboratives(
    client, django_assert_max_num_queries
):
    lead = UserFactory()
    TeamFactory(lead=lead)
    client.force_login(lead)
    counts = []
    for total in (2, 20):
        while ChangePackage.objects.count() < total:
            ChangePackage.objects.create(collaborative=CollaborativeFactory(), version=1,
                                         title="P", status=ChangePackage.Status.PUBLISHED,
                                         published_at=timezone.now())
        with django_assert_max_num_queries(10) as captured:
            client.get(reverse("collaboratives:library"))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_a_left_early_membership_and_a_former_applicant_lose_the_library(client, packages,
                                                                         tier1, staff):
    from members import services as member_services
    from members.models import TeamMember
    from tests.factories import ApplicationFactory

    published, _ = packages
    left = UserFactory()
    team = TeamFactory(lead=left)
    Membership.objects.filter(pk=team.membership.pk).update(status=Membership.Status.LEFT_EARLY)
    applicant = UserFactory()
    membership = member_services.application_approve(
        application=ApplicationFactory(applicant=applicant), actor=staff)
    successor = UserFactory()
    TeamMember.objects.create(team=membership.team, user=successor, role="member")
    member_services.lead_handover(team=membership.team, actor=applicant,
                                  to=membership.team.members.get(user=successor))
    member_services.member_remove(member=membership.team.members.get(user=applicant,
                                                                     status="active"),
                                  actor=successor)
    for person in (left, applicant):
        client.force_login(person)
        listing = client.get(reverse("collaboratives:library")).content.decode()
        assert "Attendance change package" not in listing
        for name in ("library_package", "library_pdf"):
            assert client.get(reverse(f"collaboratives:{name}",
                                      args=[published.pk])).status_code == 404
    client.force_login(successor)
    assert "Attendance change package" in client.get(
        reverse("collaboratives:library")).content.decode()
