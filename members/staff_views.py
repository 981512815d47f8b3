"""Staff's daily pages in the portal: the staff home and the application queue.

The Django admin stays the place where staff edit and decide; these lists are what staff open
every day, built to cost a handful of queries and no ``COUNT(*)`` whatever the table size
(``core.worklists``). Anyone who is not staff gets a 404, as for every page they may not see.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse

from core.usstates import US_STATES
from core.worklists import peek_page, row_url
from members.models import Institution, MembershipApplication, Tier
from members.names import institution_name_key

PAGE_SIZE = 25
SEARCH_LENGTH = 100

Status = MembershipApplication.Status
# The status filter's choices: the default is every application awaiting a decision.
STATUS_CHOICES = [("pending", "Awaiting a decision"),
                  *((value, label.capitalize()) for value, label in Status.choices),
                  ("all", "Any status")]
STATES = dict(US_STATES)


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
    """The queue, newest first, with just the columns the list shows."""
    applications = (
        MembershipApplication.objects
        .select_related("requested_tier", "applicant")
        .only("submitted_at", "status", "kind", "applicant_id", "requested_tier_id",
              "requested_tier__name", "applicant__first_name", "applicant__last_name",
              "applicant__email")
        .prefetch_related(Prefetch("institutions",
                                   queryset=Institution.objects.only("name").order_by("name")))
        .order_by("-submitted_at", "-id")
    )
    if status == "pending":
        applications = applications.filter(status__in=MembershipApplication.PENDING)
    elif status != "all":
        applications = applications.filter(status=status)
    if tier_id is not None:
        applications = applications.filter(requested_tier_id=tier_id)
    if kind:
        applications = applications.filter(kind=kind)
    through = MembershipApplication.institutions.through.objects.filter(
        membershipapplication_id=OuterRef("pk"))
    if state:
        applications = applications.filter(Exists(through.filter(institution__state=state)))
    if search:
        matches = Q(applicant__email__icontains=search) | Q(contact_email__icontains=search)
        number = search.removeprefix("#")
        if number.isdigit() and len(number) < 10:
            matches |= Q(pk=int(number))
        key = institution_name_key(search)
        if key:
            matches |= Exists(through.filter(institution__name_key__contains=key))
        applications = applications.filter(matches)
    return applications


@login_required
def application_queue(request):
    """Staff's application queue: who applied, for what, and how long they have waited."""
    _staff_only(request)
    filters = application_filters(request.GET)
    page = peek_page(request, applications_for_staff(**filters), size=PAGE_SIZE)
    change_url = row_url("admin:members_membershipapplication_change")
    detail_url = row_url("members:application_detail")
    for application in page.object_list:
        application.change_url = change_url.format(application.pk)
        # The portal's application page shows only to its applicant.
        application.portal_url = (detail_url.format(application.pk)
                                  if application.applicant_id == request.user.pk else "")
    return render(request, "staff/application_queue.html", {
        "page": page,
        "filters": filters,
        "filtered": filters["status"] != "pending" or any(
            filters[name] for name in ("tier_id", "kind", "state", "search")),
        "statuses": STATUS_CHOICES,
        "tiers": list(Tier.objects.only("name").order_by("position", "name")),
        "kinds": MembershipApplication.Kind.choices,
        "states": US_STATES,
        "admin_url": reverse("admin:members_membershipapplication_changelist"),
    })


urlpatterns = [
    path("portal/staff/", staff_home, name="staff_home"),
    path("portal/staff/applications/", application_queue, name="staff_applications"),
]
