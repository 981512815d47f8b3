"""Every email the portal sends, rendered with names full of quotes, ampersands and angle brackets:
subjects and text parts carry them as written, the HTML part escapes them."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.urls import reverse
from django.utils import timezone

from billing.models import EmailBounce, Payment, Refund
from billing.services import payment_details
from core import emails
from members import services as member_services
from network.models import Event, GroupMembership
from partners.models import Introduction
from renewals.models import Renewal
from renewals.services import offer_context
from rhythm.models import MonthlyReport, ProgressLevel, month_start, previous_month
from rhythm.selectors import TeamAttendance, due_on, rhythm_of
from tests.factories import (
    ActionPeriodFactory,
    ApplicationFactory,
    CollaborativeFactory,
    ConveningFactory,
    EnrollmentFactory,
    InstitutionFactory,
    InvoiceFactory,
    MembershipFactory,
    PaymentFactory,
    TeamFactory,
    UserFactory,
)
from tests.network.factories import (
    EventFactory,
    GroupFactory,
    GroupMembershipFactory,
    PostFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

EVIL = "Zoë O'Brien & <Texas A&M> \"St. Mary's\""
ESCAPED = "Zoë O&#x27;Brien &amp; &lt;Texas A&amp;M&gt; &quot;St. Mary&#x27;s&quot;"
ENTITIES = ("&#", "&amp;", "&lt;", "&gt;", "&quot;")
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
# Emails whose subject names a person, team, institution, event, group or collaborative.
SUBJECTS_WITH_NAMES = {"action_period_nudge", "convening_cancelled", "convening_moved",
                       "convening_reminder", "team_invitation", "introduction_requested",
                       "introduction_accepted", "introduction_declined",
                       "network_event_cancelled", "network_event_reminder",
                       "network_join_decided", "network_join_request", "network_post",
                       "network_waitlist_promoted", "renewal_declined", "renewal_grace",
                       "renewal_lapsed", "renewal_offer", "renewal_reminder",
                       "rhythm_evaluation", "rhythm_report_due", "rhythm_report_overdue",
                       "rhythm_sponsor_digest"}


def evil_user(**kwargs):
    # str(user) is the full name: "Zoë" + " " + the rest.
    return UserFactory(first_name="Zoë", last_name=EVIL.removeprefix("Zoë "), **kwargs)


def evil_application(**kwargs):
    return ApplicationFactory(institutions=[InstitutionFactory(name=EVIL)], **kwargs)


def evil_convening(**kwargs):
    collaborative = CollaborativeFactory(name=EVIL)
    return ConveningFactory(collaborative=collaborative, title=EVIL, venue=EVIL, address=EVIL,
                            agenda=EVIL, **kwargs)


def evil_invoice(**kwargs):
    return InvoiceFactory(bill_to_name=EVIL, bill_to_institutions=EVIL, po_number="PO 7 & 8",
                          **kwargs)


def application_received():
    application = evil_application()
    return {"application": application, "names": [EVIL], "tier": application.requested_tier}


def application_approved():
    membership = MembershipFactory(application=evil_application(decision_reason=EVIL,
                                                                status="approved"))
    return {"application": membership.application, "membership": membership, "names": [EVIL],
            "commitment_years": 2}


def application_rejected():
    return {"application": evil_application(), "reason": EVIL}


def application_waitlisted():
    return {"application": evil_application(), "reason": EVIL}


def team_invitation():
    # Through the real service: the lead and the team carry the names.
    lead = evil_user()
    team = TeamFactory(lead=lead, name=EVIL)
    invitation = member_services.seat_invite(team=team, actor=lead, name=EVIL,
                                             email="pat@example.org", role="member")
    return {"invitation": invitation, "team": team,
            "token": member_services.invitation_token(invitation)}


def convening_reminder():
    convening = evil_convening()
    return {"convening": convening, "collaborative": convening.collaborative,
            "user": evil_user(), "days_left": 2}


def convening_moved():
    convening = evil_convening(moved_from=timezone.now() + timedelta(days=20))
    return {"convening": convening, "collaborative": convening.collaborative,
            "user": evil_user()}


def convening_cancelled():
    convening = evil_convening(cancellation_reason=EVIL)
    return {"convening": convening, "collaborative": convening.collaborative,
            "user": evil_user()}


def action_period_nudge():
    period = ActionPeriodFactory(collaborative=CollaborativeFactory(name=EVIL))
    return {"period": period, "collaborative": period.collaborative,
            "team": TeamFactory(name=EVIL), "user": evil_user(), "logged": 0, "expected": 2,
            "days_left": 3}


def invoice_issued():
    invoice = evil_invoice()
    return {"invoice": invoice, "lines": list(invoice.lines.all()), **payment_details()}


def invoice_reminder():
    invoice = evil_invoice()
    return {"invoice": invoice, "kind": "overdue_1", "overdue": True, "days_late": 3,
            **payment_details()}


def payment_received():
    payment = PaymentFactory(invoice=evil_invoice(), reference=EVIL)
    return {"invoice": payment.invoice, "payment": payment, "method": "Check",
            "balance": Decimal("1500.00")}


def refund_sent():
    invoice = evil_invoice()
    refund = Refund(invoice=invoice, amount=Decimal("100.00"), refunded_on=timezone.localdate(),
                    method=Payment.Method.CHECK, reference=EVIL, reason=EVIL)
    return {"invoice": invoice, "refund": refund, "method": "Check", "balance": Decimal("0")}


def invoice_revised():
    invoice = evil_invoice(vendor_number="V 1", version=2)
    return {"invoice": invoice, "lines": list(invoice.lines.all()), "vendor_documents": [],
            **payment_details()}


def billing_email_bounced():
    bounce = EmailBounce(address="ap@gone.example.org", reason=EVIL)
    return {"bounce": bounce, "invoices": [evil_invoice()]}


def _evil_introduction():
    return Introduction.objects.create(
        from_institution=InstitutionFactory(name=EVIL), to_institution=InstitutionFactory(
            name=EVIL), requested_by=evil_user(), message=EVIL)


def introduction_requested():
    return {"introduction": _evil_introduction(), "lead": evil_user()}


def introduction_accepted():
    return {"introduction": _evil_introduction(), "lead": evil_user(),
            "apply_url": "/apply/?prefill=x"}


def introduction_declined():
    return {"introduction": _evil_introduction(), "lead": evil_user(), "apply_url": ""}


# --- The network: groups, their topics and events -----------------------------------------------

def evil_event(**kwargs):
    return EventFactory(title=EVIL, group=GroupFactory(name=EVIL), venue=EVIL, address=EVIL,
                        **kwargs)


def network_event_reminder():
    # In person, so the venue and the address are printed too.
    return {"event": evil_event(format=Event.Format.IN_PERSON), "user": evil_user(),
            "days_left": 2}


def network_event_cancelled():
    return {"event": evil_event(status=Event.Status.CANCELLED, cancelled_at=timezone.now(),
                                cancellation_reason=EVIL), "user": evil_user()}


def network_waitlist_promoted():
    return {"event": evil_event(), "user": evil_user()}


def network_join_request():
    place = GroupMembershipFactory(group=GroupFactory(name=EVIL, by_request=True),
                                   user=evil_user(), status=GroupMembership.Status.REQUESTED)
    return {"group": place.group, "requester": place.user, "user": evil_user()}


def network_join_decided():
    return {"group": GroupFactory(name=EVIL, by_request=True), "user": evil_user(),
            "approved": True, "note": EVIL}


def network_post():
    post = PostFactory(topic=TopicFactory(group=GroupFactory(name=EVIL), title=EVIL),
                       author=evil_user(), body=f"{EVIL}\n{EVIL}")
    return {"post": post, "topic": post.topic, "group": post.topic.group, "user": evil_user()}


# --- Renewals: to the billing contacts, the decline to the center's staff -----------------------

def _renewal_context(renewal, **extra):
    # What renewals.services._notice adds to each notice.
    membership = renewal.membership
    return {"renewal": renewal, "membership": membership,
            "institutions": " + ".join(i.name for i in membership.institutions.all()),
            "grace_days": settings.RENEWAL_GRACE_DAYS, **offer_context(renewal), **extra}


def evil_membership():
    return MembershipFactory(active=True, application=evil_application(status="approved"))


def evil_renewal(membership=None, **kwargs):
    membership = membership or evil_membership()
    return Renewal.objects.create(membership=membership,
                                  anniversary=membership.term_end + timedelta(days=1),
                                  annual_fee=Decimal("3000.00"), commitment_years=2, **kwargs)


def renewal_offer():
    return _renewal_context(evil_renewal())


def renewal_reminder():
    return _renewal_context(evil_renewal(), days_left=30)


def renewal_grace():
    # Accepted and unpaid: the invoice branch.
    membership = evil_membership()
    renewal = evil_renewal(membership, status=Renewal.Status.ACCEPTED, years=2,
                           invoice=evil_invoice(membership=membership))
    return _renewal_context(renewal)


def renewal_lapsed():
    return _renewal_context(evil_renewal())


def renewal_declined():
    renewal = evil_renewal(status=Renewal.Status.DECLINED,
                           decline_reason=Renewal.DeclineReason.OTHER, decline_details=EVIL)
    return _renewal_context(renewal, reason=renewal.get_decline_reason_display(),
                            details=EVIL, by=evil_user())


# --- The rhythm: monthly reports, sponsors' digests, evaluations ---------------------------------

def evil_enrollment():
    return EnrollmentFactory(collaborative=CollaborativeFactory(name=EVIL),
                             team=TeamFactory(name=EVIL))


def _report_reminder():
    enrollment = evil_enrollment()
    month = previous_month(month_start(timezone.localdate()))
    return {"user": evil_user(), "team": enrollment.team,
            "collaborative": enrollment.collaborative, "month": month,
            "due": due_on(month, rhythm_of(enrollment.collaborative).report_due_day),
            "url": reverse("rhythm:report_edit", args=[enrollment.collaborative.slug,
                                                       enrollment.team_id, month.year,
                                                       month.month])}


def rhythm_report_due():
    return _report_reminder()


def rhythm_report_overdue():
    return _report_reminder()


def rhythm_sponsor_digest():
    enrollment = evil_enrollment()
    month = previous_month(month_start(timezone.localdate()))
    report = MonthlyReport(enrollment=enrollment, month=month, learned=EVIL, help_needed=EVIL,
                           status=MonthlyReport.Status.SUBMITTED)
    return {"user": evil_user(), "team": enrollment.team,
            "collaborative": enrollment.collaborative, "month": month, "report": report,
            "level": ProgressLevel.objects.order_by("score").last(),
            "movement": "up 1.0 from the month before",
            "signals": [{"label": "Shift", "kind": "improvement", "text": EVIL}],
            "attendance": TeamAttendance(team_id=enrollment.team_id, team_name=EVIL,
                                         attended=2, held=3),
            "charts_url": reverse("collaboratives:team_measures",
                                  args=[enrollment.collaborative.slug, enrollment.team_id])}


def rhythm_evaluation():
    convening = evil_convening()
    return {"user": evil_user(), "convening": convening,
            "collaborative": convening.collaborative,
            "url": reverse("rhythm:evaluation", args=[convening.collaborative.slug,
                                                      convening.pk])}


CONTEXTS = {f.__name__: f for f in [
    application_received, application_approved, application_rejected, application_waitlisted,
    team_invitation, convening_reminder, convening_moved, convening_cancelled,
    action_period_nudge, invoice_issued, invoice_reminder, payment_received, refund_sent,
    invoice_revised, billing_email_bounced,
    introduction_requested, introduction_accepted, introduction_declined,
    network_event_reminder, network_event_cancelled, network_waitlist_promoted,
    network_join_request, network_join_decided, network_post,
    renewal_offer, renewal_reminder, renewal_grace, renewal_lapsed, renewal_declined,
    rhythm_report_due, rhythm_report_overdue, rhythm_sponsor_digest, rhythm_evaluation,
]}


def email_templates():
    return sorted(p.name for p in TEMPLATES.iterdir() if (p / "subject.txt").exists())


def test_every_email_template_has_a_context_here():
    assert set(email_templates()) == set(CONTEXTS), (
        "a new email template needs a context in CONTEXTS, so its escaping is tested")


@pytest.mark.parametrize("template", email_templates())
def test_subject_and_text_carry_names_as_written_and_html_escapes_them(template):
    subject, text, html = emails.email_render(template, CONTEXTS[template]())

    assert "\n" not in subject and subject == subject.strip()
    assert not any(entity in subject for entity in ENTITIES), subject
    if template in SUBJECTS_WITH_NAMES:
        assert EVIL in subject
    assert EVIL in text
    assert not any(entity in text for entity in ENTITIES), text
    assert ESCAPED in html
    assert "<Texas" not in html


def test_a_newline_in_a_name_does_not_break_the_subject():
    convening = evil_convening()
    convening.title = "Spring\nconvening"
    subject, _, _ = emails.email_render("convening_reminder", {
        "convening": convening, "collaborative": convening.collaborative, "user": evil_user(),
        "days_left": 2})
    assert subject.startswith("In 2 days: Spring convening (Zoë O'Brien & <Texas A&M>")


ALLAUTH_EMAILS = Path(allauth.__file__).parent / "templates" / "account" / "email"
ALLAUTH_TEMPLATES = sorted(p.name.removesuffix("_subject.txt")
                           for p in ALLAUTH_EMAILS.glob("*_subject.txt"))


@pytest.mark.parametrize("name", ALLAUTH_TEMPLATES)
def test_account_emails_carry_names_as_written(rf, settings, name):
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NCSUP] "
    user = evil_user()
    request = rf.get("/")
    request.user = user
    context = {
        "user": user, "user_display": EVIL, "username": EVIL, "email": user.email,
        "current_site": RequestSite(request), "request": request,
        "activate_url": "https://portal.example.org/accounts/confirm-email/k/",
        "password_reset_url": "https://portal.example.org/accounts/password/reset/key/k/",
        "signup_url": "https://portal.example.org/accounts/signup/", "code": "ABC123",
        "key": "k", "from_email": user.email, "to_email": user.email,
        "deleted_email": user.email, "ip": "198.51.100.7", "user_agent": EVIL,
        "timestamp": timezone.now(),
    }
    with allauth_context.request_context(request):
        message = get_adapter(request).render_mail(f"account/email/{name}", user.email,
                                                   context)
    assert message.subject.startswith("[NCSUP] ")
    assert "\n" not in message.subject
    assert not any(entity in message.subject + message.body for entity in ENTITIES), (
        message.subject + message.body)
    source = (ALLAUTH_EMAILS / f"{name}_message.txt").read_text()
    if "user_display" in source or "base_notification" in source:  # names the user or browser
        assert EVIL in message.body
