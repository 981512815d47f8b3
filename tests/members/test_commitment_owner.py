"""The commitment's length has one owner, the fee schedule: edit it and every page, email,
invoice and new membership term follows."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.models import Invoice
from members import services
from tests.factories import ApplicationFactory, FeeScheduleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


@pytest.fixture
def three_years(db):
    return FeeScheduleFactory(commitment_years=3)


def test_home_page_and_application_form_say_the_schedules_length(client, three_years, tier1,
                                                                applicant):
    home = client.get("/").content.decode()
    assert "3-year commitment" in home
    assert "two-year" not in home and "2-year" not in home
    client.force_login(applicant)
    form = client.get(reverse("members:apply")).content.decode()
    assert "We commit to 3 years of membership" in form
    assert "two years" not in form


def test_refusing_the_commitment_names_the_schedules_length(applicant, three_years, tier1):
    from tests.members.test_application_services import submit

    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1, commitment_accepted=False)
    assert ("Membership starts with a 3-year commitment"
            in error.value.message_dict["commitment_accepted"][0])


def test_approval_uses_the_schedule_for_the_term_the_email_and_the_invoice(staff, three_years):
    application = ApplicationFactory()
    membership = services.application_approve(application=application, actor=staff,
                                              term_start=date(2026, 12, 1))
    assert membership.term_end == date(2029, 11, 30)  # three years, the last day included
    welcome = next(m for m in mail.outbox if "approved" in m.subject.lower())
    assert "(a 3-year commitment)" in welcome.body
    assert "two-year" not in welcome.body
    line = Invoice.objects.get(membership=membership).lines.get()
    assert "commitment year 1 of 3" in line.description


def test_a_later_schedule_does_not_change_a_membership_already_approved(staff, three_years):
    membership = services.application_approve(application=ApplicationFactory(), actor=staff,
                                              term_start=date(2026, 12, 1))
    FeeScheduleFactory(effective_from=date(2026, 12, 2), commitment_years=1)
    assert membership.term_end == date(2029, 11, 30)
    later = services.application_approve(application=ApplicationFactory(), actor=staff,
                                         term_start=date(2027, 1, 5))
    assert later.term_end == date(2028, 1, 4)  # the schedule in force on its first day
