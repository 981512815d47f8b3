"""The application form says what membership costs, names every field in its error summary,
and shows (and checks) the partner section only for a partnership."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from members.models import MembershipApplication
from tests.factories import FeeScheduleFactory
from tests.members.test_application_views import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]
APPLY = reverse("members:apply")
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


@pytest.fixture
def tiers(tier1, tier2):
    return tier1, tier2


def test_the_form_shows_the_fee_for_each_way_of_applying_and_the_commitment(
        applicant_client, tiers):
    FeeScheduleFactory(effective_from=date(2024, 1, 1), commitment_years=2)
    FeeScheduleFactory(effective_from=date(2025, 7, 1), institution_fee=Decimal("2750"),
                       partnership_fee=Decimal("5500"), commitment_years=3)
    FeeScheduleFactory(effective_from=date(2099, 1, 1), institution_fee=Decimal("9999"))
    html = applicant_client.get(APPLY).content.decode()
    assert "One institution: $2,750.00 a year" in html  # the schedule in force, not the next
    assert "LEA-IHE partnership: $5,500.00 a year" in html
    assert "$9,999.00" not in html and "$2,500.00" not in html
    assert "We commit to 3 years of membership, invoiced once a year." in html
    assert "two years" not in html


def test_the_form_still_works_when_no_fee_schedule_is_in_force(applicant_client, tiers):
    html = applicant_client.get(APPLY).content.decode()
    assert "One institution" in html and "a year" not in html.split("Who is applying")[1][:400]
    response = applicant_client.post(APPLY, form_data(requested_tier=tiers[0].pk))
    assert response.status_code == 302


def test_the_error_summary_names_each_field_and_links_to_it(applicant_client, tiers, fees):
    data = form_data(requested_tier=None, billing_email="not-an-email", commitment_accepted=None,
                     **{"institution_1-city": ""})
    response = applicant_client.post(APPLY, data)
    html = response.content.decode()
    summary = html[html.index('class="error-summary"'):html.index("</ul>",
                                                                   html.index('class="error-summary"'))]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert links == [  # in the order the page shows the fields
        ("id_institution_1-city", "Partner institution: City"),
        ("id_requested_tier", "Membership tier"),
        ("id_billing_email", "Billing contact email"),
        ("id_commitment_accepted", "We commit to 2 years of membership, invoiced once a year"),
    ]
    for anchor, _label in links:
        assert f'id="{anchor}"' in html  # every link lands on the field (or its radio group)
    assert "Enter a valid email address." in summary
    assert not MembershipApplication.objects.exists()


def test_the_summary_lists_an_error_of_the_whole_form_too(applicant_client, tiers, fees):
    data = form_data(requested_tier=tiers[0].pk, **{"institution_1-kind": "lea"})
    html = applicant_client.post(APPLY, data).content.decode()
    summary = html[html.index('class="error-summary"'):]
    assert "exactly one K-12 school or district" in summary[:summary.index("</ul>")]


def test_a_single_institution_ignores_the_partner_section(applicant_client, tiers, fees):
    """A half-typed partner left in the hidden section neither blocks nor joins the
    application."""
    data = form_data(kind="single", requested_tier=tiers[0].pk,
                     **{"institution_1-city": "", "institution_1-state": ""})
    response = applicant_client.post(APPLY, data)
    assert response.status_code == 302
    application = MembershipApplication.objects.get()
    assert application.kind == "single"
    assert list(application.institutions.values_list("name", flat=True)) == [
        "Denver Public Schools"]


def test_a_single_institution_with_an_error_keeps_what_was_typed_as_partner(applicant_client,
                                                                            tiers, fees):
    data = form_data(kind="single", requested_tier=tiers[0].pk, contact_email="nope",
                     **{"institution_1-city": ""})
    response = applicant_client.post(APPLY, data)
    html = response.content.decode()
    assert not response.context["institution_forms"][1].errors
    assert 'value="University of Denver"' in html  # kept, in case they meant a partnership
    assert "Partner institution:" not in html


def test_the_partner_section_is_hidden_by_css_for_a_single_institution(applicant_client,
                                                                       tiers):
    html = applicant_client.get(APPLY).content.decode()
    assert '<fieldset class="section partner-only">' in html
    assert 'class="stack application-form"' in html
    assert re.search(r'<input type="radio" name="kind" value="single"[^>]*checked', html)
    assert "<script" not in html and "style=" not in html  # the strict CSP allows neither
    css = CSS.read_text()
    assert ('.application-form:has(input[name="kind"][value="single"]:checked) .partner-only '
            '{ display: none; }') in css
