"""The network's panel on "My portal" (``members.hooks.dashboard_panel``): the person's next
events and their groups, in three queries."""

from collaboratives.programme.selectors import in_network
from members.hooks import dashboard_panel
from network import selectors

PANEL_SIZE = 5


@dashboard_panel(order=30, template="network/partials/dashboard_panel.html")
def network_panel(request):
    user = request.user
    if not user.is_authenticated or not in_network(user):
        return None
    return {"events": selectors.my_upcoming_events(user, limit=PANEL_SIZE),
            "groups": selectors.my_groups(user, limit=PANEL_SIZE)}
