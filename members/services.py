"""Every write about applications and memberships that has a rule.

Why one module of this size (about 650 lines): applications, approval, rosters and billing
contacts are written under the same locks (the membership, then its team) and call each other
(approval creates the team and the first contact); splitting them would split those transactions
across modules. Institution names live in members/names.py and people in members/people.py.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.dates import last_day_of_years
from core.emails import email_queue
from core.statemachine import audit, transition
from members import hooks, selectors
from members.models import (
    BillingContact,
    Institution,
    Invitation,
    Membership,
    MembershipApplication,
    Role,
    SeatGrant,
    Team,
    TeamMember,
    Tier,
    User,
)
from members.names import institution_name_clean, institution_name_key, institution_name_validate
from members.people import user_name_fill
from members.signals import membership_approved, team_member_joined


@dataclass(frozen=True)
class InstitutionData:
    name: str
    kind: str
    city: str
    state: str
    website: str = ""
    nces_id: str = ""

    @property
    def name_key(self) -> str:
        return institution_name_key(self.name)


def institution_twins(*, name: str, state: str):
    """Institutions in ``state`` whose name has the same key as ``name`` (members.names)."""
    return Institution.objects.filter(name_key=institution_name_key(name), state=state)


def institution_conflict(*, name: str, state: str) -> str | None:
    """Why an institution cannot apply now, or None. Names compare by their key (members.names):
    case, accents, spacing, punctuation and invisible characters aside."""
    matches = institution_twins(name=name, state=state)
    if Membership.objects.filter(institutions__in=matches, status__in=Membership.CURRENT).exists():
        return "is already a member of the network"
    if MembershipApplication.objects.filter(
        institutions__in=matches, status__in=MembershipApplication.PENDING
    ).exists():
        return "already has an application under review"
    return None


def _institution_get_or_create(data: InstitutionData) -> Institution:
    existing = institution_twins(name=data.name, state=data.state).order_by("pk").first()
    if existing:
        return existing
    return Institution.objects.create(
        name=institution_name_clean(data.name),
        name_key=data.name_key,
        kind=data.kind,
        city=data.city.strip(),
        state=data.state,
        website=data.website,
        nces_id=data.nces_id.strip(),
    )


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Save an institution staff created or edited, its name cleaned and its key recomputed."""
    try:
        institution.name = institution_name_validate(institution.name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from error
    institution.name_key = institution_name_key(institution.name)
    institution.save()
    return institution


@transaction.atomic
def application_submit(
    *,
    applicant: User,
    kind: str,
    institutions: list[InstitutionData],
    tier: Tier,
    join_waitlist: bool = False,
    problem_of_practice: str,
    contact_name: str,
    contact_email: str,
    contact_title: str = "",
    contact_phone: str = "",
    billing_name: str,
    billing_email: str,
    billing_address: str,
    pays_by_po: bool = False,
    po_number: str = "",
    commitment_accepted: bool,
) -> MembershipApplication:
    """Record an application and acknowledge it by email.

    Errors are keyed by field (``institution_0``/``institution_1`` for the institutions) so the
    form can show them where they belong.
    """
    errors: dict[str, list[str]] = {}
    for index, data in enumerate(institutions):
        if not data.name_key:
            errors[f"institution_{index}"] = ["Enter the institution's name in letters or digits."]
    if not commitment_accepted:
        years = hooks.commitment_years()
        errors["commitment_accepted"] = [f"Membership starts with a {years}-year commitment; "
                                         "please accept it to apply."]
    if kind == MembershipApplication.Kind.SINGLE and len(institutions) != 1:
        errors["kind"] = ["An application as one institution names exactly one institution."]
    if kind == MembershipApplication.Kind.PARTNERSHIP:
        kinds = sorted(i.kind for i in institutions)
        if len(institutions) != 2 or kinds != [Institution.Kind.IHE, Institution.Kind.LEA]:
            errors["kind"] = ["A partnership is exactly one K-12 school or district (LEA) and "
                              "one college or university (IHE)."]
        elif (institutions[0].name_key, institutions[0].state) == (institutions[1].name_key,
                                                                    institutions[1].state):
            errors["institution_1"] = ["The partner must be a different institution."]
    if not tier.enrollment_open and not join_waitlist:
        errors["requested_tier"] = [f"Enrollment in {tier.name} is closed for this cohort. "
                                    "You can join the waitlist or apply for another tier."]
    # Applications are few: serialising them on the tier rows makes the duplicate check below
    # hold even when two people apply for the same institution at the same moment.
    list(Tier.objects.select_for_update().order_by("pk"))
    for index, data in enumerate(institutions):
        conflict = data.name_key and institution_conflict(name=data.name, state=data.state)
        if conflict:
            errors.setdefault(f"institution_{index}", []).append(
                f"{institution_name_clean(data.name)} ({data.state}) {conflict}. "
                "Write to the Center if you think this is a mistake."
            )
    if errors:
        raise ValidationError(errors)
    application = MembershipApplication.objects.create(
        applicant=applicant,
        kind=kind,
        requested_tier=tier,
        problem_of_practice=problem_of_practice.strip(),
        contact_name=contact_name.strip(),
        contact_title=contact_title.strip(),
        contact_email=contact_email,
        contact_phone=contact_phone.strip(),
        billing_name=billing_name.strip(),
        billing_email=billing_email,
        billing_address=billing_address.strip(),
        pays_by_po=pays_by_po,
        po_number=po_number.strip(),
        commitment_accepted=commitment_accepted,
    )
    application.institutions.set([_institution_get_or_create(d) for d in institutions])
    if contact_email.strip().lower() == applicant.email.lower():
        user_name_fill(applicant, application.contact_name)
    if not tier.enrollment_open:
        transition(application, MembershipApplication.Status.WAITLISTED, actor=applicant,
                   reason=f"{tier.name} enrollment closed; applicant chose the waitlist.")
    email_queue(
        key=f"application-received:{application.pk}",
        to=applicant.email,
        template="application_received",
        context={"application": application, "names": [d.name for d in institutions],
                 "tier": tier},
    )
    return application


def _decide(application, to, *, actor, reason):
    locked, changed = transition(application, to, actor=actor, reason=reason)
    if changed:
        locked.decided_by = actor
        locked.decision_reason = reason
        locked.save(update_fields=["decided_by", "decision_reason", "updated_at"])
    return locked, changed


def _decide_and_tell(application, to, *, actor, reason, template):
    """Decide, and email the applicant the decision and its reason once (not when the
    application already had that status)."""
    locked, changed = _decide(application, to, actor=actor, reason=reason)
    if changed:
        email_queue(
            key=f"{template.replace('_', '-')}:{locked.pk}",
            to=locked.applicant.email,
            template=template,
            context={"application": locked, "reason": reason},
        )
    return locked


@transaction.atomic
def application_approve(
    *, application: MembershipApplication, actor: User, reason: str = "",
    term_start: date | None = None,
) -> Membership:
    """Approve and create the membership in one transaction. A second approval does nothing."""
    locked, changed = _decide(application, MembershipApplication.Status.APPROVED, actor=actor,
                              reason=reason)
    if not changed:
        return locked.membership
    start = term_start or timezone.localdate()
    years = hooks.commitment_years(start)
    membership = Membership.objects.create(
        application=locked,
        tier=locked.requested_tier,
        term_start=start,
        # The commitment's length is the fee schedule's (billing owns it; members.hooks asks).
        term_end=last_day_of_years(start, years),  # inclusive
    )
    membership.institutions.set(locked.institutions.all())
    # The team starts with the applicant as its lead; they invite the rest.
    team = Team.objects.create(membership=membership,
                               name=" + ".join(i.name for i in locked.institutions.all()))
    lead = TeamMember.objects.create(team=team, user=locked.applicant, role=Role.LEAD)
    transaction.on_commit(lambda: team_member_joined.send(sender=TeamMember, member=lead))
    # Who sees the bills and gets the invoice: before the hooks below issue it.
    _billing_contacts_start(membership, locked, actor=actor)
    # The welcome ("your first invoice follows") is queued first, so its send runs before the
    # hooks below and it arrives before the invoice they send.
    email_queue(
        key=f"application-approved:{locked.pk}",
        to=locked.applicant.email,
        template="application_approved",
        context={"application": locked, "membership": membership, "commitment_years": years,
                 "names": [i.name for i in locked.institutions.all()]},
    )
    # What other apps do for a new membership (billing issues year 1): receivers of
    # membership_approved, after commit (members imports no other app).
    transaction.on_commit(lambda: membership_approved.send(sender=Membership,
                                                           membership=membership))
    return membership


@transaction.atomic
def application_reject(*, application: MembershipApplication, actor: User, reason: str):
    if not reason.strip():
        raise ValidationError({"reason": ["Say why, for the applicant and the record."]})
    return _decide_and_tell(application, MembershipApplication.Status.REJECTED, actor=actor,
                            reason=reason, template="application_rejected")


@transaction.atomic
def application_waitlist(*, application: MembershipApplication, actor: User, reason: str = ""):
    return _decide_and_tell(application, MembershipApplication.Status.WAITLISTED, actor=actor,
                            reason=reason, template="application_waitlisted")


@transaction.atomic
def application_withdraw(*, application: MembershipApplication, actor: User, reason: str = ""):
    if application.applicant_id != actor.pk:
        raise ValidationError("Only the applicant can withdraw an application.")
    locked, _ = transition(application, MembershipApplication.Status.WITHDRAWN, actor=actor,
                           reason=reason or "Withdrawn by the applicant.")
    return locked


@transaction.atomic
def membership_leave_early(*, membership: Membership, actor: User, reason: str) -> Membership:
    """Staff decision: a member leaves before the end of the commitment."""
    if not reason.strip():
        raise ValidationError({"reason": ["Record why the member is leaving early."]})
    locked, _ = transition(membership, Membership.Status.LEFT_EARLY, actor=actor, reason=reason)
    return locked


# --- Improvement teams ---------------------------------------------------------------------------
INVITATION_SALT = "members.invitation"


def membership_seats(membership: Membership) -> tuple[int, int]:
    """(covered, used) seats of one membership, from ``Membership.objects.with_seats()``."""
    return tuple(Membership.objects.with_seats().filter(pk=membership.pk)
                 .values_list("seats_covered", "seats_used").get())


def membership_covered_seats(membership: Membership) -> int:
    """Covered seats (members.models.covered_seats): per institution, plus grants."""
    return membership_seats(membership)[0]


def seats_covered(team: Team) -> int:
    return membership_seats(team.membership)[0]


def seats_used(team: Team) -> int:
    """Active members and pending, unexpired invitations each hold a seat."""
    return membership_seats(team.membership)[1]


def team_lead_of(team: Team, user: User) -> bool:
    """Leads the team today (see members.selectors.current_places): a lead whose membership left
    early or ended can no longer invite or change the roster."""
    return selectors.team_lead_of(team, user)


def _require_lead(team: Team, actor: User):
    if not team_lead_of(team, actor):
        raise PermissionDenied("Only the team lead can change the roster.")


def _lock_team(team: Team) -> Team:
    return (Team.objects.select_for_update(of=("self",)).select_related("membership__tier")
            .get(pk=team.pk))


LAPSED_MESSAGE = ("This membership has lapsed, so its improvement team is read-only: no "
                  "invitations or roster changes until the renewal invoice is paid. Paying "
                  "reinstates it at once.")


def membership_writable_check(membership_id: int, *, message: str = LAPSED_MESSAGE) -> None:
    """Refuse a change to what a lapsed membership owns (its roster, invitations, PDSA cycles,
    measure data). Reads the status afresh: call it after taking the caller's locks."""
    status = (Membership.objects.filter(pk=membership_id).values_list("status", flat=True)
              .first())
    if status == Membership.Status.LAPSED:
        raise ValidationError(message, code="lapsed")


def invitations_blocked(team: Team) -> bool:
    """Staff's choice (ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS) for a membership in arrears."""
    return settings.ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS and membership_in_arrears(team.membership)


def membership_in_arrears(membership: Membership) -> bool:
    """Is the first invoice unpaid after its due date? Billing answers (members.hooks)."""
    return hooks.membership_in_arrears(membership)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.sent_count}, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link names. Raises ValidationError for a forged or mangled link."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT)
        invitation = Invitation.objects.select_related("team", "invited_by").get(pk=data["i"])
    except (signing.BadSignature, KeyError, TypeError, Invitation.DoesNotExist) as error:
        raise ValidationError("This invitation link is not valid.") from error
    if data.get("n") != invitation.sent_count:
        raise ValidationError("This invitation link has been replaced by a newer one; "
                              "use the latest email.")
    return invitation


