"""The monthly report form's page is served from the fragment cache (core/fragments.py) on GET:
the access check runs on every request, a change shows at once, each person sees their own
header, the cached form posts (its CSRF token is the visitor's), and a form with errors is
never cached."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rhythm.models import MonthlyReport
from tests.factories import PDSACycleFactory
from tests.rhythm.helpers import submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]


def _url(world, month, team=None):
    team = team or world.team_a
    return reverse("rhythm:report_edit", args=[world.collaborative.slug, team.pk, month.year,
                                               month.month])


def page(client, url):
    """The page's own part (the header's sign-out form carries a fresh CSRF token each time)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    html = html[html.index('<header class="collab-header">'):html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_second_visit_costs_the_session_the_account_and_the_access_check(
        client, world, this_month, django_assert_max_num_queries):
    client.force_login(world.lead_a)
    first = page(client, _url(world, this_month))
    with django_assert_max_num_queries(3):
        assert page(client, _url(world, this_month)) == first


def test_a_change_to_what_it_shows_shows_at_once(client, world, this_month):
    client.force_login(world.lead_a)
    url = _url(world, this_month)
    assert "No PDSA cycle was logged" in page(client, url)
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     title="Texts home")
    html = page(client, url)
    assert "Texts home" in html and "No PDSA cycle was logged" not in html
    client.post(url, {"learned": "Families answer texts.", "barriers": "", "help_needed": "",
                      "self_score": "2.0", "save": "1"})
    html = page(client, url)
    assert "Families answer texts." in html and "Draft" in html
    world.collaborative.name = "Attendance Works, renamed"
    world.collaborative.save()
    assert "Attendance Works, renamed" in page(client, url)
    report = submitted(world, this_month)
    assert client.get(url).url == report.get_absolute_url()


def test_each_person_sees_their_own_and_the_access_check_runs_every_time(client, world, staff,
                                                                         this_month):
    url = _url(world, this_month)
    client.force_login(world.lead_a)
    lead = page(client, url)
    client.force_login(staff)
    staffs = page(client, url)
    assert "My team's workspace" in lead and "My team's workspace" not in staffs
    for person in (world.member_b, world.coach_a, world.outsider):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(world.member_b)
    assert "My team's workspace" in page(client, _url(world, this_month, world.team_b))


def test_the_month_is_in_the_key(client, world, this_month, last_month):
    client.force_login(world.lead_a)
    assert f"<h1>{this_month:%B %Y} report</h1>" in page(client, _url(world, this_month))
    assert f"<h1>{last_month:%B %Y} report</h1>" in page(client, _url(world, last_month))


def test_the_cached_form_posts_with_the_visitors_own_csrf_token(world, this_month):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lead_a)
    url = _url(world, this_month)
    client.get(url)
    html = client.get(url).content.decode()  # from the cache
    token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token and "csrf-token-of-this-request" not in html
    response = client.post(url, {"csrfmiddlewaretoken": token[-1], "learned": "Texts work.",
                                 "barriers": "", "help_needed": "", "self_score": "2.0",
                                 "save": "1"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get().learned == "Texts work."


def test_a_form_with_errors_is_rendered_as_posted_and_not_cached(client, world, this_month):
    client.force_login(world.lead_a)
    url = _url(world, this_month)
    page(client, url)
    response = client.post(url, {"learned": "Kept.", "self_score": "9.0", "save": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not on the scale" in html and "Kept." in html
    assert "is not on the scale" not in page(client, url)
