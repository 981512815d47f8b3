from dataclasses import dataclass
from functools import cached_property

from django.db.models import (
    BooleanField,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.urls import reverse

from members.models import (
    BillingContact,
    Invitation,
    Membership,
    MembershipApplication,
    Role,
    SeatGrant,
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


# A place on a team that gives access today, as a filter on TeamMember (for subqueries too).
CURRENT_PLACE = {"status": TeamMember.Status.ACTIVE,
                 "team__membership__status__in": Membership.CURRENT}


def current_places(user: User) -> QuerySet[TeamMember]:
    """The one place that answers "what does this person's team give them today?".

    A place counts while the person is active on the team AND the team's membership is current
    (pending or active). Leaving the team, or the membership leaving early or ending, ends it:
    rosters, invitations, collaboratives, convenings and the library all ask here.
    """
    if not user.is_authenticated:
        return TeamMember.objects.none()
    return TeamMember.objects.filter(user=user, **CURRENT_PLACE)


def memberships_visible_to(user: User) -> QuerySet[Membership]:
    """The current memberships a person is on the team of.

    Billing and the collaboratives ask this before showing anything a membership owns. Having
    applied gives nothing by itself: who reads the bills is the billing contacts list.
    """
    return Membership.objects.filter(pk__in=current_places(user).values("team__membership_id"))


def memberships_billed_to(user: User) -> QuerySet[Membership]:
    """Memberships whose invoices a person may see: those listing them as a billing contact.

    Whatever the membership's state: a membership that left early or ended may still owe money.
    """
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(billing_contacts__user=user)


def billing_contacts_of(membership: Membership) -> QuerySet[BillingContact]:
    return membership.billing_contacts.select_related("user", "added_by").order_by("created_at",
                                                                                    "pk")


def billing_addresses(membership: Membership) -> list[str]:
    """Where a membership's invoice, reminder, payment and refund emails go, each address once."""
    seen: dict[str, str] = {}
    for contact in billing_contacts_of(membership):
        seen.setdefault(contact.address.lower(), contact.address)
    return list(seen.values())


def memberships_of(user: User) -> QuerySet[Membership]:
    """The memberships on a person's dashboard: those they are on the team of, and those they
    are a billing contact of (a membership that left early may still owe money)."""
    ids = memberships_visible_to(user).values("pk").union(memberships_billed_to(user).values("pk"))
    return (
        Membership.objects.filter(pk__in=ids)
        .select_related("tier", "application")
        .prefetch_related("institutions")
    )


ROLE_ORDER = [Role.LEAD, Role.SPONSOR, Role.COACH, Role.DATA_ANALYST, Role.MEMBER]


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams whose roster a person may read: their own (active place), or any for staff."""
    teams = Team.objects.select_related("membership__tier")
    if user.is_staff:
        return teams
    return teams.filter(pk__in=current_places(user).values("team_id"))


class RoleRank(Func):
    """A role's place in ``ROLE_ORDER`` (``len(ROLE_ORDER)`` for any other value), as one simple
    ``CASE``: what ``Case(When(role=...), ...)`` says, which cost a roster page more to build and
    compile than to run. The roles are constants of the code, never input."""

    template = "CASE %(expressions)s {} ELSE {} END".format(
        " ".join(f"WHEN '{role.value}' THEN {rank}" for rank, role in enumerate(ROLE_ORDER)),
        len(ROLE_ORDER))
    output_field = IntegerField()


def roster_of(team: Team) -> QuerySet[TeamMember]:
    return (team.members.filter(status=TeamMember.Status.ACTIVE).select_related("user")
            .order_by(RoleRank("role"), "user__last_name", "user__first_name", "user__email",
                      "pk"))


# What a roster row shows, read as values (no model instances for a page of rows).
ROSTER_ROW_FIELDS = ("pk", "role", "user_id", "user__first_name", "user__last_name",
                     "user__email", "user__job_title")


def roster_rows_of(team: Team) -> QuerySet[dict]:
    """``roster_of`` as dicts of ``ROSTER_ROW_FIELDS``, in the same order."""
    return roster_of(team).values(*ROSTER_ROW_FIELDS)


def roster_team(user: User, pk: int) -> tuple[Team, bool]:
    """The team whose roster a person may read (``teams_visible_to``) and whether they lead it
    today (``team_lead_of``), in one query. Raises ``Team.DoesNotExist`` for a team they may
    not read, as for one that does not exist. Their place is ``current_places``'s: their active
    row on the team (one at most: ``one_active_place_per_person_per_team``), joined to the team,
    and the membership's half checked on the team's own row."""
    team = (Team.objects.select_related("membership__tier")
            .annotate(place=FilteredRelation("members", condition=Q(
                members__user=user, members__status=TeamMember.Status.ACTIVE)),
                viewer_role=F("place__role"))
            .get(pk=pk))
    role = team.viewer_role if team.membership.status in Membership.CURRENT else None
    if role is None and not user.is_staff:
        raise Team.DoesNotExist
    return team, role == Role.LEAD


def pending_invitations_of(team: Team) -> QuerySet[Invitation]:
    return team.invitations.filter(status=Invitation.Status.PENDING).order_by("expires_at")


def covered_seat_counts(membership_id: int) -> tuple[int, int]:
    """(institutions, seats granted) of a membership: with its tier's seats per institution,
    ``models.covered_seats`` makes its covered seats, as ``Membership.objects.with_seats``
    does in SQL (two plain queries cost a page less than that one)."""
    institutions = Membership.institutions.through.objects.filter(
        membership_id=membership_id).count()
    granted = SeatGrant.objects.filter(membership_id=membership_id).aggregate(
        total=Sum("seats"))["total"]
    return institutions, granted or 0


def teams_of(user: User) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=current_places(user).values("team_id"))


def team_lead_of(team: Team, user: User) -> bool:
    """Leads the team today: its lead, and its membership current (not left early or ended)."""
    return current_places(user).filter(team=team, role=Role.LEAD).exists()


def billing_contact_candidates(membership: Membership) -> QuerySet[User]:
    """People on the team now who are not billing contacts yet: whom the lead may add."""
    return (User.objects.filter(team_memberships__team__membership=membership,
                                team_memberships__status=TeamMember.Status.ACTIVE)
            .exclude(billing_contacts__membership=membership)
            .order_by("last_name", "first_name", "email").distinct())


# --- "My portal" ----------------------------------------------------------------------------------
@dataclass
class PortalPerson:
    """Who the signed-in person is to "My portal", read once a request: the dashboard and every
    panel (through ``members.hooks.portal_person``) ask here instead of each asking the database
    again. The same rules as ``current_places``, ``memberships_visible_to`` and
    ``memberships_billed_to``, read as plain ids in one query."""

    user: User
    team_ids: frozenset[int] = frozenset()  # teams of the person's current places
    membership_ids: frozenset[int] = frozenset()  # memberships_visible_to
    billed_ids: frozenset[int] = frozenset()  # memberships_billed_to
    tier2: bool = False  # a current place on a membership whose tier includes a collaborative

    @property
    def has_place(self) -> bool:
        """On the team of a current membership (``current_places(user).exists()``)."""
        return bool(self.team_ids)

    @cached_property
    def memberships(self) -> list[dict]:
        """``memberships_of(user)`` as the dashboard shows them, newest term first (one query
        with the seats, one for the institutions' names; none without a membership): each a
        dict of ``pk``, ``status``, ``status_label``, ``term_start``, ``term_end``,
        ``tier_name``, ``seats_used``, ``seats_covered``, ``institutions`` (the names joined
        with " + "), ``on_team``, ``team_pk`` and ``is_billed``."""
        ids = self.membership_ids | self.billed_ids
        if not ids:
            return []
        rows = list(Membership.objects.filter(pk__in=ids).with_seats().values(
            "pk", "status", "term_start", "term_end", "tier__name", "team__id", "seats_used",
            "seats_covered"))
        names = _institution_names(Membership.institutions.through, "membership_id", ids)
        labels = dict(Membership.Status.choices)
        for row in rows:
            row.update(status_label=labels.get(row["status"], row["status"]),
                       tier_name=row.pop("tier__name"), team_pk=row.pop("team__id"),
                       institutions=names.get(row["pk"], ""),
                       on_team=row["pk"] in self.membership_ids,
                       is_billed=row["pk"] in self.billed_ids)
        return rows


def portal_person(user: User) -> PortalPerson:
    """The person's places and the memberships billed to them, in one query."""
    if not user.is_authenticated:
        return PortalPerson(user=user)
    places = current_places(user).values_list(
        "team_id", "team__membership_id", "team__membership__tier__includes_collaborative")
    billed = BillingContact.objects.filter(user=user).values_list(
        Value(None, output_field=IntegerField()), "membership_id",
        Value(False, output_field=BooleanField()))
    team_ids, membership_ids, billed_ids, tier2 = set(), set(), set(), False
    for team_id, membership_id, includes_collaborative in (
            places.order_by().union(billed.order_by(), all=True).order_by()):
        if team_id is None:
            billed_ids.add(membership_id)
        else:
            team_ids.add(team_id)
            membership_ids.add(membership_id)
            tier2 = tier2 or bool(includes_collaborative)
    return PortalPerson(user=user, team_ids=frozenset(team_ids),
                        membership_ids=frozenset(membership_ids),
                        billed_ids=frozenset(billed_ids), tier2=tier2)


def _institution_names(through, owner: str, ids) -> dict[int, str]:
    """``{owner id: "Name + Name"}`` from an institutions through table, names in the
    institutions' order (by name), in one query."""
    names: dict[int, list[str]] = {}
    for owner_id, name in (through.objects.filter(**{f"{owner}__in": ids})
                           .values_list(owner, "institution__name")
                           .order_by("institution__name", "institution_id")):
        names.setdefault(owner_id, []).append(name)
    return {owner_id: " + ".join(parts) for owner_id, parts in names.items()}


def recent_applications(user: User, *, limit: int = 5) -> list[dict]:
    """The person's newest applications for the dashboard (two queries at most): ``pk``,
    ``status``, ``status_label``, ``url`` and ``display_name`` (``display_name()``'s names)."""
    rows = list(MembershipApplication.objects.filter(applicant=user)
                .values("pk", "status")[:limit])
    if not rows:
        return []
    names = _institution_names(MembershipApplication.institutions.through,
                               "membershipapplication_id", [row["pk"] for row in rows])
    labels = dict(MembershipApplication.Status.choices)
    for row in rows:
        row.update(status_label=labels.get(row["status"], row["status"]),
                   url=reverse("members:application_detail", args=[row["pk"]]),
                   display_name=names.get(row["pk"], ""))
    return rows
