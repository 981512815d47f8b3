import pytest
from django.core import mail
from django.urls import reverse

from members.models import MembershipApplication
from tests.factories import ApplicationFactory, InstitutionFactory, TierFactory, UserFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def form_data(**overrides):
    data = {
        "kind": "partnership",
        "institution_0-name": "Denver Public Schools",
        "institution_0-kind": "lea",
        "institution_0-city": "Denver",
        "institution_0-state": "CO",
        "institution_1-name": "University of Denver",
        "institution_1-kind": "ihe",
        "institution_1-city": "Denver",
        "institution_1-state": "CO",
        "problem_of_practice": "Chronic absenteeism in grades 6-8",
        "contact_name": "Pat Lead",
        "contact_email": "pat@dps.example.org",
        "billing_name": "Accounts Payable",
        "billing_email": "ap@dps.example.org",
        "billing_address": "1860 Lincoln St\nDenver, CO 80203",
        "commitment_accepted": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None} | token()


@pytest.fixture
def tiers(tier1, tier2):
    return tier1, tier2


def test_anonymous_visitor_is_sent_to_sign_in(client, tiers):
    response = client.get(reverse("members:apply"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_form_groups_sections_and_labels_every_field(applicant_client, tiers):
    response = applicant_client.get(reverse("members:apply"))
    html = response.content.decode()
    for section in ("Who is applying", "Your institution", "Partner institution",
                    "Membership and your problem of practice", "Primary contact",
                    "Billing and commitment"):
        assert section in html
    assert 'for="id_institution_0-name"' in html
    assert 'value="applicant@district.example.org"' in html  # contact email prefilled


def test_partnership_application_through_the_form(applicant_client, applicant, tiers):
    response = applicant_client.post(reverse("members:apply"),
                                     form_data(requested_tier=tiers[1].pk))
    application = MembershipApplication.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("members:application_submitted", args=[application.pk])
    assert application.kind == "partnership"
    assert application.requested_tier == tiers[1]
    assert sorted(application.institutions.values_list("name", flat=True)) == [
        "Denver Public Schools", "University of Denver"]
    assert mail.outbox[0].to == [applicant.email]

    page = applicant_client.get(response.url).content.decode()
    assert "your application is in" in page
    assert "Denver Public Schools + University of Denver" in page


def test_partnership_without_partner_shows_error_by_the_partner_name(applicant_client, tiers):
    data = form_data(requested_tier=tiers[0].pk, **{"institution_1-name": "",
                                                   "institution_1-city": ""})
    response = applicant_client.post(reverse("members:apply"), data)
    assert response.status_code == 200
    form = response.context["institution_forms"][1]
    assert form.errors["name"] == ["A partnership names its partner institution here."]
    assert not MembershipApplication.objects.exists()
    assert 'id="id_institution_1-name_error"' in response.content.decode()


def test_two_districts_are_not_a_partnership(applicant_client, tiers):
    data = form_data(requested_tier=tiers[0].pk, **{"institution_1-kind": "lea"})
    response = applicant_client.post(reverse("members:apply"), data)
    assert "exactly one K-12 school or district" in str(response.context["form"].errors["kind"])
    assert not MembershipApplication.objects.exists()


def test_partly_filled_partner_needs_its_required_fields(applicant_client, tiers):
    data = form_data(requested_tier=tiers[0].pk,
                     **{"institution_1-city": "", "institution_1-state": ""})
    response = applicant_client.post(reverse("members:apply"), data)
    assert response.context["institution_forms"][1].errors["city"]
    assert not MembershipApplication.objects.exists()


def test_missing_fields_are_flagged_and_the_input_is_kept(applicant_client, tiers):
    data = form_data(requested_tier=tiers[0].pk, billing_email="not-an-email",
                     commitment_accepted=None)
    response = applicant_client.post(reverse("members:apply"), data)
    form = response.context["form"]
    assert "billing_email" in form.errors
    assert "commitment_accepted" in form.errors
    assert 'value="Denver Public Schools"' in response.content.decode()


def test_duplicate_institution_is_named_next_to_its_field(applicant_client, tiers):
    ApplicationFactory(institutions=[InstitutionFactory(name="Denver Public Schools",
                                                        state="CO")])
    response = applicant_client.post(reverse("members:apply"),
                                     form_data(requested_tier=tiers[0].pk,
                                               **{"institution_0-name": "DENVER public schools"}))
    errors = response.context["institution_forms"][0].errors["name"]
    assert "already has an application under review" in errors[0]
    assert MembershipApplication.objects.count() == 1


def test_closed_tier_says_so_and_offers_waitlist_or_open_tier(applicant_client, tier1):
    closed = TierFactory(two=True, closed=True)
    response = applicant_client.post(reverse("members:apply"),
                                     form_data(requested_tier=closed.pk))
    html = response.content.decode()
    assert "closed for this cohort" in str(response.context["form"].errors["requested_tier"])
    assert "Put us on the waitlist" in html
    assert "Apply for a tier that is open now" in html
    assert not MembershipApplication.objects.exists()

    applicant_client.post(reverse("members:apply"),
                          form_data(requested_tier=closed.pk, closed_tier_choice="other"))
    application = MembershipApplication.objects.get()
    assert (application.requested_tier, application.status) == (tier1, "submitted")


def test_closed_tier_waitlist_choice(applicant_client, tier1):
    closed = TierFactory(two=True, closed=True)
    applicant_client.post(reverse("members:apply"),
                          form_data(requested_tier=closed.pk, closed_tier_choice="waitlist"))
    application = MembershipApplication.objects.get()
    assert (application.requested_tier, application.status) == (closed, "waitlisted")


def test_applicants_see_only_their_own_applications(applicant_client, applicant):
    mine = ApplicationFactory(applicant=applicant)
    theirs = ApplicationFactory()
    listing = applicant_client.get(reverse("members:application_list"))
    assert list(listing.context["page"].object_list) == [mine]
    assert applicant_client.get(mine.get_absolute_url()).status_code == 200
    assert applicant_client.get(theirs.get_absolute_url()).status_code == 404
    assert applicant_client.get(
        reverse("members:application_submitted", args=[theirs.pk])).status_code == 404


def test_applicant_withdraws_own_pending_application(applicant_client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_client.post(
        reverse("members:application_withdraw", args=[application.pk]), follow=True)
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert "withdrawn" in response.content.decode()


def test_cannot_withdraw_someone_elses_application(applicant_client):
    theirs = ApplicationFactory()
    response = applicant_client.post(reverse("members:application_withdraw", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "submitted"


def test_withdrawing_a_decided_application_is_refused_with_a_message(applicant_client, applicant):
    application = ApplicationFactory(applicant=applicant, status="rejected")
    response = applicant_client.post(
        reverse("members:application_withdraw", args=[application.pk]), follow=True)
    assert "cannot become withdrawn" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "rejected"


def test_withdraw_needs_post(applicant_client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_client.get(
        reverse("members:application_withdraw", args=[application.pk]))
    assert "This cannot be undone." in response.content.decode()  # asks, does not withdraw
    application.refresh_from_db()
    assert application.status == "submitted"


def test_empty_states(applicant_client):
    assert "You have not applied yet" in applicant_client.get(
        reverse("members:application_list")).content.decode()
    assert "No membership yet" in applicant_client.get(
        reverse("members:dashboard")).content.decode()


def test_my_applications_and_dashboard_query_counts_do_not_grow(
    client, django_assert_max_num_queries, tier1
):
    user = UserFactory()
    client.force_login(user)
    counts = []
    for total in (3, 60):
        while MembershipApplication.objects.filter(applicant=user).count() < total:
            ApplicationFactory(applicant=user, requested_tier=tier1)
        with django_assert_max_num_queries(8) as listing:
            response = client.get(reverse("members:application_list"))
        assert len(response.context["page"].object_list) == min(total, 20)
        # The page's own reads and its panels' (renewals, the course, events and groups, the
        # library's new resources): each panel a bounded number, whatever the data size.
        with django_assert_max_num_queries(9) as dashboard:
            client.get(reverse("members:dashboard"))
        counts.append((len(listing.captured_queries), len(dashboard.captured_queries)))
    assert counts[0] == counts[1]


def test_unverified_email_cannot_sign_in(client):
    user = UserFactory(verified=False)
    response = client.post(reverse("account_login"),
                           {"login": user.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert reverse("account_email_verification_sent") in response.url
    assert "_auth_user_id" not in client.session
