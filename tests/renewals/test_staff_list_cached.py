"""Staff's renewals page is served from the fragment cache (core/fragments.py), one for all
staff, and shows every answer, payment and lapse at once; its filters, search and pages are in
the key."""

import pytest
from django.test import Client
from django.urls import reverse

from billing import services as billing_services
from renewals import services, views
from renewals.tasks import renewals_advance_due
from tests.factories import UserFactory
from tests.renewals.conftest import membership_ending

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]
PAGE = reverse("renewals:staff_list")


def renewals(client, params=None):
    """The page's own part (the header's sign-out form carries a fresh CSRF token each time)."""
    response = client.get(PAGE, params or {})
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<h1>Renewals</h1>"):html.index("</main>")]


def stage_count(html, label):
    """The count in the stages' summary for the stage labelled ``label``."""
    after = html[html.index(f'renewal-stage-label">{label}</span>'):]
    return int(after.split('renewal-stage-count">', 1)[1].split("<", 1)[0])


def test_a_second_visit_costs_the_session_the_account_and_the_second_factor(
        staff_client, offered, django_assert_max_num_queries):
    first = renewals(staff_client)
    with django_assert_max_num_queries(3):
        assert renewals(staff_client) == first


def test_an_answer_a_payment_and_a_lapse_show_at_once(staff_client, offered):
    assert stage_count(renewals(staff_client), "Offered, no answer") == 1
    accepted = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                       tier=offered.tier1)
    html = renewals(staff_client)
    assert stage_count(html, "Offered, no answer") == 0
    assert stage_count(html, "Accepted, invoice unpaid") == 1
    assert accepted.invoice.number in html
    invoice = accepted.invoice
    billing_services.payment_record(invoice=invoice, amount=invoice.total, method="check")
    assert stage_count(renewals(staff_client), "Renewed and paid") == 1
    services.renewal_offer(membership=membership_ending(offered.anniversary), today=offered.today)
    assert stage_count(renewals(staff_client), "Offered, no answer") == 1
    renewals_advance_due(today=offered.day(0).isoformat())  # the unanswered one: in grace
    html = renewals(staff_client)
    assert stage_count(html, "In grace") == 1 and stage_count(html, "Offered, no answer") == 0


def test_one_page_for_all_staff_and_a_404_for_members(client, staff_client, offered,
                                                      django_assert_max_num_queries):
    colleague = Client()
    # Signing in writes the account's last login, and the page reads accounts (the billing
    # contacts' addresses): the colleague signs in first.
    colleague.force_login(UserFactory(staff=True))
    first = renewals(staff_client)
    with django_assert_max_num_queries(3):  # what the first rendered, from the cache
        assert renewals(colleague) == first
    client.force_login(offered.lead)
    assert client.get(PAGE).status_code == 404


def test_the_filters_search_and_pages_are_in_the_key(staff_client, offered, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    later = services.renewal_offer(membership=membership_ending(offered.day(1)),
                                   today=offered.today)
    services.renewal_decline(renewal=later, actor=later.membership.billing_contacts.get(
        user__isnull=False).user, reason="budget")
    offer_url, later_url = (f'href="{reverse("renewals:offer", args=[r.pk])}"'
                            for r in (offered.renewal, later))
    first = renewals(staff_client)
    assert offer_url in first and later_url not in first and "Page 1 of 2" in first
    second = renewals(staff_client, {"page": "2"})
    assert later_url in second and offer_url not in second
    declined = renewals(staff_client, {"stage": "declined"})
    assert later_url in declined and offer_url not in declined
    name = offered.membership.institutions.get().name
    found = renewals(staff_client, {"q": name})
    assert offer_url in found and later_url not in found
    assert "No renewal matches" in renewals(staff_client, {"q": "no such place"})
