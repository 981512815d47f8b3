"""factory-boy factories with traits. Build rows directly; flows go through services in tests."""

from datetime import date
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from billing.models import FeeSchedule
from members.models import Institution, Membership, MembershipApplication, Tier, User

PASSWORD = "correct-horse-battery"


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
    term_end = date(2028, 9, 1)

    class Params:
        active = factory.Trait(status=Membership.Status.ACTIVE)

    @factory.post_generation
    def institutions(obj, create, extracted, **kwargs):
        if create:
            obj.institutions.set(extracted or obj.application.institutions.all())


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
