import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing import services
from tests.billing.fake_stripe import FakeStripe
from tests.conftest import free_port
from tests.factories import InstitutionFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_stripe(settings):
    server = FakeStripe(free_port()).start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake_key"
    settings.STRIPE_API_BASE = server.url
    yield server
    server.stop()


def test_member_opens_billing_downloads_the_pdf_and_sees_the_pay_link(
    page, live_server, sign_in, applicant, fees, fake_stripe, screenshot
):
    membership = MembershipFactory(
        application__applicant=applicant, application__po_number="PO-2027-0042",
        application__kind="partnership",
        institutions=[InstitutionFactory(name="Oxford School District"),
                      InstitutionFactory(ihe=True, name="University of Mississippi")],
    )
    # Issued for real: the transaction commits, delivery runs (fake Stripe, PDF, email).
    invoice = services.invoice_issue(membership=membership, commitment_year=1)
    invoice.refresh_from_db()
    assert invoice.hosted_invoice_url and invoice.pdf_path
    InvoiceFactory(fiscal_year=2019, bill_to_institutions="Someone Else Entirely")  # not theirs

    sign_in(applicant)
    page.get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    row = page.get_by_role("row", name=invoice.number)
    expect(row).to_contain_text("$5,000.00")
    expect(row).to_contain_text("open")
    expect(page.locator("main")).not_to_contain_text("Someone Else Entirely")
    pay = row.get_by_role("link", name="Pay $5,000.00 online")
    expect(pay).to_have_attribute("href", invoice.hosted_invoice_url)
    screenshot("billing-page")

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    with open(download.path(), "rb") as handle:
        text = " ".join(PdfReader(io.BytesIO(handle.read())).pages[0].extract_text().split())
    assert invoice.number in text and "$5,000.00" in text and "PO-2027-0042" in text

    pay.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay invoice {invoice.number}")
