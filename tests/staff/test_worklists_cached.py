"""Staff's application queue and invoice list are served from the fragment cache
(core/fragments.py) and show every change at once; their filters, search and pages are in the
key. The invoice list is one fragment for all staff; the queue is each staff member's own (a
row of their own application links to its portal page)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from billing import staff_views as invoice_views
from members import services
from members import staff_views as queue_views
from members.models import MembershipApplication
from tests.factories import ApplicationFactory, InvoiceFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]

QUEUE = reverse("members:staff_applications")
INVOICES = reverse("billing:staff_invoices")


def part(client, url, params=None):
    """The page's own part (the header's sign-out form carries a fresh CSRF token each time)."""
    response = client.get(url, params or {})
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<h1>"):html.index("</main>")]


def staff_client_of(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize("url", [QUEUE, INVOICES])
def test_a_second_visit_costs_the_session_the_account_and_the_second_factor(
        staff_client, url, django_assert_max_num_queries):
    ApplicationFactory()
    InvoiceFactory()
    first = part(staff_client, url)
    with django_assert_max_num_queries(3):
        assert part(staff_client, url) == first


@pytest.mark.parametrize("url", [QUEUE, INVOICES])
def test_members_still_get_a_404_once_staff_have_it_cached(client, staff_client, url):
    part(staff_client, url)
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


# --- The application queue ---------------------------------------------------------------------

def test_a_new_application_and_a_decision_show_at_once(staff_client, staff):
    waiting = ApplicationFactory()
    assert f">#{waiting.pk}<" in part(staff_client, QUEUE)
    newer = ApplicationFactory()
    assert f">#{newer.pk}<" in part(staff_client, QUEUE)
    services.application_reject(application=waiting, actor=staff, reason="Not a partnership")
    html = part(staff_client, QUEUE)
    assert f">#{waiting.pk}<" not in html and f">#{newer.pk}<" in html
    assert f">#{waiting.pk}<" in part(staff_client, QUEUE, {"status": "rejected"})


def test_a_staff_members_own_application_links_to_its_portal_page_for_them_only(staff):
    own = ApplicationFactory(applicant=staff)
    portal_page = f'href="{own.get_absolute_url()}"'
    # Both signed in first: signing in writes the account, which the queue reads (names).
    mine, colleagues = staff_client_of(staff), staff_client_of(UserFactory(staff=True))
    assert portal_page in part(mine, QUEUE)
    html = part(colleagues, QUEUE)
    assert f">#{own.pk}<" in html and portal_page not in html


def test_the_queues_filters_search_and_pages_are_in_the_key(staff_client, monkeypatch):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 1)
    older = ApplicationFactory()
    newer = ApplicationFactory(partnership=True)
    MembershipApplication.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timedelta(days=2))
    first = part(staff_client, QUEUE)
    assert f">#{newer.pk}<" in first and f">#{older.pk}<" not in first
    second = part(staff_client, QUEUE, {"page": "2"})
    assert f">#{older.pk}<" in second and f">#{newer.pk}<" not in second
    single = part(staff_client, QUEUE, {"kind": "single"})
    assert f">#{older.pk}<" in single and f">#{newer.pk}<" not in single
    found = part(staff_client, QUEUE, {"q": f"#{older.pk}"})
    assert f">#{older.pk}<" in found and f'value="#{older.pk}"' in found
    assert "No application matches" in part(staff_client, QUEUE, {"q": "Nowhere High"})


# --- The invoice list --------------------------------------------------------------------------

def test_a_payment_and_a_new_invoice_show_at_once(staff_client, staff):
    invoice = InvoiceFactory(total=Decimal("2500.00"))
    assert 'data-label="Balance due">$2,500.00<' in part(staff_client, INVOICES)
    billing_services.payment_record(invoice=invoice, amount=Decimal("2500.00"), method="check",
                                    actor=staff)
    html = part(staff_client, INVOICES)
    assert 'data-label="Balance due">$0.00<' in html and "status-paid" in html
    newer = InvoiceFactory(issue_date=timezone.localdate())
    assert newer.number in part(staff_client, INVOICES)


def test_the_invoice_list_is_one_for_all_staff(staff_client, django_assert_max_num_queries):
    invoice = InvoiceFactory()
    colleague = staff_client_of(UserFactory(staff=True))
    first = part(staff_client, INVOICES)
    with django_assert_max_num_queries(3):  # what the first rendered, from the cache
        assert part(colleague, INVOICES) == first
    assert invoice.number in first


def test_the_invoice_lists_filters_search_and_pages_are_in_the_key(staff_client,
                                                                  monkeypatch):
    monkeypatch.setattr(invoice_views, "PAGE_SIZE", 1)
    older = InvoiceFactory(paid=True, po_number="PO-4711")
    newer = InvoiceFactory(issue_date=timezone.localdate())
    first = part(staff_client, INVOICES)
    assert newer.number in first and older.number not in first
    second = part(staff_client, INVOICES, {"page": "2"})
    assert older.number in second and newer.number not in second
    paid = part(staff_client, INVOICES, {"status": "paid"})
    assert older.number in paid and newer.number not in paid
    found = part(staff_client, INVOICES, {"q": "4711"})
    assert older.number in found and newer.number not in found and 'value="4711"' in found
