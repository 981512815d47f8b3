"""Staff's invoice list in the portal: every issued invoice, what is still due, the PDF.

Edits, payments and voids stay in the admin; this list is what staff read daily, built to cost a
handful of queries and no ``COUNT(*)`` whatever the table size (``core.worklists``).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from billing.models import Invoice, InvoiceNumberCounter, invoice_display_status
from core import worklists
from core.fragments import fragment
from core.money import format_usd, money
from members.models import Membership

PAGE_SIZE = 25
BEING_PREPARED = SafeString('<span class="muted">being prepared</span>')
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


INVOICE_COLUMNS = ("pk", "number", "status", "issue_date", "due_date", "total", "paid_total",
                   "pdf_path", "membership_id")


def invoices_for_staff(*, status, fiscal_year, search, today=None):
    """Issued invoices, newest first, with their balances: just the columns shown, as tuples in
    ``INVOICE_COLUMNS`` order (no model instances: the list is read all day)."""
    invoices = (
        Invoice.objects.issued().with_balance()
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
    return invoices.values_list(*INVOICE_COLUMNS)


@login_required
def invoice_list(request):
    """Staff's invoices: number, who, when, how much is still due, and the status."""
    if not request.user.is_staff:
        raise Http404
    # Served from the cache until a table it read is written (core/fragments.py), for the day:
    # overdue is derived from today. The query string is the key (filters, page, and the
    # pagination links keep its other parameters). Shared by all staff: nothing in it depends on
    # which staff member reads it (rows link to the admin and the PDF, for anyone on staff).
    return render(request, "staff/invoice_list.html", {"content": fragment(
        "staff-invoices", [request.GET.urlencode()], lambda: invoice_list_content(request),
        per_viewer=False)})


def invoice_list_content(request) -> str:
    """The list's part of the page: its filters, rows and pages, every row read here."""
    filters = invoice_filters(request.GET)
    today = timezone.localdate()
    page = worklists.peek_page(request, invoices_for_staff(**filters, today=today),
                               size=PAGE_SIZE)
    change_url = worklists.row_url("admin:billing_invoice_change")
    pdf_url = worklists.row_url("billing:invoice_pdf")
    names = institution_names_of_memberships({row[-1] for row in page.object_list})
    link, badge, escape = worklists.link, worklists.badge, worklists.escape
    day, usd = worklists.list_day, format_usd
    rows = []
    for pk, number, status, issued, due, total, paid, pdf_path, membership_id in (
            page.object_list):
        paid = money(paid or 0)
        # Overdue and partially paid are derived, as Invoice.display_status derives them.
        shown, label = invoice_display_status(status=status, due_date=due, total=total,
                                              amount_paid=paid, today=today)
        pdf = link("PDF", pdf_url.format(pk)) if pdf_path else BEING_PREPARED
        rows.append(
            f'<tr><td class="nowrap" data-label="Number">{link(number, change_url.format(pk))}'
            f"</td><th scope=\"row\">{escape(names.get(membership_id, ''))}</th>"
            f'<td class="nowrap" data-label="Issued">{day(issued)}</td>'
            f'<td class="nowrap" data-label="Due">{day(due)}</td>'
            f'<td class="num" data-label="Total">{usd(total)}</td>'
            f'<td class="num" data-label="Balance due">{usd(total - paid)}</td>'
            f'<td data-label="Status">{badge(shown, label)}</td>'
            f'<td data-label="PDF">{pdf}</td></tr>')
    # Rows of ready-made text, one string each (as core.worklists.html_rows makes them, at a
    # tenth of its cost: every text is escaped above, the dates and amounts are our own).
    page.rows = SafeString("".join(rows))
    return render_to_string("staff/partials/invoice_list_content.html", {
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "status_options": worklists.options(STATUS_CHOICES, filters["status"]),
        "year_options": worklists.options(
            [("", "Any year"), *((year, f"FY{year}") for year in InvoiceNumberCounter.objects
                                 .order_by("-fiscal_year").values_list("fiscal_year", flat=True))],
            filters["fiscal_year"]),
        "admin_url": reverse("admin:billing_invoice_changelist"),
    })


def institution_names_of_memberships(membership_ids) -> dict[int, str]:
    """"District + University" per membership, in one query."""
    return worklists.joined_names(
        Membership.institutions.through.objects.filter(membership_id__in=membership_ids)
        .order_by("institution__name").values_list("membership_id", "institution__name"))


urlpatterns = [
    path("portal/staff/invoices/", invoice_list, name="staff_invoices"),
]
