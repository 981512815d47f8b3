"""Staff's work lists: pages that never count the whole table, row links without a
``reverse()`` a row, and filter options built in Python.

The lists are read every day, so a row costs what a few string operations cost: the views hand
the template plain dicts of ready-made text (no model instance, no filter, no include a row).

``peek_page`` reads one row more than a page holds: that row only says "there is an older
page". No ``COUNT(*)``, so a list costs the same at 60 rows or 60,000; the price is that the
page shows "Page 3", not "Page 3 of 240" (``templates/staff/pagination.html``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString

from core.dates import day

_PLACEHOLDER = 987654321
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "'": "&#x27;"})


def escape(text) -> str:
    """``html.escape(str(text))``, quotes included, in one pass: the standard library's makes
    five, Django's (built for lazy strings) four times that. Rows built here call it a cell."""
    return str(text).translate(_HTML_ESCAPES)


# core.dates.day, which remembers each date it formats (Django's formatter costs ~90 function
# calls a date): the name the lists already use.
list_day = day


@dataclass
class PeekPage:
    object_list: list
    number: int
    previous_url: str = ""
    next_url: str = ""
    first_url: str = field(default="")

    @property
    def has_other_pages(self) -> bool:
        return bool(self.previous_url or self.next_url)


def peek_page(request, queryset, *, size: int, param: str = "page") -> PeekPage:
    """The page of ``queryset`` the request asks for in ``?<param>=`` (the first for a missing or
    bad number). A page past the end is empty, with a link back to the first page. The links
    keep the request's other query parameters (the filters)."""
    raw = request.GET.get(param, "")
    number = int(raw) if raw.isdigit() and 0 < int(raw) <= 100_000 else 1
    start = (number - 1) * size
    rows = list(queryset[start:start + size + 1])

    def url(n: int) -> str:
        query = request.GET.copy()
        if n == 1:
            query.pop(param, None)
        else:
            query[param] = str(n)
        return f"?{query.urlencode()}" if query else "?"

    page = PeekPage(object_list=rows[:size], number=number)
    if number > 1:
        page.previous_url = url(number - 1)
        page.first_url = url(1)
    if len(rows) > size:
        page.next_url = url(number + 1)
    return page


def row_url(name: str) -> str:
    """A URL pattern with one id argument as a format string (``"/x/{}/change/"``): reversed
    once per process (for the URL prefix and URLconf in use), filled per row with
    ``.format(pk)``."""
    return _row_url(name, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=256)
def _row_url(name: str, script_prefix: str, urlconf) -> str:
    # ``script_prefix`` and ``urlconf`` only key the cache: ``reverse`` reads them itself.
    return reverse(name, args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")


def joined_names(pairs) -> dict[int, str]:
    """``(id, name)`` pairs, in order, as ``{id: "District + University"}``: the names of each
    row's institutions from one query of a many-to-many's rows."""
    names = defaultdict(list)
    for pk, name in pairs:
        names[pk].append(name)
    return {pk: " + ".join(found) for pk, found in names.items()}


def options(choices, selected) -> SafeString:
    """A select's ``<option>`` elements, the ``selected`` value marked: one string, built here
    rather than by a template loop (fifty US states cost a template ~3,000 function calls),
    escaped by ``escape`` above."""
    selected = "" if selected is None else str(selected)
    return SafeString("".join(  # every value and label is escaped just here
        f'<option value="{escape(value)}"{" selected" if str(value) == selected else ""}>'
        f"{escape(label)}</option>" for value, label in choices))



def link(text, href: str) -> SafeString:
    return SafeString(f'<a href="{escape(href)}">{escape(text)}</a>')  # escaped just here


def badge(value: str, label: str) -> SafeString:
    """``partials/status.html``'s badge, for rows built here."""
    return SafeString(  # escaped just here
        f'<span class="status status-{escape(value)}">{escape(label)}</span>')


def html_rows(rows) -> SafeString:
    """Table rows, each a list of ``(label, content, css class)`` cells: ``label`` None for the
    row's header cell; ``content`` text (escaped here) or what ``link`` / ``badge`` made. A
    template costs ~350 function calls a row of nine cells, this ~40: on lists staff read all
    day that is most of the page's work. The stacked layout on phones reads ``data-label``."""
    out = []
    for row in rows:
        out.append("<tr>")
        for label, content, css in row:
            if not isinstance(content, SafeString):
                content = escape(content)
            css = f' class="{css}"' if css else ""
            if label is None:
                out.append(f'<th scope="row"{css}>{content}</th>')
            else:
                out.append(f'<td{css} data-label="{escape(label)}">{content}</td>')
        out.append("</tr>")
    return SafeString("".join(out))  # every text and link is escaped above
