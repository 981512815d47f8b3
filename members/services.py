"""Every write about applications and memberships that has a rule."""

from dataclasses import dataclass
from datetime import date

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone

from core.emails import email_queue
from core.statemachine import transition
from members.models import (
    Institution,
    Membership,
    MembershipApplication,
    Role,
    Team,
    TeamMember,
    Tier,
    User,
)

COMMITMENT_YEARS = 2


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
        return "".join(self.name.split()).lower()


def institution_conflict(*, name: str, state: str) -> str | None:
    """Why an institution cannot apply now, or None. Name match ignores case and spaces."""
    key = "".join(name.split()).lower()
    matches = Institution.objects.annotate(
        key=Lower(Replace("name", Value(" "), Value("")))
    ).filter(key=key, state=state)
    if Membership.objects.filter(institutions__in=matches, status__in=Membership.CURRENT).exists():
        return "is already a member of the network"
    if MembershipApplication.objects.filter(
        institutions__in=matches, status__in=MembershipApplication.PENDING
    ).exists():
        return "already has an application under review"
    return None


def _institution_get_or_create(data: InstitutionData) -> Institution:
    existing = (
        Institution.objects.filter(state=data.state)
        .annotate(key=Lower(Replace("name", Value(" "), Value(""))))
        .filter(key=data.name_key)
        .first()
    )
    if existing:
        return existing
    return Institution.objects.create(
        name=" ".join(data.name.split()),
        kind=data.kind,
        city=data.city.strip(),
        state=data.state,
        website=data.website,
        nces_id=data.nces_id.strip(),
    )


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
    if not commitment_accepted:
        errors["commitment_accepted"] = ["Membership starts with a two-year commitment; "
                                         "please accept it to apply."]
    if kind == MembershipApplication.Kind.SINGLE and len(institutions) != 1:
        errors["kind"] = ["An application as one institution names exactly one institution."]
    if kind == MembershipApplication.Kind.PARTNERSHIP:
        kinds = sorted(i.kind for i in institutions)
        if len(institutions) != 2 or kinds != [Institution.Kind.IHE, Institution.Kind.LEA]:
            errors["kind"] = ["A partnership is exactly one K-12 school or district (LEA) and "
                              "one college or university (IHE)."]
        elif institutions[0].name_key == institutions[1].name_key:
            errors["institution_1"] = ["The partner must be a different institution."]
    if not tier.enrollment_open and not join_waitlist:
        errors["requested_tier"] = [f"Enrollment in {tier.name} is closed for this cohort. "
                                    "You can join the waitlist or apply for another tier."]
    # Applications are few: serialising them on the tier rows makes the duplicate check below
    # hold even when two people apply for the same institution at the same moment.
    list(Tier.objects.select_for_update().order_by("pk"))
    for index, data in enumerate(institutions):
        conflict = institution_conflict(name=data.name, state=data.state)
        if conflict:
            errors.setdefault(f"institution_{index}", []).append(
                f"{' '.join(data.name.split())} ({data.state}) {conflict}. "
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
    membership = Membership.objects.create(
        application=locked,
        tier=locked.requested_tier,
        term_start=start,
        term_end=_add_years(start, COMMITMENT_YEARS),
    )
    membership.institutions.set(locked.institutions.all())
    # The team starts with the applicant as its lead; they invite the rest.
    team = Team.objects.create(membership=membership,
                               name=" + ".join(i.name for i in locked.institutions.all()))
    TeamMember.objects.create(team=team, user=locked.applicant, role=Role.LEAD)
    # What other apps do for a new membership (billing issues year 1) runs as tasks named in
    # settings, after commit: members imports no other app.
    for task_name in settings.MEMBERSHIP_APPROVED_TASKS:
        current_app.tasks[task_name].delay_on_commit(membership_id=membership.pk)
    email_queue(
        key=f"application-approved:{locked.pk}",
        to=locked.applicant.email,
        template="application_approved",
        context={"application": locked, "membership": membership,
                 "names": [i.name for i in locked.institutions.all()]},
    )
    return membership


@transaction.atomic
def application_reject(*, application: MembershipApplication, actor: User, reason: str):
    if not reason.strip():
        raise ValidationError({"reason": ["Say why, for the applicant and the record."]})
    locked, changed = _decide(application, MembershipApplication.Status.REJECTED, actor=actor,
                              reason=reason)
    if changed:
        email_queue(
            key=f"application-rejected:{locked.pk}",
            to=locked.applicant.email,
            template="application_rejected",
            context={"application": locked, "reason": reason},
        )
    return locked


@transaction.atomic
def application_waitlist(*, application: MembershipApplication, actor: User, reason: str = ""):
    locked, changed = _decide(application, MembershipApplication.Status.WAITLISTED, actor=actor,
                              reason=reason)
    if changed:
        email_queue(
            key=f"application-waitlisted:{locked.pk}",
            to=locked.applicant.email,
            template="application_waitlisted",
            context={"application": locked, "reason": reason},
        )
    return locked


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


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
