"""The billing page is served from the fragment cache (core/fragments.py) and shows every change
at once: the person's own invoices and payments, the membership and pages asked for, and
nobody else's."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing import services, views
from members import services as member_services
from tests.factories import InvoiceFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]
PAGE = reverse("billing:invoice_list")


def billing(client, params=None, status=200):
    """The page's own part (the header's sign-out form carries a fresh CSRF token each time)."""
    response = client.get(PAGE, params or {})
    assert response.status_code == status
    html = response.content.decode()
    return html[html.index("<h1>Billing</h1>"):html.index("</main>")] if status == 200 else ""


def own_invoice(person, **kwargs):
    membership = kwargs.pop("membership", None) or MembershipFactory(
        application__applicant=person)
    return InvoiceFactory(membership=membership, issue_date=timezone.localdate(), **kwargs)


def test_a_second_visit_costs_the_session_and_the_account_only(applicant_client, applicant,
                                                                django_assert_max_num_queries):
    own_invoice(applicant)
    first = billing(applicant_client)
    with django_assert_max_num_queries(2):
        assert billing(applicant_client) == first


def test_a_payment_recorded_shows_at_once(applicant_client, applicant):
    invoice = own_invoice(applicant, total=Decimal("2500.00"))
    assert "$2,500.00</td><td data-label=\"Status\">" in billing(applicant_client)
    services.payment_record(invoice=invoice, amount=Decimal("1000.00"), method="check",
                            reference="Check 77")
    html = billing(applicant_client)
    assert "$1,500.00" in html and "partially paid" in html and "Check 77" in html
    later = own_invoice(applicant, membership=invoice.membership, extra_seats=True)
    assert later.number in billing(applicant_client)


def test_each_person_sees_their_own(client, applicant):
    mine = own_invoice(applicant)
    other = UserFactory()
    theirs = own_invoice(other)
    client.force_login(applicant)
    html = billing(client)
    assert mine.number in html and theirs.number not in html
    client.force_login(other)
    html = billing(client)
    assert theirs.number in html and mine.number not in html


def test_the_membership_and_the_pages_asked_for_are_in_the_key(applicant_client, applicant,
                                                               monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first = own_invoice(applicant)
    second = own_invoice(applicant, membership=first.membership, extra_seats=True)
    other = own_invoice(applicant)
    everything = billing(applicant_client)
    assert "Page 1" in everything and "Older" in everything
    older = billing(applicant_client, {"page": "2"})
    assert older != everything and "Newer" in older
    shown = {invoice.number for invoice in (first, second, other)
             if invoice.number in everything or invoice.number in older}
    assert len(shown) == 2  # a page each, the third on page 3
    only_other = billing(applicant_client, {"membership": other.membership_id})
    assert other.number in only_other and first.number not in only_other
    assert "show all" in only_other and "show all" not in everything


def test_a_membership_no_longer_billed_to_the_person_is_a_404_at_once(applicant_client,
                                                                      applicant):
    invoice = own_invoice(applicant)
    assert invoice.number in billing(applicant_client, {"membership": invoice.membership_id})
    contact = invoice.membership.billing_contacts.get(user=applicant)
    member_services.billing_contact_remove(contact=contact, actor=UserFactory(staff=True))
    billing(applicant_client, {"membership": invoice.membership_id}, status=404)
    assert invoice.number not in billing(applicant_client)


def test_the_statement_form_of_the_cached_page_downloads_a_statement(applicant, fees):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    invoice = services.invoice_issue(membership=MembershipFactory(
        application__applicant=applicant), commitment_year=1)
    billing(client)
    html = billing(client)  # from the cache
    form = html[html.index('<form method="get" action="'):]
    form = form[:form.index("</form>")]
    action = re.search(r'action="([^"]+)"', form).group(1)
    fields = dict(re.findall(r'<input type="(?:date|hidden)" name="(\w+)" value="([^"]*)"',
                             form))
    assert set(fields) >= {"start", "end"}
    fields.setdefault("membership", str(invoice.membership_id))
    response = client.get(action, fields)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
