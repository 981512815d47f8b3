"""One way to page a list: ``page_of`` in the view, ``partials/pagination.html`` in the
template (``{% include "partials/pagination.html" %}``; ``with label=... anchor="#id"`` where a
page shows two lists, and ``newest_first=True`` for lists ordered newest first)."""

from django.core.paginator import Page, Paginator


def page_of(request, queryset, *, size: int, param: str = "page") -> Page:
    """The page of ``queryset`` the request asks for in ``?<param>=`` (the first page for a
    missing or bad number, the last for one past the end). The page's ``previous_url`` and
    ``next_url`` keep the request's other query parameters (a filter, another list's page)."""
    page = Paginator(queryset, size).get_page(request.GET.get(param))

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    page.previous_url = url(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = url(page.next_page_number()) if page.has_next() else ""
    return page
