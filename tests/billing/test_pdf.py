import io
import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing import services
from billing.models import Invoice
from billing.pdf import invoice_pdf_render
from tests.billing.conftest import FY2027_DAY, partnership_membership
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_shows_letterhead_number_total_po_terms_and_how_to_pay(fees, no_stripe):
    invoice = services.invoice_issue(membership=partnership_membership(), commitment_year=1,
                                     issue_date=FY2027_DAY)
    text = pdf_text(invoice_pdf_render(invoice=invoice))
    flat = " ".join(text.split())
    assert "National Center for School-University Partnerships" in flat
    assert "NCSUP-2027-0001" in flat
    assert "$5,000.00" in flat
    assert "PO-2027-0042" in flat
    assert "Net 30 days" in flat
    assert "1 Oct 2026" in flat  # due date
    assert "Oxford School District + University of Mississippi" in flat
    assert "remit to" in flat.lower() and "P.O. Box 1848" in flat
    assert "payable to The University of Mississippi" in flat
    assert "Online payment is not available" in flat


def test_pdf_gives_the_online_payment_link_when_there_is_one(fees):
    invoice = InvoiceFactory(with_stripe=True, total=Decimal("2500.00"))
    flat = " ".join(pdf_text(invoice_pdf_render(invoice=invoice)).split())
    assert invoice.hosted_invoice_url in flat.replace(" ", "")  # long URLs may wrap
    assert "$2,500.00" in flat
    assert "Online payment is not available" not in flat


def test_pdf_is_stored_once_under_an_unguessable_name(fees):
    invoice = InvoiceFactory()
    path = services.invoice_pdf_store(invoice=invoice)
    assert re.fullmatch(r"invoices/2027/[A-Za-z0-9_-]{32}\.pdf", path)  # 24 random bytes
    assert invoice.number not in path
    with default_storage.open(path, "rb") as handle:
        assert "NCSUP-2027" in pdf_text(handle.read())
    again = services.invoice_pdf_store(invoice=Invoice.objects.get(pk=invoice.pk))
    assert again == path
    other = InvoiceFactory()
    assert services.invoice_pdf_store(invoice=other) != path


def _stored_pdfs():
    if not default_storage.exists("invoices/2027"):
        return set()
    return set(default_storage.listdir("invoices/2027")[1])


def test_two_renders_racing_keep_one_file(fees):
    invoice = InvoiceFactory()
    stale_copy = Invoice.objects.get(pk=invoice.pk)  # loaded before anyone stored a PDF
    before = _stored_pdfs()
    first = services.invoice_pdf_store(invoice=invoice)
    second = services.invoice_pdf_store(invoice=stale_copy)  # renders again, loses the race
    assert second == first
    assert _stored_pdfs() - before == {first.rsplit("/", 1)[-1]}
