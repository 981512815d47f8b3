from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from core.statemachine import IllegalTransition, history
from members import services
from members.models import Institution, Membership, MembershipApplication
from members.services import InstitutionData
from tests.factories import ApplicationFactory, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]
Status = MembershipApplication.Status

LEA = InstitutionData(name="Oxford School District", kind=Institution.Kind.LEA, city="Oxford",
                      state="MS")
IHE = InstitutionData(name="University of Mississippi", kind=Institution.Kind.IHE,
                      city="Oxford", state="MS")


def submit(applicant, tier, institutions=(LEA,), kind="single", **overrides):
    data = dict(
        applicant=applicant, kind=kind, institutions=list(institutions), tier=tier,
        problem_of_practice="Chronic absenteeism", contact_name="Pat Lead",
        contact_email=applicant.email, billing_name="AP", billing_email="ap@example.org",
        billing_address="1 Way", commitment_accepted=True,
    )
    data.update(overrides)
    return services.application_submit(**data)


def test_submit_single_institution_records_it_and_acknowledges_by_email(applicant, tier1):
    application = submit(applicant, tier1)

    assert application.status == Status.SUBMITTED
    assert [i.name for i in application.institutions.all()] == ["Oxford School District"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [applicant.email]
    assert f"#{application.pk}" in mail.outbox[0].subject
    assert "Oxford School District" in mail.outbox[0].body


def test_submit_partnership_of_one_lea_and_one_ihe(applicant, tier1):
    application = submit(applicant, tier1, [LEA, IHE], kind="partnership")
    kinds = sorted(application.institutions.values_list("kind", flat=True))
    assert kinds == ["ihe", "lea"]


@pytest.mark.parametrize("pair", [
    [LEA, InstitutionData(name="Lafayette County Schools", kind="lea", city="Oxford", state="MS")],
    [IHE, InstitutionData(name="Delta State University", kind="ihe", city="Cleveland",
                          state="MS")],
    [LEA, InstitutionData(name="Boys and Girls Club", kind="yso", city="Oxford", state="MS")],
    [LEA],
])
def test_partnership_must_be_exactly_one_lea_and_one_ihe(applicant, tier1, pair):
    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1, pair, kind="partnership")
    assert "exactly one K-12 school or district" in str(error.value.message_dict["kind"])
    assert not MembershipApplication.objects.exists()
    assert mail.outbox == []


def test_single_application_names_one_institution(applicant, tier1):
    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1, [LEA, IHE], kind="single")
    assert "kind" in error.value.message_dict


def test_commitment_must_be_accepted(applicant, tier1):
    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1, commitment_accepted=False)
    assert "2-year commitment" in str(error.value.message_dict["commitment_accepted"])


@pytest.mark.parametrize("spelling", ["oxford school district", "  OXFORD   School  District ",
                                      "OxfordSchool District"])
def test_institution_with_pending_application_is_caught_ignoring_case_and_spaces(
    applicant, tier1, spelling
):
    submit(UserFactory(), tier1)
    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1, [InstitutionData(name=spelling, kind="lea", city="Oxford",
                                                  state="MS")])
    assert "already has an application under review" in str(
        error.value.message_dict["institution_0"])


def test_same_name_in_another_state_is_a_different_institution(applicant, tier1):
    submit(UserFactory(), tier1)
    other = InstitutionData(name="Oxford School District", kind="lea", city="Oxford", state="OH")
    assert submit(applicant, tier1, [other]).status == Status.SUBMITTED


def test_current_member_cannot_apply_again_but_a_past_member_can(applicant, tier1):
    institution = InstitutionFactory(name="Oxford School District", state="MS")
    membership = MembershipFactory(institutions=[institution])
    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1)
    assert "already a member" in str(error.value.message_dict["institution_0"])

    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.ENDED)
    assert submit(applicant, tier1).status == Status.SUBMITTED


def test_rejected_or_withdrawn_institution_may_apply_again(applicant, tier1, staff):
    first = submit(applicant, tier1)
    services.application_reject(application=first, actor=staff, reason="Next cohort")
    second = submit(applicant, tier1)
    services.application_withdraw(application=second, actor=applicant)
    assert submit(applicant, tier1).status == Status.SUBMITTED
    assert Institution.objects.filter(name="Oxford School District").count() == 1


def test_partner_institution_cannot_be_the_same_twice(applicant, tier1):
    twin = InstitutionData(name="oxford school district", kind="ihe", city="Oxford", state="MS")
    with pytest.raises(ValidationError) as error:
        submit(applicant, tier1, [LEA, twin], kind="partnership")
    assert "institution_1" in error.value.message_dict