def _send_invitation(invitation: Invitation):
    email_queue(
        key=f"invitation:{invitation.pk}:{invitation.sent_count}",
        to=invitation.email,
        template="team_invitation",
        context={"invitation": invitation, "team": invitation.team,
                 "token": invitation_token(invitation)},
        secret=True,  # the link lets whoever holds it take the seat
    )


@transaction.atomic
def seat_invite(*, team: Team, actor: User, name: str, email: str, role: str) -> Invitation:
    """Invite a person by email. The invitation holds a seat until accepted, revoked or expired."""
    _require_lead(team, actor)
    team = _lock_team(team)
    membership_writable_check(team.membership_id)
    email = email.strip()
    if role == Role.LEAD:
        raise ValidationError({"role": ["A team has one lead. Invite them in another role, "
                                        "then hand the lead role over."]})
    if invitations_blocked(team):
        raise ValidationError("Invitations are paused until the membership's first invoice is "
                              "paid. Write to the Center if payment is on its way.")
    if team.members.filter(user__email__iexact=email, status=TeamMember.Status.ACTIVE).exists():
        raise ValidationError({"email": [f"{email} is already on this team."]})
    existing = team.invitations.filter(email__iexact=email, status=Invitation.Status.PENDING)
    live = existing.filter(expires_at__gt=timezone.now()).first()
    if live:
        raise ValidationError({"email": [f"{email} already has a pending invitation: "
                                         "resend it from the list below."]})
    covered, used = seats_covered(team), seats_used(team)
    if used >= covered:
        raise ValidationError(
            f"All {covered} covered seats are in use. Remove someone or revoke a pending "
            "invitation to free a seat, or ask the Center for extra seats.",
            code="seat_cap",
        )
    for stale in existing:  # expired: it no longer holds a seat; close it so a new one can be made
        transition(stale, Invitation.Status.REVOKED, actor=actor, reason="Expired; re-invited.")
    invitation = Invitation.objects.create(
        team=team, name=name.strip(), email=email, role=role, invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
        sent_count=1,
    )
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """Send again with a fresh expiry; the old link stops working. An expired one needs a seat."""
    _require_lead(invitation.team, actor)
    team = _lock_team(invitation.team)
    membership_writable_check(team.membership_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"This invitation is {invitation.get_status_display()}.")
    if invitation.expires_at <= timezone.now() and seats_used(team) >= seats_covered(team):
        raise ValidationError("This invitation expired and all covered seats are now in use.",
                              code="seat_cap")
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    invitation.sent_count += 1
    invitation.save(update_fields=["expires_at", "sent_count", "updated_at"])
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    _require_lead(invitation.team, actor)
    membership_writable_check(_lock_team(invitation.team).membership_id)
    locked, _ = transition(invitation, Invitation.Status.REVOKED, actor=actor,
                           reason="Revoked by the team lead.")
    return locked


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> TeamMember:
    """The invitee, signed in with the invited address, takes the seat the invitation held."""
    team = _lock_team(invitation.team)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(f"This invitation is for {invitation.email}. Sign in with that "
                              "address to accept it.", code="wrong_email")
    if invitation.status == Invitation.Status.ACCEPTED:
        if invitation.accepted_by_id == user.pk:
            return team.members.get(user=user, status=TeamMember.Status.ACTIVE)
        raise ValidationError("This invitation has already been accepted.")
    if invitation.status == Invitation.Status.REVOKED:
        raise ValidationError("This invitation was withdrawn by the team lead.", code="revoked")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired. Ask the team lead to send a new one.",
                              code="expired")
    if team.membership.status not in Membership.CURRENT:
        raise ValidationError("This team's membership has ended, so it takes no new members.",
                              code="membership_ended")
    membership_writable_check(team.membership_id, message=(
        "This team's membership has lapsed, so it takes no new members until its renewal "
        "invoice is paid. Ask the team lead, or try again once it is."))
    user_name_fill(user, invitation.name)
    member = team.members.filter(user=user, status=TeamMember.Status.ACTIVE).first()
    if member is None:
        member = TeamMember.objects.create(team=team, user=user, role=invitation.role)
        joined = member
        transaction.on_commit(lambda: team_member_joined.send(sender=TeamMember, member=joined))
    transition(invitation, Invitation.Status.ACCEPTED, actor=user)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    audit(team, action="member:joined", actor=user, reason=f"{user.email} as {invitation.role}")
    return member


