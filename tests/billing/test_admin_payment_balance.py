"""Before staff type an amount, the payment forms show what the invoice asks, what came in,
what went back and what is still owed."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from billing.models import Payment, Refund
from tests.factories import InvoiceFactory, PaymentFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]
ADD = reverse("admin:billing_payment_add")
CHANGELIST = reverse("admin:billing_invoice_changelist")


@pytest.fixture
def invoice():
    invoice = InvoiceFactory(total=Decimal("5000.00"), bill_to_name="Accounts Payable, DPS")
    PaymentFactory(invoice=invoice, amount=Decimal("2000.00"))
    Refund.objects.create(invoice=invoice, amount=Decimal("250.00"), refunded_on=date(2026, 9, 20),
                          method=Payment.Method.CHECK, reason="Paid twice", request_key="k1")
    return invoice


def money_rows(html):
    box = html[html.index('class="module invoice-money"'):]
    box = box[:box.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(?:<strong>)?([^<]+)<',
                           box))


def test_the_add_form_for_an_invoice_shows_its_money_above_the_form(staff_client, invoice):
    html = staff_client.get(ADD, {"invoice": invoice.pk}).content.decode()
    assert money_rows(html) == {"Total": "$5,000.00", "Paid": "$2,000.00",
                                "Refunded": "$250.00", "Balance due": "$3,250.00"}
    assert html.index("invoice-money") < html.index('name="amount"')
    assert f"Invoice {invoice.number}, Accounts Payable, DPS" in html


def test_a_refused_payment_keeps_the_balance_in_view(staff_client, invoice):
    html = staff_client.post(ADD, {"invoice_number": invoice.number, "amount": "9000.00",
                                   "method": "check", "received_on": "2026-10-01", **token()}
                             ).content.decode()
    assert "more than the balance of $3,250.00" in html
    assert money_rows(html)["Balance due"] == "$3,250.00"
    assert invoice.payments.count() == 1


def test_no_invoice_chosen_yet_shows_no_balance(staff_client, invoice):
    assert "invoice-money" not in staff_client.get(ADD).content.decode()
    unknown = staff_client.post(ADD, {"invoice_number": "NCSUP-1999-0001", "amount": "1.00",
                                      "method": "check", "received_on": "2026-10-01", **token()})
    assert "invoice-money" not in unknown.content.decode()
    assert "invoice-money" not in staff_client.get(ADD, {"invoice": "999999"}).content.decode()


def test_the_record_a_payment_action_lists_the_invoice_with_its_balance(staff_client, invoice):
    html = staff_client.post(CHANGELIST, {"action": "record_a_payment_selected",
                                          ACTION_CHECKBOX_NAME: [invoice.pk]}).content.decode()
    assert (f"{invoice.number}, Accounts Payable, DPS: total $5,000.00, paid $2,000.00, "
            "refunded $250.00, balance due $3,250.00") in html
    assert html.index("balance due $3,250.00") < html.index('name="amount"')


def test_people_without_payment_permission_see_no_balance(client, invoice, applicant):
    client.force_login(applicant)
    response = client.get(ADD, {"invoice": invoice.pk})
    assert response.status_code == 302 and "login" in response["Location"]
