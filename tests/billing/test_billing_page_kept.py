"""What the billing page keeps between requests, and that each thing it depends on changes it.

The statement form (nothing typed yet) is drawn once per process for each set of what it shows
(``billing.views.statement_fields_html``): the memberships offered, their names, the two days
filled in, the language and the URL prefix. Each test changes one of them and sees the page
(or the form) change."""

from datetime import date

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from billing import views
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("billing:invoice_list")


@pytest.fixture(autouse=True)
def _forget_drawn_forms():
    views._statement_fields.cache_clear()
    yield
    views._statement_fields.cache_clear()


def statement_form(client) -> str:
    html = client.get(PAGE).content.decode()
    start = html.index('<form method="get" action="/portal/billing/statement/"')
    return html[start:html.index("</form>", start)]


def test_the_membership_offered_is_the_viewers_own(client):
    mine, theirs = UserFactory(), UserFactory()
    my_membership = MembershipFactory(application__applicant=mine)
    their_membership = MembershipFactory(application__applicant=theirs)
    client.force_login(mine)
    assert f'name="membership" value="{my_membership.pk}"' in statement_form(client)
    client.force_login(theirs)
    form = statement_form(client)
    assert f'name="membership" value="{their_membership.pk}"' in form
    assert f'value="{my_membership.pk}"' not in form


def test_a_renamed_institution_is_offered_by_its_new_name(applicant_client, applicant):
    district = InstitutionFactory(name="Oxford School District")
    MembershipFactory(application__applicant=applicant, application__institutions=[district])
    MembershipFactory(application__applicant=applicant)  # two: the form offers a choice
    assert ">Oxford School District</option>" in statement_form(applicant_client)
    district.name = "Oxford City Schools"
    district.save()
    form = statement_form(applicant_client)
    assert ">Oxford City Schools</option>" in form and "Oxford School District" not in form


def test_a_second_membership_turns_the_hidden_field_into_a_choice(applicant_client, applicant):
    MembershipFactory(application__applicant=applicant)
    assert 'type="hidden" name="membership"' in statement_form(applicant_client)
    MembershipFactory(application__applicant=applicant)
    form = statement_form(applicant_client)
    assert 'type="hidden" name="membership"' not in form and "<select" in form


@pytest.mark.parametrize(("today", "start"), [
    (date(2027, 3, 9), "2026-07-01"),  # before July: the fiscal year began last July
    (date(2027, 8, 2), "2027-07-01"),
])
def test_the_days_filled_in_follow_today(applicant_client, applicant, monkeypatch, today,
                                         start):
    MembershipFactory(application__applicant=applicant)
    statement_form(applicant_client)  # drawn for the real today first
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    form = statement_form(applicant_client)
    assert f'name="start" value="{start}"' in form
    assert f'name="end" value="{today.isoformat()}"' in form


def test_another_url_prefix_draws_the_form_again():
    memberships = [(7, "Oxford School District")]
    day = date(2027, 3, 9)
    assert 'action="/portal/billing/statement/"' in views.statement_fields_html(
        memberships, start=day, end=day)
    set_script_prefix("/ncsup/")
    try:
        assert 'action="/ncsup/portal/billing/statement/"' in views.statement_fields_html(
            memberships, start=day, end=day)
    finally:
        set_script_prefix("/")


def test_another_language_draws_the_form_again():
    memberships, day = [(7, "Oxford School District")], date(2027, 3, 9)
    views.statement_fields_html(memberships, start=day, end=day)
    drawn = views._statement_fields.cache_info().misses
    with translation.override("fr"):
        views.statement_fields_html(memberships, start=day, end=day)
    assert views._statement_fields.cache_info().misses == drawn + 1
    views.statement_fields_html(memberships, start=day, end=day)
    assert views._statement_fields.cache_info().misses == drawn + 1  # kept, not drawn again
