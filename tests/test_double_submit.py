"""Every creating form, posted twice with the same one-time token, creates one thing.

``CREATES`` lists each creating form with a valid post and what it makes; ``NOT_CREATING`` says
why every other URL of the portal cannot make a twin. A new URL in neither fails
``test_every_portal_url_is_classified``, and an admin that can add without the token fails
``test_every_admin_add_view_carries_the_token``: decide how a double-click behaves before shipping.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Payment, Quote, Refund
from collaboratives.changepackages import services as changepackages_services
from collaboratives.models import (
    RSVP,
    ChangeIdea,
    ChangePackageEntry,
    CoachingCall,
    Convening,
    CycleAttachment,
    CycleComment,
    Enrollment,
    Measure,
    MeasurePhase,
    MeasureValue,
    PDSACycle,
    PrimaryDriver,
    TeamAim,
)
from core import once
from learning.models import QuizAttempt
from members.models import Invitation, Membership, MembershipApplication
from network.models import Post
from partners.models import Introduction
from resources.models import Resource, Tag
from rhythm.models import ReportAmendment
from tests.collaboratives.conftest import world  # noqa: F401 (the fixture)
from tests.factories import (
    ApplicationFactory,
    ConveningFactory,
    InvoiceFactory,
    MeasureFactory,
    PaymentFactory,
    PDSACycleFactory,
    Tier2TeamFactory,
    UserFactory,
)
from tests.learning.util import learning_quiz_module, quiz_post
from tests.members.test_application_views import form_data
from tests.network.access import site_network
from tests.partners import shared_worlds
from tests.renewals.worlds import renewal_offer_url
from tests.rhythm import access as rhythm_access
from tests.test_access_matrix import walk

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
       b"N\x00\x00\x00\x00IEND\xaeB`\x82")


def _monday(weeks_ago: int):
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


@pytest.fixture
def site(world, tier1, fees, staff, immediate_on_commit):  # noqa: F811
    """The collaboratives' world plus what the other creating forms need."""
    w = world
    w.staff, w.applicant, w.tier1 = staff, UserFactory(), tier1
    w.rate = MeasureFactory(collaborative=w.collaborative, name="Chronic absenteeism rate")
    w.cycle = PDSACycleFactory(team=w.team_a, action_period=w.period, change_idea=w.idea)
    PDSACycleFactory(team=w.team_a, action_period=w.period, change_idea=w.idea, completed=True,
                     decision="adopt")
    w.convening = ConveningFactory(collaborative=w.collaborative)
    w.invoice = InvoiceFactory(membership=w.team_a.membership, total=Decimal("2500.00"),
                               fiscal_year=2030)  # numbers apart from those issued here
    w.paid = InvoiceFactory(membership=w.team_b.membership, total=Decimal("2500.00"),
                            fiscal_year=2030)
    PaymentFactory(invoice=w.paid, amount=Decimal("2500.00"), method="check")
    w.unenrolled = Tier2TeamFactory()
    w.application = ApplicationFactory(applicant=w.applicant, requested_tier=tier1)
    return w


def _action(name, row_attr, **data):
    def build(w):
        return {"action": name, "_selected_action": [getattr(w, row_attr).pk], "apply": "1",
                **data}
    return build


@dataclass
class Case:
    who: str                              # the world's person who posts
    url: Callable                         # world -> path
    data: Callable                        # world -> a valid post, without the token
    made: Callable                        # world -> how many of the thing exist
    prefix: str = ""                      # the form's prefix, when the page has two forms
    files: Callable = field(default=lambda w: {})  # world -> fresh uploads (read once each)


def _c(name, *args):
    return reverse(f"collaboratives:{name}", args=args)


TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731
CREATES = {
    "members:apply": Case(
        "applicant", lambda w: reverse("members:apply"),
        lambda w: {k: v for k, v in form_data(requested_tier=w.tier1.pk).items()
                   if k != once.FIELD},
        lambda w: MembershipApplication.objects.count()),
    "members:roster": Case(
        "lead_a", lambda w: w.team_a.get_absolute_url(),
        lambda w: {"name": "Ana Teacher", "email": "ana@a.example.org", "role": "member"},
        lambda w: Invitation.objects.count()),
    "collaboratives:drivers": Case(
        "coach_a", lambda w: _c("drivers", w.collaborative.slug),
        lambda w: {"driver-title": "School climate", "add_driver": "1"},
        lambda w: PrimaryDriver.objects.count(), prefix="driver"),
    "collaboratives:drivers (change idea)": Case(
        "coach_a", lambda w: _c("drivers", w.collaborative.slug),
        lambda w: {"idea-primary_driver": w.idea.primary_driver_id,
                   "idea-title": "Greet every student", "add_idea": "1"},
        lambda w: ChangeIdea.objects.count(), prefix="idea"),
    "collaboratives:convening": Case(
        "member_a", lambda w: _c("convening", w.collaborative.slug, w.convening.pk),
        lambda w: {"response": "yes"}, lambda w: RSVP.objects.count()),
    "collaboratives:aim": Case(
        "member_a", lambda w: _c("aim", w.collaborative.slug, w.team_a.pk),
        lambda w: {"what": "reduce chronic absenteeism", "how_much": "from 24% to 18%",
                   "by_when": w.collaborative.end.isoformat()},
        lambda w: TeamAim.objects.count()),
    "collaboratives:call_create": Case(
        "coach_a", lambda w: _c("call_create", w.collaborative.slug, w.team_a.pk),
        lambda w: {"held_on": TODAY(), "attendees": [w.lead_a.pk], "notes": "Run chart.",
                   "next_steps": "Texts."},
        lambda w: CoachingCall.objects.count()),
    "collaboratives:cycle_create": Case(
        "member_a", lambda w: _c("cycle_create", w.collaborative.slug, w.team_a.pk),
        lambda w: {"title": "Texts", "change_idea": w.idea.pk, "question": "Sooner back?",
                   "prediction": "Half reply."},
        lambda w: PDSACycle.objects.count()),
    "collaboratives:attachment_add": Case(
        "member_a", lambda w: _c("attachment_add", w.collaborative.slug, w.cycle.pk),
        lambda w: {}, lambda w: CycleAttachment.objects.count(),
        files=lambda w: {"file": SimpleUploadedFile("chart.png", PNG, "image/png")}),
    "collaboratives:comment_add": Case(
        "coach_a", lambda w: _c("comment_add", w.collaborative.slug, w.cycle.pk),
        lambda w: {"body": "Strong test."}, lambda w: CycleComment.objects.count()),
    "collaboratives:measure_create": Case(
        "coach_a", lambda w: _c("measure_create", w.collaborative.slug),
        lambda w: {"name": "Home visits", "kind": "process", "unit": "count", "better": "up",
                   "sampling": "monthly", "operational_definition": "Visits made."},
        lambda w: Measure.objects.count()),
    "collaboratives:value_add": Case(
        "member_a", lambda w: _c("value_add", w.collaborative.slug, w.team_a.pk, w.rate.pk),
        lambda w: {"day": _monday(1).isoformat(), "value": "18.5", "note": ""},
        lambda w: MeasureValue.objects.count()),
    "collaboratives:values_upload": Case(
        "member_a", lambda w: _c("values_upload", w.collaborative.slug, w.team_a.pk),
        lambda w: {}, lambda w: MeasureValue.objects.count(),
        files=lambda w: {"file": SimpleUploadedFile("data.csv", (
            f"measure,period,value\nChronic absenteeism rate,{_monday(2)},12\n").encode())}),
    "collaboratives:chart_settings (phase)": Case(
        "member_a", lambda w: _c("chart_settings", w.collaborative.slug, w.team_a.pk,
                                 w.rate.pk),
        lambda w: {"add_phase": "", "starts_on": _monday(1).isoformat(), "label": "Texts"},
        lambda w: MeasurePhase.objects.count()),
    "collaboratives:change_package_draft (entry)": Case(
        "coach_a", lambda w: _c("change_package_draft", w.collaborative.slug),
        lambda w: {"add": "", "change_idea": w.idea.pk, "commentary": "Rural first."},
        lambda w: ChangePackageEntry.objects.count()),
    # Staff, in the admin
    "admin:billing_payment_add": Case(
        "staff", lambda w: reverse("admin:billing_payment_add"),
        lambda w: {"invoice_number": w.invoice.number, "amount": "1000.00", "method": "check",
                   "received_on": TODAY(), "reference": "Check 1001"},
        lambda w: Payment.objects.count()),
    "admin:billing_invoice_add (extra seats)": Case(
        "staff", lambda w: reverse("admin:billing_invoice_add"),
        lambda w: {"membership": w.team_a.membership_id, "what": "extra_seats", "seats": "2",
                   "reason": "A sixth teacher"},
        lambda w: Invoice.objects.count()),
    "admin: record a payment (action)": Case(
        "staff", lambda w: reverse("admin:billing_invoice_changelist"),
        _action("record_a_payment_selected", "invoice", amount="1000.00", method="check",
                received_on=TODAY(), reference="Check 1002"),
        lambda w: Payment.objects.count()),
    "admin: refund money received (action)": Case(
        "staff", lambda w: reverse("admin:billing_invoice_changelist"),
        _action("refund_money_received_selected", "paid", amount="100.00", method="check",
                refunded_on=TODAY(), reference="Check 7", reason="Billed one seat too many"),
        lambda w: Refund.objects.count()),
    "admin: approve an application (action)": Case(
        "staff", lambda w: reverse("admin:members_membershipapplication_changelist"),
        _action("approve_selected", "application", reason="Welcome."),
        lambda w: Membership.objects.count()),
    "admin:collaboratives_convening_add": Case(
        "staff", lambda w: reverse("admin:collaboratives_convening_add"),
        lambda w: {"collaborative": w.collaborative.pk, "title": "Spring convening",
                   "format": "online", "starts_at_0": (w.collaborative.start
                                                       + timedelta(days=60)).isoformat(),
                   "starts_at_1": "09:00:00",
                   "ends_at_0": (w.collaborative.start + timedelta(days=60)).isoformat(),
                   "ends_at_1": "15:00:00", "meeting_link": "https://meet.example.org/x",
                   "venue": "", "address": "", "agenda": "",
                   "rsvps-TOTAL_FORMS": 0, "rsvps-INITIAL_FORMS": 0,
                   "rsvps-MIN_NUM_FORMS": 0, "rsvps-MAX_NUM_FORMS": 1000},
        lambda w: Convening.objects.count()),
    "admin:collaboratives_enrollment_add": Case(
        "staff", lambda w: reverse("admin:collaboratives_enrollment_add"),
        lambda w: {"collaborative": w.collaborative.pk, "team": w.unenrolled.pk,
                   "coach": w.coach_a.pk},
        lambda w: Enrollment.objects.count()),
    # Accepting a renewal issues the next year's invoice.
    "renewals:offer": Case(
        "lead_a", lambda w: renewal_offer_url(w.team_a.membership, w.lead_a),
        lambda w: {"accept": "1", "years": "1", "tier": w.team_a.membership.tier_id},
        lambda w: Invoice.objects.count()),
    # The monthly rhythm: a correction to a submitted report
    "rhythm:report (amendment)": Case(
        "member_a", lambda w: rhythm_access.submitted_report(w).get_absolute_url(),
        lambda w: {"amend": "1", "amend-body": "We texted 31 families, not 13."},
        lambda w: ReportAmendment.objects.count(), prefix="amend"),
    # The network (tests/network/access.py): topics, replies and event materials.
    "network:topic_create": Case(
        "member_a", lambda w: reverse("network:topic_create", args=[site_network(w).group.slug]),
        lambda w: {"title": "First-period attendance", "body": "What worked for you?",
                   "markup": "text"},
        lambda w: site_network(w).group.topics.count()),
    "network:topic": Case(
        "member_a", lambda w: site_network(w).topic.get_absolute_url(),
        lambda w: {"body": "Texts home on the first absence.", "markup": "text"},
        lambda w: Post.objects.filter(topic=site_network(w).topic).count()),
    "network:material_add": Case(
        "staff", lambda w: reverse("network:material_add", args=[site_network(w).event.pk]),
        lambda w: {"kind": "recording", "title": "The recording",
                   "url": "https://video.example.org/webinar"},
        lambda w: site_network(w).event.materials.count()),
    "learning:quiz": Case(
        "lead_a", lambda w: (lambda m: f"/learn/{m.course.slug}/modules/{m.pk}/quiz/")(
            learning_quiz_module(w)),
        lambda w: quiz_post(learning_quiz_module(w), wrong=1),
        lambda w: QuizAttempt.objects.count()),
    "admin:billing_quote_add": Case(
        "staff", lambda w: reverse("admin:billing_quote_add"),
        lambda w: {"institutions": "Lafayette County School District", "tier": w.tier1.pk,
                   "prepared_for": "Purchasing", "prepared_for_email": "",
                   "prepared_for_address": ""},
        lambda w: Quote.objects.count()),
    "resources:upload": Case(
        "staff", lambda w: reverse("resources:upload"),
        lambda w: {"title": "Attendance tracker template", "summary": "A blank tracker.",
                   "visibility": "members", "listed": "on"},
        lambda w: Resource.objects.count(),
        files=lambda w: {"file": SimpleUploadedFile("tracker.pdf", b"%PDF-1.7\n%%EOF\n")}),
    "partners:listing": Case(
        "member_a", lambda w: reverse("partners:listing", args=[w.partner_listing.pk]),
        lambda w: {"from_institution": w.partner_from.pk,
                   "message": "Could we work on attendance together?"},
        lambda w: Introduction.objects.count()),
    "admin:resources_tag_add": Case(
        "staff", lambda w: reverse("admin:resources_tag_add"),
        lambda w: {"kind": "method", "name": "Driver diagram", "slug": "driver-diagram",
                   "position": 0},
        lambda w: Tag.objects.count()),
}

