"""Who sees a membership's bills: its billing contacts, an explicit list. Having applied, or
having once led the team, gives nothing by itself; a membership that left early still shows its
invoices to its contacts (it may owe money)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing import services
from billing.models import Payment
from core.models import AuditEntry
from members import services as member_services
from members.models import BillingContact, Membership, TeamMember
from tests.billing.conftest import FY2027_DAY
from tests.factories import ApplicationFactory, TeamMemberFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit", "no_stripe")]

BILLING = reverse("billing:invoice_list")


@pytest.fixture
def pat(db):
    return UserFactory(email="pat@district.example.org", first_name="Pat", last_name="Applicant")


@pytest.fixture
def membership(fees, staff, pat):
    application = ApplicationFactory(applicant=pat, billing_name="Accounts payable",
                                     billing_email="ap@district.example.org")
    return member_services.application_approve(application=application, actor=staff,
                                               term_start=FY2027_DAY)


@pytest.fixture
def invoice(membership):
    return membership.invoices.get()


@pytest.fixture
def new_lead(membership):
    return TeamMemberFactory(team=membership.team,
                             user=UserFactory(email="nia@district.example.org")).user


@pytest.fixture
def handed_over_and_removed(membership, pat, new_lead):
    """Pat, who applied and led the team, hands the lead over and is then removed."""
    team = membership.team
    member_services.lead_handover(team=team, actor=pat, to=team.members.get(user=new_lead))
    member_services.member_remove(member=team.members.get(user=pat, status="active"),
                                  actor=new_lead)
    return pat


def contacts(membership):
    return sorted(c.address for c in membership.billing_contacts.all())


def contacts_url(membership):
    return reverse("billing:contacts", args=[membership.pk])


def pdf_url(invoice):
    return reverse("billing:invoice_pdf", args=[invoice.pk])


def test_approval_makes_the_applicant_and_the_billing_address_the_contacts(membership):
    assert contacts(membership) == ["ap@district.example.org", "pat@district.example.org"]
    pat_contact = membership.billing_contacts.get(email="pat@district.example.org")
    assert pat_contact.user.email == "pat@district.example.org"
    assert membership.billing_contacts.get(email="ap@district.example.org").user is None
    assert AuditEntry.objects.filter(action="billing-contact:added").count() == 2


def test_the_same_address_twice_is_one_contact(fees, staff, pat):
    application = ApplicationFactory(applicant=pat, billing_email="PAT@district.example.org")
    membership = member_services.application_approve(application=application, actor=staff)
    assert contacts(membership) == ["pat@district.example.org"]


def test_the_invoice_email_goes_to_each_contact_once(membership, invoice):
    sent = sorted(m.to[0] for m in mail.outbox if invoice.number in m.subject)
    assert sent == ["ap@district.example.org", "pat@district.example.org"]


def test_the_former_applicant_loses_bills_pdfs_and_emails(client, membership, invoice,
                                                          handed_over_and_removed, new_lead,
                                                          staff):
    pat = handed_over_and_removed
    assert contacts(membership) == ["ap@district.example.org"]
    assert AuditEntry.objects.filter(action="billing-contact:removed",
                                     reason__contains="pat@district.example.org").exists()
    client.force_login(pat)
    assert client.get(pdf_url(invoice)).status_code == 404
    assert client.get(BILLING, {"membership": membership.pk}).status_code == 404
    assert client.get(contacts_url(membership)).status_code == 404
    assert invoice.number not in client.get(BILLING).content.decode()
    # Nor does mail about this invoice reach them any more: reminders, receipts, refunds.
    mail.outbox.clear()
    services.invoice_reminder_send(invoice=invoice, today=invoice.due_date)
    payment = services.payment_record(invoice=invoice, amount=Decimal("500.00"),
                                      method=Payment.Method.CHECK, received_on=invoice.issue_date,
                                      reference="Check 1", actor=staff)
    services.refund_record(invoice=invoice, amount=Decimal("100.00"),
                           method=Payment.Method.CHECK, reason="Overpaid", request_key="r1",
                           actor=staff)
    assert payment.pk
    recipients = {m.to[0] for m in mail.outbox}
    assert len(mail.outbox) == 3
    assert recipients == {"ap@district.example.org"}


def test_a_removed_lead_is_refused_but_staff_can_keep_them(client, membership, invoice, pat,
                                                          new_lead):
    BillingContact.objects.filter(user=pat).update(kept_by_staff=True)
    team = membership.team
    member_services.lead_handover(team=team, actor=pat, to=team.members.get(user=new_lead))
    member_services.member_remove(member=team.members.get(user=pat, status="active"),
                                  actor=new_lead)
    client.force_login(pat)
    assert client.get(pdf_url(invoice)).status_code == 200


def test_when_the_last_contact_leaves_the_lead_takes_over(fees, staff, pat):
    application = ApplicationFactory(applicant=pat, billing_email=pat.email)
    membership = member_services.application_approve(application=application, actor=staff)
    team = membership.team
    new_lead = TeamMemberFactory(team=team, user=UserFactory(email="nia@district.example.org")).user
    member_services.lead_handover(team=team, actor=pat, to=team.members.get(user=new_lead))
    member_services.member_remove(member=team.members.get(user=pat, status="active"),
                                  actor=new_lead)
    assert contacts(membership) == ["nia@district.example.org"]


def test_a_team_member_who_is_not_a_contact_sees_no_bills(client, membership, invoice,
                                                          new_lead):
    client.force_login(new_lead)  # on the team, not a billing contact
    assert client.get(pdf_url(invoice)).status_code == 404
    assert client.get(BILLING, {"membership": membership.pk}).status_code == 404
    assert invoice.number not in client.get(BILLING).content.decode()


@pytest.mark.parametrize("status", [Membership.Status.LEFT_EARLY, Membership.Status.ENDED])
def test_after_leaving_early_or_ending_the_contacts_still_see_the_invoices(
        client, membership, invoice, pat, status):
    Membership.objects.filter(pk=membership.pk).update(status=status)
    client.force_login(pat)
    assert invoice.number in client.get(BILLING).content.decode()
    assert client.get(BILLING, {"membership": membership.pk}).status_code == 200
    assert client.get(pdf_url(invoice)).status_code == 200
    # ... but they no longer manage the list: the team's lead role ended with the membership.
    page = client.get(contacts_url(membership))
    assert page.status_code == 200 and "Add another address" not in page.content.decode()
    response = client.post(contacts_url(membership), {
        "add": "address", "address-name": "X", "address-email": "x@example.org"})
    assert response.status_code == 404
    assert not membership.billing_contacts.filter(email="x@example.org").exists()


# --- The lead manages the list from the billing page ---------------------------------------------
def test_the_lead_adds_an_outside_address_and_a_team_member(client, membership, pat, new_lead):
    client.force_login(pat)
    page = client.get(BILLING).content.decode()
    assert contacts_url(membership) in page
    response = client.post(contacts_url(membership), {
        "add": "address", "address-name": "Accounts payable",
        "address-email": "payables@district.example.org"}, follow=True)
    assert "payables@district.example.org is now a billing contact" in response.content.decode()
    response = client.post(contacts_url(membership), {"add": "member",
                                                      "member-user": new_lead.pk}, follow=True)
    assert response.status_code == 200
    assert contacts(membership) == ["ap@district.example.org", "nia@district.example.org",
                                    "pat@district.example.org", "payables@district.example.org"]
    assert membership.billing_contacts.get(user=new_lead).added_by == pat
    client.force_login(new_lead)
    assert client.get(BILLING, {"membership": membership.pk}).status_code == 200


def test_bad_input_is_shown_by_the_field_and_kept(client, membership, pat):
    client.force_login(pat)
    response = client.post(contacts_url(membership), {
        "add": "address", "address-name": "Payables", "address-email": "not-an-address"})
    form = response.context["address_form"]
    assert "email" in form.errors and form["name"].value() == "Payables"
    response = client.post(contacts_url(membership), {
        "add": "address", "address-name": "AP again", "address-email": "AP@district.example.org"})
    assert response.context["address_form"].errors["email"] == [
        "AP@district.example.org is already a billing contact."]
    outsider = UserFactory()
    response = client.post(contacts_url(membership), {"add": "member",
                                                      "member-user": outsider.pk})
    assert response.context["member_form"].errors["user"] == [
        "Choose someone who is on the team now."]
    assert len(contacts(membership)) == 2


def test_the_lead_removes_a_contact_but_never_the_last(client, membership, pat):
    client.force_login(pat)
    ap = membership.billing_contacts.get(email="ap@district.example.org")
    response = client.post(reverse("billing:contact_remove", args=[membership.pk, ap.pk]),
                           follow=True)
    assert "ap@district.example.org is no longer a billing contact." in response.content.decode()
    last = membership.billing_contacts.get()
    response = client.post(reverse("billing:contact_remove", args=[membership.pk, last.pk]),
                           follow=True)
    html = response.content.decode()
    assert html.count("pat@district.example.org is the only billing contact.") == 1
    assert contacts(membership) == ["pat@district.example.org"]
    assert AuditEntry.objects.filter(action="billing-contact:removed").count() == 1


def test_only_the_lead_changes_the_list(client, membership, new_lead):
    ap = membership.billing_contacts.get(email="ap@district.example.org")
    member_services.billing_contact_add(membership=membership,
                                        actor=membership.team.members.get(role="lead").user,
                                        user=new_lead)
    client.force_login(new_lead)  # a billing contact, not the lead: reads the list only
    page = client.get(contacts_url(membership))
    assert page.status_code == 200 and "Add another address" not in page.content.decode()
    assert client.post(reverse("billing:contact_remove",
                               args=[membership.pk, ap.pk])).status_code == 404
    assert client.post(contacts_url(membership), {
        "add": "address", "address-name": "X", "address-email": "x@example.org"}
    ).status_code == 404
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(contacts_url(membership)).status_code == 404
    with pytest.raises(Exception, match="Only the team lead"):
        member_services.billing_contact_remove(contact=ap, actor=stranger)
    assert len(contacts(membership)) == 3


def test_a_removed_person_is_no_longer_offered(client, membership, pat, new_lead):
    team = membership.team
    member_services.member_remove(member=team.members.get(user=new_lead), actor=pat)
    client.force_login(pat)
    page = client.get(contacts_url(membership))
    assert "nia@district.example.org" not in page.content.decode()
    assert TeamMember.objects.filter(user=new_lead, status="removed").exists()