def _active_member(team: Team, member: TeamMember) -> TeamMember:
    locked = TeamMember.objects.select_for_update().get(pk=member.pk, team=team)
    if locked.status != TeamMember.Status.ACTIVE:
        raise ValidationError("That person is no longer on the team.")
    return locked


@transaction.atomic
def member_role_change(*, member: TeamMember, actor: User, role: str) -> TeamMember:
    _require_lead(member.team, actor)
    team = _lock_team(member.team)
    membership_writable_check(team.membership_id)
    member = _active_member(team, member)
    if role == Role.LEAD or member.role == Role.LEAD:
        raise ValidationError({"role": ["Use “hand over the lead role” to change who leads."]})
    if role not in Role.values:
        raise ValidationError({"role": ["Choose a role from the list."]})
    old = member.role
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    audit(team, action="member:role", actor=actor, reason=f"{member.user.email}: {old} → {role}")
    return member


@transaction.atomic
def member_remove(*, member: TeamMember, actor: User) -> TeamMember:
    """Remove a person: the row stays as history and the seat frees."""
    _require_lead(member.team, actor)
    team = _lock_team(member.team)
    membership_writable_check(team.membership_id)
    member = _active_member(team, member)
    if member.role == Role.LEAD:
        raise ValidationError("The team lead cannot be removed. Hand the lead role to someone "
                              "else first.", code="last_lead")
    member.status = TeamMember.Status.REMOVED
    member.removed_at = timezone.now()
    member.removed_by = actor
    member.save(update_fields=["status", "removed_at", "removed_by", "updated_at"])
    audit(team, action="member:removed", actor=actor, reason=member.user.email)
    _billing_contact_drop_leaver(team, member.user, actor=actor)
    return member