def test_closed_tier_is_refused_without_waitlist_and_waitlisted_with_it(applicant, tier1):
    from tests.factories import TierFactory

    closed = TierFactory(two=True, closed=True)
    with pytest.raises(ValidationError) as error:
        submit(applicant, closed)
    assert "closed for this cohort" in str(error.value.message_dict["requested_tier"])

    application = submit(applicant, closed, join_waitlist=True)
    assert application.status == Status.WAITLISTED
    assert "waitlist" in mail.outbox[-1].body


def test_approval_creates_a_two_year_membership_once(applicant, tier1, staff):
    application = submit(applicant, tier1, [LEA, IHE], kind="partnership")
    membership = services.application_approve(application=application, actor=staff,
                                              reason="Welcome", term_start=date(2026, 12, 1))
    assert membership.term_start == date(2026, 12, 1)
    assert membership.term_end == date(2028, 11, 30)  # the last day, inclusive
    assert membership.status == Membership.Status.PENDING
    assert membership.institutions.count() == 2
    assert membership.tier == tier1
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.decided_by == staff
    assert application.approved_at is not None
    approved_mail = [m for m in mail.outbox if "approved" in m.subject]
    assert len(approved_mail) == 1

    again = services.application_approve(application=application, actor=staff)
    assert again.pk == membership.pk
    assert Membership.objects.count() == 1
    assert len([m for m in mail.outbox if "approved" in m.subject]) == 1


def test_membership_starting_on_29_february_ends_on_28_february(applicant, tier1, staff):
    application = submit(applicant, tier1)
    membership = services.application_approve(application=application, actor=staff,
                                              term_start=date(2028, 2, 29))
    assert membership.term_end == date(2030, 2, 28)


ALL = set(Status.values)
LEGAL = {
    Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.WAITLISTED, Status.WITHDRAWN},
    Status.WAITLISTED: {Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
}


def _move(application, to, staff):
    if to == Status.APPROVED:
        return services.application_approve(application=application, actor=staff)
    if to == Status.REJECTED:
        return services.application_reject(application=application, actor=staff, reason="No")
    if to == Status.WAITLISTED:
        return services.application_waitlist(application=application, actor=staff)
    return services.application_withdraw(application=application, actor=application.applicant)


@pytest.mark.parametrize("start", sorted(ALL))
@pytest.mark.parametrize("to", sorted(ALL - {Status.SUBMITTED}))
def test_every_transition_is_allowed_or_refused_as_the_table_says(start, to, staff):
    application = ApplicationFactory(status=start)
    if start == Status.APPROVED:
        MembershipFactory(application=application)
    memberships_before = Membership.objects.count()
    if start == to:
        _move(application, to, staff)  # already there: quietly nothing
        assert not AuditEntry.objects.exists()
    elif to in LEGAL.get(start, set()):
        _move(application, to, staff)
        application.refresh_from_db()
        assert application.status == to
        entry = history(application).get()
        assert (entry.from_status, entry.to_status) == (start, to)
    else:
        with pytest.raises(IllegalTransition):
            _move(application, to, staff)
        application.refresh_from_db()
        assert application.status == start
        assert Membership.objects.count() == memberships_before


def test_transitions_record_who_when_and_why(staff):
    application = ApplicationFactory()
    services.application_waitlist(application=application, actor=staff, reason="Cohort full")
    services.application_approve(application=application, actor=staff, reason="A place opened")
    entries = list(history(application).order_by("at", "id"))
    assert [(e.to_status, e.actor, e.reason) for e in entries] == [
        ("waitlisted", staff, "Cohort full"), ("approved", staff, "A place opened")]
    assert all(e.at is not None for e in entries)


def test_reject_needs_a_reason(staff):
    application = ApplicationFactory()
    with pytest.raises(ValidationError):
        services.application_reject(application=application, actor=staff, reason="  ")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_only_the_applicant_can_withdraw(staff):
    application = ApplicationFactory()
    with pytest.raises(ValidationError):
        services.application_withdraw(application=application, actor=UserFactory())
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_staff_records_an_early_exit_with_a_reason(staff):
    membership = MembershipFactory()
    with pytest.raises(ValidationError):
        services.membership_leave_early(membership=membership, actor=staff, reason="")
    services.membership_leave_early(membership=membership, actor=staff, reason="Budget cut")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT_EARLY
    assert history(membership).get().reason == "Budget cut"


def test_commitment_constraint_holds_in_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(commitment_accepted=False)
