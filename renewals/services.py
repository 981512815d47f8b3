"""Every write about renewals that has a rule.

A membership's renewal runs on its ``anniversary`` (the first day its commitment no longer
covers; day 0): the offer ``RENEWAL_OFFER_DAYS`` before, reminders at ``RENEWAL_REMINDER_DAYS``
while nobody answers, then on day 0, unpaid, a grace period of ``RENEWAL_GRACE_DAYS``, then the
lapse. Paying the renewal invoice reinstates the membership at once.

Locks follow billing's order, parents first: the membership, then its renewal, then (inside
billing) the invoice and the number counter. Each email goes once: a ``RenewalNotice`` row per
renewal and kind, and the outbox's key per address.
"""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.models import FeeSchedule, Invoice
from billing.terms import commitment_years_in_term
from core.dates import add_years
from core.dates import day as format_day
from core.emails import email_queue
from core.money import format_usd
from core.statemachine import audit, transition
from members.models import Membership, MembershipApplication, Tier, User
from members.selectors import billing_addresses
from renewals.models import Renewal, RenewalNotice

OFFER, GRACE, LAPSED, DECLINED = "offer", "grace", "lapsed", "declined"
# Memberships a renewal can still move: the job and the answers work on these.
RENEWING = (Membership.Status.ACTIVE, Membership.Status.IN_GRACE, Membership.Status.LAPSED)
DETAILS_MAX = 2000


def reminder_kind(days: int) -> str:
    return f"reminder_{days}"


def anniversary_of(membership: Membership) -> date:
    """Day 0 of the renewal: the first day the membership's term no longer covers."""
    return membership.term_end + timedelta(days=1)


def annual_fee(membership: Membership, fees: FeeSchedule) -> Decimal:
    """A year of membership at ``fees``: a partnership's fee or one institution's."""
    partnership = membership.application.kind == MembershipApplication.Kind.PARTNERSHIP
    return fees.partnership_fee if partnership else fees.institution_fee


def _fees_on(day: date) -> FeeSchedule:
    fees = billing_selectors.fee_schedule_in_force(day)
    if fees is None:
        raise ValidationError(f"No fee schedule is in force on {format_day(day)}; add one in "
                              "admin.", code="no_fee_schedule")
    return fees


def _lock_membership(membership: Membership) -> Membership:
    return (Membership.objects.select_for_update(of=("self",))
            .select_related("application", "tier").get(pk=membership.pk))


def _lock_renewal(renewal: Renewal) -> tuple[Membership, Renewal]:
    """Lock the membership, then the renewal (the order every writer here and billing keeps)."""
    membership = _lock_membership(renewal.membership)
    return membership, Renewal.objects.select_for_update().get(pk=renewal.pk)


def is_billing_contact(membership: Membership, user: User) -> bool:
    return (user.is_authenticated
            and membership.billing_contacts.filter(user=user).exists())


def _require_contact(membership: Membership, actor: User) -> None:
    if not is_billing_contact(membership, actor):
        raise PermissionDenied("Only the membership's billing contacts answer its renewal.")


def _notice(renewal: Renewal, kind: str, *, template: str, context: dict | None = None,
            to: list[str] | None = None) -> bool:
    """Send one kind of email about ``renewal`` once: to the billing contacts (or ``to``)."""
    _, created = RenewalNotice.objects.get_or_create(renewal=renewal, kind=kind)
    if not created:
        return False
    membership = renewal.membership
    context = {"renewal": renewal, "membership": membership,
               "institutions": " + ".join(i.name for i in membership.institutions.all()),
               "grace_days": settings.RENEWAL_GRACE_DAYS, **(context or {})}
    for address in to if to is not None else billing_addresses(membership):
        person = address.lower()
        if len(person) > 100:  # outbox keys are at most 200 characters
            person = hashlib.sha256(person.encode()).hexdigest()
        email_queue(key=f"renewal:{renewal.pk}:{kind}:{person}", to=address, template=template,
                    context=context)
    audit(renewal, action=f"renewal:notice:{kind}", reason=f"Emailed: {kind}")
    return True


# --- The offer ---------------------------------------------------------------------------------

@transaction.atomic
def renewal_offer(*, membership: Membership, today: date | None = None) -> Renewal:
    """Offer the renewal of the commitment ending next, and email it to the billing contacts.
    Offering twice returns the first offer."""
    today = today or timezone.localdate()
    locked = _lock_membership(membership)
    anniversary = anniversary_of(locked)
    existing = Renewal.objects.filter(membership=locked, anniversary=anniversary).first()
    if existing is not None:
        return existing
    if locked.status != Membership.Status.ACTIVE:
        raise ValidationError(f"{locked} is {locked.get_status_display()}: only an active "
                              "membership is offered a renewal.", code="not_active")
    fees = _fees_on(today)
    renewal = Renewal.objects.create(membership=locked, anniversary=anniversary,
                                     annual_fee=annual_fee(locked, fees),
                                     commitment_years=fees.commitment_years)
    audit(locked, action="renewal:offered",
          reason=f"Renewal offered; the commitment ends on {format_day(locked.term_end)}")
    _notice(renewal, OFFER, template="renewal_offer", context=offer_context(renewal))
    return renewal


