from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from billing import paperwork, selectors, services
from billing.forms import (
    BounceForm,
    InvoiceIssueForm,
    PaymentAddForm,
    PaymentForm,
    PurchaseOrderForm,
    QuoteIssueForm,
    RefundForm,
    UncollectibleForm,
    VoidForm,
)
from billing.models import (
    BillingTerms,
    EmailBounce,
    FeeSchedule,
    Invoice,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceVersion,
    Payment,
    Quote,
    QuoteNumberCounter,
    Refund,
    ReminderLog,
    StripeEvent,
    VendorDocument,
)
from core import csvsafe, once
from core.admin import BigListAdmin, ReadOnlyAdmin
from core.admin_actions import form_action
from core.files import stored_pdf_response
from core.forms import service_errors_show
from core.money import format_usd, money
from core.statemachine import audit, history

NO_SAVE = {"show_save": False, "show_save_and_continue": False,
           "show_save_and_add_another": False, "show_delete": False}


@admin.register(FeeSchedule)
class FeeScheduleAdmin(once.OnceAdmin):
    list_display = ["effective_from", "institution_fee", "partnership_fee", "extra_seat_fee",
                    "commitment_years", "net_days"]
    date_hierarchy = "effective_from"
    search_fields = ["effective_from"]


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.overdue(today)
        if self.value() == "no":
            return queryset.exclude(status=Invoice.Status.OPEN, due_date__lt=today)
        return queryset


