"""The rules of the directory: who writes an institution's entry, who may ask for an
introduction and to whom, and the answer that shares contacts (or not)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.emails import email_queue
from core.statemachine import audit, transition
from members.models import Institution, User
from members.prefill import apply_prefill_url
from partners import selectors
from partners.models import Introduction, Listing


@transaction.atomic
def listing_save(*, institution: Institution, actor: User, listed: bool, about: str,
                 problems: str, seeking_kind: str, seeking: str) -> Listing:
    """Create or update an institution's directory entry: its team lead (or staff) only."""
    if not (actor.is_staff
            or selectors.institutions_led_by(actor).filter(pk=institution.pk).exists()):
        raise ValidationError("Only the institution's team lead writes its directory entry.",
                              code="forbidden")
    listing, created = Listing.objects.select_for_update().get_or_create(
        institution=institution,
        defaults={"about": about, "problems": problems, "seeking": seeking,
                  "seeking_kind": seeking_kind, "listed": listed, "updated_by": actor})
    if not created:
        listing.about, listing.problems, listing.seeking = about, problems, seeking
        listing.seeking_kind, listing.listed, listing.updated_by = seeking_kind, listed, actor
    listing.full_clean()
    listing.save()
    audit(listing, action="listing:saved" if not created else "listing:created", actor=actor,
          reason="listed" if listed else "not listed")
    return listing


def _open_between(a: Institution, b: Institution):
    return Introduction.objects.filter(
        Q(from_institution=a, to_institution=b) | Q(from_institution=b, to_institution=a),
        status__in=Introduction.OPEN)


@transaction.atomic
def introduction_request(*, actor: User, from_institution: Institution, listing: Listing,
                         message: str) -> Introduction:
    """Ask to be introduced to the institution of ``listing``. The asker must be on an active
    membership covering ``from_institution``; the listing must be in the directory; two
    institutions have one request under way at a time, whoever asked. The other institution's
    lead is told by email (which names the institution, not the asker's address)."""
    if not selectors.institutions_of(actor).filter(pk=from_institution.pk).exists():
        raise ValidationError({"from_institution": [
            "You can ask on behalf of an institution whose active membership you are on."]})
    to_institution = listing.institution
    if not listing.listed or not selectors.directory().filter(pk=listing.pk).exists():
        raise ValidationError("This institution is no longer in the directory.",
                              code="not_listed")
    if to_institution.pk == from_institution.pk:
        raise ValidationError({"from_institution": [
            "That is the institution you are asking about: choose another one."]})
    message = message.strip()
    if not message:
        raise ValidationError({"message": ["Say what you would like to work on together."]})
    # Lock both institutions in id order, so two requests between them meet here.
    list(Institution.objects.select_for_update().filter(
        pk__in=[from_institution.pk, to_institution.pk]).order_by("pk"))
    existing = _open_between(from_institution, to_institution).first()
    if existing is not None:
        state = ("already introduced" if existing.status == Introduction.Status.ACCEPTED
                 else "waiting for an answer")
        raise ValidationError(
            f"{from_institution.name} and {to_institution.name} have an introduction "
            f"{state}: see Introductions.", code="duplicate")
    try:
        with transaction.atomic():
            introduction = Introduction.objects.create(
                from_institution=from_institution, to_institution=to_institution,
                requested_by=actor, message=message)
    except IntegrityError as error:  # the database's own guard, should the lock be bypassed
        raise ValidationError("These two institutions already have an introduction under way.",
                              code="duplicate") from error
    audit(introduction, action="introduction:requested", actor=actor)
    for lead in selectors.leads_of(to_institution):
        email_queue(key=f"introduction-requested:{introduction.pk}:{lead.pk}", to=lead.email,
                    template="introduction_requested",
                    context={"introduction": introduction, "lead": lead})
    return introduction


@transaction.atomic
def introduction_answer(*, introduction: Introduction, actor: User, accept: bool) -> Introduction:
    """The asked institution's lead accepts (both sides then see each other's names and email
    addresses, and the asker is told) or declines (the asker is told, and nothing is shared)."""
    if not selectors.institutions_led_by(actor).filter(
            pk=introduction.to_institution_id).exists():
        raise ValidationError("Only the team lead of the institution asked answers this "
                              "introduction.", code="forbidden")
    to = Introduction.Status.ACCEPTED if accept else Introduction.Status.DECLINED
    locked, changed = transition(introduction, to, actor=actor)
    if not changed:
        return locked
    locked.answered_by = actor
    locked.save(update_fields=["answered_by", "updated_at"])
    email_queue(key=f"introduction-answered:{locked.pk}", to=locked.requested_by.email,
                template="introduction_accepted" if accept else "introduction_declined",
                context={"introduction": locked, "lead": actor,
                         "apply_url": apply_together_url(locked)})
    return locked


@transaction.atomic
def introduction_withdraw(*, introduction: Introduction, actor: User) -> Introduction:
    """Whoever asked may withdraw a request still waiting."""
    if introduction.requested_by_id != actor.pk:
        raise ValidationError("Only whoever asked withdraws this request.", code="forbidden")
    locked, _changed = transition(introduction, Introduction.Status.WITHDRAWN, actor=actor)
    return locked


def apply_together_url(introduction: Introduction) -> str:
    """The application form with both institutions filled in (members.prefill), LEA first:
    for an accepted introduction between an LEA and an IHE; "" otherwise."""
    pair = [introduction.from_institution, introduction.to_institution]
    kinds = {institution.kind for institution in pair}
    if (introduction.status != Introduction.Status.ACCEPTED
            or kinds != {Institution.Kind.LEA, Institution.Kind.IHE}):
        return ""
    pair.sort(key=lambda institution: institution.kind != Institution.Kind.LEA)
    return apply_prefill_url(pair)
