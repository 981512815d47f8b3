"""Staff's invoice list in the portal: every issued invoice, what is still due, the PDF.

Edits, payments and voids stay in the admin; this list is what staff read daily, built to cost a
handful of queries and no ``COUNT(*)`` whatever the table size (``core.worklists``).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceNumberCounter
from core.worklists import peek_page, row_url
from members.models import Institution

PAGE_SIZE = 25
SEARCH_LENGTH = 100

Status = Invoice.Status
# Overdue is derived (open and past its due date), not stored: a filter of its own.
STATUS_CHOICES = [("", "Any status"), (Status.OPEN, "Open (overdue included)"),
                  ("overdue", "Overdue"), (Status.PAID, "Paid"), (Status.VOID, "Void"),
                  (Status.UNCOLLECTIBLE, "Uncollectible")]


def invoice_filters(params) -> dict:
    """The list's filters from the query string; anything unknown reads as "any"."""
    status = params.get("status", "")
    year = params.get("fiscal_year", "")
    return {
        "status": status if status in dict(STATUS_CHOICES) else "",
        "fiscal_year": int(year) if year.isdigit() and len(year) == 4 else None,
        "search": params.get("q", "").strip()[:SEARCH_LENGTH],
    }


def invoices_for_staff(*, status, fiscal_year, search, today=None):
    """Issued invoices, newest first, with their balances and just the columns shown."""
    invoices = (
        Invoice.objects.issued().with_balance()
        .select_related("membership")
        .only("number", "status", "issue_date", "due_date", "total", "pdf_path",
              "membership__id")
        .prefetch_related(Prefetch("membership__institutions",
                                   queryset=Institution.objects.only("name").order_by("name")))
        .order_by("-issue_date", "-sequence", "-id")
    )
    if status == "overdue":
        invoices = invoices.overdue(today or timezone.localdate())
    elif status:
        invoices = invoices.filter(status=status)
    if fiscal_year is not None:
        invoices = invoices.filter(fiscal_year=fiscal_year)
    if search:
        # The institutions frozen on the invoice at issue: one column, no join to search.
        invoices = invoices.filter(Q(number__icontains=search) | Q(po_number__icontains=search)
                                   | Q(bill_to_institutions__icontains=search))
    return invoices


@login_required
def invoice_list(request):
    """Staff's invoices: number, who, when, how much is still due, and the status."""
    if not request.user.is_staff:
        raise Http404
    filters = invoice_filters(request.GET)
    page = peek_page(request, invoices_for_staff(**filters), size=PAGE_SIZE)
    change_url = row_url("admin:billing_invoice_change")
    pdf_url = row_url("billing:invoice_pdf")
    for invoice in page.object_list:
        invoice.change_url = change_url.format(invoice.pk)
        invoice.pdf_url = pdf_url.format(invoice.pk) if invoice.pdf_path else ""
        invoice.shown_status = invoice.display_status
    return render(request, "staff/invoice_list.html", {
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "statuses": STATUS_CHOICES,
        "years": list(InvoiceNumberCounter.objects.order_by("-fiscal_year")
                      .values_list("fiscal_year", flat=True)),
        "admin_url": reverse("admin:billing_invoice_changelist"),
    })


urlpatterns = [
    path("portal/staff/invoices/", invoice_list, name="staff_invoices"),
]