class FiscalYearFilter(admin.SimpleListFilter):
    """The fiscal years that numbered invoices, read from their counters (a row a year) rather
    than from every invoice (the default filter's SELECT DISTINCT over the whole table)."""

    title = "fiscal year"
    parameter_name = "fiscal_year__exact"  # the default filter's, so saved links still work

    def lookups(self, request, model_admin):
        years = InvoiceNumberCounter.objects.values_list("fiscal_year", flat=True)
        return [*((str(year), f"FY{year}") for year in years), ("none", "Not numbered")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(fiscal_year__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(fiscal_year=int(self.value()))
        return queryset


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = readonly_fields = ["position", "description", "quantity", "unit_price", "amount"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = readonly_fields = ["received_on", "amount", "method", "reference",
                                "stripe_invoice_id", "recorded_by", "recorded_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = "payments (record one with the “Record a payment” action)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    fields = readonly_fields = ["refunded_on", "amount", "method", "reference", "reason",
                                "recorded_by", "recorded_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = "refunds (record one with the “Refund money received” action)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _refund(*, obj, data, actor):
    services.refund_record(invoice=obj, actor=actor, amount=data["amount"],
                           refunded_on=data["refunded_on"], method=data["method"],
                           reference=data["reference"], reason=data["reason"],
                           # The service's own key is the form's one-time token.
                           request_key=once.form_token_key(data[once.FIELD]))


def _void(*, obj, data, actor):
    services.invoice_void(invoice=obj, actor=actor, reason=data["reason"])


def _uncollectible(*, obj, data, actor):
    services.invoice_mark_uncollectible(invoice=obj, actor=actor, reason=data["reason"])


def _pay(*, obj, data, actor):
    services.payment_record(invoice=obj, actor=actor, amount=data["amount"],
                            received_on=data["received_on"], method=data["method"],
                            reference=data["reference"])


def _money_of(invoice: Invoice) -> dict:
    """What an invoice asks, what came in, what went back and what is still owed."""
    received = money(invoice.payments.aggregate(s=Sum("amount"))["s"] or 0)
    refunded = money(invoice.refunds.aggregate(s=Sum("amount"))["s"] or 0)
    return {"invoice": invoice, "total": money(invoice.total), "received": received,
            "refunded": refunded, "balance": money(invoice.total - received + refunded)}


def _with_money(invoice: Invoice) -> str:
    """How the payment and refund actions list their invoice: with its balance, so staff see
    what is owed before they type an amount."""
    m = _money_of(invoice)
    return (f"{invoice}, {invoice.bill_to_name or invoice.bill_to_institutions}: total "
            f"{format_usd(m['total'])}, paid {format_usd(m['received'])}, refunded "
            f"{format_usd(m['refunded'])}, balance due {format_usd(m['balance'])}")


void_selected = form_action(
    form_class=VoidForm, perform=_void, verb="void", description="Void (with reason)",
    intro="A void invoice stays on record with its number; it can no longer be paid.")
record_payment = form_action(
    form_class=PaymentForm, perform=_pay, verb="record a payment",
    description="Record a payment", single=True, describe=_with_money,
    intro="A check, transfer or PO payment received. Partial payments leave a balance.")
refund_payment = form_action(
    form_class=RefundForm, perform=_refund, verb="refund money received",
    description="Refund money received", single=True, describe=_with_money,
    intro="Money paid back by check or transfer (money paid online is refunded in Stripe). "
          "A paid invoice owes the refunded amount again; void it if nothing is owed.")
def _po(*, obj, data, actor):
    paperwork.invoice_po_update(invoice=obj, actor=actor, po_number=data["po_number"],
                                vendor_number=data["vendor_number"], ap_email=data["ap_email"])


change_po = form_action(
    form_class=PurchaseOrderForm, perform=_po, verb="change the PO details",
    description="Change PO details (new PDF version)", single=True, describe=_with_money,
    intro="The invoice keeps its number, lines and amounts; a new PDF version goes to the "
          "accounts-payable address and the earlier PDF stays on record. Paid and void "
          "invoices refuse.")
mark_uncollectible = form_action(
    form_class=UncollectibleForm, perform=_uncollectible, verb="write off",
    description="Mark uncollectible (with reason)")


class InvoiceVersionInline(admin.TabularInline):
    model = InvoiceVersion
    fields = readonly_fields = ["version", "po_number", "vendor_number", "ap_email",
                                "replaced_at", "replaced_by", "pdf"]
    extra = 0
    can_delete = False
    verbose_name_plural = "earlier PDF versions (change PO details with the action)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html('<a href="{}">version {}</a>', reverse(
            "billing:invoice_version_pdf", args=[obj.invoice_id, obj.version]), obj.version)


@admin.register(Invoice)
class InvoiceAdmin(BigListAdmin, admin.ModelAdmin):
    list_per_page = 25  # a screenful; each row costs the admin ~0.4 ms of Python (bench)
    list_display = ["number", "membership", "bill_to_institutions", "status", "total_usd",
                    "balance_usd", "issue_date", "due_date"]
    list_filter = ["status", FiscalYearFilter, OverdueFilter, "kind", "issue_date"]
    search_fields = ["number", "bill_to_institutions", "membership__institutions__name",
                     "po_number", "vendor_number", "ap_email"]
    list_select_related = ["membership"]
    autocomplete_fields = ["membership"]
    actions = [record_payment, refund_payment, change_po, void_selected, mark_uncollectible]
    inlines = [InvoiceLineInline, PaymentInline, RefundInline, InvoiceVersionInline]
    fieldsets = [
        ("Invoice", {"fields": ["number", "status", "kind", "commitment_year", "membership",
                                "fiscal_year", "issue_date", "due_date", "net_days"]}),
        ("Money", {"fields": ["total_usd", "paid_usd", "balance_usd"]}),
        ("Bill to (frozen at issue)", {"fields": ["bill_to_institutions", "bill_to_name",
                                                  "bill_to_email", "bill_to_address"]}),
        ("Purchasing (the “Change PO details” action)", {
            "fields": ["po_number", "vendor_number", "ap_email", "version"]}),
        ("Delivery", {"fields": ["pdf_link", "delivered_at", "hosted_invoice_url",
                                 "stripe_invoice_id", "stripe_customer_id"]}),
        ("History", {"fields": ["issued_by", "open_at", "paid_at", "void_at",
                                "uncollectible_at", "void_reason", "history"]}),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    def get_queryset(self, request):
        return super().get_queryset(request).with_balance()

    @admin.display(description="Total", ordering="total")
    def total_usd(self, obj):
        return format_usd(obj.total)

    @admin.display(description="Paid", ordering="paid_total")
    def paid_usd(self, obj):
        return format_usd(obj.amount_paid)

    @admin.display(description="Balance", ordering="balance_due")
    def balance_usd(self, obj):
        return format_usd(obj.balance)

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        if not obj.pdf_path:
            return "not rendered yet"
        return format_html('<a href="{}">{}</a>', reverse("billing:invoice_pdf", args=[obj.pk]),
                           obj.pdf_filename)

    @admin.display(description="History")
    def history(self, obj):
        return "; ".join(f"{e.at:%Y-%m-%d %H:%M} {e.action} by {e.actor or 'system'}"
                         f"{': ' + e.reason if e.reason else ''}" for e in history(obj)) or "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url,
                                   extra_context={**(extra_context or {}), **NO_SAVE})

    def add_view(self, request, form_url="", extra_context=None):
        """Issue through the services: the commitment years that are due, or extra seats."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InvoiceIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data

            def issue():
                if data["what"] == InvoiceIssueForm.EXTRA_SEATS:
                    issued = [services.extra_seats_grant(
                        membership=data["membership"], seats=data["seats"], actor=request.user,
                        reason=data["reason"])]
                else:
                    issued = services.commitment_invoices_issue(membership=data["membership"],
                                                                actor=request.user)
                if issued:
                    self.message_user(request, "Issued " + ", ".join(
                        i.number for i in issued) + ".", messages.SUCCESS)
                elif services.issue_waits(data["membership"], today=timezone.localdate()):
                    terms = services.terms_of(data["membership"].application_id)
                    self.message_user(request, "Nothing issued: this membership's invoices are "
                                      f"scheduled from {terms.issue_on:%-d %b %Y} (Billing "
                                      "terms); the daily job issues them that day.",
                                      messages.WARNING)
                else:
                    self.message_user(request, "Nothing to issue: every commitment year due "
                                      "so far is already invoiced.", messages.WARNING)
                return reverse("admin:billing_invoice_changelist")

            try:
                return once.submit_once(request, form, issue)
            except ValidationError as error:
                form.add_error(None, error.messages)
        return TemplateResponse(request, "admin/billing/invoice/issue.html", {
            **self.admin_site.each_context(request),
            "title": "Issue an invoice",
            "form": form,
            "opts": self.model._meta,
        })

    def get_urls(self):
        return [
            path("reports/", self.admin_site.admin_view(self.reports_view),
                 name="billing_invoice_reports"),
            *super().get_urls(),
        ]

    def reports_view(self, request):
        """Open invoices by age and revenue by fiscal year, on screen or as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        export = request.GET.get("export")
        if export == "aging":
            return _csv_response(f"ncsup-open-invoices-{today}.csv", _aging_rows(today))
        if export == "revenue":
            return _csv_response(f"ncsup-revenue-{today}.csv", _revenue_rows())
        return TemplateResponse(request, "admin/billing/invoice/reports.html", {
            **self.admin_site.each_context(request),
            "title": "Billing reports",
            "opts": self.model._meta,
            "today": today,
            "aging": selectors.aging_summary(today=today),
            "revenue": selectors.revenue_by_fiscal_year(),
        })


def _csv_response(filename, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csvsafe.writer(response).writerows(rows)
    return response


def _aging_rows(today):
    yield ["Invoice", "Institutions", "Bill to", "PO number", "Issued", "Due",
           "Days past due", "Age", "Total", "Paid", "Balance"]
    for invoice in selectors.open_invoices_by_age(today=today).iterator():
        yield [invoice.number, invoice.bill_to_institutions, invoice.bill_to_name,
               invoice.po_number, invoice.issue_date, invoice.due_date,
               max((today - invoice.due_date).days, 0), invoice.bucket, invoice.total,
               invoice.amount_paid, invoice.balance]


def _revenue_rows():
    yield ["Fiscal year", "Invoiced", "Collected (net)", "Refunded", "Uncollectible", "Void"]
    for row in selectors.revenue_by_fiscal_year():
        yield [f"FY{row.fiscal_year}", row.invoiced, row.collected, row.refunded,
               row.uncollectible, row.void]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds are recorded from the invoice (the "Refund money received" action)."""

    list_display = ["refunded_on", "invoice", "amount_usd", "method", "reference", "reason",
                    "recorded_by"]
    list_filter = ["method", "refunded_on"]
    search_fields = ["invoice__number", "reference", "reason", "invoice__bill_to_institutions"]
    list_select_related = ["invoice", "recorded_by"]
    date_hierarchy = "refunded_on"

    @admin.display(description="Amount", ordering="amount")
    def amount_usd(self, obj):
        return format_usd(obj.amount)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["received_on", "invoice", "amount_usd", "method", "reference",
                    "recorded_by"]
    list_filter = ["method", "received_on"]
    search_fields = ["invoice__number", "reference", "invoice__bill_to_institutions",
                     "stripe_invoice_id"]
    list_select_related = ["invoice", "recorded_by"]
    autocomplete_fields = ["invoice"]
    date_hierarchy = "received_on"
    readonly_fields = ["invoice", "amount", "received_on", "method", "reference",
                       "stripe_invoice_id", "stripe_payment_id", "recorded_by", "recorded_at"]

    @admin.display(description="Amount", ordering="amount")
    def amount_usd(self, obj):
        return format_usd(obj.amount)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Record a check or transfer through ``payment_record``, which holds the rules."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {}
        if request.GET.get("invoice", "").isdigit():
            number = Invoice.objects.filter(pk=request.GET["invoice"]).values_list(
                "number", flat=True).first()
            initial["invoice_number"] = number or ""
        form = PaymentAddForm(request.POST or None, initial=initial)
        valid = request.method == "POST" and form.is_valid()
        invoice = (form.cleaned_data.get("invoice") if form.is_bound
                   else Invoice.objects.filter(number=initial.get("invoice_number") or None)
                   .first())
        if valid:
            data = form.cleaned_data

            def record():
                payment = services.payment_record(
                    invoice=data["invoice"], amount=data["amount"],
                    received_on=data["received_on"], method=data["method"],
                    reference=data["reference"], actor=request.user)
                invoice = payment.invoice
                self.message_user(request, f"Recorded {format_usd(payment.amount)} on "
                                  f"{invoice}; balance {format_usd(invoice.balance)}.",
                                  messages.SUCCESS)
                return reverse("admin:billing_invoice_change", args=[invoice.pk])

            try:
                return once.submit_once(request, form, record)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
        return TemplateResponse(request, "admin/billing/payment/add.html", {
            **self.admin_site.each_context(request),
            "title": "Record a payment",
            "form": form,
            "invoice_money": _money_of(invoice) if invoice else None,
            "opts": self.model._meta,
        })


@admin.register(InvoiceNumberCounter)
class InvoiceNumberCounterAdmin(ReadOnlyAdmin):
    list_display = ["fiscal_year", "last_number"]
    list_filter = ["fiscal_year"]
    search_fields = ["fiscal_year"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "event_id"]
    list_filter = ["type"]
    search_fields = ["event_id", "type"]
    date_hierarchy = "received_at"


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "invoice", "kind"]
    list_filter = ["kind"]
    search_fields = ["invoice__number"]
    list_select_related = ["invoice"]
    date_hierarchy = "sent_at"


# --- Purchasing paperwork ------------------------------------------------------------------------

@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    """Quotes are frozen once issued; staff issue one for an institution that has not applied
    (the add view), and applicants get theirs from the application page."""

    list_display = ["number", "institutions", "tier_name", "total_usd", "issue_date",
                    "valid_until", "application"]
    list_filter = ["fiscal_year", "partnership", "tier_name", "issue_date"]
    search_fields = ["number", "institutions", "prepared_for", "prepared_for_email"]
    list_select_related = ["application"]
    autocomplete_fields = ["application"]
    date_hierarchy = "issue_date"
    fields = readonly_fields = [
        "number", "issue_date", "valid_until", "application", "institutions", "partnership",
        "tier_name", "prepared_for", "prepared_for_email", "prepared_for_address",
        "fee_schedule", "annual_fee", "years", "total", "issued_by", "pdf_link"]

    @admin.display(description="Total", ordering="total")
    def total_usd(self, obj):
        return format_usd(obj.total)

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        if not obj.pdf_path:
            return "being prepared"
        return format_html('<a href="{}">{}</a>', reverse("admin:billing_quote_pdf",
                                                           args=[obj.pk]), obj.pdf_filename)

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url,
                                   extra_context={**(extra_context or {}), **NO_SAVE})

    def get_urls(self):
        return [path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view),
                     name="billing_quote_pdf"), *super().get_urls()]

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        quote = Quote.objects.filter(pk=pk).first()
        return stored_pdf_response(quote.pdf_path if quote else "",
                                   quote.pdf_filename if quote else "",
                                   missing="The quote's PDF is being prepared.")

    def add_view(self, request, form_url="", extra_context=None):
        """Quote an institution that has not applied, through ``paperwork.quote_issue``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = QuoteIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data

            def issue():
                quote = paperwork.quote_issue(
                    institutions=data["institutions"], partnership=data["partnership"],
                    tier_name=data["tier"].name, prepared_for=data["prepared_for"],
                    prepared_for_email=data["prepared_for_email"],
                    prepared_for_address=data["prepared_for_address"], actor=request.user)
                self.message_user(request, f"Issued quote {quote.number} for "
                                  f"{format_usd(quote.total)}.", messages.SUCCESS)
                return reverse("admin:billing_quote_change", args=[quote.pk])

            try:
                return once.submit_once(request, form, issue)
            except ValidationError as error:
                service_errors_show(form, error)
        return TemplateResponse(request, "admin/billing/quote/issue.html", {
            **self.admin_site.each_context(request),
            "title": "Issue a quote", "form": form, "opts": self.model._meta,
        })


@admin.register(VendorDocument)
class VendorDocumentAdmin(once.OnceAdmin):
    """The Center's W-9 and other vendor forms. Upload a newer one with its effective date; the
    old one stays on record (no delete) and is no longer offered to members."""

    list_display = ["title", "kind", "effective_from", "offered", "uploaded_by"]
    list_filter = ["kind", "effective_from"]
    search_fields = ["title"]
    date_hierarchy = "effective_from"
    autocomplete_fields = ["uploaded_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["uploaded_by"] + (["kind", "file", "effective_from"] if obj else [])

    @admin.display(description="Offered to members now", boolean=True)
    def offered(self, obj):
        return obj in selectors.vendor_documents_current()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingTerms)
class BillingTermsAdmin(once.OnceAdmin):
    """Per membership (set on its application, so before approval too): net 30/45/60, the
    accounts-payable address and the day its invoices may be issued from."""

    list_display = ["application", "net_days", "ap_email", "issue_on"]
    list_filter = ["net_days", "issue_on"]
    search_fields = ["application__institutions__name", "ap_email",
                     "application__billing_email"]
    autocomplete_fields = ["application"]
    list_select_related = ["application"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(obj.application, action="billing_terms", actor=request.user,
              reason=f"Net {obj.net_days}; AP {obj.ap_email or '—'}; issue from "
                     f"{obj.issue_on or 'approval'}")


@admin.register(EmailBounce)
class EmailBounceAdmin(admin.ModelAdmin):
    """Addresses that bounced for good. The mail provider's webhook adds them; staff add one by
    hand (the add view) when a bounce arrives in the Center's inbox instead."""

    list_display = ["address", "reason", "source", "bounced_at"]
    list_filter = ["source", "bounced_at"]
    search_fields = ["address", "reason"]
    fields = readonly_fields = ["address", "reason", "source", "bounced_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BounceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            def record():
                bounce = paperwork.bounce_record(address=form.cleaned_data["address"],
                                                 reason=form.cleaned_data["reason"])
                self.message_user(request, f"{bounce.address} gets no more billing mail; "
                                  "its memberships' other contacts still do.", messages.SUCCESS)
                return reverse("admin:billing_emailbounce_changelist")

            try:
                return once.submit_once(request, form, record)
            except ValidationError as error:
                service_errors_show(form, error)
        return TemplateResponse(request, "admin/billing/quote/issue.html", {
            **self.admin_site.each_context(request),
            "title": "Record a permanent bounce", "form": form, "opts": self.model._meta,
        })


@admin.register(QuoteNumberCounter)
class QuoteNumberCounterAdmin(ReadOnlyAdmin):
    list_display = ["fiscal_year", "last_number"]
    list_filter = ["fiscal_year"]
    search_fields = ["fiscal_year"]