# Every other named URL of the portal, and why posting it twice cannot make a twin.
READS = "shows or serves; no form that creates"
STATE = "moves or changes one row to a state; a second post finds it there (the state machine)"
NOT_CREATING = {
    **{name: READS for name in [
        "home", "healthz", "members:application_submitted", "members:dashboard",
        "members:application_list", "members:application_detail", "billing:invoice_list",
        "billing:invoice_pdf", "collaboratives:list", "collaboratives:coaching",
        "collaboratives:calendar_feed", "collaboratives:library",
        "collaboratives:library_package", "collaboratives:library_pdf",
        "collaboratives:home", "collaboratives:cycles", "collaboratives:cycle",
        "collaboratives:attachment", "collaboratives:convening_ics",
        "collaboratives:workspace", "collaboratives:measures", "collaboratives:csv_template",
        "collaboratives:measure_teams", "collaboratives:team_measures",
        "collaboratives:values_export", "collaboratives:team_measure",
        "collaboratives:change_packages", "collaboratives:change_package",
        "collaboratives:change_package_pdf"]},
    **{name: STATE for name in [
        "members:application_withdraw", "members:member_role", "members:member_remove",
        "members:member_make_lead", "members:invitation_resend", "members:invitation_revoke",
        "collaboratives:cycle_edit", "collaboratives:cycle_advance",
        "collaboratives:value_remove", "collaboratives:astronomical",
        "collaboratives:measure_edit", "collaboratives:attachment_delete",
        "billing:contact_remove"]},
    "members:invitation": "accepting makes one team member: the invitation is then accepted "
                          "and a second post is told so",
    "collaboratives:calendar": "one calendar address per person (a unique row); a second "
                               "'new address' replaces it again and creates nothing",
    "billing:stripe_webhook": "Stripe's events: each event id is stored once",
    "members:account": "edits the signed-in person's own row (name, title, email preferences); "
                       "a second post saves the same values",
    "members:name": "fills the signed-in person's own name; a second post saves it again",
    "billing:contacts": "one contact per membership and address (a unique row); adding the "
                        "same address again is refused next to the field",
    "renewals:staff_list": READS,
    "renewals:staff_export": READS,
    **{name: READS for name in [
        "rhythm:reports", "rhythm:team_reports", "rhythm:triage", "rhythm:progress",
        "rhythm:scores_csv", "rhythm:reports_csv", "rhythm:evaluations",
        "rhythm:evaluation_results"]},
    "rhythm:report_edit": "one report per team and month (a unique row, locked): saving again "
                          "edits the draft; a second submission finds it submitted and says so",
    "rhythm:progress_pdf": "one progress PDF per collaborative a day (a unique row); asking "
                           "again finds it",
    "rhythm:attendance": "one attendance row per person and convening and one check-in code "
                         "per convening (unique rows): a second post sets the same marks",
    "rhythm:check_in": "one attendance row per person and convening (unique): checking in "
                       "again finds it",
    "rhythm:evaluation": "one evaluation per person and convening (unique): answering again "
                         "changes the answer",
    **{name: READS for name in ["network:events", "network:event_ics", "network:material",
                                "network:groups", "network:group"]},
    **{name: STATE for name in ["network:registration_cancel", "network:attendance",
                                "network:group_leave", "network:group_notifications",
                                "network:request_decide", "network:post_hide",
                                "network:shelf_remove"]},
    "network:shelf_add": "a resource is on a shelf once (the many-to-many row is unique); "
                         "adding it again keeps one",
    "network:event": "registers: one registration per person and event (a unique row); a "
                     "second post finds it and changes nothing",
    "network:group_join": "one place per person and group (a unique row); joining again finds "
                          "it as it is",
    **{name: READS for name in [
        "learning:courses", "learning:certificate", "learning:file", "learning:attempt",
        "learning:team_progress", "learning:institutions", "learning:onboarding"]},
    "learning:course": "starting the course: one enrollment per person and course (a unique "
                       "row); a second post finds it and goes on to the next lesson",
    "learning:lesson": "marks the lesson read: one row per person and lesson (a unique row)",
    "learning:team_checklist": "ticks or unticks one item for the team (a unique row); a second "
                               "post finds it in that state",
    **{name: READS for name in [
        "billing:invoice_version_pdf", "billing:payment_receipt", "billing:statement",
        "billing:vendor_document"]},
    "billing:invoice_po": "changes one invoice's PO details; the same values again change "
                          "nothing (no new version)",
    "billing:application_quote": "one quote per application and fee schedule (a unique row, "
                                 "the application row locked); asking again serves it",
    "billing:email_bounce_webhook": "one row per address (unique); a replay finds it",
    **{name: READS for name in [
        "resources:library", "resources:detail", "resources:download", "partners:directory",
        "partners:introductions", "partners:introduction", "partners:staff_introductions"]},
    **{name: STATE for name in [
        "partners:introduction_answer", "partners:introduction_withdraw"]},
    "partners:listing_edit": "one directory entry per institution (a one-to-one row); a second "
                             "post saves the same entry again",
    **{name: READS for name in ["members:staff_home", "members:staff_applications",
                                "billing:staff_invoices"]},
}
# Rows of CREATES that share a URL name with another form on the same page.
SAME_PAGE = {"collaboratives:chart_settings", "collaboratives:change_package_draft"}


