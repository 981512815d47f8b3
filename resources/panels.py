"""“New this month” on My portal (members.hooks.dashboard_panel): the newest resources the
person may see; one query, and no panel when nothing is new."""

from members.hooks import dashboard_panel
from resources import selectors


@dashboard_panel(order=40, template="resources/partials/new_this_month.html")
def new_this_month(request):
    resources = selectors.new_this_month(request.user)
    return {"resources": resources} if resources else None
