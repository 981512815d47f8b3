from django.db.models import Case, QuerySet, Value, When

from members.models import (
    Invitation,
    Membership,
    MembershipApplication,
    Role,
    Team,
    TeamMember,
    User,
)


def applications_of(user: User) -> QuerySet[MembershipApplication]:
    """An applicant's own applications, ready for a list (no queries per row)."""
    return (
        MembershipApplication.objects.filter(applicant=user)
        .select_related("requested_tier")
        .prefetch_related("institutions")
    )


def memberships_visible_to(user: User) -> QuerySet[Membership]:
    """The memberships a person belongs to: the one place that answers "whose is this?".

    Billing and the collaboratives ask this before showing anything a membership owns.
    """
    if not user.is_authenticated:
        return Membership.objects.none()
    on_team = TeamMember.objects.filter(user=user, status=TeamMember.Status.ACTIVE).values(
        "team__membership_id")
    return Membership.objects.filter(pk__in=_applied_by(user).union(on_team))


def _applied_by(user: User) -> QuerySet:
    """Ids of the memberships a person applied for. Combined with UNION, not OR: an OR across the
    join to applications scans every membership; the union is two index lookups."""
    return Membership.objects.filter(application__applicant=user).values("pk")


BILLING_ROLES = (Role.LEAD, Role.SPONSOR)


def memberships_billed_to(user: User) -> QuerySet[Membership]:
    """Memberships whose invoices a person may see: the applicant, the team lead and sponsors.

    Teachers and analysts on a team read convenings and cycles, not the bills.
    """
    if not user.is_authenticated:
        return Membership.objects.none()
    contacts = TeamMember.objects.filter(user=user, status=TeamMember.Status.ACTIVE,
                                         role__in=BILLING_ROLES).values("team__membership_id")
    return Membership.objects.filter(pk__in=_applied_by(user).union(contacts))


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        memberships_visible_to(user)
        .select_related("tier", "application")
        .prefetch_related("institutions")
    )


ROLE_ORDER = [Role.LEAD, Role.SPONSOR, Role.COACH, Role.DATA_ANALYST, Role.MEMBER]


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams whose roster a person may read: their own (active place), or any for staff."""
    teams = Team.objects.select_related("membership__tier")
    if user.is_staff:
        return teams
    return teams.filter(members__user=user, members__status=TeamMember.Status.ACTIVE)


def roster_of(team: Team) -> QuerySet[TeamMember]:
    order = Case(*(When(role=role, then=Value(i)) for i, role in enumerate(ROLE_ORDER)),
                 default=Value(len(ROLE_ORDER)))
    return (team.members.filter(status=TeamMember.Status.ACTIVE).select_related("user")
            .order_by(order, "user__last_name", "user__first_name", "user__email", "pk"))


def pending_invitations_of(team: Team) -> QuerySet[Invitation]:
    return team.invitations.filter(status=Invitation.Status.PENDING).order_by("expires_at")


def teams_of(user: User) -> QuerySet[Team]:
    return Team.objects.filter(members__user=user, members__status=TeamMember.Status.ACTIVE)
