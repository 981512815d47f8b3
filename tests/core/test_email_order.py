"""What an approved applicant receives arrives in the order they should read it."""

from datetime import date

import pytest
from django.core import mail

from core.models import OutboundEmail
from members import services as member_services
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("immediate_on_commit")
def test_the_welcome_arrives_before_the_first_invoice(fees, staff, settings):
    settings.STRIPE_SECRET_KEY = ""
    application = ApplicationFactory(billing_email="ap@district.example.org")
    applicant = application.applicant.email
    # Tasks run in-process (no broker), each after-commit step at once, as `make run` does:
    # billing's invoice task issues, renders and emails the invoice in one go.
    member_services.application_approve(application=application, actor=staff,
                                        term_start=date(2026, 12, 1))

    rows = list(OutboundEmail.objects.filter(to=applicant).order_by("created_at", "pk")
                .values_list("key", flat=True))
    assert [key.split(":")[0] for key in rows] == ["application-approved", "invoice-issued"]
    received = [m.subject for m in mail.outbox if m.to == [applicant]]
    assert len(received) == 2
    assert received[0].startswith("Welcome to NCSUP")
    assert received[1].startswith("Invoice NCSUP-")
