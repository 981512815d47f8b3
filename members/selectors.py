from django.db.models import Q, QuerySet

from members.models import Membership, MembershipApplication, TeamMember, User


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
    return Membership.objects.filter(Q(application__applicant=user) | Q(pk__in=on_team))


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        memberships_visible_to(user)
        .select_related("tier", "application")
        .prefetch_related("institutions")
    )
