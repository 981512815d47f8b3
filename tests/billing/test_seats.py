"""Extra roster seats granted by staff are invoiced in the same transaction; who sees bills."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import services
from billing.models import Invoice
from members import services as member_services
from members.models import Membership, SeatGrant
from tests.factories import InvoiceFactory, TeamFactory, TeamMemberFactory, UserFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def test_granting_seats_lifts_the_cap_and_issues_one_invoice_line(fees, staff):
    team = TeamFactory(lead=UserFactory())
    invoice = services.extra_seats_grant(membership=team.membership, seats=2, actor=staff,
                                         reason="Two more teachers")
    assert member_services.seats_covered(team) == 7
    line = invoice.lines.get()
    assert (line.quantity, line.unit_price) == (2, Decimal("500.00"))
    assert invoice.total == Decimal("1000.00")
    assert invoice.kind == Invoice.Kind.EXTRA_SEATS
    assert SeatGrant.objects.get().reason == "Two more teachers"


def test_no_grant_without_its_invoice(fees, staff):
    team = TeamFactory(lead=UserFactory())
    Membership.objects.filter(pk=team.membership.pk).update(status=Membership.Status.LEFT_EARLY)
    with pytest.raises(ValidationError):
        services.extra_seats_grant(membership=team.membership, seats=2, actor=staff)
    assert not SeatGrant.objects.exists() and not Invoice.objects.exists()


def test_staff_grant_seats_through_the_admin_issue_form(staff_client, fees):
    team = TeamFactory(lead=UserFactory())
    response = staff_client.post(reverse("admin:billing_invoice_add"), {**token(),
        "membership": team.membership.pk, "what": "extra_seats", "seats": "3",
        "reason": "PO 7781"}, follow=True)
    assert "Issued NCSUP-" in response.content.decode()
    assert member_services.seats_covered(team) == 8


def test_only_the_applicant_lead_and_sponsors_see_the_bills(client):
    invoice = InvoiceFactory()
    team = TeamFactory(membership=invoice.membership, lead=UserFactory())
    sponsor = TeamMemberFactory(team=team, role="sponsor").user
    teacher = TeamMemberFactory(team=team, role="member").user
    url = reverse("billing:invoice_list")
    for person, sees in [(team.members.get(role="lead").user, True), (sponsor, True),
                         (invoice.membership.application.applicant, True), (teacher, False)]:
        client.force_login(person)
        page = client.get(url)
        assert (invoice.number in page.content.decode()) is sees, person
        dashboard = client.get(reverse("members:dashboard")).content.decode()
        assert (url in dashboard) is sees
