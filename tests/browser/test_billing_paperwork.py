"""A district's whole purchasing life in the browser: apply, download the quote, staff approve,
add the PO number, staff record the check, the payment history and receipt are there; then,
near the end of the two-year commitment, the renewal offer at day -90, accepted, and the
year-3 invoice in Billing (issue 15's journey)."""

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from billing import services as billing_services
from billing.models import Invoice, Quote
from members.models import Membership, MembershipApplication
from renewals.tasks import renewals_advance_due
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def _pdf_text(download) -> str:
    content = Path(download.path()).read_bytes()
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
                    .split())


def _staff_page(browser, live_server, staff):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = context.new_page()
    staff_page.goto(f"{live_server.url}/accounts/login/")
    staff_page.get_by_label("Email").fill(staff.email)
    staff_page.get_by_label("Password").fill(PASSWORD)
    staff_page.get_by_role("button", name="Sign In").click()
    staff_page.locator("input[name=code]").fill(totp_code())
    staff_page.locator("form[action$='/2fa/authenticate/'] [type=submit]").first.click()
    staff_page.wait_for_url(lambda url: "/2fa/authenticate/" not in url)
    return staff_page


def test_apply_quote_approve_po_check_and_receipt(page, browser, live_server, sign_in,
                                                  applicant, staff, fees, tier1, screenshot):
    sign_in(applicant)
    page.goto(f"{live_server.url}/apply/")
    page.get_by_label("LEA-IHE partnership").check()
    first = page.locator("fieldset", has_text="2. Your institution")
    first.get_by_label("Institution name").fill("Oxford School District")
    first.get_by_label("K-12 school or district (LEA)").check()
    first.get_by_label("City").fill("Oxford")
    first.get_by_label("US state").select_option("MS")
    partner = page.locator("fieldset", has_text="2b. Partner institution")
    partner.get_by_label("Institution name").fill("University of Mississippi")
    partner.get_by_label("College or university (IHE)").check()
    partner.get_by_label("City").fill("University")
    partner.get_by_label("US state").select_option("MS")
    page.get_by_label(tier1.name).check()
    page.get_by_label("Problem of practice").fill("Chronic absenteeism")
    page.get_by_label("Name", exact=True).fill("Pat Lead")
    page.get_by_label("Billing contact name").fill("Accounts Payable")
    page.get_by_label("Billing contact email").fill(applicant.email)
    page.get_by_label("Billing address").fill("224 Bramlett Blvd\nOxford, MS 38655")
    page.get_by_label("We pay by purchase order").check()
    page.get_by_label("We commit to 2 years").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your application is in")
    application = MembershipApplication.objects.get()

    # The quote, from the application page, before anyone has approved.
    page.goto(f"{live_server.url}{application.get_absolute_url()}")
    with page.expect_download() as quote_download:
        page.get_by_role("link", name="Download a quote (PDF)").click()
    quote = Quote.objects.get()
    assert quote_download.value.suggested_filename == f"{quote.number}-quote.pdf"
    text = _pdf_text(quote_download.value)
    assert "QUOTE" in text and "not an invoice" in text and "$10,000.00" in text
    assert "Oxford School District + University of Mississippi" in text

    # Staff approve in admin: year 1 is invoiced.
    staff_page = _staff_page(browser, live_server, staff)
    staff_page.goto(f"{live_server.url}/staff/members/membershipapplication/")
    staff_page.locator("tr", has_text="Oxford School District").get_by_role("checkbox").check()
    staff_page.get_by_label("Action:").select_option(label="Approve selected applications")
    staff_page.get_by_role("button", name="Run").click()
    staff_page.get_by_label(re.compile("Reason")).fill("Welcome")
    staff_page.get_by_role("button", name="Approve").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Approve: 1")
    invoice = Invoice.objects.get()

    # The billing contact adds the PO number their purchasing office issued.
    page.goto(f"{live_server.url}/portal/billing/")
    row = page.get_by_role("row", name=invoice.number)
    row.get_by_role("link", name=re.compile("PO")).click()
    page.get_by_label("Purchase order number").fill("<b>x</b>")
    page.get_by_role("button", name="Save and send the new PDF").click()
    expect(page.get_by_role("alert")).to_contain_text("no markup")
    page.get_by_label("Purchase order number").fill("4500012345")
    page.get_by_label("Vendor number").fill("V-0042")
    page.get_by_role("button", name="Save and send the new PDF").click()
    expect(page.locator("main")).to_contain_text("now carries the new purchasing details")
    expect(page.get_by_role("row", name=invoice.number)).to_contain_text("4500012345")

    # Staff record the check.
    staff_page.goto(f"{live_server.url}/staff/billing/payment/add/?invoice={invoice.pk}")
    staff_page.get_by_label("Amount (USD)").fill("5000.00")
    staff_page.get_by_label("Reference").fill("Check 20417")
    staff_page.locator("input[type=submit]").first.click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Recorded $5,000.00")

    # The member sees the payment and downloads its receipt.
    page.goto(f"{live_server.url}/portal/billing/")
    history = page.locator("#history")
    expect(history).to_contain_text("Check 20417")
    expect(history).to_contain_text("check")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot("billing-paperwork-history")
    with page.expect_download() as receipt_download:
        history.get_by_role("link", name=re.compile("Receipt")).first.click()
    receipt = _pdf_text(receipt_download.value)
    assert "RECEIPT" in receipt and "Check 20417" in receipt and invoice.number in receipt

    # Time passes (the test moves the term, not the clock): the commitment now ends in 90 days.
    # Year 2 was invoiced 60 days before the first anniversary and paid by check like year 1.
    membership = invoice.membership
    today = timezone.localdate()
    end = today + timedelta(days=90)  # the anniversary: the first day not covered
    Membership.objects.filter(pk=membership.pk).update(
        term_start=end.replace(year=end.year - 2), term_end=end - timedelta(days=1))
    membership.refresh_from_db()
    year_two = billing_services.invoice_issue(
        membership=membership, commitment_year=2,
        issue_date=end.replace(year=end.year - 1) - timedelta(days=60))
    billing_services.payment_record(invoice=year_two, amount=year_two.total, method="check",
                                    received_on=today, reference="Check 21876", actor=staff)

    # Ninety days before the commitment ends, the daily job offers the renewal.
    assert renewals_advance_due(today=today.isoformat()) == 1
    page.goto(f"{live_server.url}/portal/")
    banner = page.locator(".renewal-banner")
    expect(banner).to_contain_text("Oxford School District + University of Mississippi")
    banner.get_by_role("link", name="See the renewal offer").click()
    page.get_by_label(re.compile(r"One year: \$5,000\.00")).check()
    page.get_by_role("button", name="Renew and issue the invoice").click()
    expect(page.locator(".panel-success")).to_contain_text("Renewed")

    # The year-3 invoice, once, in Billing.
    year_three = Invoice.objects.get(membership=membership, commitment_year=3)
    assert year_three.total == Decimal("5000.00")
    page.goto(f"{live_server.url}/portal/billing/")
    expect(page.get_by_role("row", name=year_three.number)).to_contain_text("year 3")
    assert Invoice.objects.filter(membership=membership).count() == 3
