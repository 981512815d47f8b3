"""Every URL that takes an object id, requested as each kind of person.

A new URL pattern with an id (or token) and no entry in ``MATRIX`` fails
``test_every_object_url_is_in_the_matrix``: decide who may see it before shipping it.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from billing import paperwork as billing_paperwork
from billing import services as billing_services
from billing.models import VendorDocument
from collaboratives.models import Enrollment
from members import services as member_services
from tests.collaboratives import test_access as collaboratives_access
from tests.factories import (
    ApplicationFactory,
    InvoiceFactory,
    PaymentFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.learning.util import matrix_world as learning_world
from tests.network.access import matrix_network
from tests.partners import shared_worlds
from tests.renewals.worlds import renewal_offer_url
from tests.rhythm import access as rhythm_access

# The five kinds of person, plus the team's lead (who may do more than a team member),
# and the person who applied and led the team, then handed the lead over and was removed.
PERSONAS = ["anonymous", "other_member", "team_member", "lead", "other_coach", "staff",
            "former_applicant"]
LOGIN = "login"  # a redirect to the sign-in page

# Third-party URLs with keys, tested by their own projects (allauth's signed keys, Django admin's
# staff-only views, covered by tests/members/test_admin.py::test_non_staff_cannot_reach_the_admin).
EXCLUDED_PREFIXES = ("accounts/", "staff/")


def walk(patterns=None, prefix="", namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            ns_prefix = f"{ns}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns_prefix)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield prefix + str(entry.pattern), name, entry.callback


def object_patterns():
    for route, name, _ in walk():
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        if re.search(r"<(int|str|slug|uuid|path):", route) or "(?P<" in route:
            yield route, name


@dataclass
class World:
    lead: object
    team_member: object
    other_member: object
    other_coach: object
    staff: object
    former_applicant: object
    team: object
    member_place: object
    application: object
    invitation_token: str
    invoice: object


@pytest.fixture
def world(db, tier1, fees, immediate_on_commit):
    from tests.factories import EnrollmentFactory

    former_applicant = UserFactory()
    team = TeamFactory(lead=former_applicant, membership__application__applicant=former_applicant)
    lead = TeamMemberFactory(team=team).user
    member_services.lead_handover(team=team, actor=former_applicant,
                                  to=team.members.get(user=lead))
    member_services.member_remove(member=team.members.get(user=former_applicant,
                                                          status="active"), actor=lead)
    member_services.billing_contact_add(membership=team.membership, actor=lead, user=lead)
    member_place = TeamMemberFactory(team=team)
    other_lead = UserFactory()
    other_team = TeamFactory(lead=other_lead)
    # A Center coach who coaches another team (not this one).
    other_coach = EnrollmentFactory(team=other_team).coach
    assert not Enrollment.objects.filter(team=team, coach=other_coach).exists()
    invoice = InvoiceFactory(membership=team.membership, fiscal_year=2030)
    billing_services.invoice_pdf_store(invoice=invoice)
    invitation = member_services.seat_invite(team=team, actor=lead, name="Ana",
                                             email="ana@example.org", role="member")
    return World(
        lead=lead, team_member=member_place.user, other_member=other_lead,
        other_coach=other_coach, staff=UserFactory(staff=True), team=team,
        former_applicant=former_applicant,
        member_place=member_place,
        application=ApplicationFactory(applicant=member_place.user, requested_tier=tier1),
        invitation_token=member_services.invitation_token(invitation),
        invoice=invoice,
    )


# name -> (build url from world, method, {persona: expected}); expected is a status or LOGIN.
# "team_member" is the person who owns the object (their application, their team).
OWNER_ONLY = {"anonymous": LOGIN, "other_member": 404, "team_member": 200, "lead": 404,
              "other_coach": 404, "staff": 404, "former_applicant": 404}
TEAM_READ = {"anonymous": LOGIN, "other_member": 404, "team_member": 200, "lead": 200,
             "other_coach": 404, "staff": 200, "former_applicant": 404}
LEAD_ONLY = {"anonymous": LOGIN, "other_member": 404, "team_member": 404, "lead": 200,
             "other_coach": 404, "staff": 404, "former_applicant": 404}
LEAD_ONLY_POST = {**LEAD_ONLY, "lead": 302}  # done, then back to the roster
# Bills: staff and the billing contacts (here the lead, who added themselves), nobody else.
STAFF_ONLY = {"anonymous": LOGIN, "other_member": 404, "team_member": 404, "lead": 404,
              "other_coach": 404, "staff": 200, "former_applicant": 404}
BILLING = {"anonymous": LOGIN, "other_member": 404, "team_member": 404, "lead": 200,
           "other_coach": 404, "staff": 200, "former_applicant": 404}
# The network: a group's pages are its members' (and staff's); the group itself, anyone in the
# network (every current place, coaches, staff); nothing for the former applicant.
NOBODY = {"anonymous": LOGIN, **dict.fromkeys(PERSONAS[1:], 404)}
GROUP_READ = {**NOBODY, "team_member": 200, "lead": 200, "staff": 200}
# Everyone in the network: on a current team, a coach, or staff.
IN_NETWORK = {**dict.fromkeys(PERSONAS, 200), "anonymous": LOGIN, "former_applicant": 404}
LIBRARY = {"anonymous": 404, "other_member": 200, "team_member": 200, "lead": 200,
           "other_coach": 200, "staff": 200, "former_applicant": 404}
# An introduction: its asker, the leads of both institutions, and staff.
INTRODUCTION = {"anonymous": LOGIN, "other_member": 200, "team_member": 200, "lead": 200,
                "other_coach": 404, "staff": 200, "former_applicant": 404}
MATRIX = {
    "members:application_submitted": (
        lambda w: f"/apply/{w.application.pk}/submitted/", "get", OWNER_ONLY),
    "members:application_detail": (
        lambda w: w.application.get_absolute_url(), "get", OWNER_ONLY),
    "members:application_withdraw": (
        lambda w: f"/portal/applications/{w.application.pk}/withdraw/", "post",
        {**OWNER_ONLY, "team_member": 302}),
    "members:roster": (lambda w: w.team.get_absolute_url(), "get", TEAM_READ),
    "members:member_role": (
        lambda w: f"/portal/teams/{w.team.pk}/members/{w.member_place.pk}/role/", "post",
        LEAD_ONLY_POST),
    "members:member_remove": (
        lambda w: f"/portal/teams/{w.team.pk}/members/{w.member_place.pk}/remove/", "get",
        LEAD_ONLY),
    "members:member_make_lead": (
        lambda w: f"/portal/teams/{w.team.pk}/members/{w.member_place.pk}/lead/", "get",
        LEAD_ONLY),
    "members:invitation_resend": (
        lambda w: f"/portal/teams/{w.team.pk}/invitations/"
                  f"{w.team.invitations.get().pk}/resend/", "post", LEAD_ONLY_POST),
    "members:invitation_revoke": (
        lambda w: f"/portal/teams/{w.team.pk}/invitations/"
                  f"{w.team.invitations.get().pk}/revoke/", "post", LEAD_ONLY_POST),
    # The emailed link is meant to be opened before signing in; only the invitee can accept.
    "members:invitation": (
        lambda w: f"/invitations/{w.invitation_token}/", "get",
        dict.fromkeys(PERSONAS, 200)),
    "billing:invoice_pdf": (lambda w: f"/portal/billing/invoices/{w.invoice.pk}/pdf/", "get",
                            BILLING),
    "billing:contacts": (lambda w: f"/portal/billing/memberships/{w.team.membership.pk}/contacts/",
                         "get", BILLING),
    "billing:contact_remove": (
        lambda w: f"/portal/billing/memberships/{w.team.membership.pk}/contacts/"
                  f"{w.team.membership.billing_contacts.get(user__isnull=True).pk}/remove/",
        "post", {**BILLING, "lead": 302, "staff": 302}),
    "renewals:offer": (lambda w: renewal_offer_url(w.team.membership), "get", BILLING),
    # The monthly rhythm (tests/rhythm/access.py builds its objects on first use).
    **{f"rhythm:{name}": (lambda w, name=name: rhythm_access.url(w, name), "get", TEAM_READ)
       for name in ("reports", "report", "team_reports", "report_edit")},
    **{f"rhythm:{name}": (lambda w, name=name: rhythm_access.url(w, name), "get", STAFF_ONLY)
       for name in ("progress", "scores_csv", "reports_csv", "evaluations", "attendance",
                    "evaluation_results")},
    "rhythm:progress_pdf": (lambda w: rhythm_access.url(w, "progress_pdf"), "post",
                            {**STAFF_ONLY, "staff": 302}),
    "rhythm:check_in": (lambda w: rhythm_access.url(w, "check_in"), "get",
                        {**TEAM_READ, "staff": 404}),
    "rhythm:evaluation": (lambda w: rhythm_access.url(w, "evaluation"), "get", OWNER_ONLY),
    # The network (tests/network/access.py): a group by request that the lead facilitates and
    # the team member belongs to; its event, a recording, a topic and a post.
    "network:event": (lambda w: f"/network/events/{matrix_network(w).event.pk}/", "get",
                      GROUP_READ),
    "network:event_ics": (lambda w: f"/network/events/{matrix_network(w).event.pk}/event.ics",
                          "get", GROUP_READ),
    "network:registration_cancel": (
        lambda w: f"/network/events/{matrix_network(w).event.pk}/cancel/", "post",
        {**NOBODY, "team_member": 302}),
    "network:attendance": (
        lambda w: f"/network/events/{matrix_network(w).event.pk}/attendance/", "post",
        {**NOBODY, "lead": 302, "staff": 302}),
    "network:material_add": (
        lambda w: f"/network/events/{matrix_network(w).event.pk}/materials/", "post",
        {**NOBODY, "lead": 400, "staff": 400}),
    "network:material": (
        lambda w: f"/network/events/{matrix_network(w).event.pk}/materials/"
                  f"{matrix_network(w).material.pk}/", "get",
        {**GROUP_READ, "team_member": 302, "lead": 302, "staff": 302}),
    "network:group": (lambda w: f"/network/groups/{matrix_network(w).group.slug}/", "get",
                      IN_NETWORK),
    "network:group_join": (lambda w: f"/network/groups/{matrix_network(w).group.slug}/join/",
                           "post", {**IN_NETWORK, **dict.fromkeys(
                               ["other_member", "team_member", "lead", "other_coach",
                                "staff"], 302)}),
    "network:group_leave": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/leave/", "post",
        {**NOBODY, "team_member": 302, "lead": 302, "other_member": 302}),
    "network:group_notifications": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/notifications/", "post",
        {**NOBODY, "team_member": 302, "lead": 302}),
    "network:request_decide": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/requests/"
                  f"{matrix_network(w).request.pk}/", "post",
        {**NOBODY, "lead": 302, "staff": 302}),
    "network:topic_create": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/topics/new/", "get",
        GROUP_READ),
    "network:topic": (lambda w: matrix_network(w).topic.get_absolute_url(), "get", GROUP_READ),
    "network:post_hide": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/posts/"
                  f"{matrix_network(w).post.pk}/hide/", "get",
        {**NOBODY, "lead": 200, "staff": 200}),
    # The shelf: the group's facilitators and staff only (a post naming no resource goes back
    # to the group page with a message).
    "network:shelf_add": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/shelf/", "post",
        {**NOBODY, "lead": 302, "staff": 302}),
    "network:shelf_remove": (
        lambda w: f"/network/groups/{matrix_network(w).group.slug}/shelf/1/remove/", "post",
        {**NOBODY, "lead": 302, "staff": 302}),
    # The course: anyone in the network (the former applicant left the team, so is not).
    "learning:course": (lambda w: f"/learn/{learning_world(w).course.slug}/", "get",
                        IN_NETWORK),
    "learning:lesson": (lambda w: f"/learn/{learning_world(w).course.slug}/lessons/"
                                  f"{learning_world(w).lesson.pk}/", "get", IN_NETWORK),
    "learning:file": (lambda w: f"/learn/{learning_world(w).course.slug}/files/"
                                f"{learning_world(w).download.pk}/", "get", IN_NETWORK),
    "learning:quiz": (lambda w: f"/learn/{learning_world(w).course.slug}/modules/"
                                f"{learning_world(w).module.pk}/quiz/", "get", IN_NETWORK),
    "learning:attempt": (lambda w: f"/learn/{learning_world(w).course.slug}/attempts/"
                                   f"{learning_world(w).attempt.pk}/", "get", OWNER_ONLY),
    "learning:certificate": (lambda w: f"/learn/certificates/{learning_world(w).completion.pk}/",
                             "get", {**OWNER_ONLY, "staff": 200}),
    "learning:team_progress": (lambda w: f"/learn/{learning_world(w).course.slug}/teams/"
                                         f"{w.team.pk}/", "get",
                               {**LEAD_ONLY, "staff": 200}),
    "learning:institutions": (lambda w: f"/learn/{learning_world(w).course.slug}/institutions/",
                              "get", {**LEAD_ONLY, "lead": 404, "staff": 200}),
    # Onboarding: the collaborative's teams (the other member's team is enrolled too, coached
    # by the other coach) and staff; a team's checklist: its members and staff.
    "learning:onboarding": (lambda w: f"/learn/onboarding/{learning_world(w).collaborative.slug}/",
                            "get", {**IN_NETWORK}),
    "learning:team_checklist": (
        lambda w: f"/learn/onboarding/{learning_world(w).collaborative.slug}/teams/{w.team.pk}/",
        "get", TEAM_READ),
    "billing:invoice_po": (lambda w: f"/portal/billing/invoices/{w.invoice.pk}/purchase-order/",
                           "get", BILLING),
    "billing:invoice_version_pdf": (
        lambda w: f"/portal/billing/invoices/{_invoice_version(w)}/versions/1/pdf/", "get",
        BILLING),
    "billing:payment_receipt": (
        lambda w: f"/portal/billing/payments/{_payment(w)}/receipt/", "get", BILLING),
    # Vendor forms: anyone signed in with a membership or an application, and staff.
    "billing:vendor_document": (
        lambda w: f"/portal/billing/vendor-documents/{_vendor_document(w)}/", "get",
        {"anonymous": LOGIN, "other_member": 200, "team_member": 200, "lead": 200,
         "other_coach": 404, "staff": 200, "former_applicant": 200}),
    "billing:application_quote": (
        lambda w: f"/portal/applications/{w.application.pk}/quote/", "get", OWNER_ONLY),
    # The resource library: members of any current membership, coaches and staff; a removed
    # person and anonymous visitors see only public resources (404 for this one).
    "resources:detail": (lambda w: f"/resources/{shared_worlds.resource(w).pk}/", "get",
                         LIBRARY),
    "resources:download": (
        lambda w: f"/resources/{shared_worlds.resource(w, kind='file').pk}/download/", "get",
        LIBRARY),
    # Find a partner: members of an active membership and staff; others are told it is for
    # members (403). The entry here is the other member's own institution's.
    "partners:listing": (
        lambda w: f"/partners/{shared_worlds.partners(w).their_listing.pk}/", "get",
        {**LIBRARY, "anonymous": LOGIN, "other_coach": 403, "former_applicant": 403}),
    "partners:listing_edit": (
        lambda w: f"/partners/institutions/{shared_worlds.partners(w).our_institution.pk}/entry/",
        "get", LEAD_ONLY),
    "partners:introduction": (
        lambda w: f"/partners/introductions/{shared_worlds.introduction(w).pk}/", "get",
        INTRODUCTION),
    "partners:introduction_answer": (
        lambda w: f"/partners/introductions/{shared_worlds.introduction(w).pk}/answer/", "post",
        {**dict.fromkeys(PERSONAS, 404), "anonymous": LOGIN, "other_member": 302}),
    "partners:introduction_withdraw": (
        lambda w: f"/partners/introductions/{shared_worlds.introduction(w).pk}/withdraw/",
        "post", {**dict.fromkeys(PERSONAS, 404), "anonymous": LOGIN, "team_member": 302}),
}


def _invoice_version(w):
    """The world's invoice, with one earlier PDF version kept (its PO details changed)."""
    if not w.invoice.versions.exists():
        billing_paperwork.invoice_po_update(invoice=w.invoice, po_number="PO-1",
                                            vendor_number="", ap_email="", actor=w.staff)
    return w.invoice.pk


