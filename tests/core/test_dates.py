"""People read one date style everywhere: "1 Dec 2026" on pages, in tables, in PDFs and in the
admin (never "December 1, 2026", "1 December 2026" or "Dec. 1, 2026"); ISO only in CSV."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

import billing.pdf
from core.dates import day, day_time
from tests.factories import ApplicationFactory, InvoiceFactory, PaymentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SHORT = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
OTHER_STYLES = re.compile(
    rf"\b(?:{MONTHS}) \d{{1,2}}, \d{{4}}"  # December 1, 2026
    rf"|\b\d{{1,2}} (?:{MONTHS}) \d{{4}}"  # 1 December 2026
    rf"|\b(?:{SHORT}|Sept)\. \d{{1,2}}, \d{{4}}"  # Dec. 1, 2026 (Django's English default)
    rf"|\b(?:{SHORT}) \d{{1,2}}, \d{{4}}"  # Dec 1, 2026
)
OURS = re.compile(rf"\b\d{{1,2}} (?:{SHORT}) \d{{4}}\b")


def styles(html: str) -> tuple[list[str], list[str]]:
    text = re.sub(r"<[^>]+>", " ", html)
    return OURS.findall(text), OTHER_STYLES.findall(text)


def test_the_one_place_says_1_dec_2026():
    assert day(date(2026, 12, 1)) == "1 Dec 2026"
    moment = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("UTC"))  # 9:00 in Oxford, Miss.
    assert day_time(moment) == "1 Dec 2026, 9:00 a.m."


def test_the_applicants_pages_use_the_one_style(applicant_client, applicant):
    application = ApplicationFactory(applicant=applicant)
    application.submitted_at = timezone.make_aware(datetime(2026, 12, 1, 9, 30))
    application.save(update_fields=["submitted_at"])
    for url in (application.get_absolute_url(), reverse("members:application_list")):
        ours, others = styles(applicant_client.get(url).content.decode())
        assert "1 Dec 2026" in ours, url
        assert others == [], url


def test_the_admin_uses_the_one_style(staff_client):
    invoice = InvoiceFactory(total=Decimal("5000.00"), issue_date=date(2026, 12, 1))
    PaymentFactory(invoice=invoice, received_on=date(2026, 12, 3))
    for url in (reverse("admin:billing_invoice_changelist"),
                reverse("admin:billing_payment_changelist")):
        ours, others = styles(staff_client.get(url).content.decode())
        assert ours and others == [], (url, others)
    assert "1 Dec 2026" in staff_client.get(
        reverse("admin:billing_invoice_changelist")).content.decode()


def test_the_invoice_pdf_uses_the_one_style(monkeypatch, fees):
    captured = {}

    class Capture:
        def __init__(self, string):
            captured["html"] = string

        def write_pdf(self):
            return b""

    monkeypatch.setattr(billing.pdf, "HTML", Capture)
    invoice = InvoiceFactory(total=Decimal("2500.00"), issue_date=date(2026, 12, 1))
    billing.pdf.invoice_pdf_render(invoice=invoice)
    ours, others = styles(captured["html"])
    assert {"1 Dec 2026", "31 Dec 2026"} <= set(ours)  # issued and due
    assert others == []
