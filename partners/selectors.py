"""Who may use the directory, whom an institution's lead is, and what a person sees of
introductions. The directory shows institutions, never people: names and email addresses appear
only on an accepted introduction, to its two sides (``introduction_contacts``)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from members.models import Institution, Membership, Role, TeamMember, User
from members.selectors import current_places
from partners.models import REGIONS, Introduction, Listing


def active_places(user: User) -> QuerySet[TeamMember]:
    if not user.is_authenticated:
        return TeamMember.objects.none()
    return current_places(user).filter(team__membership__status=Membership.Status.ACTIVE)


def may_use_directory(user: User) -> bool:
    """Signed-in members on the team of an active membership, and staff."""
    return user.is_authenticated and (user.is_staff or active_places(user).exists())


def institutions_of(user: User) -> QuerySet[Institution]:
    """The institutions a person's active memberships cover: whom they may ask on behalf of."""
    return Institution.objects.filter(
        memberships__in=active_places(user).values("team__membership_id")).distinct().order_by(
        "name")


def institutions_led_by(user: User) -> QuerySet[Institution]:
    """The institutions a person is the team lead for, on an active membership: whose directory
    entry they write and whose introductions they answer."""
    return Institution.objects.filter(
        memberships__in=active_places(user).filter(role=Role.LEAD)
        .values("team__membership_id")).distinct().order_by("name")


def leads_of(institution: Institution) -> QuerySet[User]:
    """The team leads of an institution's active memberships (normally one)."""
    return User.objects.filter(
        team_memberships__role=Role.LEAD, team_memberships__status=TeamMember.Status.ACTIVE,
        team_memberships__team__membership__status=Membership.Status.ACTIVE,
        team_memberships__team__membership__institutions=institution).distinct()


def directory(*, text: str = "", kind: str = "", state: str = "", region: str = "",
              seeking: str = "") -> QuerySet[Listing]:
    """Listed institutions with an active membership, filtered; ready for a list."""
    listings = (Listing.objects.filter(
        listed=True, institution__memberships__status=Membership.Status.ACTIVE)
        .select_related("institution").distinct())
    text = " ".join(text.split())[:200]
    for word in text.split():
        listings = listings.filter(
            Q(institution__name__icontains=word) | Q(institution__city__icontains=word)
            | Q(problems__icontains=word) | Q(seeking__icontains=word)
            | Q(about__icontains=word))
    if kind:
        listings = listings.filter(institution__kind=kind)
    if state:
        listings = listings.filter(institution__state=state)
    if region in REGIONS:
        listings = listings.filter(institution__state__in=REGIONS[region][1])
    if seeking:
        listings = listings.filter(seeking_kind__in=[seeking, Listing.Seeking.ANY])
    return listings.order_by("institution__name", "pk")


def introductions_of(user: User) -> QuerySet[Introduction]:
    """Introductions a person is a side of: asked by them, or to or from an institution they
    lead. Staff see every introduction on their own page, not here."""
    led = institutions_led_by(user).values("pk")
    return (Introduction.objects.filter(
        Q(requested_by=user) | Q(to_institution__in=led) | Q(from_institution__in=led))
        .select_related("from_institution", "to_institution", "requested_by", "answered_by")
        .distinct())


def introduction_for(user: User, pk: int) -> Introduction | None:
    if user.is_staff:
        queryset = Introduction.objects.select_related(
            "from_institution", "to_institution", "requested_by", "answered_by")
    else:
        queryset = introductions_of(user)
    return queryset.filter(pk=pk).first()


def may_answer(user: User, introduction: Introduction) -> bool:
    """Only a lead of the institution asked, and only while it waits."""
    return (introduction.status == Introduction.Status.PENDING
            and institutions_led_by(user).filter(pk=introduction.to_institution_id).exists())


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    title: str
    institution: str


def introduction_contacts(introduction: Introduction, viewer: User) -> list[Contact]:
    """The two sides' people, once accepted; nothing before (or after a decline). Staff see
    them too, as they see the introduction."""
    if introduction.status != Introduction.Status.ACCEPTED:
        return []
    people = [(introduction.requested_by, introduction.from_institution)]
    if introduction.answered_by_id:
        people.append((introduction.answered_by, introduction.to_institution))
    return [Contact(name=person.display_name, email=person.email, title=person.job_title,
                    institution=institution.name) for person, institution in people]
