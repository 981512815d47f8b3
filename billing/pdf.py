"""The invoice as a PDF: WeasyPrint over a template, rendered from the frozen invoice only."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from billing.models import Invoice, Payment, Quote
from billing.remittance import payment_details
from billing.selectors import vendor_documents_current
from billing.terms import commitment_years_in_term


def _render(template: str, context: dict) -> bytes:
    html = render_to_string(template, {"rendered_at": timezone.now(),
                                       "site_url": settings.SITE_URL, **payment_details(),
                                       **context})
    return HTML(string=html).write_pdf()


def invoice_pdf_render(*, invoice: Invoice) -> bytes:
    return _render("billing/invoice_pdf.html", {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "commitment_years": commitment_years_in_term(invoice.membership),
        "vendor_documents": vendor_documents_current(),
    })


def quote_pdf_render(*, quote: Quote) -> bytes:
    """A quote: plainly not an invoice (its title, its Q- number, a notice on top)."""
    return _render("billing/quote_pdf.html", {
        "quote": quote, "years": quote.year_rows(),
        "vendor_documents": vendor_documents_current(),
    })


def receipt_pdf_render(*, payment: Payment, number: str) -> bytes:
    return _render("billing/receipt_pdf.html", {"payment": payment, "invoice": payment.invoice,
                                                "receipt_number": number})


def statement_pdf_render(*, statement, period: str) -> bytes:
    return _render("billing/statement_pdf.html", {"statement": statement, "period": period})