def offer_context(renewal: Renewal) -> dict:
    """What the offer page and emails say about the choices: each option's price."""
    years = renewal.commitment_years
    return {
        "fee": renewal.annual_fee,
        "commitment_years": years,
        "commitment_total": renewal.annual_fee * years,
        "last_day": renewal.last_covered_day,
    }


def renewal_tiers(membership: Membership):
    """Tiers a renewal may move to: the current one, and any whose enrollment is open."""
    return Tier.objects.filter(pk=membership.tier_id) | Tier.objects.filter(enrollment_open=True)


@transaction.atomic
def renewal_accept(*, renewal: Renewal, actor: User, years: int, tier: Tier,
                   today: date | None = None) -> Renewal:
    """Renew: extend the term by ``years`` (one, or the schedule's commitment), move to ``tier``
    and issue the next commitment year's invoice at the fee schedule in force today.

    Once, whatever is clicked twice or from two tabs: the membership row is locked first, and an
    accepted renewal is returned as it is."""
    today = today or timezone.localdate()
    membership, locked = _lock_renewal(renewal)
    _require_contact(membership, actor)
    if locked.status == Renewal.Status.ACCEPTED:
        return locked
    if locked.status == Renewal.Status.DECLINED:
        declined_on = format_day(timezone.localdate(locked.declined_at))
        raise ValidationError(f"This renewal was declined on {declined_on}. Write to "
                              f"{settings.CENTER_STAFF_EMAIL} to renew after all.",
                              code="declined")
    if membership.status not in RENEWING:
        raise ValidationError(f"{membership} is {membership.get_status_display()}: it cannot be "
                              "renewed.", code="not_renewing")
    if locked.anniversary != anniversary_of(membership):
        raise ValidationError("This offer is for an earlier commitment; open the latest one.",
                              code="stale")
    if years not in (1, locked.commitment_years):
        raise ValidationError({"years": ["Choose one year or the full commitment."]})
    if tier.pk != membership.tier_id and not tier.enrollment_open:
        raise ValidationError({"tier": [f"{tier.name} is not taking new members now. Renew in "
                                        f"{membership.tier.name}, or write to the Center."]})
    year = commitment_years_in_term(membership) + 1
    old_end, old_tier = membership.term_end, membership.tier
    membership.term_end = add_years(locked.anniversary, years) - timedelta(days=1)
    membership.tier = tier
    membership.save(update_fields=["term_end", "tier", "updated_at"])
    change = "" if tier.pk == old_tier.pk else f"; tier {old_tier.name} → {tier.name}"
    length = ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    audit(membership, action="renewal:accepted", actor=actor,
          reason=f"Renewed for {length}: the term now ends on {format_day(membership.term_end)} "
                 f"(was {format_day(old_end)}){change}")
    locked, _ = transition(locked, Renewal.Status.ACCEPTED, actor=actor,
                           reason=f"Renewed for {length}{change}")
    invoice = billing_services.invoice_issue(membership=membership, commitment_year=year,
                                             issue_date=today, actor=actor)
    locked.years, locked.tier, locked.previous_tier = years, tier, old_tier
    locked.answered_by, locked.invoice = actor, invoice
    locked.save(update_fields=["years", "tier", "previous_tier", "answered_by", "invoice",
                               "updated_at"])
    return locked


@transaction.atomic
def renewal_decline(*, renewal: Renewal, actor: User, reason: str, details: str = "",
                    today: date | None = None) -> Renewal:
    """Decline with a reason. The membership ends on its anniversary (at once when that has
    passed); the Center is told."""
    today = today or timezone.localdate()
    membership, locked = _lock_renewal(renewal)
    _require_contact(membership, actor)
    details = details.strip()
    errors = {}
    if reason not in Renewal.DeclineReason.values:
        errors["reason"] = ["Choose why you are not renewing."]
    if reason == Renewal.DeclineReason.OTHER and not details:
        errors["details"] = ["Tell us the reason, in a few words."]
    if len(details) > DETAILS_MAX:
        errors["details"] = [f"At most {DETAILS_MAX} characters (this has {len(details)})."]
    if errors:
        raise ValidationError(errors)
    if locked.status == Renewal.Status.DECLINED:
        return locked
    if locked.status == Renewal.Status.ACCEPTED:
        raise ValidationError(f"This renewal was already accepted and invoiced "
                              f"({locked.invoice}). Write to {settings.CENTER_STAFF_EMAIL} to "
                              "cancel it.", code="accepted")
    locked.decline_reason, locked.decline_details, locked.answered_by = reason, details, actor
    locked.save(update_fields=["decline_reason", "decline_details", "answered_by",
                               "updated_at"])
    label = Renewal.DeclineReason(reason).label
    locked, _ = transition(locked, Renewal.Status.DECLINED, actor=actor,
                           reason=f"{label}. {details}".strip())
    audit(membership, action="renewal:declined", actor=actor, reason=label)
    _notice(locked, DECLINED, template="renewal_declined", to=[settings.CENTER_STAFF_EMAIL],
            context={"reason": label, "details": details, "by": actor})
    if locked.anniversary <= today:
        _end(membership, locked)
    return locked