@transaction.atomic
def lead_handover(*, team: Team, actor: User, to: TeamMember) -> TeamMember:
    """Give the lead role to another active member; the old lead stays as a team member."""
    _require_lead(team, actor)
    team = _lock_team(team)
    membership_writable_check(team.membership_id)
    to = _active_member(team, to)
    if to.role == Role.LEAD:
        return to
    current = team.members.select_for_update().get(role=Role.LEAD, status=TeamMember.Status.ACTIVE)
    current.role = Role.MEMBER
    current.save(update_fields=["role", "updated_at"])
    to.role = Role.LEAD
    to.save(update_fields=["role", "updated_at"])
    audit(team, action="member:lead", actor=actor,
          reason=f"{current.user.email} → {to.user.email}")
    return to


@transaction.atomic
def seat_grant_record(*, membership: Membership, seats: int, actor: User,
                      reason: str = "") -> SeatGrant:
    """Staff grant extra seats. Billing calls this and invoices the seats in one transaction."""
    if seats < 1:
        raise ValidationError({"seats": ["Grant at least one seat."]})
    Membership.objects.select_for_update().get(pk=membership.pk)
    grant = SeatGrant.objects.create(membership=membership, seats=seats, reason=reason,
                                     granted_by=actor)
    audit(membership, action="seats:granted", actor=actor, reason=f"+{seats} {reason}".strip())
    return grant


