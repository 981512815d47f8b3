from django.db.models import QuerySet

from members.models import Membership, MembershipApplication, User


def applications_of(user: User) -> QuerySet[MembershipApplication]:
    """An applicant's own applications, ready for a list (no queries per row)."""
    return (
        MembershipApplication.objects.filter(applicant=user)
        .select_related("requested_tier")
        .prefetch_related("institutions")
    )


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(application__applicant=user)
        .select_related("tier", "application")
        .prefetch_related("institutions")
    )
