"""Staff's daily pages in the portal: the staff home and the application queue.

The Django admin stays the place where staff edit and decide; these lists are what staff open
every day, built to cost a handful of queries and no ``COUNT(*)`` whatever the table size
(``core.worklists``). Anyone who is not staff gets a 404, as for every page they may not see.
"""

from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from core.fragments import fragment
from core.usstates import US_STATES
from core.worklists import (
    badge,
    html_rows,
    joined_names,
    link,
    list_day,
    options,
    peek_page,
    row_url,
)
from members.models import MembershipApplication, Tier
from members.names import institution_name_key

PAGE_SIZE = 25
SEARCH_LENGTH = 100

Status = MembershipApplication.Status
# The status filter's choices: the default is every application awaiting a decision.
STATUS_CHOICES = [("pending", "Awaiting a decision"),
                  *((value, label.capitalize()) for value, label in Status.choices),
                  ("all", "Any status")]
STATES = dict(US_STATES)


@lru_cache(maxsize=len(US_STATES) + 1)
def state_options(selected: str):
    """The state filter's options, made once per choice (fifty-one options, every request)."""
    return options([("", "Any state"), *US_STATES], selected)


def _staff_only(request):
    if not request.user.is_staff:
        raise Http404


@login_required
def staff_home(request):
    """Where staff start their day: the work lists and the admin."""
    _staff_only(request)
    return render(request, "staff/home.html")


def application_filters(params) -> dict:
    """The queue's filters from the query string; anything unknown reads as "any"."""
    status = params.get("status", "")
    tier = params.get("tier", "")
    kind = params.get("kind", "")
    state = params.get("state", "").upper()
    return {
        "status": status if status in dict(STATUS_CHOICES) else "pending",
        "tier_id": int(tier) if tier.isdigit() else None,
        "kind": kind if kind in MembershipApplication.Kind.values else "",
        "state": state if state in STATES else "",
        "search": params.get("q", "").strip()[:SEARCH_LENGTH],
    }


def applications_for_staff(*, status, tier_id, kind, state, search):
    """The queue, newest first: just the columns the list shows, as values (no model
    instances: the list is read all day)."""
    applications = MembershipApplication.objects.order_by("-submitted_at", "-id").values(
        "pk", "submitted_at", "status", "kind", "applicant_id", "requested_tier__name",
        "applicant__first_name", "applicant__last_name", "applicant__email")
    if status == "pending":
        applications = applications.filter(status__in=MembershipApplication.PENDING)
    elif status != "all":
        applications = applications.filter(status=status)
    if tier_id is not None:
        applications = applications.filter(requested_tier_id=tier_id)
    if kind:
        applications = applications.filter(kind=kind)
    if state:
        applications = applications.filter(Exists(_institutions().filter(
            institution__state=state)))
    number = search.removeprefix("#")
    if number.isdigit() and len(number) < 10:
        # A number is an application's number: "12" is #12, not every email with a 12 in it.
        applications = applications.filter(pk=int(number))
    elif search:
        matches = Q(applicant__email__icontains=search) | Q(contact_email__icontains=search)
        key = institution_name_key(search)
        if key:
            matches |= Exists(_institutions().filter(institution__name_key__contains=key))
        applications = applications.filter(matches)
    return applications


def _institutions():
    """An application's institutions (the many-to-many's rows), for ``Exists``."""
    return MembershipApplication.institutions.through.objects.filter(
        membershipapplication_id=OuterRef("pk"))


def institution_names(application_ids) -> dict[int, str]:
    """"District + University" per application, in one query."""
    return joined_names(
        MembershipApplication.institutions.through.objects
        .filter(membershipapplication_id__in=application_ids).order_by("institution__name")
        .values_list("membershipapplication_id", "institution__name"))


def _person(first_name: str, last_name: str, email: str) -> str:
    """As ``User.display_name`` reads, from the values."""
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part) or email


@login_required
def application_queue(request):
    """Staff's application queue: who applied, for what, and how long they have waited."""
    _staff_only(request)
    # Served from the cache until a table it read is written (core/fragments.py). The query
    # string is the key (filters, page, and the pagination links keep its other parameters).
    # Per staff member, not shared: a row of the viewer's own application links to its portal
    # page, which only its applicant may open.
    return render(request, "staff/application_queue.html", {"content": fragment(
        "staff-applications", [request.GET.urlencode()],
        lambda: application_queue_content(request), viewer=request.user)})


def application_queue_content(request) -> str:
    """The queue's part of the page: its filters, rows and pages, every row read here."""
    filters = application_filters(request.GET)
    page = peek_page(request, applications_for_staff(**filters), size=PAGE_SIZE)
    change_url = row_url("admin:members_membershipapplication_change")
    detail_url = row_url("members:application_detail")
    names = institution_names([a["pk"] for a in page.object_list])
    kinds = {MembershipApplication.Kind.PARTNERSHIP: "Partnership",
             MembershipApplication.Kind.SINGLE: "Single"}
    rows = []
    for a in page.object_list:
        change = change_url.format(a["pk"])
        number = link(f"#{a['pk']}", change)
        if a["applicant_id"] == request.user.pk:  # the portal's page shows only to its applicant
            number += SafeString(" ") + link("portal page", detail_url.format(a["pk"]))
        rows.append([
            ("No.", number, "nowrap"),
            (None, link(names.get(a["pk"], "No institution"), change), ""),
            ("Tier", a["requested_tier__name"], ""),
            ("Kind", kinds.get(a["kind"], a["kind"]), ""),
            ("Submitted", list_day(timezone.localdate(a["submitted_at"])), "nowrap"),
            ("Status", badge(a["status"], a["status"]), ""),
            ("Applicant", _person(a["applicant__first_name"], a["applicant__last_name"],
                                  a["applicant__email"]), ""),
        ])
    page.rows = html_rows(rows)
    return render_to_string("staff/partials/application_queue_content.html", {
        "page": page,
        "filters": filters,
        "filtered": filters["status"] != "pending" or any(
            filters[name] for name in ("tier_id", "kind", "state", "search")),
        "status_options": options(STATUS_CHOICES, filters["status"]),
        "tier_options": options([("", "Any tier"), *Tier.objects.order_by("position", "name")
                                 .values_list("pk", "name")], filters["tier_id"]),
        "kind_options": options([("", "Any kind"), *MembershipApplication.Kind.choices],
                                filters["kind"]),
        "state_options": state_options(filters["state"]),
        "admin_url": reverse("admin:members_membershipapplication_changelist"),
    })


urlpatterns = [
    path("portal/staff/", staff_home, name="staff_home"),
    path("portal/staff/applications/", application_queue, name="staff_applications"),
]
