from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice
from tests.factories import InvoiceFactory, MembershipFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("billing:invoice_list")


def pdf_url(invoice):
    return reverse("billing:invoice_pdf", args=[invoice.pk])


def own_invoice(applicant, **kwargs):
    kwargs.setdefault("issue_date", timezone.localdate())
    membership = kwargs.pop("membership", None) or MembershipFactory(
        application__applicant=applicant)
    return InvoiceFactory(membership=membership, **kwargs)


def test_billing_page_shows_status_balance_pdf_and_pay_link(applicant_client, applicant):
    online = own_invoice(applicant, with_stripe=True, total=Decimal("5000.00"),
                         pdf_path="invoices/2027/x.pdf")
    part_paid = own_invoice(applicant, membership=online.membership, extra_seats=True,
                            total=Decimal("1500.00"))
    PaymentFactory(invoice=part_paid, amount=Decimal("500.00"))
    settled = own_invoice(applicant, membership=online.membership, commitment_year=2,
                          paid=True)

    response = applicant_client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    for invoice in (online, part_paid, settled):
        assert invoice.number in html
    assert "$5,000.00" in html and "$1,000.00" in html  # balances
    assert "partially paid" in html
    assert f'href="{online.hosted_invoice_url}"' in html
    assert '<span class="visually-hidden"> $5,000.00</span> online' in html
    assert f'href="{pdf_url(online)}"' in html
    assert f'href="{pdf_url(part_paid)}"' not in html  # no PDF stored yet
    assert "Pay by check or purchase order" in html  # the part-paid one, and no Stripe link
    assert "payable to" in html.lower() and "P.O. Box 1848" in html
    assert html.count("online<span") == 1  # only one invoice can be paid online


def test_overdue_is_shown_as_such(applicant_client, applicant):
    own_invoice(applicant, issue_date=timezone.localdate() - timedelta(days=40))
    assert 'class="status status-overdue">overdue' in applicant_client.get(PAGE).content.decode()


def test_another_memberships_invoices_are_not_listed(applicant_client, applicant):
    mine = own_invoice(applicant)
    theirs = InvoiceFactory()
    html = applicant_client.get(PAGE).content.decode()
    assert mine.number in html and theirs.number not in html
    html = applicant_client.get(PAGE, {"membership": theirs.membership_id}).content.decode()
    assert theirs.number not in html and mine.number not in html


def test_drafts_never_show(applicant_client, applicant):
    draft = Invoice.objects.create(membership=MembershipFactory(application__applicant=applicant))
    response = applicant_client.get(PAGE)
    assert f"Draft invoice #{draft.pk}" not in response.content.decode()
    assert response.context["page"].object_list == []


def test_people_without_a_membership_are_told_so(applicant_client):
    assert "You have no membership yet" in applicant_client.get(PAGE).content.decode()


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_dashboard_links_each_membership_to_billing(applicant_client, applicant):
    membership = MembershipFactory(application__applicant=applicant)
    html = applicant_client.get(reverse("members:dashboard")).content.decode()
    assert f'href="{PAGE}?membership={membership.pk}"' in html


# --- PDF download ------------------------------------------------------------------------------

@pytest.fixture
def stored(fees):
    def _stored(invoice):
        services.invoice_pdf_store(invoice=invoice)
        return invoice
    return _stored


