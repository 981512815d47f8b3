"""The offer page, the dashboard banners and staff's renewals page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services as billing_services
from billing.models import Invoice
from core import once
from members.models import Membership
from renewals import services
from renewals.models import Renewal
from renewals.tasks import renewals_advance_due
from tests.factories import TierFactory, UserFactory
from tests.once import token
from tests.renewals.conftest import membership_ending


def offer_url(renewal):
    return reverse("renewals:offer", args=[renewal.pk])


# --- The offer page ----------------------------------------------------------------------------

def test_the_offer_page_shows_the_choices_to_a_billing_contact(client, offered):
    client.force_login(offered.lead)
    html = client.get(offer_url(offered.renewal)).content.decode()
    assert "Renew your membership" in html
    assert "One year: $2,500.00" in html
    assert "Another 2-year commitment: $2,500.00 a year, $5,000.00 in all" in html
    assert 'name="once_token"' in html and "Decline the renewal" in html


@pytest.mark.parametrize("who", ["member", "stranger", "anonymous"])
def test_the_offer_page_is_a_404_to_anyone_but_its_contacts_and_staff(client, offered, who):
    if who == "member":
        client.force_login(offered.member)  # on the team, but not a billing contact
    elif who == "stranger":
        client.force_login(UserFactory())
    response = client.get(offer_url(offered.renewal))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response.url
    else:
        assert response.status_code == 404
    response = client.post(offer_url(offered.renewal), {"accept": "1", "years": "1",
                                                        "tier": offered.tier1.pk, **token()})
    assert response.status_code in (302, 404) and not Invoice.objects.exists()


def test_staff_read_the_offer_but_do_not_answer_it(client, offered, staff):
    client.force_login(staff)
    html = client.get(offer_url(offered.renewal)).content.decode()
    assert "No answer yet" in html and "Decline the renewal" not in html
    response = client.post(offer_url(offered.renewal), {"decline": "1", "reason": "budget"})
    assert response.status_code == 404
    assert Renewal.objects.get().status == Renewal.Status.OFFERED


def test_accepting_on_the_page_issues_the_invoice_once_even_from_two_tabs(client, offered):
    client.force_login(offered.lead)
    first = client.post(offer_url(offered.renewal),
                        {"accept": "1", "years": "2", "tier": offered.tier1.pk, **token()})
    assert first.status_code == 302 and first.url == offer_url(offered.renewal)
    second = client.post(offer_url(offered.renewal),  # the other tab: its own token
                         {"accept": "1", "years": "1", "tier": offered.tier1.pk, **token()})
    assert second.status_code == 302
    assert Invoice.objects.count() == 1
    html = client.get(first.url).content.decode()
    invoice = Invoice.objects.get()
    assert "Renewed" in html and invoice.number in html and "2 years" in html


def test_a_closed_tier_is_refused_next_to_the_field_keeping_the_choice(client, offered):
    closed = TierFactory(two=True, closed=True)
    # A closed tier is not among the choices (the service refuses it too: test_services).
    client.force_login(offered.lead)
    response = client.post(offer_url(offered.renewal),
                           {"accept": "1", "years": "1", "tier": closed.pk, **token()})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invoice.objects.exists()


def test_declining_without_a_reason_says_so_next_to_the_field_and_keeps_the_text(client,
                                                                                 offered):
    client.force_login(offered.lead)
    response = client.post(offer_url(offered.renewal),
                           {"decline": "1", "reason": "other", "details": "   "})
    html = response.content.decode()
    assert response.status_code == 200 and "Tell us the reason" in html
    response = client.post(offer_url(offered.renewal),
                           {"decline": "1", "reason": "", "details": "We merge with <b>X</b>"})
    html = response.content.decode()
    assert "Choose why you are not renewing" in html or "This field is required" in html
    assert "We merge with &lt;b&gt;X&lt;/b&gt;" in html
    assert Renewal.objects.get().status == Renewal.Status.OFFERED


def test_declining_on_the_page(client, offered):
    client.force_login(offered.lead)
    response = client.post(offer_url(offered.renewal),
                           {"decline": "1", "reason": "partner", "details": "New partner."},
                           follow=True)
    html = response.content.decode()
    assert "Not renewing" in html and "The partnership is ending" in html
    assert Renewal.objects.get().status == Renewal.Status.DECLINED


# --- Banners -----------------------------------------------------------------------------------

def test_the_dashboard_banner_offers_the_renewal_to_the_contact_and_tells_the_team(client,
                                                                                    offered):
    dashboard = reverse("members:dashboard")
    client.force_login(offered.lead)
    html = client.get(dashboard).content.decode()
    assert "Time to renew" in html and offer_url(offered.renewal) in html
    client.force_login(offered.member)
    html = client.get(dashboard).content.decode()
    assert "Time to renew" in html and offer_url(offered.renewal) not in html
    assert "billing contacts have the renewal offer" in html


def test_banners_for_grace_and_lapse_then_none_once_paid(client, offered, staff):
    dashboard = reverse("members:dashboard")
    client.force_login(offered.member)
    renewals_advance_due(today=offered.day(0).isoformat())
    assert "grace period" in client.get(dashboard).content.decode()
    renewals_advance_due(today=offered.day(30).isoformat())
    html = client.get(dashboard).content.decode()
    assert "Membership lapsed" in html and "read-only" in html
    renewal = services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                                      tier=offered.tier1)
    billing_services.payment_record(invoice=renewal.invoice, amount=renewal.invoice.total,
                                    method="check", actor=staff)
    assert Membership.objects.get(pk=offered.membership.pk).status == "active"
    html = client.get(dashboard).content.decode()
    assert "Membership lapsed" not in html and "grace period" not in html


def test_the_dashboard_costs_the_same_queries_with_one_or_many_renewals(
        client, offered, django_assert_max_num_queries, settings):
    settings.FRAGMENT_CACHE = ""  # the page's own render (with Redis, a second visit is a hit)
    client.force_login(offered.lead)
    dashboard = reverse("members:dashboard")
    client.get(dashboard)
    with django_assert_max_num_queries(30) as one:
        client.get(dashboard)
    for _ in range(4):
        other = membership_ending(offered.anniversary, application__applicant=offered.lead)
        services.renewal_offer(membership=other, today=offered.today)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(dashboard).content.decode()
    assert html.count("Time to renew") == 5


# --- Staff's renewals page ---------------------------------------------------------------------

def _spread(anniversary, count, lead, staff):
    """``count`` renewals of each stage, so the page shows every kind of row."""
    for _ in range(count):
        renewal = services.renewal_offer(
            membership=membership_ending(anniversary), today=anniversary - timedelta(days=90))
        contact = renewal.membership.billing_contacts.get(user__isnull=False).user
        accepted = services.renewal_offer(
            membership=membership_ending(anniversary), today=anniversary - timedelta(days=90))
        accepted = services.renewal_accept(
            renewal=accepted, actor=accepted.membership.billing_contacts.get(
                user__isnull=False).user, years=1, tier=accepted.membership.tier)
        declined = services.renewal_offer(
            membership=membership_ending(anniversary), today=anniversary - timedelta(days=90))
        services.renewal_decline(renewal=declined, actor=declined.membership.billing_contacts
                                 .get(user__isnull=False).user, reason="budget",
                                 details="=HYPERLINK(\"http://x\")")
        assert contact


def test_staff_see_every_stage_with_the_money_at_stake(client, offered, staff):
    _spread(offered.anniversary, 2, offered.lead, staff)
    renewals_advance_due(today=offered.day(0).isoformat())  # the unanswered: in grace
    client.force_login(staff)
    response = client.get(reverse("renewals:staff_list"))
    html = response.content.decode()
    assert response.status_code == 200
    # 3 offered (in grace now), 2 accepted and unpaid (in grace too), 2 declined.
    summary = {row["key"]: row for row in response.context["summary"]}
    assert summary["in_grace"]["count"] == 5
    assert summary["in_grace"]["amount"] == Decimal("12500.00")
    assert summary["declined"]["count"] == 2 and summary["offered"]["count"] == 0
    assert response.context["at_stake"] == Decimal("12500.00")
    assert "$12,500.00" in html
    only_declined = client.get(reverse("renewals:staff_list"), {"stage": "declined"})
    assert len(only_declined.context["page"].object_list) == 2
    assert "No budget for it this year" in only_declined.content.decode()


def test_due_in_90_days_and_accepted_stages_before_the_end(client, offered, staff):
    services.renewal_accept(renewal=offered.renewal, actor=offered.lead, years=1,
                            tier=offered.tier1)
    later = services.renewal_offer(membership=membership_ending(offered.day(200)),
                                   today=offered.today)
    client.force_login(staff)
    due = client.get(reverse("renewals:staff_list"), {"stage": "due"}).context["page"]
    assert [r["pk"] for r in due.object_list] == [offered.renewal.pk]
    accepted = client.get(reverse("renewals:staff_list"), {"stage": "accepted"})
    assert [r["pk"] for r in accepted.context["page"].object_list] == [offered.renewal.pk]
    offered_rows = client.get(reverse("renewals:staff_list"), {"stage": "offered"})
    assert [r["pk"] for r in offered_rows.context["page"].object_list] == [later.pk]


def test_staff_filter_by_tier_and_institution(client, offered, staff):
    tier2 = TierFactory(two=True)
    other = membership_ending(offered.anniversary, tier=tier2)
    services.renewal_offer(membership=other, today=offered.today)
    client.force_login(staff)
    by_tier = client.get(reverse("renewals:staff_list"), {"tier": tier2.pk})
    assert [r["membership_id"] for r in by_tier.context["page"].object_list] == [other.pk]
    name = offered.membership.institutions.get().name
    by_name = client.get(reverse("renewals:staff_list"), {"q": name[:8].lower()})
    assert offered.renewal.pk in [r["pk"] for r in by_name.context["page"].object_list]
    nothing = client.get(reverse("renewals:staff_list"), {"q": "no such place"})
    assert "No renewal matches these filters" in nothing.content.decode()


def test_the_renewals_page_is_a_404_to_members(client, offered):
    client.force_login(offered.lead)
    assert client.get(reverse("renewals:staff_list")).status_code == 404
    assert client.get(reverse("renewals:staff_export")).status_code == 404


def test_the_csv_lists_the_filtered_renewals_with_formulas_defused(client, offered, staff):
    _spread(offered.anniversary, 1, offered.lead, staff)
    client.force_login(staff)
    response = client.get(reverse("renewals:staff_export"), {"stage": "declined"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Institutions" and len(rows) == 2
    assert rows[1][4] == "declined" and rows[1][6] == "No budget for it this year"
    assert rows[1][7].startswith("'=HYPERLINK")
    assert rows[1][10] == "2500.00"


def test_the_renewals_page_costs_the_same_queries_at_two_sizes(
        client, offered, staff, django_assert_max_num_queries, settings):
    settings.FRAGMENT_CACHE = ""  # the page's own render (with Redis, a second visit is a hit)
    _spread(offered.anniversary, 1, offered.lead, staff)
    client.force_login(staff)
    url = reverse("renewals:staff_list")
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    _spread(offered.anniversary, 6, offered.lead, staff)
    renewals_advance_due(today=offered.day(0).isoformat())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 22  # 1 + 3 + 18 rows
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("renewals:staff_export"))


def test_the_accept_form_token_is_one_time(client, offered):
    client.force_login(offered.lead)
    data = {"accept": "1", "years": "1", "tier": offered.tier1.pk, **token()}
    client.post(offer_url(offered.renewal), data)
    again = client.post(offer_url(offered.renewal), data, follow=True)
    assert once.ALREADY_SAVED in again.content.decode()
    assert Invoice.objects.count() == 1


def test_staff_see_a_count_on_my_portal_linking_to_the_renewals_page(client, offered, staff):
    client.force_login(staff)
    html = client.get(reverse("members:dashboard")).content.decode()
    assert reverse("renewals:staff_list") in html
    assert "1 offered without an answer, in grace or lapsed" in html


def test_a_lapsed_membership_can_still_renew_from_the_offer_page(client, offered):
    renewals_advance_due(today=offered.day(30).isoformat())
    client.force_login(offered.lead)
    html = client.get(offer_url(offered.renewal)).content.decode()
    assert "This membership has lapsed" in html and "Renew and issue the invoice" in html
    client.post(offer_url(offered.renewal),
                {"accept": "1", "years": "1", "tier": offered.tier1.pk, **token()})
    renewal = Renewal.objects.get()
    assert renewal.status == "accepted" and renewal.invoice.commitment_year == 3
    assert Membership.objects.get(pk=offered.membership.pk).status == "lapsed"  # until paid


def test_staff_rows_escape_what_members_typed_and_link_each_offer(client, offered, staff):
    """The staff table's rows are built in Python (renewals.views._staff_row_html): a decline's
    details and an institution's name appear as typed, never as markup."""
    institution = offered.renewal.membership.institutions.get()
    institution.name = 'Lincoln <script>alert("x")</script> & Sons'
    institution.save(update_fields=["name"])
    services.renewal_decline(renewal=offered.renewal, actor=offered.lead, reason="other",
                             details='We merge with <b>"X"</b>')
    client.force_login(staff)
    html = client.get(reverse("renewals:staff_list")).content.decode()
    assert "<script>" not in html.split("<tbody>")[1].split("</tbody>")[0]
    assert "Lincoln &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in html
    assert "We merge with &lt;b&gt;&quot;X&quot;&lt;/b&gt;" in html
    assert f'href="{offer_url(offered.renewal)}"' in html
    assert '<span class="status status-declined">declined</span>' in html
