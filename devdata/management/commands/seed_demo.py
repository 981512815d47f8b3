"""Demo data for `make run`: safe to run again, it only adds what is missing."""

from datetime import date

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings

from devdata import (
    billing_paperwork_demo,
    collaboratives_demo,
    learning_demo,
    network_demo,
    partners_demo,
    renewals_demo,
    resources_demo,
    rhythm_demo,
    spc_demo,
)
from devdata.reference import fee_schedule_ensure, tiers_ensure
from members import services
from members.mfa import totp_authenticator_ensure
from members.models import Institution, MembershipApplication, Tier, User
from members.services import InstitutionData

STAFF_EMAIL = "staff@ncsup.example.org"
STAFF_PASSWORD = "ncsup-demo-staff"  # noqa: S105 - printed for the demo, never used in production
APPLICANT_PASSWORD = "ncsup-demo-member"  # noqa: S105
# The demo staff account's authenticator app (staff need one); a random one unless DEBUG.
STAFF_TOTP_SECRET = "NCSUPDEMOSTAFFTOTP2FAKEY"  # noqa: S105

# (LEA, city, state) with (IHE, city, state): partnerships of the original network.
PARTNERSHIPS = [
    (("Oxford School District", "Oxford", "MS"), ("University of Mississippi", "Oxford", "MS")),
    (
        ("Chesterfield County Public Schools", "Chesterfield", "VA"),
        ("University of Virginia", "Charlottesville", "VA"),
    ),
    (
        ("Chicago Public Schools", "Chicago", "IL"),
        ("University of Illinois Chicago", "Chicago", "IL"),
    ),
    (("Denver Public Schools", "Denver", "CO"), ("University of Denver", "Denver", "CO")),
    (
        ("Fairfax County Public Schools", "Falls Church", "VA"),
        ("George Mason University", "Fairfax", "VA"),
    ),
    (
        ("Portland Public Schools", "Portland", "OR"),
        ("Portland State University", "Portland", "OR"),
    ),
    (
        ("Avondale Elementary School District", "Avondale", "AZ"),
        ("Arizona State University", "Tempe", "AZ"),
    ),
]


class Command(BaseCommand):
    help = "Load demo data: tiers, fees, a staff login and applications in each state."

    # The demo's own emails are recorded in the outbox (see Staff admin) but not printed.
    @override_settings(
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    )
    @transaction.atomic
    def handle(self, *args, **options):
        tiers_ensure()
        fee_schedule_ensure(effective_from=date(2024, 1, 1))
        staff, created = User.objects.get_or_create(
            email=STAFF_EMAIL,
            defaults=dict(first_name="Center", last_name="Staff", is_staff=True, is_superuser=True),
        )
        if created:
            staff.set_password(STAFF_PASSWORD)
            staff.save()
        self._verified(staff)
        totp_authenticator_ensure(
            user=staff, secret=STAFF_TOTP_SECRET if settings.DEBUG else generate_totp_secret())

        if not MembershipApplication.objects.exists():
            self._applications(staff)
        billing_paperwork_demo.ensure(staff=staff)
        coach = collaboratives_demo.seed(staff=staff, password=STAFF_PASSWORD)
        if coach:
            self._verified(coach)
        renewals_demo.ensure(staff)
        rhythm_demo.ensure(staff=staff)
        network_demo.ensure(staff=staff)
        learning_demo.ensure()
        spc_demo.ensure()
        resources_demo.ensure(staff=staff)
        partners_demo.ensure(staff=staff)

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"  Staff login:     {STAFF_EMAIL} / {STAFF_PASSWORD}  (admin at /staff/)"
        )
        if settings.DEBUG:
            self.stdout.write(f"    then a code from an authenticator app with the secret "
                              f"{STAFF_TOTP_SECRET}")
        self.stdout.write(
            f"  Team lead login: oxford@demo.ncsup.example.org / {APPLICANT_PASSWORD}"
        )
        self.stdout.write(
            f"  Coach login:     {collaboratives_demo.COACH_EMAIL} / {STAFF_PASSWORD}"
        )
        self.stdout.write(
            f"  Tier 1 login:    avondale@demo.ncsup.example.org / {APPLICANT_PASSWORD}"
        )

    def _verified(self, user):
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    def _applications(self, staff):
        tier1, tier2 = Tier.objects.get(code="tier-1"), Tier.objects.get(code="tier-2")
        outcomes = [
            "approve",
            "approve",
            "submitted",
            "waitlist",
            "reject",
            "withdraw",
            "approve-tier1",  # a Tier 1 member: convenings open to the network, change packages
        ]
        for (lea, ihe), outcome in zip(PARTNERSHIPS, outcomes, strict=True):
            slug = lea[0].split()[0].lower()
            applicant, _ = User.objects.get_or_create(
                email=f"{slug}@demo.ncsup.example.org",
                defaults=dict(first_name=slug.capitalize(), last_name="Lead"),
            )
            applicant.set_password(APPLICANT_PASSWORD)
            applicant.save()
            self._verified(applicant)
            application = services.application_submit(
                applicant=applicant,
                kind=MembershipApplication.Kind.PARTNERSHIP,
                institutions=[
                    InstitutionData(
                        name=lea[0], kind=Institution.Kind.LEA, city=lea[1], state=lea[2]
                    ),
                    InstitutionData(
                        name=ihe[0], kind=Institution.Kind.IHE, city=ihe[1], state=ihe[2]
                    ),
                ],
                tier=tier2 if outcome in ("approve", "waitlist") else tier1,
                problem_of_practice="Chronic absenteeism in our middle schools.",
                contact_name=f"{slug.capitalize()} Lead",
                contact_email=applicant.email,
                billing_name="Accounts Payable",
                billing_email=f"ap-{slug}@demo.ncsup.example.org",
                billing_address=f"1 District Way\n{lea[1]}, {lea[2]}",
                pays_by_po=outcome == "approve",
                po_number="PO-2027-0042" if outcome == "approve" else "",
                commitment_accepted=True,
            )
            if outcome in ("approve", "approve-tier1"):
                services.application_approve(
                    application=application, actor=staff, reason="Welcome to the network."
                )
            elif outcome == "waitlist":
                services.application_waitlist(
                    application=application, actor=staff, reason="The spring cohort is full."
                )
            elif outcome == "reject":
                services.application_reject(
                    application=application,
                    actor=staff,
                    reason="Please apply again for the next cohort.",
                )
            elif outcome == "withdraw":
                services.application_withdraw(application=application, actor=applicant)