def test_every_portal_url_is_classified():
    names = {name for route, name, _ in walk()
             if name and not route.startswith(("accounts/", "staff/"))}
    created = {key.split(" ")[0] for key in CREATES}
    missing = names - created - set(NOT_CREATING)
    assert not missing, f"Add these URLs to CREATES or NOT_CREATING: {sorted(missing)}"
    # chart settings and the change package draft also save and remove, besides creating
    assert created >= SAME_PAGE


# Admins that add without the token: their own add view in CREATES, or nothing to twin.
ADMIN_ADD_EXEMPT = {
    "billing.Invoice": "its own add view (issue), in CREATES",
    "billing.Payment": "its own add view (record a payment), in CREATES",
    "members.User": "Django's user admin: a second post is refused as a duplicate email",
    "billing.Quote": "its own add view (issue a quote), in CREATES",
    "billing.EmailBounce": "its own add view with the token; one row per address (unique)",
}


# Others: their projects' admins.
OUR_APPS = {"core", "members", "billing", "collaboratives", "renewals", "rhythm", "network",
            "learning", "resources", "partners"}


def test_every_admin_add_view_carries_the_token(rf, db):
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model.__name__}"
        if (model._meta.app_label not in OUR_APPS or label in ADMIN_ADD_EXEMPT
                or not model_admin.has_add_permission(request)):
            continue
        assert isinstance(model_admin, once.OnceAdmin), (
            f"{label}: its add view makes twins on a double-click; base it on core.once."
            "OnceAdmin or say why not in ADMIN_ADD_EXEMPT")


