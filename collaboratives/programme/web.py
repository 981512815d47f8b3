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
    collaborative, viewer = collaborative_or_404(request, slug)
    if not allowed(viewer, team_pk):
        raise Http404
    enrollment = selectors.enrollment_for(collaborative, team_pk)
    if enrollment is None:
        raise Http404
    return collaborative, viewer, enrollment
