"""The renewal's rules, day by day: offer, reminders, answers, grace, lapse and reinstatement."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing import services as billing_services
from billing.models import Invoice
from core.dates import add_years
from core.models import AuditEntry, OutboundEmail
from core.statemachine import history
from members.models import Membership
from renewals import services
from renewals.models import Renewal, RenewalNotice
from renewals.tasks import renewals_advance_due
from tests.factories import FeeScheduleFactory, TierFactory, UserFactory


def run(day):
    """The daily job, as of ``day``."""
    return renewals_advance_due(today=day.isoformat())


def mails(kind=""):
    return list(OutboundEmail.objects.filter(key__startswith="renewal:")
                .filter(key__contains=f":{kind}:" if kind else ":").order_by("pk"))


def status(membership):
    return Membership.objects.get(pk=membership.pk).status


# --- The offer ---------------------------------------------------------------------------------

def test_day_minus_91_nothing_day_minus_90_the_offer_to_every_billing_contact(renewing):
    assert run(renewing.day(-91)) == 0
    assert not Renewal.objects.exists() and mails() == []

    assert run(renewing.day(-90)) == 1
    renewal = Renewal.objects.get()
    assert renewal.membership == renewing.membership
    assert renewal.anniversary == renewing.anniversary
    assert renewal.status == Renewal.Status.OFFERED
    assert renewal.annual_fee == Decimal("2500.00") and renewal.commitment_years == 2
    sent = mails("offer")
    assert sorted(m.to for m in sent) == ["ap@example.org", "lead@oxford.example.org"]
    assert "Renew your NCSUP membership" in sent[0].subject
    assert f"/portal/renewals/{renewal.pk}/" in sent[0].text_body
    assert AuditEntry.objects.filter(action="renewal:offered",
                                     object_id=str(renewing.membership.pk)).count() == 1


def test_the_job_run_twice_sends_nothing_twice(renewing):
    for offset in (-90, -90, -60, -60, -30, -30):
        run(renewing.day(offset))
    assert Renewal.objects.count() == 1
    assert [n.kind for n in RenewalNotice.objects.all()] == ["offer", "reminder_60",
                                                             "reminder_30"]
    assert len(mails()) == 6  # three emails, two billing contacts each


def test_no_answer_reminders_at_60_and_30_days_only(offered):
    assert run(offered.day(-61)) == 0
    assert run(offered.day(-60)) == 1
    assert run(offered.day(-59)) == 0
    assert run(offered.day(-31)) == 0
    assert run(offered.day(-30)) == 1
    assert run(offered.day(-1)) == 0
    reminders = mails("reminder_30")
    assert len(reminders) == 2 and "30 days" in reminders[0].subject
    assert len(mails("reminder_60")) == 2


def test_a_missed_day_catches_up_with_the_latest_reminder_only(offered):
    run(offered.day(-25))  # the job did not run between day -90 and day -25
    assert [n.kind for n in RenewalNotice.objects.all()] == ["offer", "reminder_30"]


def test_an_offer_made_late_sends_the_offer_not_a_reminder_the_same_day(renewing):
    run(renewing.day(-45))
    assert [n.kind for n in RenewalNotice.objects.all()] == ["offer"]
    run(renewing.day(-30))
    assert [n.kind for n in RenewalNotice.objects.all()] == ["offer", "reminder_30"]


def test_no_offer_without_a_fee_schedule_in_force(renewing):
    renewing.fees.delete()
    with pytest.raises(ValidationError, match="No fee schedule"):
        services.renewal_offer(membership=renewing.membership, today=renewing.today)
    assert run(renewing.day(-90)) == 0  # logged and skipped, not a crash
    assert not Renewal.objects.exists()


def test_a_membership_that_left_early_is_not_offered(renewing):
    Membership.objects.filter(pk=renewing.membership.pk).update(status="left_early")
    assert run(renewing.day(-90)) == 0
    assert not Renewal.objects.exists()


# --- Accepting ---------------------------------------------------------------------------------

def test_accepting_for_a_year_issues_year_three_at_the_fees_then_in_force(offered):
    FeeScheduleFactory(effective_from=offered.today - timedelta(days=10),
                       institution_fee=Decimal("2750.00"))
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                      tier=offered.tier1)
    invoice = renewal.invoice
    assert renewal.status == Renewal.Status.ACCEPTED and renewal.years == 1
    assert invoice.commitment_year == 3 and invoice.status == Invoice.Status.OPEN
    assert invoice.total == Decimal("2750.00")
    assert invoice.issue_date == offered.today
    membership = Membership.objects.get(pk=offered.membership.pk)
    # One more year, the last day included.
    assert membership.term_end == add_years(offered.anniversary, 1) - timedelta(days=1)
    assert "commitment year 3 of 3" in invoice.lines.get().description
    assert history(renewal).filter(to_status="accepted").count() == 1


def test_accepting_another_commitment_extends_the_term_two_years(offered):
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=2,
                                      tier=offered.tier1)
    membership = Membership.objects.get(pk=offered.membership.pk)
    assert membership.term_end == add_years(offered.anniversary, 2) - timedelta(days=1)
    assert "commitment year 3 of 4" in renewal.invoice.lines.get().description


def test_accepting_twice_issues_one_invoice(offered):
    first = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                    tier=offered.tier1)
    second = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=2,
                                     tier=offered.tier1)  # the other tab, another choice
    assert second.invoice == first.invoice and second.years == 1
    assert Invoice.objects.count() == 1
    assert (Membership.objects.get(pk=offered.membership.pk).term_end
            == add_years(offered.anniversary, 1) - timedelta(days=1))


def test_an_accepted_renewal_gets_no_reminders(offered):
    services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                            tier=offered.tier1)
    assert run(offered.day(-60)) == 0 and run(offered.day(-30)) == 0
    assert [n.kind for n in RenewalNotice.objects.all()] == ["offer"]


def test_a_change_of_tier_moves_the_membership_and_names_the_tier_on_the_invoice(offered):
    tier2 = TierFactory(two=True)
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                      tier=tier2)
    assert Membership.objects.get(pk=offered.membership.pk).tier == tier2
    assert renewal.previous_tier == offered.tier1 and renewal.tier == tier2
    assert tier2.name in renewal.invoice.lines.get().description
    assert AuditEntry.objects.filter(action="renewal:accepted",
                                     reason__contains=f"→ {tier2.name}").exists()


def test_a_closed_tier_is_refused_next_to_the_field_and_nothing_changes(offered):
    closed = TierFactory(two=True, closed=True)
    with pytest.raises(ValidationError) as raised:
        services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                tier=closed)
    assert "not taking new members" in raised.value.message_dict["tier"][0]
    assert Renewal.objects.get().status == Renewal.Status.OFFERED
    assert not Invoice.objects.exists()


def test_only_one_year_or_the_commitment(offered):
    with pytest.raises(ValidationError) as raised:
        services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=3,
                                tier=offered.tier1)
    assert "years" in raised.value.message_dict


def test_only_a_billing_contact_answers(offered):
    for person in (offered.member, UserFactory(), UserFactory(staff=True)):
        with pytest.raises(PermissionDenied):
            services.renewal_accept(renewal=offered.renewal, actor=person, years=1,
                                    tier=offered.tier1)
        with pytest.raises(PermissionDenied):
            services.renewal_decline(renewal=offered.renewal, actor=person, reason="budget")
    assert Renewal.objects.get().status == Renewal.Status.OFFERED


# --- Declining ---------------------------------------------------------------------------------

def test_declining_needs_a_reason_and_details_for_another_reason(offered):
    for reason, details, field in (("", "", "reason"), ("bogus", "", "reason"),
                                   ("other", "   ", "details"), ("budget", "x" * 2001,
                                                                 "details")):
        with pytest.raises(ValidationError) as raised:
            services.renewal_decline(renewal=offered.renewal, actor=offered.lead,
                                     reason=reason, details=details)
        assert field in raised.value.message_dict
    assert Renewal.objects.get().status == Renewal.Status.OFFERED


def test_a_declined_renewal_tells_the_center_and_ends_the_membership_on_its_day(offered,
                                                                                settings):
    renewal = services.renewal_decline(renewal=offered.renewal, actor=offered.lead,
                                       reason="budget", details="Cuts at the district.")
    assert renewal.status == Renewal.Status.DECLINED
    staff_mail = mails("declined")
    assert [m.to for m in staff_mail] == [settings.CENTER_STAFF_EMAIL]
    assert "Cuts at the district." in staff_mail[0].text_body
    assert run(offered.day(-60)) == 0  # no reminders for a declined offer
    assert run(offered.day(-1)) == 0 and status(offered.membership) == "active"
    assert run(offered.day(0)) == 1 and status(offered.membership) == "ended"
    assert run(offered.day(30)) == 0  # never in grace, never lapsed
    with pytest.raises(ValidationError, match="declined"):
        services.renewal_accept(renewal=renewal, actor=offered.lead, years=1,
                                tier=offered.tier1)


def test_declining_an_accepted_renewal_is_refused(offered):
    services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                            tier=offered.tier1)
    with pytest.raises(ValidationError, match="already accepted"):
        services.renewal_decline(renewal=offered.renewal, actor=offered.lead, reason="budget")


# --- Grace and lapse ---------------------------------------------------------------------------

def test_no_answer_day_0_grace_then_lapse_at_the_grace_end(offered):
    run(offered.day(-30))
    assert run(offered.day(-1)) == 0 and status(offered.membership) == "active"
    assert run(offered.day(0)) == 1 and status(offered.membership) == "in_grace"
    assert len(mails("grace")) == 2
    assert run(offered.day(0)) == 0
    assert run(offered.day(29)) == 0 and status(offered.membership) == "in_grace"
    assert run(offered.day(30)) == 1 and status(offered.membership) == "lapsed"
    assert len(mails("lapsed")) == 2 and "lapsed" in mails("lapsed")[0].subject
    assert run(offered.day(30)) == 0 and run(offered.day(200)) == 0
    moves = [(e.from_status, e.to_status) for e in history(offered.membership)
             .filter(action="status:in_grace") | history(offered.membership)
             .filter(action="status:lapsed")]
    assert sorted(moves) == [("active", "in_grace"), ("in_grace", "lapsed")]


def test_a_job_that_missed_the_grace_period_lapses_without_the_grace_email(offered):
    assert run(offered.day(31)) == 2  # in grace, then lapsed, in one run
    assert status(offered.membership) == "lapsed"
    assert mails("grace") == [] and len(mails("lapsed")) == 2


def test_accepted_but_unpaid_at_the_end_is_in_grace_paid_is_not(offered, staff):
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                      tier=offered.tier1)
    run(offered.day(0))
    assert status(offered.membership) == "in_grace"
    billing_services.payment_record(invoice=renewal.invoice, amount=Decimal("2500.00"),
                                    method="check", reference="Check 3003", actor=staff)
    assert status(offered.membership) == "active"  # reinstated at once
    assert run(offered.day(30)) == 0 and status(offered.membership) == "active"


def test_paid_before_the_end_stays_active(offered, staff):
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                      tier=offered.tier1)
    billing_services.payment_record(invoice=renewal.invoice, amount=renewal.invoice.total,
                                    method="check", actor=staff)
    assert run(offered.day(0)) == 0 and run(offered.day(30)) == 0
    assert status(offered.membership) == "active"


def test_lapsed_then_renewed_and_paid_is_reinstated_at_once(offered, staff):
    run(offered.day(0))
    run(offered.day(30))
    assert status(offered.membership) == "lapsed"
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                      tier=offered.tier1)
    assert status(offered.membership) == "lapsed"  # an invoice is not a payment
    billing_services.payment_record(invoice=renewal.invoice, amount=Decimal("1000.00"),
                                    method="check", actor=staff)
    assert status(offered.membership) == "lapsed"  # part-paid: still lapsed
    billing_services.payment_record(invoice=renewal.invoice, amount=Decimal("1500.00"),
                                    method="check", actor=staff)
    assert status(offered.membership) == "active"
    entry = history(offered.membership).filter(action="status:active").last()
    assert entry.from_status == "lapsed" and "reinstated" in entry.reason


def test_paying_another_invoice_does_not_reinstate(offered, staff):
    from tests.factories import InvoiceFactory

    run(offered.day(0))
    other = InvoiceFactory(membership=offered.membership, kind="extra_seats",
                           commitment_year=None, fiscal_year=2030)
    billing_services.payment_record(invoice=other, amount=other.total, method="check",
                                    actor=staff)
    assert status(offered.membership) == "in_grace"
