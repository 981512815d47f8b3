import csv
import io
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, InvoiceNumberCounter, Payment
from core import once
from core.statemachine import history
from tests.billing.test_views import bulk_invoices
from tests.factories import (
    InstitutionFactory,
    InvoiceFactory,
    MembershipFactory,
    PaymentFactory,
)
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]
CHANGELIST = reverse("admin:billing_invoice_changelist")
REPORTS = reverse("admin:billing_invoice_reports")


def act(client, action, invoices, **data):
    payload = {"action": action, ACTION_CHECKBOX_NAME: [i.pk for i in invoices]}
    if data:
        payload.update(apply="1", **data)
        payload.setdefault("once_token", once.form_token_new())  # a freshly shown form
    return client.post(CHANGELIST, payload, follow=bool(data))


# --- list --------------------------------------------------------------------------------------

def test_list_shows_number_membership_status_total_balance_and_dates(staff_client):
    invoice = InvoiceFactory(total=Decimal("5000.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("1250.00"))
    html = staff_client.get(CHANGELIST).content.decode()
    for text in (invoice.number, f"Membership #{invoice.membership_id}", "$5,000.00",
                 "$3,750.00", "1 Sep 2026", "1 Oct 2026", "Reports"):
        assert text in html


def test_filters_and_search(staff_client):
    today = timezone.localdate()
    late = InvoiceFactory(membership=MembershipFactory(
        institutions=[InstitutionFactory(name="Chicago Public Schools")]),
        bill_to_institutions="Chicago Public Schools", po_number="PO-CPS-9")
    current = InvoiceFactory(issue_date=today, fiscal_year=2028)
    void = InvoiceFactory(void=True)

    def found(**params):
        return set(staff_client.get(CHANGELIST, params).context["cl"].queryset)

    assert found(overdue="yes") == {late}
    assert found(overdue="no") == {current, void}
    assert found(status__exact="void") == {void}
    assert found(fiscal_year__exact="2028") == {current}
    assert found(q="chicago") == {late}
    assert found(q="PO-CPS-9") == {late}
    assert found(q=current.number) == {current}
    html = staff_client.get(CHANGELIST).content.decode()
    for facet in ("By status", "By fiscal year", "By overdue"):
        assert facet in html


def test_admin_invoice_list_query_count_is_the_same_at_10_and_10000(
    staff_client, django_assert_max_num_queries
):
    membership = MembershipFactory()
    counts = []
    for total in (10, 10_000):
        have = Invoice.objects.count()
        bulk_invoices(membership, total - have, start=have + 1)
        PaymentFactory(invoice=Invoice.objects.first(), amount=Decimal("1.00"))
        with django_assert_max_num_queries(12) as captured:
            response = staff_client.get(CHANGELIST)
        assert response.context["cl"].result_count == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    print(f"admin invoice list queries at 10 and 10,000 invoices: {counts}")


def test_admin_invoice_list_counts_once_and_reads_no_column_of_every_invoice(staff_client):
    """At 20,000 invoices each whole-table read costs milliseconds on every request: the list
    counts its rows once (no "N total" beside it), takes its fiscal years from the counters (a
    row a year) and offers date filters that need no query instead of a date hierarchy."""
    membership = MembershipFactory()
    bulk_invoices(membership, 30, start=1)
    InvoiceNumberCounter.objects.create(fiscal_year=2027, last_number=30)
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(CHANGELIST)
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum("COUNT(" in sql for sql in sqls) == 1
    assert not any("DISTINCT" in sql or "MIN(" in sql for sql in sqls)
    html = response.content.decode()
    assert "FY2027" in html and "Not numbered" in html and "By issue date" in html
    assert len(response.context["cl"].result_list) == 25  # a screenful, the rest on pages
    numbered = set(staff_client.get(CHANGELIST, {"fiscal_year__exact": "2027"})
                   .context["cl"].queryset)
    assert numbered == set(Invoice.objects.filter(fiscal_year=2027))
    unnumbered = set(staff_client.get(CHANGELIST, {"fiscal_year__exact": "none"})
                     .context["cl"].queryset)
    assert unnumbered == set(Invoice.objects.filter(fiscal_year__isnull=True))


# --- read-only, no delete ----------------------------------------------------------------------

def test_invoices_and_payments_cannot_be_deleted_or_edited(staff_client):
    invoice = InvoiceFactory()
    payment = PaymentFactory(invoice=invoice, amount=Decimal("10.00"))
    assert staff_client.get(reverse("admin:billing_invoice_delete",
                                    args=[invoice.pk])).status_code == 403
    assert staff_client.get(reverse("admin:billing_payment_delete",
                                    args=[payment.pk])).status_code == 403
    page = staff_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}  # every field read-only
    assert 'name="_save"' not in page.content.decode()
    staff_client.post(reverse("admin:billing_invoice_change", args=[invoice.pk]),
                      {"total": "1.00", "status": "paid", "po_number": "changed"})
    invoice.refresh_from_db()
    assert (invoice.total, invoice.status, invoice.po_number) == (Decimal("2500.00"), "open", "")
    assert "delete_selected" not in staff_client.get(CHANGELIST).context["action_form"].fields[
        "action"].choices.__repr__()


# --- actions -----------------------------------------------------------------------------------

def test_void_asks_for_a_reason_then_voids(staff_client, staff):
    invoice = InvoiceFactory()
    confirm = act(staff_client, "void_selected", [invoice])
    assert "You are about to <strong>void</strong>" in confirm.content.decode()
    refused = act(staff_client, "void_selected", [invoice], reason="")
    assert "This field is required." in refused.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "open"

    done = act(staff_client, "void_selected", [invoice], reason="Issued to the wrong district")
    assert "Void: 1 invoice." in done.content.decode()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == ("void", "Issued to the wrong district")
    assert history(invoice).get().actor == staff


def test_void_of_a_paid_invoice_is_refused_and_the_rest_proceed(staff_client):
    paid, open_one = InvoiceFactory(paid=True), InvoiceFactory()
    html = act(staff_client, "void_selected", [paid, open_one], reason="Clean up").content.decode()
    assert "Void: 1 invoice." in html
    assert f"{paid.number}: " in html and "paid cannot become void" in html
    paid.refresh_from_db()
    open_one.refresh_from_db()
    assert (paid.status, open_one.status) == ("paid", "void")


def test_record_a_payment_from_the_list(staff_client, staff):
    invoice = InvoiceFactory(total=Decimal("2500.00"))
    form = act(staff_client, "record_a_payment_selected", [invoice])
    assert 'name="amount"' in form.content.decode()
    done = act(staff_client, "record_a_payment_selected", [invoice], amount="2500.00",
               received_on=str(timezone.localdate()), method="check", reference="Check 88")
    assert "Record a payment: 1 invoice." in done.content.decode()
    payment = invoice.payments.get()
    assert (payment.amount, payment.reference, payment.recorded_by) == (
        Decimal("2500.00"), "Check 88", staff)
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_an_overpayment_is_shown_next_to_the_amount(staff_client):
    invoice = InvoiceFactory(total=Decimal("100.00"))
    response = act(staff_client, "record_a_payment_selected", [invoice], amount="150.00",
                   received_on=str(timezone.localdate()), method="check", reference="")
    html = response.content.decode()
    assert 'id="id_amount_error"' in html
    assert "more than the balance of $100.00" in html
    assert not Payment.objects.exists()


def test_a_payment_needs_exactly_one_invoice(staff_client):
    a, b = InvoiceFactory(), InvoiceFactory()
    response = act(staff_client, "record_a_payment_selected", [a, b], amount="1.00",
                   received_on=str(timezone.localdate()), method="check", reference="")
    assert "Select exactly one invoice" in response.content.decode()
    assert not Payment.objects.exists()


def test_payment_add_form_records_by_invoice_number(staff_client):
    invoice = InvoiceFactory(total=Decimal("2500.00"))
    url = reverse("admin:billing_payment_add")
    assert 'name="invoice_number"' in staff_client.get(url).content.decode()
    response = staff_client.post(url, {**token(), "invoice_number": invoice.number.lower(),
                                       "amount": "1000.00", "method": "wire",
                                       "received_on": str(timezone.localdate()),
                                       "reference": "Wire 5"}, follow=True)
    assert "Recorded $1,000.00 on" in response.content.decode()
    assert "balance $1,500.00" in response.content.decode()
    assert invoice.payments.get().method == "wire"

    missing = staff_client.post(url, {**token(),
                                      "invoice_number": "NCSUP-1999-0001", "amount": "1.00",
                                      "method": "check",
                                      "received_on": str(timezone.localdate())})
    assert "No invoice is numbered NCSUP-1999-0001." in missing.content.decode()

    void = InvoiceFactory(void=True)
    refused = staff_client.post(url, {**token(), "invoice_number": void.number, "amount": "1.00",
                                      "method": "check",
                                      "received_on": str(timezone.localdate())})
    assert "is void: it takes no payments" in refused.content.decode()
    assert Payment.objects.count() == 1


def test_staff_issue_the_commitment_years_that_are_due(staff_client, fees):
    membership = MembershipFactory(term_start=timezone.localdate())
    url = reverse("admin:billing_invoice_add")
    response = staff_client.post(url, {**token(),
                                       "membership": membership.pk, "what": "commitment"},
                                 follow=True)
    invoice = membership.invoices.get()
    assert f"Issued {invoice.number}." in response.content.decode()
    again = staff_client.post(url, {**token(), "membership": membership.pk, "what": "commitment"},
                              follow=True)
    assert "Nothing to issue" in again.content.decode()
    seats = staff_client.post(url, {**token(), "membership": membership.pk, "what": "extra_seats"})
    assert "How many extra seats?" in seats.content.decode()
    assert membership.invoices.count() == 1


# --- reports -----------------------------------------------------------------------------------

def test_reports_show_aging_buckets_and_revenue(staff_client):
    today = timezone.localdate()
    for days_late, total in ((-5, "100.00"), (10, "200.00"), (45, "300.00"), (75, "400.00"),
                             (120, "500.00"), (121, "50.00")):
        InvoiceFactory(due_date=today - timezone.timedelta(days=days_late),
                       total=Decimal(total))
    part = InvoiceFactory(due_date=today - timezone.timedelta(days=10), total=Decimal("1000.00"))
    PaymentFactory(invoice=part, amount=Decimal("600.00"), received_on=today)
    response = staff_client.get(REPORTS)
    aging = {row.bucket: (row.count, row.balance) for row in response.context["aging"]}
    assert aging == {"current": (1, Decimal("100.00")), "1-30": (2, Decimal("600.00")),
                     "31-60": (1, Decimal("300.00")), "61-90": (1, Decimal("400.00")),
                     "90+": (2, Decimal("550.00"))}
    html = response.content.decode()
    assert "Open invoices by age" in html and "Revenue by fiscal year" in html


def test_revenue_is_by_fiscal_year(staff_client):
    InvoiceFactory(fiscal_year=2027, total=Decimal("2500.00"))
    InvoiceFactory(fiscal_year=2027, total=Decimal("100.00"), void=True)
    InvoiceFactory(fiscal_year=2028, total=Decimal("5000.00"), status="uncollectible")
    paid = InvoiceFactory(fiscal_year=2027, total=Decimal("1000.00"))
    from datetime import date

    PaymentFactory(invoice=paid, amount=Decimal("400.00"), received_on=date(2027, 6, 30))
    PaymentFactory(invoice=paid, amount=Decimal("600.00"), received_on=date(2027, 7, 1))
    rows = {r.fiscal_year: r for r in staff_client.get(REPORTS).context["revenue"]}
    assert (rows[2027].invoiced, rows[2027].collected, rows[2027].void) == (
        Decimal("3500.00"), Decimal("400.00"), Decimal("100.00"))
    assert (rows[2028].invoiced, rows[2028].collected, rows[2028].uncollectible) == (
        Decimal("5000.00"), Decimal("600.00"), Decimal("5000.00"))


def test_csv_export_neutralises_formula_cells(staff_client):
    evil = "=HYPERLINK(\"http://evil.example\",\"click\")"
    InvoiceFactory(bill_to_institutions=evil, bill_to_name="@SUM(A1)", po_number="+1-2",
                   due_date=timezone.localdate())
    response = staff_client.get(REPORTS, {"export": "aging"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Invoice", "Institutions", "Bill to"]
    assert rows[1][1] == "'" + evil
    assert rows[1][2] == "'@SUM(A1)"
    assert rows[1][3] == "'+1-2"
    assert rows[1][-1] == "2500.00"
    revenue = list(csv.reader(io.StringIO(
        staff_client.get(REPORTS, {"export": "revenue"}).content.decode())))
    assert revenue[0][0] == "Fiscal year" and revenue[1][0] == "FY2027"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_every_formula_prefix_is_neutralised(value):
    from core.csvsafe import safe_cell

    assert safe_cell(value) == "'" + value
    assert safe_cell("Oxford") == "Oxford"
    assert safe_cell(Decimal("-5.00")) == Decimal("-5.00")  # a number is a value, not a formula


def test_non_staff_cannot_see_reports_or_invoices(applicant_client):
    InvoiceFactory()
    for url in (REPORTS, f"{REPORTS}?export=aging", CHANGELIST):
        response = applicant_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_invoice_permission_are_refused_reports(client):
    from tests.factories import UserFactory

    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(REPORTS).status_code == 403
    assert client.get(REPORTS, {"export": "aging"}).status_code == 403
