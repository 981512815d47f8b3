"""Demo data for `make run`: a few institutions in the partner directory and an introduction
waiting for the Oxford lead's answer.

The directory is for active memberships, so the demo's Oxford and Avondale memberships have
their year-1 invoice paid (by check and purchase order), as a member's would be."""

from decimal import Decimal

from django.db import transaction

from billing import services as billing
from billing.models import Invoice
from members.models import Institution, Membership, Role, TeamMember, User
from partners import services
from partners.models import Introduction, Listing

LISTINGS = {
    "Oxford School District": (
        "A rural district of about 4,500 students in north Mississippi, partnered with the "
        "University of Mississippi.",
        "Chronic absenteeism; school improvement planning", "any",
        "Districts that have cut chronic absenteeism in rural middle schools, to compare "
        "change ideas"),
    "University of Mississippi": (
        "The School of Education prepares most of the state's teachers and hosts the Center.",
        "Teacher preparation; chronic absenteeism", "lea",
        "A district partner for chronic absenteeism research in practice"),
    "Avondale Elementary School District": (
        "A K-8 district in the west Phoenix valley serving about 5,500 students.",
        "Chronic absenteeism; math for students with disabilities", "ihe",
        "An IHE partner for chronic absenteeism"),
    "Arizona State University": (
        "Mary Lou Fulton College for Teaching and Learning Innovation.",
        "Math for students with disabilities; ninth-grade on-track", "lea",
        "A district partner for co-teaching in middle-school math"),
}


def _activate(membership: Membership, staff: User, method: str) -> None:
    if membership.status != Membership.Status.PENDING:
        return
    for invoice in Invoice.objects.filter(membership=membership,
                                          status=Invoice.Status.OPEN).order_by("pk"):
        # The balance: another demo may have recorded part of it already.
        billing.payment_record(invoice=invoice, amount=Decimal(invoice.balance), method=method,
                               reference="Demo payment", actor=staff)


def _lead(institution: Institution) -> User | None:
    place = (TeamMember.objects.filter(team__membership__institutions=institution,
                                       team__membership__status=Membership.Status.ACTIVE,
                                       role=Role.LEAD, status=TeamMember.Status.ACTIVE)
             .select_related("user").first())
    return place.user if place else None


def ensure(*, staff: User) -> None:
    """Idempotent: pays what is needed, and adds the listings and the introduction missing.

    Runs once the seed's transaction has committed: approval issues the year-1 invoices in a
    task after commit (in-process under `make run`), and only then is there a bill to pay."""
    transaction.on_commit(lambda: _ensure(staff=staff))


@transaction.atomic
def _ensure(*, staff: User) -> None:
    for name, method in (("Oxford School District", "check"),
                         ("Avondale Elementary School District", "po")):
        membership = Membership.objects.filter(institutions__name=name).first()
        if membership is not None:
            _activate(membership, staff, method)
    for name, (about, problems, seeking_kind, seeking) in LISTINGS.items():
        institution = Institution.objects.filter(name=name).first()
        lead = _lead(institution) if institution else None
        if lead is None or Listing.objects.filter(institution=institution).exists():
            continue
        services.listing_save(institution=institution, actor=lead, listed=True, about=about,
                              problems=problems, seeking_kind=seeking_kind, seeking=seeking)
    avondale = Institution.objects.filter(name="Avondale Elementary School District").first()
    oxford = Listing.objects.filter(institution__name="Oxford School District").first()
    asker = _lead(avondale) if avondale else None
    if asker and oxford and not Introduction.objects.exists():
        services.introduction_request(
            actor=asker, from_institution=avondale, listing=oxford,
            message="We are starting a texting pilot for families after a first absence and "
                    "would like to compare notes with another district before the spring "
                    "convening.")