# --- Billing contacts: who sees a membership's bills and gets its billing emails ----------------
def _billing_contact_create(membership: Membership, *, actor: User | None, name: str,
                            email: str, user: User | None = None,
                            reason: str = "") -> BillingContact:
    contact = BillingContact.objects.create(membership=membership, user=user, name=name.strip(),
                                            email=email.strip(), added_by=actor)
    audit(membership, action="billing-contact:added", actor=actor,
          reason=f"{contact.address}{f': {reason}' if reason else ''}")
    return contact


def _billing_contacts_start(membership: Membership, application: MembershipApplication, *,
                            actor: User | None) -> None:
    """On approval: the applicant, and the application's billing address when it differs."""
    applicant = application.applicant
    _billing_contact_create(membership, actor=actor, user=applicant, email=applicant.email,
                            name=applicant.get_full_name() or application.contact_name,
                            reason="the applicant")
    if application.billing_email.strip().lower() != applicant.email.lower():
        _billing_contact_create(membership, actor=actor, name=application.billing_name,
                                email=application.billing_email,
                                reason="the application's billing contact")


def _billing_contact_delete(contact: BillingContact, *, actor: User | None, reason: str) -> None:
    audit(contact.membership, action="billing-contact:removed", actor=actor,
          reason=f"{contact.address}: {reason}")
    contact.delete()


def _billing_contact_drop_leaver(team: Team, user: User, *, actor: User) -> None:
    """Someone leaves the team: they stop seeing its bills (unless staff keep them). If nobody
    would be left to bill, the team lead becomes the billing contact."""
    membership = team.membership
    Membership.objects.select_for_update().get(pk=membership.pk)
    leaving = membership.billing_contacts.filter(user=user, kept_by_staff=False).first()
    if leaving is None:
        return
    _billing_contact_delete(leaving, actor=actor, reason="left the improvement team")
    if membership.billing_contacts.exists():
        return
    lead = team.members.select_related("user").filter(
        role=Role.LEAD, status=TeamMember.Status.ACTIVE).first()
    if lead is not None:
        _billing_contact_create(membership, actor=actor, user=lead.user, email=lead.user.email,
                                name=lead.user.get_full_name() or lead.user.email,
                                reason="the last billing contact left the team")