def _token_on(html: str, prefix: str = "") -> str:
    name = f"{prefix}-{once.FIELD}" if prefix else once.FIELD
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, f"no {name} on the page"
    return found.group(1)


def _post(client, case, w, token=None):
    data = case.data(w) | case.files(w)
    if token is not None:
        data[f"{case.prefix}-{once.FIELD}" if case.prefix else once.FIELD] = token
    return client.post(case.url(w), data)


def _prepare(case_name, w):
    if case_name.startswith("partners:"):
        shared_worlds.double_submit_prepare(w)
    if case_name.startswith("collaboratives:change_package_draft"):
        changepackages_services.change_package_draft(collaborative=w.collaborative, actor=w.coach_a)


@pytest.mark.parametrize("case_name", list(CREATES))
def test_posted_twice_with_one_token_creates_once_and_lands_on_the_first(client, site,
                                                                          case_name):
    case = CREATES[case_name]
    _prepare(case_name, site)
    client.force_login(getattr(site, case.who))
    before = case.made(site)
    token = once.form_token_new()
    first = _post(client, case, site, token)
    assert first.status_code == 302, first.content.decode()[:3000]
    assert case.made(site) == before + 1
    second = _post(client, case, site, token)  # the double-click, or the back button
    assert second.status_code == 302 and second.url == first.url
    assert case.made(site) == before + 1
    page = client.get(second.url, follow=True).content.decode()
    assert once.ALREADY_SAVED in page


@pytest.mark.parametrize("case_name", list(CREATES))
@pytest.mark.parametrize("token", [None, "forged", "expired"])
def test_a_missing_forged_or_expired_token_reshows_the_form_with_its_data(
        client, site, case_name, token, monkeypatch):
    case = CREATES[case_name]
    _prepare(case_name, site)
    client.force_login(getattr(site, case.who))
    before = case.made(site)
    if token == "forged":
        token = once.form_token_new()[:-3] + "abc"
    elif token == "expired":
        token = once.form_token_new()
        monkeypatch.setattr(once, "MAX_AGE", timedelta(seconds=-1))
    response = _post(client, case, site, token)
    monkeypatch.setattr(once, "MAX_AGE", timedelta(days=2))
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "more than two days old or did not come from this site" in html
    assert case.made(site) == before
    fresh = _token_on(html, case.prefix)  # a new token to send the same data again with
    assert once.form_token_valid(fresh) and fresh != token
    text = next((v for v in case.data(site).values()
                 if isinstance(v, str) and len(v) > 6 and not v[:1].isdigit()), None)
    if text:  # what was typed is still there
        assert text in html
    again = _post(client, case, site, fresh)
    assert again.status_code == 302 and case.made(site) == before + 1
