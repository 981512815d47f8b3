import io
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from core import csvsafe
from core.forms import service_errors_show
from core.fragments import fragment
from core.money import money
from core.once import submit_once
from core.pagination import page_of
from core.worklists import escape
from members.models import Tier
from renewals import selectors, services
from renewals.forms import AcceptForm, DeclineForm
from renewals.models import Renewal

PAGE_SIZE = 50


def _renewal_for(request, pk) -> tuple[Renewal, bool]:
    """The renewal and whether this person answers it: its billing contacts answer, staff read;
    anyone else gets a 404."""
    renewal = get_object_or_404(
        Renewal.objects.select_related("membership__tier", "membership__application", "invoice",
                                       "tier", "previous_tier", "answered_by")
        .prefetch_related("membership__institutions"), pk=pk)
    answers = services.is_billing_contact(renewal.membership, request.user)
    if not (answers or request.user.is_staff):
        raise Http404
    return renewal, answers


@login_required
def offer(request, pk):
    """The renewal offer: renew for a year or a commitment, change tier, or decline."""
    renewal, answers = _renewal_for(request, pk)
    tiers = services.renewal_tiers(renewal.membership)
    accept_form = AcceptForm(renewal=renewal, tiers=tiers)
    decline_form = DeclineForm()
    if request.method == "POST":
        if not answers:  # staff read the offer; its billing contacts answer it
            raise Http404
        if "accept" in request.POST:
            accept_form = AcceptForm(request.POST, renewal=renewal, tiers=tiers)
            if accept_form.is_valid():
                try:
                    return submit_once(request, accept_form, lambda: _accepted(
                        request, renewal, accept_form.cleaned_data))
                except ValidationError as error:
                    service_errors_show(accept_form, error)
        else:
            decline_form = DeclineForm(request.POST)
            if decline_form.is_valid():
                try:
                    services.renewal_decline(renewal=renewal, actor=request.user,
                                             **decline_form.cleaned_data)
                except ValidationError as error:
                    service_errors_show(decline_form, error)
                else:
                    messages.success(request, "Your answer is recorded. Thank you for your "
                                              "years in the network.")
                    return redirect(renewal)
    return render(request, "renewals/renewal_offer.html", {
        "renewal": renewal,
        "membership": renewal.membership,
        "answers": answers,
        "accept_form": accept_form,
        "decline_form": decline_form,
        "error_forms": [form for form in (accept_form, decline_form) if form.errors],
        "tiers": list(tiers.order_by("position", "name")),
        "invoice": renewal.invoice,
        "grace_days": settings.RENEWAL_GRACE_DAYS,
        "today": timezone.localdate(),
        **services.offer_context(renewal),
    })


def _accepted(request, renewal, data) -> Renewal:
    accepted = services.renewal_accept(renewal=renewal, actor=request.user, **data)
    messages.success(request, f"Renewed. Invoice {accepted.invoice} is on its way to your "
                              "billing contacts, and in Billing.")
    return accepted


def _staff_filters(request) -> dict:
    if not request.user.is_staff:
        raise Http404
    stage = request.GET.get("stage", "")
    tier = request.GET.get("tier", "")
    return {
        "stage": stage if stage in selectors.STAGE_LABELS else "",
        "tier_id": int(tier) if tier.isdigit() else None,
        "search": request.GET.get("q", "").strip()[:100],
    }


def _staff_row_html(row: dict) -> str:
    """One row of the staff table. Built here rather than in the template's loop: 25 rows of
    template tags cost ~15k Python calls, a third of the page. Every value is escaped."""
    e = escape
    if row["invoice_number"]:
        key, label = row["invoice_status"]
        invoice = (f'{e(row["invoice_number"])} '
                   f'<span class="status status-{e(key)}">{e(label)}</span>')
    else:
        invoice = '<span class="muted">none</span>'
    answer = e(row["answer"]) if row["answer"] else '<span class="muted">none yet</span>'
    return mark_safe(  # noqa: S308 - every value above and below goes through html.escape
        f'<tr><th scope="row"><a href="{e(row["url"])}">{e(row["institutions"])}</a><br>'
        f'<span class="help">{e(row["detail"])}</span></th>'
        f'<td class="nowrap" data-label="Ends">{e(row["ends"])}</td>'
        f'<td data-label="Stage"><span class="status status-{e(row["stage"])}">'
        f'{e(row["stage_label"])}</span></td>'
        f'<td data-label="Answer">{answer}</td><td data-label="Invoice">{invoice}</td>'
        f'<td class="num" data-label="At stake">{e(row["stake"])}</td></tr>')


@login_required
def staff_list(request):
    """Staff's renewals: every stage, the money at stake, filters and a CSV of the same list."""
    filters = _staff_filters(request)  # staff only
    # Served from the cache until a table it read is written (core/fragments.py), for the day:
    # "due in 90 days" is counted from today. The query string is the key (filters, page, and
    # the pagination and CSV links keep its other parameters), with the offer window's setting.
    # Shared by all staff: nothing in it depends on which staff member reads it.
    return render(request, "renewals/renewal_staff_list.html", {"content": fragment(
        "staff-renewals", [request.GET.urlencode(), settings.RENEWAL_OFFER_DAYS],
        lambda: staff_list_content(request, filters), per_viewer=False)})


def staff_list_content(request, filters: dict) -> str:
    """The list's part of the page: the stages' totals, the filters, rows and pages."""
    summary = selectors.renewals_summary()
    page = page_of(request, selectors.renewals_for_staff_page(**filters), size=PAGE_SIZE)
    tiers = list(Tier.objects.order_by("position", "name").values_list("pk", "name"))
    return render_to_string("renewals/partials/renewal_staff_list_content.html", {
        "page": page,
        "rows": [_staff_row_html(row) for row in
                 selectors.staff_rows(list(page.object_list), tiers=dict(tiers))],
        "summary": summary,
        "at_stake": selectors.at_stake_total(summary),
        "filters": filters,
        "stages": selectors.STAGES,
        "tiers": tiers,
        "query": request.GET.urlencode(),
        "offer_days": settings.RENEWAL_OFFER_DAYS,
    })


CSV_HEADER = ["Institutions", "Tier", "Renewing into", "Commitment ends", "Stage", "Years",
              "Decline reason", "Decline details", "Invoice", "Invoice status", "At stake (USD)",
              "Billing contacts", "Answered by"]


@login_required
def staff_export(request):
    filters = _staff_filters(request)
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_HEADER)
    for renewal in selectors.renewals_for_staff(**filters).iterator(chunk_size=500):
        membership = renewal.membership
        writer.writerow([
            " + ".join(i.name for i in membership.institutions.all()),
            membership.tier.name,
            renewal.tier.name if renewal.tier_id else "",
            (renewal.anniversary - timedelta(days=1)).isoformat(),
            selectors.STAGE_LABELS[renewal.stage],
            renewal.years or "",
            renewal.get_decline_reason_display(),
            renewal.decline_details,
            renewal.invoice.number if renewal.invoice_id else "",
            renewal.invoice.get_status_display() if renewal.invoice_id else "",
            money(renewal.stake),
            "; ".join(c.address for c in membership.billing_contacts.all()),
            renewal.answered_by.email if renewal.answered_by_id else "",
        ])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="renewals-{timezone.localdate().isoformat()}.csv"')
    return response
