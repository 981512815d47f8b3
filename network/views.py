"""The network's pages: events (list, detail with register / waitlist / cancel, .ics,
attendance, materials) and groups (list, page with join / requests / notifications, topics,
posts and moderation). Thin: services hold the rules, selectors the reads. Anyone outside the
network, or a group's event or topic for someone outside the group, is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from collaboratives.convenings import ical
from collaboratives.programme.selectors import in_network
from core.files import private_file_response
from core.forms import service_errors_show
from core.once import submit_once
from core.pagination import page_of
from network import calendar, selectors, services
from network.forms import (
    DecideForm,
    EventFilterForm,
    GroupFilterForm,
    HideForm,
    MaterialForm,
    NotificationsForm,
    PostForm,
    TopicForm,
)
from network.models import Event, EventMaterial, GroupMembership, Post, Registration, Topic

PAGE_SIZE = 20


def _members_only(request):
    return render(request, "network/members_only.html", status=200)


def _error_message(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- Events -----------------------------------------------------------------------------------


@login_required
def event_list(request):
    if not in_network(request.user):
        return _members_only(request)
    past = request.GET.get("when") == "past"
    filters = EventFilterForm(request.GET or None,
                              groups=selectors.event_filter_groups(request.user))
    kind = group = ""
    if filters.is_valid():
        kind, group = filters.cleaned_data["kind"], filters.cleaned_data["group"]
    events = selectors.event_list(request.user, past=past, kind=kind, group=group)
    return render(request, "network/event_list.html", {
        "past": past, "filters": filters, "page": page_of(request, events, size=PAGE_SIZE)})


def _event_or_404(request, pk) -> Event:
    return get_object_or_404(selectors.events_visible_to(request.user), pk=pk)


def _event_page(request, event, *, material_form=None, status=200):
    user = request.user
    event = selectors.with_counts(Event.objects.filter(pk=event.pk).select_related(
        "group", "facilitator"), user).get()
    registration = selectors.registration_of(user, event)
    manages = selectors.may_manage_event(user, event)
    active = registration is not None and registration.status != Registration.Status.CANCELLED
    context = {
        "event": event, "registration": registration if active else None,
        "registered": active and registration.status == Registration.Status.REGISTERED,
        "position": (selectors.waitlist_position(registration)
                     if active and registration.status == Registration.Status.WAITLISTED
                     else None),
        "may_register": (not active and not event.is_cancelled and not event.has_started
                         and selectors.may_register(user, event)),
        "full": event.taken >= event.capacity, "manages": manages,
        "materials": list(selectors.materials_of(event)),
        "material_form": material_form if material_form is not None else MaterialForm(),
        "people": (page_of(request, selectors.registrations_of(event), size=50)
                   if manages else None),
    }
    return render(request, "network/event_detail.html", context, status=status)


@login_required
def event_detail(request, pk):
    """The event; POST registers (``action=waitlist``: joins the waitlist of a full event)."""
    event = _event_or_404(request, pk)
    if request.method == "POST":
        waitlist = request.POST.get("action") == "waitlist"
        try:
            registration = services.event_register(event=event, user=request.user,
                                                   waitlist=waitlist)
        except ValidationError as error:
            _error_message(request, error)
        else:
            if registration.status == Registration.Status.REGISTERED:
                messages.success(request, "You are registered. The event is in your calendar "
                                          "feed, and we remind you before it.")
            else:
                messages.success(request, "You are on the waitlist. We email you if a place "
                                          "opens.")
        return redirect(event.get_absolute_url())
    return _event_page(request, event)


@login_required
@require_POST
def registration_cancel(request, pk):
    event = _event_or_404(request, pk)
    registration = selectors.registration_of(request.user, event)
    if registration is None or registration.status == Registration.Status.CANCELLED:
        raise Http404("You are not registered for this event.")
    was = registration.status
    try:
        services.registration_cancel(event=event, user=request.user)
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, "You have left the waitlist." if was ==
                         Registration.Status.WAITLISTED else
                         "Your registration is cancelled; your place goes to the next person "
                         "waiting.")
    return redirect(event.get_absolute_url())


@login_required
def event_ics(request, pk):
    event = _event_or_404(request, pk)
    registration = selectors.registration_of(request.user, event)
    body = ical.calendar_of([], name=event.title, uid=calendar.event_calendar_uid(event),
                            extra=[calendar.vevent(event, place=registration and
                                                   registration.status)])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="network-event-{event.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def _managed_event_or_404(request, pk) -> Event:
    event = _event_or_404(request, pk)
    if not selectors.may_manage_event(request.user, event):
        raise Http404
    return event


@login_required
@require_POST
def attendance(request, pk):
    event = _managed_event_or_404(request, pk)
    present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
    try:
        came = services.attendance_record(event=event, actor=request.user, present=present)
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, f"Attendance saved: {came} came.")
    return redirect(event.get_absolute_url() + "#people")


@login_required
@require_POST
def material_add(request, pk):
    event = _managed_event_or_404(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        def add():
            data = form.cleaned_data
            services.material_add(event=event, actor=request.user, kind=data["kind"],
                                  title=data["title"], url=data["url"],
                                  upload=data["file"] or None)
            messages.success(request, f"“{data['title']}” is added.")
            return event.get_absolute_url() + "#materials"
        try:
            return submit_once(request, form, add)
        except ValidationError as error:
            service_errors_show(error=error, form=form)
    return _event_page(request, event, material_form=form, status=400)


@login_required
def material_download(request, pk, material_pk):
    event = _event_or_404(request, pk)
    material = get_object_or_404(EventMaterial.objects.filter(event=event), pk=material_pk)
    if not material.is_file:
        return HttpResponseRedirect(material.url)
    return private_file_response(
        material.storage_name, filename=material.original_name,
        content_type=material.content_type, missing="The file is missing from storage.",
        cache_control="private, max-age=0")


# --- Groups -----------------------------------------------------------------------------------


@login_required
def group_list(request):
    if not in_network(request.user):
        return _members_only(request)
    filters = GroupFilterForm(request.GET or None)
    kind = filters.cleaned_data["kind"] if filters.is_valid() else ""
    return render(request, "network/group_list.html", {
        "filters": filters,
        "page": page_of(request, selectors.group_list(request.user, kind=kind), size=PAGE_SIZE)})


def _group_or_404(request, slug):
    group = selectors.group_for(request.user, slug)
    if group is None:
        raise Http404("No such group.")
    return group, selectors.group_viewer(request.user, group)


@login_required
def group_detail(request, slug):
    group, viewer = _group_or_404(request, slug)
    context = {"group": group, "viewer": viewer, "shelf": None,
               "member_count": selectors.group_members(group).count()}
    if viewer.reads:
        shelf_query = request.GET.get("shelf_q", "")[:200] if viewer.moderates else ""
        context |= {
            "shelf": selectors.shelf_of(group, request.user),
            "shelf_query": shelf_query,
            "shelf_candidates": selectors.shelf_candidates(group, request.user, shelf_query),
            "members": page_of(request, selectors.group_members(group), size=30,
                               param="members"),
            "events": list(selectors.events_of_group(group, request.user)[:10]),
            "topics": page_of(request, selectors.topics_of(group), size=PAGE_SIZE),
            "notifications": NotificationsForm(initial={
                "notify": viewer.place.notify if viewer.place else False}),
        }
    if viewer.moderates:
        context["requests"] = list(selectors.join_requests(group)[:50])
    return render(request, "network/group_detail.html", context)


@login_required
@require_POST
def group_join(request, slug):
    group, _viewer = _group_or_404(request, slug)
    try:
        place = services.group_join(group=group, user=request.user)
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, f"Welcome to {group.name}." if place.is_active else
                         "Your request to join is sent; a facilitator decides and we email "
                         "you.")
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_leave(request, slug):
    group, viewer = _group_or_404(request, slug)
    if viewer.place is None or viewer.place.status not in (GroupMembership.Status.ACTIVE,
                                                           GroupMembership.Status.REQUESTED):
        raise Http404
    services.group_leave(group=group, user=request.user)
    messages.success(request, f"You have left {group.name}.")
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_notifications(request, slug):
    group, viewer = _group_or_404(request, slug)
    if not viewer.is_member:
        raise Http404
    form = NotificationsForm(request.POST)
    form.is_valid()
    notify = form.cleaned_data.get("notify", False)
    services.group_notifications_set(group=group, user=request.user, notify=notify)
    messages.success(request, "New posts in this group now come by email." if notify else
                     "You no longer get emails of new posts in this group.")
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def request_decide(request, slug, pk):
    group, viewer = _group_or_404(request, slug)
    if not viewer.moderates:
        raise Http404
    place = get_object_or_404(GroupMembership.objects.filter(group=group), pk=pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or decline.")
        return redirect(group.get_absolute_url() + "#requests")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.join_request_decide(place=place, actor=request.user, approve=approve,
                                     note=form.cleaned_data["note"])
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, f"{place.user} {'joins' if approve else 'was declined'}; "
                                  "they are told by email.")
    return redirect(group.get_absolute_url() + "#requests")


def _reading_group_or_404(request, slug):
    group, viewer = _group_or_404(request, slug)
    if not viewer.reads:
        raise Http404
    return group, viewer


@login_required
def topic_create(request, slug):
    group, _viewer = _reading_group_or_404(request, slug)
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def start():
            data = form.cleaned_data
            topic = services.topic_start(group=group, actor=request.user, title=data["title"],
                                         body=data["body"], markup=data["markup"])
            messages.success(request, "Your topic is posted.")
            return topic.get_absolute_url()
        try:
            return submit_once(request, form, start)
        except ValidationError as error:
            service_errors_show(error=error, form=form)
    return render(request, "network/topic_form.html", {"group": group, "form": form},
                  status=400 if form.is_bound else 200)


@login_required
def topic_detail(request, slug, pk):
    group, viewer = _reading_group_or_404(request, slug)
    topic = get_object_or_404(Topic.objects.filter(group=group).select_related("started_by"),
                              pk=pk)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def reply():
            post = services.post_add(topic=topic, actor=request.user,
                                     body=form.cleaned_data["body"],
                                     markup=form.cleaned_data["markup"])
            messages.success(request, "Your reply is posted.")
            return f"{topic.get_absolute_url()}?page=last#post-{post.pk}"
        try:
            return submit_once(request, form, reply)
        except ValidationError as error:
            service_errors_show(error=error, form=form)
    return render(request, "network/topic_detail.html", {
        "group": group, "viewer": viewer, "topic": topic, "form": form,
        "posts": page_of(request, selectors.posts_of(topic), size=PAGE_SIZE)},
        status=400 if form.is_bound else 200)


@login_required
@require_POST
def shelf_add(request, slug):
    """A facilitator (or staff) puts a library resource on the group's shelf."""
    group, viewer = _reading_group_or_404(request, slug)
    if not viewer.moderates:
        raise Http404
    try:
        resource = services.shelf_add(group=group, resource_id=_int(request.POST.get("resource")),
                                      actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"“{resource.title}” is on the shelf.")
    return redirect(reverse("network:group", args=[group.slug]) + "#shelf")


@login_required
@require_POST
def shelf_remove(request, slug, pk):
    """A facilitator (or staff) takes a resource off the shelf; the library keeps it."""
    group, viewer = _reading_group_or_404(request, slug)
    if not viewer.moderates:
        raise Http404
    try:
        services.shelf_remove(group=group, resource_id=pk, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Taken off the shelf (it stays in the library).")
    return redirect(reverse("network:group", args=[group.slug]) + "#shelf")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def post_hide(request, slug, pk):
    """Asks why (GET), then hides (POST): the group's facilitators and staff only."""
    group, viewer = _reading_group_or_404(request, slug)
    if not viewer.moderates:
        raise Http404
    post = get_object_or_404(Post.objects.filter(topic__group=group)
                             .select_related("topic", "author"), pk=pk)
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_hide(post=post, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            service_errors_show(error=error, form=form)
        else:
            messages.success(request, "The post is hidden; the record keeps who, when and why.")
            return redirect(reverse("network:topic", args=[group.slug, post.topic_id])
                            + f"#post-{post.pk}")
    return render(request, "network/post_hide.html", {"group": group, "post": post,
                                                      "form": form},
                  status=400 if form.is_bound else 200)
