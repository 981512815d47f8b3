"""One convention for the membership term: the end date is the last day, included, everywhere
(approval, dashboard, admin, invoices, the yearly job)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from billing.tasks import commitment_invoices_issue_due
from core.dates import add_years, date_range, last_day_of_years
from members import services
from members.models import Membership
from tests.factories import ApplicationFactory, MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


# --- core.dates: pure -----------------------------------------------------------------------
@pytest.mark.parametrize(("start", "years", "last"), [
    (date(2026, 12, 1), 2, date(2028, 11, 30)),
    (date(2026, 12, 1), 1, date(2027, 11, 30)),
    (date(2026, 1, 1), 2, date(2027, 12, 31)),
    (date(2028, 2, 29), 2, date(2030, 2, 28)),  # anniversary 1 Mar 2030
    (date(2028, 2, 29), 1, date(2029, 2, 28)),  # a year with 29 Feb in it: 366 days
    (date(2026, 3, 1), 2, date(2028, 2, 29)),  # ends on a leap day
    (date(2027, 3, 1), 2, date(2029, 2, 28)),
    (date(2026, 2, 28), 2, date(2028, 2, 27)),
])
def test_the_last_day_is_the_day_before_the_anniversary(start, years, last):
    assert last_day_of_years(start, years) == last


def test_a_year_from_29_february_starts_again_on_1_march():
    assert add_years(date(2028, 2, 29), 1) == date(2029, 3, 1)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2026, 12, 1), 1) == date(2027, 12, 1)
    assert (last_day_of_years(date(2028, 2, 29), 1) - date(2028, 2, 29)).days + 1 == 366


def test_a_range_prints_both_days():
    assert date_range(date(2026, 12, 1), date(2028, 11, 30)) == "1 Dec 2026 to 30 Nov 2028"


# --- approval and what a member sees ----------------------------------------------------------
def approve(staff, start):
    application = ApplicationFactory()
    return services.application_approve(application=application, actor=staff, term_start=start)


@pytest.mark.parametrize(("start", "last"), [
    (date(2026, 12, 1), date(2028, 11, 30)),
    (date(2028, 2, 29), date(2030, 2, 28)),
    (date(2026, 3, 1), date(2028, 2, 29)),
])
def test_approval_stores_the_last_day_of_the_two_years(staff, start, last):
    membership = approve(staff, start)
    assert membership.term_end == last
    assert membership.covers(start) and membership.covers(last)
    assert not membership.covers(last + timedelta(days=1))
    assert not membership.covers(start - timedelta(days=1))


def test_dashboard_admin_email_and_invoices_print_one_term(client, staff, fees):
    application = ApplicationFactory(partnership=True)
    membership = services.application_approve(application=application, actor=staff,
                                              term_start=date(2026, 12, 1))
    year_one = membership.invoices.get(commitment_year=1)
    year_two = billing.invoice_issue(membership=membership, commitment_year=2,
                                     issue_date=date(2027, 10, 2))

    assert "1 December 2026 to 30 November 2027" in year_one.lines.get().description
    assert "1 December 2027 to 30 November 2028" in year_two.lines.get().description
    [approved] = [m for m in mail.outbox if "approved" in m.subject]
    assert "1 December 2026 to 30 November 2028" in approved.body

    client.force_login(application.applicant)
    dashboard = client.get(reverse("members:dashboard")).content.decode()
    assert "1 Dec 2026 to 30 Nov 2028" in dashboard
    assert "1 Dec 2028" not in dashboard

    client.force_login(staff)
    listing = client.get(reverse("admin:members_membership_changelist")).content.decode()
    assert "1 Dec 2026 to 30 Nov 2028" in listing
    change = client.get(reverse("admin:members_membership_change", args=[membership.pk]))
    assert change.context["adminform"].form.initial["term_end"] == date(2028, 11, 30)
    assert "Last day of the term" in change.content.decode()


def test_a_term_starting_on_29_february_agrees_with_its_invoices(staff, fees):
    membership = approve(staff, date(2028, 2, 29))
    year_one = membership.invoices.get(commitment_year=1)  # issued on approval
    year_two = billing.invoice_issue(membership=membership, commitment_year=2,
                                     issue_date=date(2029, 1, 1))
    assert "29 February 2028 to 28 February 2029" in year_one.lines.get().description
    assert "1 March 2029 to 28 February 2030" in year_two.lines.get().description
    assert membership.term_end == date(2030, 2, 28)
    assert billing.commitment_years_in_term(membership) == 2


@pytest.mark.parametrize(("end", "years"), [(date(2028, 11, 30), 2), (date(2028, 12, 1), 2),
                                            (date(2027, 11, 30), 1)])
def test_the_term_holds_as_many_invoiced_years_as_it_has(end, years):
    membership = Membership(term_start=date(2026, 12, 1), term_end=end)
    assert billing.commitment_years_in_term(membership) == years


# --- the yearly job, on the last day and the day after ---------------------------------------
def membership_ending(last_day):
    start = add_years(last_day + timedelta(days=1), -2)
    return MembershipFactory(term_start=start, term_end=last_day, active=True)


def test_on_the_last_day_a_member_is_still_a_member(fees):
    membership = membership_ending(timezone.localdate())
    commitment_invoices_issue_due()
    assert sorted(membership.invoices.values_list("commitment_year", flat=True)) == [1, 2]


def test_the_day_after_the_last_day_is_not_a_member_day(fees):
    membership = membership_ending(timezone.localdate() - timedelta(days=1))
    assert not membership.covers(timezone.localdate())
    commitment_invoices_issue_due()
    assert not membership.invoices.exists()


def test_year_two_is_still_due_sixty_days_before_its_anniversary(fees):
    anniversary = timezone.localdate() + timedelta(days=60)
    start = add_years(anniversary, -1)
    membership = MembershipFactory(term_start=start, term_end=last_day_of_years(start, 2),
                                   active=True)
    commitment_invoices_issue_due()
    assert sorted(membership.invoices.values_list("commitment_year", flat=True)) == [1, 2]
    line = membership.invoices.get(commitment_year=2).lines.get().description
    last = last_day_of_years(start, 2)
    assert f"to {last.day} {last:%B %Y}" in line
