"""Demo data for `make run`: the Center's W-9, billing terms for the Oxford partnership (net 45,
an accounts-payable address), a quote for the application still under review, and a check
recorded against Oxford's first invoice so the billing page shows payment history."""

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from weasyprint import HTML

from billing import paperwork, services
from billing.models import BillingTerms, Invoice, VendorDocument
from members.models import MembershipApplication, User

W9_HTML = ("<h1>Form W-9 (demo)</h1><p>Request for Taxpayer Identification Number: The "
           "University of Mississippi, for the National Center for School-University "
           "Partnerships. Demo document, not a real form.</p>")


def ensure(*, staff: User) -> None:
    """Idempotent: each piece is made once."""
    if not VendorDocument.objects.filter(kind=VendorDocument.Kind.W9).exists():
        VendorDocument.objects.create(
            kind=VendorDocument.Kind.W9, title="W-9, University of Mississippi (2026)",
            effective_from=date(2026, 1, 1), uploaded_by=staff,
            file=ContentFile(HTML(string=W9_HTML).write_pdf(), name="w9-2026.pdf"))
    oxford = MembershipApplication.objects.filter(
        applicant__email="oxford@demo.ncsup.example.org").first()
    if oxford is not None:
        BillingTerms.objects.get_or_create(application=oxford, defaults={
            "net_days": 45, "ap_email": "ap-oxford@demo.ncsup.example.org"})
        if hasattr(oxford, "membership"):
            # Approval issues year 1 after commit; issue it now (idempotent) to record a check.
            services.commitment_invoices_issue(membership=oxford.membership)
        first = Invoice.objects.filter(membership__application=oxford, commitment_year=1,
                                       status=Invoice.Status.OPEN).first()
        if first is not None and not first.payments.exists():
            services.payment_record(invoice=first, amount=Decimal("1000.00"), method="check",
                                    reference="Check 20417", actor=staff)
    pending = MembershipApplication.objects.filter(
        status=MembershipApplication.Status.SUBMITTED).first()
    if pending is not None:
        paperwork.quote_for_application(application=pending)