def test_the_member_downloads_their_pdf(applicant_client, applicant, stored):
    invoice = stored(own_invoice(applicant))
    response = applicant_client.get(pdf_url(invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


def test_another_memberships_pdf_is_404(applicant_client, stored):
    theirs = stored(InvoiceFactory())
    assert applicant_client.get(pdf_url(theirs)).status_code == 404


def test_staff_may_download_any_pdf(staff_client, stored):
    assert staff_client.get(pdf_url(stored(InvoiceFactory()))).status_code == 200


def test_anonymous_is_sent_to_log_in(client, stored):
    response = client.get(pdf_url(stored(InvoiceFactory())))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_pdf_yet_is_404(applicant_client, applicant):
    assert applicant_client.get(pdf_url(own_invoice(applicant))).status_code == 404


def test_a_draft_has_no_pdf_to_give(applicant_client, applicant):
    draft = Invoice.objects.create(membership=MembershipFactory(application__applicant=applicant),
                                   pdf_path="invoices/x.pdf")
    assert applicant_client.get(pdf_url(draft)).status_code == 404


# --- query counts ------------------------------------------------------------------------------

def bulk_invoices(membership, count, start):
    """``count`` issued invoices for one membership, straight into the table."""
    Invoice.objects.bulk_create([
        Invoice(membership=membership, kind=Invoice.Kind.EXTRA_SEATS, status=Invoice.Status.OPEN,
                fiscal_year=2027, sequence=start + i, number=f"NCSUP-2027-{start + i:05d}",
                issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
                total=Decimal("500.00"), bill_to_institutions="Oxford School District",
                bill_to_name="AP", bill_to_email="ap@example.org")
        for i in range(count)
    ], batch_size=2000)


def test_billing_page_query_count_is_the_same_at_10_and_10000_invoices(
    applicant_client, applicant, django_assert_max_num_queries
):
    membership = MembershipFactory(application__applicant=applicant)
    counts = []
    for total in (10, 10_000):
        bulk_invoices(membership, total - membership.invoices.count(),
                      start=membership.invoices.count() + 1)
        PaymentFactory(invoice=membership.invoices.first(), amount=Decimal("100.00"))
        # The session and the person, then one read each: the memberships (named, and which
        # are billed to the person), a page of invoices, a page of payments and refunds, the
        # vendor forms. No COUNT: the lists page by reading one row more than they show.
        with django_assert_max_num_queries(6) as captured:
            response = applicant_client.get(PAGE)
        page = response.context["page"]
        assert len(page.object_list) == min(total, 20)
        assert bool(page.next_url) == (total > 20)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    print(f"billing page queries at 10 and 10,000 invoices: {counts}")


def test_the_invoice_list_pages_newest_first_and_keeps_the_membership_filter(
        applicant_client, applicant):
    membership = MembershipFactory(application__applicant=applicant)
    bulk_invoices(membership, 45, start=1)
    newest = list(Invoice.objects.order_by("-sequence").values_list("number", flat=True))
    first = applicant_client.get(PAGE, {"membership": membership.pk})
    html = first.content.decode()
    assert newest[0] in html and newest[19] in html and newest[20] not in html
    assert "Page 1</span>" in html and "← Newer" not in html
    assert f'href="?membership={membership.pk}&amp;page=2" rel="next">Older →' in html
    third = applicant_client.get(PAGE, {"membership": membership.pk, "page": 3})
    html = third.content.decode()
    assert newest[40] in html and newest[44] in html and newest[39] not in html
    assert "Older →" not in html and 'rel="prev">← Newer' in html
    # A page past the end (a typed address: invoices are never deleted) says so.
    past = applicant_client.get(PAGE, {"page": 9}).content.decode()
    assert "No more invoices here" in past and "No invoices yet" not in past


def test_staff_without_memberships_see_no_member_invoices(staff_client):
    InvoiceFactory()
    assert staff_client.get(PAGE).context["page"].object_list == []


def test_a_new_user_sees_only_their_own(client):
    user = UserFactory()
    InvoiceFactory()
    client.force_login(user)
    assert client.get(PAGE).context["page"].object_list == []


def test_membership_in_arrears_means_year_one_open_past_its_due_date():
    from billing.selectors import membership_in_arrears

    today = timezone.localdate()
    late = InvoiceFactory(due_date=today - timedelta(days=1))
    on_time = InvoiceFactory(due_date=today)
    paid_late = InvoiceFactory(due_date=today - timedelta(days=9), paid=True)
    seats_late = InvoiceFactory(extra_seats=True, due_date=today - timedelta(days=9))
    assert membership_in_arrears(late.membership)
    assert not membership_in_arrears(on_time.membership)
    assert not membership_in_arrears(paid_late.membership)
    assert not membership_in_arrears(seats_late.membership)
