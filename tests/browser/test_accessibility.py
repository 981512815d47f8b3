"""axe-core (via axe-playwright-python, bundled, no network) on every public and member page:
no serious or critical violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from collaboratives.models import Convening, Measure
from members import services
from members.models import Team, User
from tests.factories import ApplicationFactory, TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
BLOCKING = {"serious", "critical"}


def violations(page):
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in BLOCKING]


def check(page, url, problems, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    for line in violations(page):
        problems.append(f"{url} @{width}px: {line}")


def test_public_pages(page, live_server, fees, tier1, tier2):
    problems = []
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        for width in (1280, 390):
            check(page, live_server.url + path, problems, width)
    assert problems == []


def test_member_pages(page, live_server, sign_in, tier1):
    lead = UserFactory(first_name="Lee", last_name="Lead")
    team = TeamFactory(lead=lead, name="Oxford School District")
    TeamMemberFactory(team=team)
    invitation = services.seat_invite(team=team, actor=lead, name="Ana", email="ana@example.org",
                                      role="member")
    application = ApplicationFactory(applicant=lead, requested_tier=tier1)
    sign_in(lead)
    problems = []
    paths = [
        "/portal/", "/apply/", "/portal/applications/", application.get_absolute_url(),
        f"/apply/{application.pk}/submitted/", team.get_absolute_url(),
        f"/portal/teams/{team.pk}/members/{team.members.exclude(user=lead).get().pk}/remove/",
        f"/invitations/{services.invitation_token(invitation)}/",
    ]
    for path in paths:
        for width in (1280, 390):
            check(page, live_server.url + path, problems, width)
    # The form with its errors showing, too.
    page.goto(live_server.url + "/apply/")
    page.get_by_role("button", name="Submit application").click()
    problems += [f"/apply/ (errors): {line}" for line in violations(page)]
    assert problems == []


def test_the_checker_itself_catches_a_real_violation(page):
    page.set_content('<html lang="en"><body><main><input type="text"></main></body></html>')
    assert any("label" in line for line in violations(page))


def test_billing_collaborative_and_coach_pages(page, live_server, sign_in):
    from django.core.management import call_command

    call_command("seed_demo")
    slug = "chronic-absenteeism-2026"
    problems = []
    sign_in(User.objects.get(email="oxford@demo.ncsup.example.org"),
            password="ncsup-demo-member")
    team = Team.objects.get(members__user__email="oxford@demo.ncsup.example.org")
    for path in ["/portal/billing/", "/collaboratives/", f"/collaboratives/{slug}/",
                 f"/collaboratives/{slug}/cycles/", f"/collaboratives/{slug}/drivers/",
                 f"/collaboratives/{slug}/teams/{team.pk}/",
                 f"/collaboratives/{slug}/teams/{team.pk}/measures/",
                 f"/collaboratives/{slug}/measures/", "/collaboratives/change-packages/",
                 "/collaboratives/calendar/"]:
        for width in (1280, 390):
            check(page, live_server.url + path, problems, width)
    # One run chart with the team's tools, and its remove form open with its error showing
    measure = Measure.objects.filter(collaborative__slug=slug).first()
    chart = f"{live_server.url}/collaboratives/{slug}/teams/{team.pk}/measures/{measure.pk}/"
    for width in (1280, 390):
        check(page, chart, problems, width)
    page.get_by_text("Remove a wrong value").click()
    page.get_by_role("button", name="Remove the value").click()
    assert page.get_by_text("This field is required").is_visible()
    problems += [f"{chart} (remove, error): {line}" for line in violations(page)]
    page.get_by_role("button", name="Sign out").click()
    sign_in(User.objects.get(email="coach@ncsup.example.org"), password="ncsup-demo-staff")
    for path in ["/collaboratives/coaching/", f"/collaboratives/{slug}/measures/"]:
        check(page, live_server.url + path, problems)
    # A Tier 1 member: their convenings, and one open to the whole network, as a guest
    page.get_by_role("button", name="Sign out").click()
    sign_in(User.objects.get(email="avondale@demo.ncsup.example.org"),
            password="ncsup-demo-member")
    network = Convening.objects.get(open_to_network=True).get_absolute_url()
    for path in ["/collaboratives/calendar/", network]:
        for width in (1280, 390):
            check(page, live_server.url + path, problems, width)
    assert problems == []
