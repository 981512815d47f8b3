"""Demo data for `make run`: renewals at three stages, for staff's renewals page and the banners.

    Prince George's County Public Schools + University of Maryland: the commitment ends in 60 days;
        offered, no answer yet (pgcps@demo.ncsup.example.org, a billing contact, sees the banner)
    Bronx schools + Fordham University: ended 40 days ago unanswered, now lapsed
        (bronx@demo.ncsup.example.org: a read-only roster)
    University of South Carolina: ends in 30 days; declined (no budget)
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from core.dates import add_years
from members import services as member_services
from members.models import Institution, Membership, MembershipApplication, Tier, User
from members.services import InstitutionData
from renewals import services

PASSWORD = "ncsup-demo-member"  # noqa: S105 - the demo members' password, as seed_demo's

# (applicant slug, institutions, days from today to the end of the commitment, what happens)
DEMO = [
    ("pgcps", [("Prince George's County Public Schools", "lea", "Upper Marlboro", "MD"),
               ("University of Maryland", "ihe", "College Park", "MD")], 60, "offered"),
    ("bronx", [("Bronx Community Schools", "lea", "Bronx", "NY"),
               ("Fordham University", "ihe", "Bronx", "NY")], -40, "lapsed"),
    ("southcarolina", [("University of South Carolina", "ihe", "Columbia", "SC")], 30,
     "declined"),
]


def ensure(staff: User) -> None:
    """Idempotent: a demo membership that exists is left as it is."""
    today = timezone.localdate()
    tier = Tier.objects.get(code="tier-1")
    for slug, institutions, days_left, outcome in DEMO:
        email = f"{slug}@demo.ncsup.example.org"
        if Membership.objects.filter(application__applicant__email=email).exists():
            continue
        applicant, _ = User.objects.get_or_create(
            email=email, defaults={"first_name": slug.capitalize(), "last_name": "Lead"})
        applicant.set_password(PASSWORD)
        applicant.save()
        EmailAddress.objects.update_or_create(user=applicant, email=email,
                                              defaults={"verified": True, "primary": True})
        application = member_services.application_submit(
            applicant=applicant,
            kind=(MembershipApplication.Kind.PARTNERSHIP if len(institutions) > 1
                  else MembershipApplication.Kind.SINGLE),
            institutions=[InstitutionData(name=name, kind=Institution.Kind(kind), city=city,
                                          state=state)
                          for name, kind, city, state in institutions],
            tier=tier, problem_of_practice="Chronic absenteeism in our middle schools.",
            contact_name=f"{slug.capitalize()} Lead", contact_email=email,
            billing_name="Accounts Payable", billing_email=f"ap-{slug}@demo.ncsup.example.org",
            billing_address="1 District Way", commitment_accepted=True)
        member_services.application_approve(application=application, actor=staff,
                                            reason="Welcome to the network.")
        # A membership approved two years ago, paid up: its commitment ends ``days_left`` on.
        anniversary = today + timedelta(days=days_left + 1)
        Membership.objects.filter(application=application).update(
            status=Membership.Status.ACTIVE, term_start=add_years(anniversary, -2),
            term_end=anniversary - timedelta(days=1))
        membership = Membership.objects.get(application=application)
        offered_on = anniversary - timedelta(days=90)
        renewal = services.renewal_offer(membership=membership, today=min(offered_on, today))
        if outcome == "declined":
            services.renewal_decline(renewal=renewal, actor=applicant, reason="budget",
                                     details="The district cut outside memberships this year.")
        elif outcome == "lapsed":
            services.renewal_advance(membership=membership, today=today)
