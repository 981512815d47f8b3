"""View helpers every domain's pages share: the collaborative (404 for anyone not in it) with
the person's ``Viewer``, a team's enrollment for someone allowed to see it, a posted id, the
page context every collaborative page starts from, and pagination."""

from django.core.paginator import Paginator
from django.http import Http404

from collaboratives.programme import selectors
from core import fragments

PAGE_SIZE = 20


def paginate(request, queryset, param="page", size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get(param))


def collaborative_or_404(request, slug):
    """The collaborative and what this person may see of it; 404 for anyone not in it.

    Asked on every collaborative page: kept in the fragment cache (core/fragments.py) until a
    table it read is written (an enrollment, a team's roster, a membership, the collaborative),
    so a person removed from a team loses the pages on their next request."""
    user = request.user

    def look_up():
        collaborative = selectors.collaborative_for(user, slug)
        if collaborative is None:
            return None
        return collaborative, selectors.viewer_for(user, collaborative)

    found = fragments.cached("collaborative-viewer", [slug, user.is_staff], look_up, viewer=user)
    if found is None:
        raise Http404("No such collaborative.")
    return found


def posted_id(request, name: str) -> int:
    """The id a button posted (``name=value``); anything but a number is a 404."""
    value = request.POST.get(name, "").strip()
    if not value.isdigit():
        raise Http404
    return int(value)


def page_context(collaborative, viewer, **extra):
    return {"collaborative": collaborative, "viewer": viewer,
            "current_phase": collaborative.current_phase(), **extra}


def enrollment_or_404(request, slug, team_pk, allowed):
    """The team's enrollment in the collaborative, the collaborative and the person's
    ``Viewer``; 404 unless the person may see the collaborative and ``allowed(viewer, team_pk)``.

    One query (``enrollment_with_viewer``), kept in the fragment cache. A person may open a
    collaborative exactly when their viewer sees it (``collaborative_for`` and ``viewer_for``
    ask the same thing: staff, or the coach or a current member of one of its enrolled
    teams), so the collaborative is not looked up on its own. Its phases are read when the
    page asks for them (``page_context``)."""
    user = request.user
    # Kept in the fragment cache until a table the lookup read is written (an enrollment, a
    # roster, a membership): asked on every team page, and still answered per request below.
    enrollment, viewer = fragments.cached(
        "enrollment-viewer", [slug, team_pk, user.is_staff],
        lambda: selectors.enrollment_with_viewer(user, slug, team_pk), viewer=user)
    if enrollment is None or not viewer.sees_collaborative or not allowed(viewer, team_pk):
        raise Http404
    return enrollment.collaborative, viewer, enrollment
