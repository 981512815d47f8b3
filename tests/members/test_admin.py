import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Membership, MembershipApplication
from tests.factories import ApplicationFactory, InstitutionFactory, TierFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]
CHANGELIST = reverse("admin:members_membershipapplication_changelist")


def act(client, action, applications, reason=None):
    data = {"action": action, ACTION_CHECKBOX_NAME: [a.pk for a in applications]}
    if reason is not None:
        data.update(apply="1", reason=reason, **token())
    return client.post(CHANGELIST, data, follow=reason is not None)


def test_approve_asks_for_a_note_then_creates_the_membership(staff_client, staff):
    application = ApplicationFactory(partnership=True)
    confirm = act(staff_client, "approve_selected", [application])
    assert confirm.status_code == 200
    assert "You are about to <strong>approve</strong>" in confirm.content.decode()
    # the selection is listed by number, institutions and status
    assert (f"#{application.pk} {application.display_name()} (submitted)"
            in confirm.content.decode())
    assert not Membership.objects.exists()

    done = act(staff_client, "approve_selected", [application], reason="Welcome aboard")
    assert "Approve: 1 membership application." in done.content.decode()
    membership = Membership.objects.get()
    assert membership.application == application
    assert membership.institutions.count() == 2
    application.refresh_from_db()
    assert (application.status, application.decided_by, application.decision_reason) == (
        "approved", staff, "Welcome aboard")
    assert [m.subject for m in mail.outbox if "approved" in m.subject]


def test_second_approval_does_nothing(staff_client):
    application = ApplicationFactory()
    act(staff_client, "approve_selected", [application], reason="")
    act(staff_client, "approve_selected", [application], reason="")
    assert Membership.objects.count() == 1
    assert len([m for m in mail.outbox if "approved" in m.subject]) == 1


def test_reject_without_reason_is_refused_next_to_the_field(staff_client):
    application = ApplicationFactory()
    for blank in ("", "   "):
        response = act(staff_client, "reject_selected", [application], reason=blank)
        assert "Say why, for the applicant and the record." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"

    act(staff_client, "reject_selected", [application], reason="Apply next cohort")
    application.refresh_from_db()
    assert application.status == "rejected"


def test_illegal_move_in_a_batch_is_reported_and_the_rest_proceed(staff_client):
    open_one = ApplicationFactory()
    withdrawn = ApplicationFactory(status="withdrawn")
    response = act(staff_client, "waitlist_selected", [open_one, withdrawn], reason="Full")
    html = response.content.decode()
    assert "Waitlist: 1 membership application." in html
    assert f"#{withdrawn.pk}: " in html and "cannot become waitlisted" in html
    open_one.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (open_one.status, withdrawn.status) == ("waitlisted", "withdrawn")


def test_non_staff_cannot_reach_the_admin(applicant_client):
    application = ApplicationFactory()
    response = act(applicant_client, "approve_selected", [application], reason="")
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert not Membership.objects.exists()


def test_applications_cannot_be_added_or_deleted_in_admin(staff_client):
    application = ApplicationFactory()
    assert staff_client.get(reverse("admin:members_membershipapplication_add")).status_code == 403
    assert staff_client.get(reverse("admin:members_membershipapplication_delete",
                                    args=[application.pk])).status_code == 403


def test_list_filters_and_search(staff_client):
    ApplicationFactory(institutions=[InstitutionFactory(name="Chicago Public Schools",
                                                        state="IL")])
    ApplicationFactory(status="waitlisted", requested_tier=TierFactory(two=True))
    html = staff_client.get(CHANGELIST, {"q": "chicago"}).content.decode()
    assert "Chicago Public Schools" in html
    assert "1 result" in html
    response = staff_client.get(CHANGELIST, {"status__exact": "waitlisted"})
    assert response.context["cl"].result_count == 1
    html = response.content.decode()
    for facet in ("By status", "By requested tier", "By applying as", "By US state"):
        assert facet in html


def _add_applications(count, tier, institution):
    applicant = ApplicationFactory(requested_tier=tier, institutions=[institution]).applicant
    rows = [MembershipApplication(applicant=applicant, requested_tier=tier, kind="single",
                                  problem_of_practice="x", contact_name="x",
                                  contact_email="x@example.org", billing_name="x",
                                  billing_email="x@example.org", billing_address="x",
                                  commitment_accepted=True) for _ in range(count - 1)]
    through = MembershipApplication.institutions.through
    through.objects.bulk_create(
        through(membershipapplication_id=a.pk, institution_id=institution.pk)
        for a in MembershipApplication.objects.bulk_create(rows)
    )


def test_admin_application_list_query_count_is_the_same_at_10_and_1000(
    staff_client, django_assert_max_num_queries
):
    tier, institution = TierFactory(), InstitutionFactory()
    counts = []
    for total in (10, 1000):
        _add_applications(total - MembershipApplication.objects.count(), tier, institution)
        with django_assert_max_num_queries(12) as captured:
            response = staff_client.get(CHANGELIST)
        assert response.context["cl"].result_count == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def _membership_form(membership, contacts, extra=()):
    """The membership change form as the admin posts it, with its billing-contacts inline."""
    data = {
        "institutions": [i.pk for i in membership.institutions.all()],
        "tier": membership.tier_id, "term_start": str(membership.term_start),
        "term_end": str(membership.term_end),
        "billing_contacts-TOTAL_FORMS": str(len(contacts) + len(extra)),
        "billing_contacts-INITIAL_FORMS": str(len(contacts)),
        "billing_contacts-MIN_NUM_FORMS": "0", "billing_contacts-MAX_NUM_FORMS": "1000",
    }
    for n, (contact, delete) in enumerate(contacts):
        data.update({f"billing_contacts-{n}-id": contact.pk,
                     f"billing_contacts-{n}-membership": membership.pk,
                     f"billing_contacts-{n}-user": contact.user_id or "",
                     f"billing_contacts-{n}-name": contact.name,
                     f"billing_contacts-{n}-email": contact.email})
        if delete:
            data[f"billing_contacts-{n}-DELETE"] = "on"
    for n, row in enumerate(extra, start=len(contacts)):
        data.update({f"billing_contacts-{n}-{key}": value for key, value in row.items()})
        data[f"billing_contacts-{n}-membership"] = membership.pk
    return data


