"""Apps above members put panels on "My portal" through members.hooks.dashboard_panel."""

import pytest
from django.urls import reverse

from members import hooks
from tests.factories import UserFactory


@pytest.fixture
def panels():
    saved = list(hooks._dashboard_panels)
    yield
    hooks._dashboard_panels[:] = saved


def test_a_registered_panel_shows_in_order_and_none_hides_it(client, db, panels, tmp_path,
                                                             settings):
    (tmp_path / "panel.html").write_text("<p>PANEL {{ panel.word }}</p>")
    # Assigned whole, so Django rebuilds its template engines (an engine built by an earlier test
    # would not see a directory added to the dict it was built from).
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]

    @hooks.dashboard_panel(order=20, template="panel.html")
    def second(request):
        return {"word": "second"}

    @hooks.dashboard_panel(order=10, template="panel.html")
    def first(request):
        return {"word": f"first for {request.user.email}"}

    @hooks.dashboard_panel(order=5, template="panel.html")
    def hidden(request):
        return None

    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("members:dashboard")).content.decode()
    assert html.index(f"PANEL first for {user.email}") < html.index("PANEL second")
    assert html.count("PANEL") == 2


def test_registering_the_same_function_again_keeps_one(panels):
    def provider(request):
        return {}

    hooks.dashboard_panel(order=1, template="a.html")(provider)
    hooks.dashboard_panel(order=1, template="a.html")(provider)
    assert sum(1 for entry in hooks._dashboard_panels if entry[2] is provider) == 1
