"""The invoice as a PDF: WeasyPrint over a template, rendered from the frozen invoice only."""

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from billing.models import Invoice
from billing.remittance import payment_details
from billing.terms import commitment_years_in_term


def invoice_pdf_render(*, invoice: Invoice) -> bytes:
    html = render_to_string("billing/invoice_pdf.html", {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "rendered_at": timezone.now(),
        "commitment_years": commitment_years_in_term(invoice.membership),
        **payment_details(),
    })
    return HTML(string=html).write_pdf()
