"""factory-boy factories with traits. Build rows directly; flows go through services in tests."""

from datetime import date
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from billing.models import FeeSchedule
from members.mfa import totp_authenticator_ensure
from members.models import Institution, Membership, MembershipApplication, Tier, User
from members.names import institution_name_key

PASSWORD = "correct-horse-battery"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"  # every staff factory user's authenticator app


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        staff = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        # Staff pages stay shut to staff without one (members.mfa); second_factor=False: none.
        if create and (obj.is_staff or obj.is_superuser) and extracted is not False:
            totp_authenticator_ensure(user=obj, secret=STAFF_TOTP_SECRET)


class TierFactory(DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ["code"]

    code = "tier-1"
    name = "Tier 1: Network membership"
    summary = "Convenings, professional development and change packages."
    benefits = "Convenings\nProfessional development\nChange packages"
    position = 1

    class Params:
        two = factory.Trait(code="tier-2", name="Tier 2: Breakthrough Collaborative",
                            includes_collaborative=True, position=2)
        closed = factory.Trait(enrollment_open=False)


class FeeScheduleFactory(DjangoModelFactory):
    class Meta:
        model = FeeSchedule
        django_get_or_create = ["effective_from"]

    effective_from = date(2024, 1, 1)
    institution_fee = Decimal("2500.00")
    partnership_fee = Decimal("5000.00")
    extra_seat_fee = Decimal("500.00")


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"District {n}")
    name_key = factory.LazyAttribute(lambda o: institution_name_key(o.name))
    kind = Institution.Kind.LEA
    city = "Oxford"
    state = "MS"

    class Params:
        ihe = factory.Trait(kind=Institution.Kind.IHE,
                            name=factory.Sequence(lambda n: f"University {n}"))


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = MembershipApplication
        skip_postgeneration_save = True

    applicant = factory.SubFactory(UserFactory)
    kind = MembershipApplication.Kind.SINGLE
    requested_tier = factory.SubFactory(TierFactory)
    problem_of_practice = "Chronic absenteeism"
    contact_name = "Pat Lead"
    contact_email = factory.LazyAttribute(lambda o: o.applicant.email)
    billing_name = "Accounts Payable"
    billing_email = "ap@example.org"
    billing_address = "1 District Way\nOxford, MS 38655"
    commitment_accepted = True

    class Params:
        partnership = factory.Trait(kind=MembershipApplication.Kind.PARTNERSHIP)

    @factory.post_generation
    def institutions(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [InstitutionFactory()]
            if obj.kind == MembershipApplication.Kind.PARTNERSHIP:
                extracted.append(InstitutionFactory(ihe=True))
        obj.institutions.set(extracted)


class MembershipFactory(DjangoModelFactory):
    """An approved application's membership (status pending payment unless told otherwise)."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory,
                                     status=MembershipApplication.Status.APPROVED)
    tier = factory.LazyAttribute(lambda o: o.application.requested_tier)
    term_start = date(2026, 9, 1)
    term_end = date(2028, 8, 31)  # inclusive: the last day of the two-year commitment

    class Params:
        active = factory.Trait(status=Membership.Status.ACTIVE)

    @factory.post_generation
    def institutions(obj, create, extracted, **kwargs):
        if create:
            obj.institutions.set(extracted or obj.application.institutions.all())

    @factory.post_generation
    def billing_contacts(obj, create, extracted, **kwargs):
        """As approval does: the applicant, and the billing address when it differs
        (``billing_contacts=False`` for none)."""
        if not create or extracted is False:
            return
        from members.models import BillingContact

        application = obj.application
        BillingContact.objects.create(membership=obj, user=application.applicant,
                                      name=application.contact_name,
                                      email=application.applicant.email)
        if application.billing_email.lower() != application.applicant.email.lower():
            BillingContact.objects.create(membership=obj, name=application.billing_name,
                                          email=application.billing_email)


# --- Improvement teams -------------------------------------------------------------------------
class TeamFactory(DjangoModelFactory):
    """A membership's team, with a lead (pass ``lead=None`` for a team without one yet)."""

    class Meta:
        model = "members.Team"
        skip_postgeneration_save = True

    membership = factory.SubFactory(MembershipFactory)
    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def lead(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            from members.models import Role, TeamMember

            TeamMember.objects.create(team=obj, user=extracted, role=Role.LEAD)


class TeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = "members.TeamMember"

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"


# ------------------------------------------------------------------------------------------------
# Billing (issue 3): issued invoices built as rows. Issuing itself goes through billing.services.
# ------------------------------------------------------------------------------------------------
from datetime import timedelta  # noqa: E402

from django.utils import timezone  # noqa: E402

from billing.models import Invoice, InvoiceLine, Payment  # noqa: E402


class InvoiceFactory(DjangoModelFactory):
    """An open year-1 invoice of $2,500 with one line, numbered in FY2027."""

    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    membership = factory.SubFactory(MembershipFactory)
    kind = Invoice.Kind.COMMITMENT
    commitment_year = 1
    status = Invoice.Status.OPEN
    fiscal_year = 2027
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"NCSUP-{o.fiscal_year}-{o.sequence:04d}")
    issue_date = date(2026, 9, 1)
    due_date = factory.LazyAttribute(lambda o: o.issue_date + timedelta(days=30))
    total = Decimal("2500.00")
    bill_to_name = "Accounts Payable"
    bill_to_email = factory.LazyAttribute(lambda o: o.membership.application.billing_email)
    bill_to_address = "1 District Way\nOxford, MS 38655"
    bill_to_institutions = factory.LazyAttribute(
        lambda o: " + ".join(i.name for i in o.membership.institutions.all()))
    open_at = factory.LazyFunction(timezone.now)

    class Params:
        paid = factory.Trait(status=Invoice.Status.PAID)
        void = factory.Trait(status=Invoice.Status.VOID, void_reason="Issued in error")
        extra_seats = factory.Trait(kind=Invoice.Kind.EXTRA_SEATS, commitment_year=None)
        with_stripe = factory.Trait(
            stripe_customer_id="cus_fake",
            stripe_invoice_id=factory.Sequence(lambda n: f"in_factory_{n}"),
            hosted_invoice_url=factory.LazyAttribute(
                lambda o: f"https://invoice.stripe.test/i/{o.stripe_invoice_id}"),
        )

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            InvoiceLine.objects.create(invoice=obj, description="NCSUP membership, year 1",
                                       unit_price=obj.total, amount=obj.total)


class PaymentFactory(DjangoModelFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    amount = Decimal("1000.00")
    received_on = date(2026, 9, 15)
    method = Payment.Method.CHECK
    reference = factory.Sequence(lambda n: f"Check {1000 + n}")


# --- Collaboratives ----------------------------------------------------------------------------
# Dates are relative to today, so a fresh collaborative is always running: it started 90 days
# ago, and its default action period runs from a convening 10 days ago to one 20 days ahead.
from datetime import timedelta as _collab_delta  # noqa: E402

from django.utils import timezone as _collab_tz  # noqa: E402


def _collab_now():
    return _collab_tz.now().replace(microsecond=0)


def _collab_today():
    return _collab_tz.localdate()


class Tier2TeamFactory(TeamFactory):
    """A team whose (current) membership includes a collaborative seat."""

    membership = factory.SubFactory(
        MembershipFactory, active=True,
        application__requested_tier=factory.SubFactory(TierFactory, two=True))


class CoachFactory(UserFactory):
    """A Center improvement coach: in the "Improvement coaches" group, not staff."""

    @factory.post_generation
    def coach_group(obj, create, extracted, **kwargs):
        if create:
            from django.contrib.auth.models import Group

            obj.groups.add(Group.objects.get_or_create(name="Improvement coaches")[0])


class CollaborativeFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.Collaborative"

    name = factory.Sequence(lambda n: f"Chronic Absenteeism Collaborative {n}")
    slug = factory.Sequence(lambda n: f"chronic-absenteeism-{n}")
    problem_of_practice = "Chronic absenteeism"
    start = factory.LazyFunction(lambda: _collab_today() - _collab_delta(days=90))
    end = factory.LazyAttribute(lambda o: o.start + _collab_delta(days=365))
    aim = "Cut chronic absenteeism across member institutions by 20% within one year."


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.Phase"

    collaborative = factory.SubFactory(CollaborativeFactory)
    kind = "learning"
    start = factory.LazyAttribute(lambda o: o.collaborative.start)
    end = factory.LazyAttribute(lambda o: o.start + _collab_delta(days=89))


class ConveningFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.Convening"

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Convening {n}")
    format = "in_person"
    starts_at = factory.LazyFunction(lambda: _collab_now() + _collab_delta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + _collab_delta(hours=6))
    venue = "Jackson Avenue Center"
    address = "1432 Jackson Ave W, Oxford, MS 38655"

    class Params:
        online = factory.Trait(format="online", venue="", address="",
                               meeting_link="https://meet.example.org/ncsup-convening")


class ActionPeriodFactory(DjangoModelFactory):
    """From a convening 10 days ago to one 20 days ahead (so it is the current period)."""

    class Meta:
        model = "collaboratives.ActionPeriod"

    collaborative = factory.SubFactory(CollaborativeFactory)
    opening_convening = factory.SubFactory(
        ConveningFactory, collaborative=factory.SelfAttribute("..collaborative"),
        starts_at=factory.LazyFunction(lambda: _collab_now() - _collab_delta(days=10)))
    closing_convening = factory.SubFactory(
        ConveningFactory, collaborative=factory.SelfAttribute("..collaborative"),
        starts_at=factory.LazyFunction(lambda: _collab_now() + _collab_delta(days=20)))
    expected_cycles = 2


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.Enrollment"

    collaborative = factory.SubFactory(CollaborativeFactory)
    team = factory.SubFactory(Tier2TeamFactory)
    coach = factory.SubFactory(CoachFactory)


class PrimaryDriverFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.PrimaryDriver"

    collaborative = factory.SubFactory(CollaborativeFactory)
    title = factory.Sequence(lambda n: f"Family engagement {n}")


class ChangeIdeaFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.ChangeIdea"

    primary_driver = factory.SubFactory(PrimaryDriverFactory)
    title = factory.Sequence(lambda n: f"Text families after a first absence ({n})")


class PDSACycleFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.PDSACycle"

    team = factory.SubFactory(Tier2TeamFactory)
    action_period = factory.SubFactory(ActionPeriodFactory)
    change_idea = factory.SubFactory(
        ChangeIdeaFactory,
        primary_driver__collaborative=factory.SelfAttribute("...action_period.collaborative"))
    title = factory.Sequence(lambda n: f"Cycle {n}")
    question = "Will a same-day text bring absent students back sooner?"
    prediction = "Half of the families texted reply within a day."
    plan_who = "Attendance clerk"
    plan_what = "Text the family of each student absent for the first time this month."
    plan_when = "Two weeks in March"
    plan_where = "Grade 6, Oxford Middle School"
    data_to_collect = "Replies within 24 hours; days absent in the following two weeks."
    created_by = factory.SubFactory(UserFactory)

    class Params:
        in_progress = factory.Trait(status="in_progress",
                                    in_progress_at=factory.LazyFunction(_collab_now))
        completed = factory.Trait(
            status="completed", in_progress_at=factory.LazyFunction(_collab_now),
            completed_at=factory.LazyFunction(_collab_now),
            what_happened="We texted 31 families.", surprises="Several numbers were wrong.",
            results="18 of 31 replied within a day, above the predicted half.",
            learning="Families answer texts faster than calls.", decision="adapt",
            next_step="Check phone numbers first, then test with grade 7.")


class TeamAimFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.TeamAim"

    enrollment = factory.SubFactory(EnrollmentFactory)
    what = "Reduce chronic absenteeism in grades 6-8"
    how_much = "from 24% to 18%"
    by_when = factory.LazyAttribute(lambda o: o.enrollment.collaborative.end)
    set_by = factory.SubFactory(UserFactory)


class CoachingCallFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.CoachingCall"

    enrollment = factory.SubFactory(EnrollmentFactory)
    held_on = factory.LazyFunction(lambda: _collab_today() - _collab_delta(days=3))
    notes = "Reviewed the first cycle's data."
    next_steps = "Plan the second cycle with grade 7."
    logged_by = factory.LazyAttribute(lambda o: o.enrollment.coach)


# --- Measures and the change package (issue 6) ------------------------------------------------
class MeasureFactory(DjangoModelFactory):
    """A weekly percentage where lower is better (chronic absenteeism)."""

    class Meta:
        model = "collaboratives.Measure"

    collaborative = factory.SubFactory(CollaborativeFactory)
    name = factory.Sequence(lambda n: f"Chronic absenteeism rate {n}")
    kind = "outcome"
    operational_definition = ("Students absent 10% or more of enrolled days to date, divided "
                              "by students enrolled, from the district's attendance system.")
    unit = "percent"
    better = "down"
    sampling = "weekly"

    class Params:
        monthly_count = factory.Trait(unit="count", sampling="monthly", better="up",
                                      kind="process")


class MeasureValueFactory(DjangoModelFactory):
    class Meta:
        model = "collaboratives.MeasureValue"

    measure = factory.SubFactory(MeasureFactory)
    team = factory.SubFactory(Tier2TeamFactory)
    period = factory.LazyFunction(
        lambda: _collab_today() - _collab_delta(days=_collab_today().weekday()))
    value = Decimal("20")
    entered_by = factory.SubFactory(UserFactory)


def totp_code(secret: str = STAFF_TOTP_SECRET, *, at: float | None = None) -> str:
    """The code an authenticator app with this secret shows now (or at ``at``)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))