def _require_billing_manager(membership: Membership, actor: User) -> None:
    """Staff, or the lead of the membership's team while the membership is current."""
    if actor.is_staff:
        return
    team = Team.objects.filter(membership=membership).first()
    if team is None or not team_lead_of(team, actor):
        raise PermissionDenied("Only the team lead or the Center changes the billing contacts.")


def billing_contact_check(*, membership: Membership, user: User | None = None, name: str = "",
                          email: str = "", kept_by_staff: bool = False) -> tuple[str, str]:
    """The rules for a new billing contact, without saving: returns its (name, email) or
    raises a ValidationError keyed by the form's fields (``user``, ``name``, ``email``).
    ``billing_contact_add`` applies them; the admin's inline checks with them first. A person
    off the team can be a contact only when staff keep them (``kept_by_staff``)."""
    if user is not None:
        on_team = TeamMember.objects.filter(team__membership=membership, user=user,
                                            status=TeamMember.Status.ACTIVE).exists()
        if not on_team and not kept_by_staff:
            raise ValidationError({"user": ["Choose someone who is on the team now."]})
        name, email, field = user.get_full_name() or user.email, user.email, "user"
    else:
        name, email, field = name.strip(), email.strip(), "email"
        errors = {}
        if not name:
            errors["name"] = ["Give a name, such as “Accounts payable”."]
        if not email:
            errors["email"] = ["Give the address the invoices go to."]
        if errors:
            raise ValidationError(errors)
    same = Q(email__iexact=email) | Q(user__email__iexact=email)
    if user is not None:
        same |= Q(user=user)
    if membership.billing_contacts.filter(same).exists():
        raise ValidationError({field: [f"{email} is already a billing contact."]})
    return name, email


@transaction.atomic
def billing_contact_add(*, membership: Membership, actor: User, user: User | None = None,
                        name: str = "", email: str = "",
                        kept_by_staff: bool = False) -> BillingContact:
    """Add a billing contact: an active member of the team (``user``), or an outside address
    such as accounts payable (``name`` and ``email``). Errors are keyed by the form's fields.
    Staff may mark the contact kept (it stays if the person leaves the team)."""
    _require_billing_manager(membership, actor)
    Membership.objects.select_for_update().get(pk=membership.pk)
    if kept_by_staff and not actor.is_staff:
        raise PermissionDenied("Only the Center decides which billing contacts are kept.")
    name, email = billing_contact_check(membership=membership, user=user, name=name,
                                        email=email, kept_by_staff=kept_by_staff)
    contact = _billing_contact_create(membership, actor=actor, user=user, name=name,
                                      email=email)
    if kept_by_staff:
        billing_contact_keep(contact=contact, actor=actor, kept=True)
    return contact


@transaction.atomic
def billing_contact_keep(*, contact: BillingContact, actor: User, kept: bool) -> BillingContact:
    """Staff decide whether a contact stays after leaving the team (audited)."""
    if not actor.is_staff:
        raise PermissionDenied("Only the Center decides which billing contacts are kept.")
    if contact.kept_by_staff != kept:
        contact.kept_by_staff = kept
        contact.save(update_fields=["kept_by_staff", "updated_at"])
        audit(contact.membership, action="billing-contact:changed", actor=actor,
              reason=f"{contact.address}: "
                     + ("kept after leaving the team" if kept else "no longer kept"))
    return contact


@transaction.atomic
def billing_contact_remove(*, contact: BillingContact, actor: User) -> None:
    """Remove a billing contact (an audited delete). At least one must remain."""
    membership = contact.membership
    _require_billing_manager(membership, actor)
    Membership.objects.select_for_update().get(pk=membership.pk)
    contact = BillingContact.objects.select_related("user", "membership").filter(
        pk=contact.pk, membership=membership).first()
    if contact is None:
        return
    if membership.billing_contacts.count() <= 1:
        raise ValidationError(f"{contact.address} is the only billing contact. Add another "
                              "before removing them: someone must receive the invoices.",
                              code="last_billing_contact")
    _billing_contact_delete(contact, actor=actor, reason=f"removed by {actor.email}")