def _payment(w):
    payment = w.invoice.payments.first() or PaymentFactory(invoice=w.invoice,
                                                           amount=Decimal("100.00"))
    return payment.pk


def _vendor_document(w):
    document = VendorDocument.objects.first() or VendorDocument.objects.create(
        kind="w9", title="W-9", effective_from=date(2020, 1, 1),
        file=ContentFile(b"%PDF-1.4 W-9", name="w9.pdf"))
    return document.pk
# Collaboratives have their own world (two enrolled teams, their coaches): its matrix runs in
# tests/collaboratives/test_access.py, and counts here.
COVERED_ELSEWHERE = {f"collaboratives:{name}" for name in collaboratives_access.MATRIX}


def test_every_object_url_is_in_the_matrix():
    covered = set(MATRIX) | COVERED_ELSEWHERE
    missing = [f"{name} ({route})" for route, name in object_patterns() if name not in covered]
    assert missing == [], "add these URL patterns to MATRIX in tests/test_access_matrix.py"
    stale = set(MATRIX) - {name for _, name in object_patterns()}
    assert stale == set()


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(client, world, name, persona):
    build, method, expected = MATRIX[name]
    url = build(world)
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    response = getattr(client, method)(url)
    want = expected[persona]
    if want == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    else:
        assert response.status_code == want, f"{persona} {method.upper()} {url}"


def test_the_only_csrf_exempt_views_are_the_signed_webhooks():
    exempt = sorted(name or route for route, name, callback in walk()
                    if getattr(callback, "csrf_exempt", False))
    assert exempt == ["billing:email_bounce_webhook", "billing:stripe_webhook"]