def test_staff_find_a_membership_by_billing_contact_and_edit_the_list(staff_client):
    from core.models import AuditEntry
    from tests.factories import MembershipFactory

    membership = MembershipFactory()
    other = MembershipFactory(application__billing_email="someone-else@example.org")
    listing = staff_client.get("/staff/members/membership/", {"q": "ap@example.org"})
    assert list(listing.context["cl"].result_list) == [membership]
    assert other not in listing.context["cl"].result_list
    change = f"/staff/members/membership/{membership.pk}/change/"
    assert "Billing contacts" in staff_client.get(change).content.decode()
    applicant_contact, ap = membership.billing_contacts.order_by("pk")
    # Removing every contact is refused, and nothing changes.
    response = staff_client.post(change, _membership_form(
        membership, [(applicant_contact, True), (ap, True)]))
    assert response.status_code == 200
    assert "Keep at least one billing contact" in response.content.decode()
    assert membership.billing_contacts.count() == 2
    # Replacing the accounts-payable address in one save is audited both ways.
    response = staff_client.post(change, _membership_form(
        membership, [(applicant_contact, False), (ap, True)],
        extra=[{"name": "Business office", "email": "business@example.org"}]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(membership.billing_contacts.values_list("email", flat=True)) == sorted(
        [applicant_contact.email, "business@example.org"])
    actions = set(AuditEntry.objects.filter(object_id=str(membership.pk))
                  .values_list("action", flat=True))
    assert {"billing-contact:added", "billing-contact:removed"} <= actions
    assert membership.billing_contacts.get(email="business@example.org").added_by is not None


def test_the_billing_contacts_inline_saves_through_the_services(staff_client):
    """The inline's rules are billing_contact_check's: a person off the team is refused by the
    field unless staff keep them, a duplicate address is refused, and an edit in place is not a
    way around the audit."""
    from tests.factories import MembershipFactory, UserFactory

    membership = MembershipFactory()
    change = f"/staff/members/membership/{membership.pk}/change/"
    applicant_contact, ap = membership.billing_contacts.order_by("pk")
    outsider = UserFactory(email="treasurer@district.example.org")
    keep = [(applicant_contact, False), (ap, False)]

    response = staff_client.post(change, _membership_form(membership, keep,
                                                          extra=[{"user": outsider.pk}]))
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0].formset
    assert inline.forms[2].errors["user"] == ["Choose someone who is on the team now."]
    assert membership.billing_contacts.count() == 2

    response = staff_client.post(change, _membership_form(
        membership, keep, extra=[{"name": "AP again", "email": ap.email.upper()}]))
    inline = response.context["inline_admin_formsets"][0].formset
    assert inline.forms[2].errors["email"] == [f"{ap.email.upper()} is already a billing contact."]

    data = _membership_form(membership, keep)
    data["billing_contacts-1-email"] = "typo@example.org"
    response = staff_client.post(change, data)
    assert response.status_code == 200
    assert "remove this contact and add the new one" in response.content.decode()
    ap.refresh_from_db()
    assert ap.email != "typo@example.org"

    response = staff_client.post(change, _membership_form(
        membership, keep, extra=[{"user": outsider.pk, "kept_by_staff": "on"}]))
    assert response.status_code == 302
    kept = membership.billing_contacts.get(user=outsider)
    assert kept.kept_by_staff and kept.added_by is not None


def test_admin_application_list_counts_once_and_scans_no_dates(staff_client):
    """The application list counts its rows once (no "N total" beside it) and filters by date
    without the date hierarchy's scan of every application's date, and shows 25 a page."""
    tier, institution = TierFactory(), InstitutionFactory()
    _add_applications(30, tier, institution)
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(CHANGELIST)
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum("COUNT(" in sql for sql in sqls) == 1
    assert not any("DATE_TRUNC" in sql or "django_datetime_trunc" in sql or "MIN(" in sql
                   for sql in sqls)
    assert len(response.context["cl"].result_list) == 25
    html = response.content.decode()
    assert "By submitted at" in html or "By submitted" in html
    # the checkbox each row carries for the actions is still there, one per row
    assert html.count('class="action-select"') == 25


def test_the_big_lists_leave_out_the_navigation_sidebar_and_other_admin_pages_keep_it(
        staff_client):
    assert 'id="nav-sidebar"' not in staff_client.get(CHANGELIST).content.decode()
    assert 'id="nav-sidebar"' not in staff_client.get(
        reverse("admin:billing_invoice_changelist")).content.decode()
    assert 'id="nav-sidebar"' in staff_client.get(
        reverse("admin:members_tier_changelist")).content.decode()