def _end(membership: Membership, renewal: Renewal) -> None:
    transition(membership, Membership.Status.ENDED,
               reason=f"Renewal declined; the commitment ended on "
                      f"{format_day(renewal.last_covered_day)}")


# --- The daily job ------------------------------------------------------------------------------

def renewal_due(membership: Membership) -> Renewal | None:
    """The renewal still open on a membership: offered, or accepted and not paid."""
    return (membership.renewals.filter(status__in=Renewal.OPEN)
            .exclude(invoice__status=Invoice.Status.PAID).order_by("-anniversary").first())


@transaction.atomic
def renewal_advance(*, membership: Membership, today: date | None = None) -> list[str]:
    """Do what is due today for one membership, and say what: the offer, a reminder, the grace
    period, the lapse, or the end of a declined membership. Safe to run any number of times: each
    step is a state (or a notice row) that a second run finds already there."""
    today = today or timezone.localdate()
    locked = _lock_membership(membership)
    done: list[str] = []
    if locked.status not in RENEWING:
        return done
    declined = (locked.renewals.filter(status=Renewal.Status.DECLINED, anniversary__lte=today)
                .order_by("-anniversary").first())
    if declined is not None and declined.anniversary == anniversary_of(locked):
        _end(locked, declined)
        return ["ended"]
    renewal = renewal_due(locked)
    offer_from = anniversary_of(locked) - timedelta(days=settings.RENEWAL_OFFER_DAYS)
    if (renewal is None and locked.status == Membership.Status.ACTIVE and offer_from <= today
            and not locked.renewals.filter(anniversary=anniversary_of(locked)).exists()):
        renewal = renewal_offer(membership=locked, today=today)
        done.append(OFFER)
    if renewal is None:
        return done
    days_left = (renewal.anniversary - today).days
    if days_left > 0:
        if renewal.status == Renewal.Status.OFFERED and OFFER not in done:
            due = [days for days in settings.RENEWAL_REMINDER_DAYS if days_left <= days]
            if due and _notice(renewal, reminder_kind(min(due)), template="renewal_reminder",
                               context={**offer_context(renewal), "days_left": days_left}):
                done.append(reminder_kind(min(due)))
        return done
    lapses = -days_left >= settings.RENEWAL_GRACE_DAYS
    if locked.status == Membership.Status.ACTIVE:
        transition(locked, Membership.Status.IN_GRACE,
                   reason=f"The commitment ended on {format_day(renewal.last_covered_day)} "
                          f"unpaid; grace until {format_day(renewal.grace_last_day)}")
        locked.status = Membership.Status.IN_GRACE
        done.append(GRACE)
        if not lapses:
            _notice(renewal, GRACE, template="renewal_grace", context=offer_context(renewal))
    if lapses and locked.status == Membership.Status.IN_GRACE:
        transition(locked, Membership.Status.LAPSED,
                   reason=f"The grace period ended on {format_day(renewal.grace_last_day)} unpaid")
        done.append(LAPSED)
        _notice(renewal, LAPSED, template="renewal_lapsed", context=offer_context(renewal))
    return done


# --- Payment ------------------------------------------------------------------------------------

@transaction.atomic
def renewal_paid(*, invoice: Invoice) -> Membership | None:
    """The renewal invoice is paid: a membership in its grace period or lapsed is reinstated at
    once. Returns the membership reinstated, or None when nothing changed."""
    renewal = Renewal.objects.filter(invoice_id=invoice.pk).select_related("membership").first()
    if renewal is None:
        return None
    membership = _lock_membership(renewal.membership)
    if membership.status not in (Membership.Status.IN_GRACE, Membership.Status.LAPSED):
        return None
    membership, changed = transition(
        membership, Membership.Status.ACTIVE,
        reason=f"Renewal invoice {invoice.number} paid ({format_usd(invoice.total)}): reinstated")
    return membership if changed else None
