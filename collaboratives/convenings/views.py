"""Pages of convenings: a convening (with RSVP), its iCalendar event, the person's private
calendar feed and the page to subscribe to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings import calendar_sources, ical, selectors, services
from collaboratives.convenings.forms import RSVPForm
from collaboratives.convenings.models import RSVP, CalendarToken
from collaboratives.programme import selectors as programme_selectors
from collaboratives.programme.web import page_context, paginate
from core.forms import service_errors_show
from core.once import submit_once

RSVP_COUNT_LABELS = [(RSVP.Response.YES, "coming"), (RSVP.Response.MAYBE, "not sure yet"),
                     (RSVP.Response.NO, "not coming")]


def _convening(request, slug, pk):
    """The convening, its collaborative, and what this person may see of it. A member of the
    network who is not in the collaborative sees only a convening open to the whole network,
    as a guest: the convening and its meeting link, none of the collaborative's pages."""
    collaborative = programme_selectors.collaborative_for(request.user, slug)
    if collaborative is not None:
        convening = get_object_or_404(selectors.convenings_of(collaborative), pk=pk)
        return collaborative, programme_selectors.viewer_for(request.user, collaborative), convening
    convening = selectors.network_convening(request.user, slug, pk)
    if convening is None:
        raise Http404("No such convening.")
    return convening.collaborative, programme_selectors.Viewer(network_guest=True), convening


@login_required
def convening_detail(request, slug, pk):
    collaborative, viewer, convening = _convening(request, slug, pk)
    my_rsvp = RSVP.objects.filter(convening=convening, user=request.user).first()
    form = RSVPForm(initial={"response": my_rsvp.response if my_rsvp else None})
    if request.method == "POST":
        form = RSVPForm(request.POST)
        if form.is_valid():
            def answer():
                services.rsvp_set(convening=convening, user=request.user,
                                  response=form.cleaned_data["response"])
                messages.success(request, "Thank you: your answer is saved.")
                return convening.get_absolute_url()
            try:
                return submit_once(request, form, answer)
            except ValidationError as error:
                service_errors_show(error=error, form=form)
    counts = dict(convening.rsvps.values_list("response").annotate(n=Count("pk")).order_by())
    attendees = None
    if viewer.is_staff:
        attendees = paginate(request, convening.rsvps.select_related("user")
                             .order_by("response", "user__last_name", "user__email"), size=50)
    may_rsvp = (selectors.invited_to(request.user, convening, viewer)
                and not convening.is_cancelled and convening.ends_at > timezone.now())
    return render(request, "collaboratives/convening_detail.html", page_context(
        collaborative, viewer, convening=convening, form=form, my_rsvp=my_rsvp,
        may_rsvp=may_rsvp, attendees=attendees, guest=viewer.network_guest,
        counts=[(label, counts.get(value, 0)) for value, label in RSVP_COUNT_LABELS],
    ))


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def convening_ics(request, slug, pk):
    """One convening as an .ics file, to add it to a calendar."""
    _, _, convening = _convening(request, slug, pk)
    body = ical.calendar_of([convening], name=convening.title,
                            uid=ical.convening_calendar_uid(convening))
    return _ics_response(body, f"convening-{convening.pk}.ics")


def calendar_feed(request, token):
    """A person's convenings, and the other events they are invited to (``calendar_sources``),
    as a subscribable feed. The secret address is the only key: no session (calendar apps have
    none); a wrong or retired token is a 404."""
    calendar_token = (CalendarToken.objects.select_related("user")
                      .filter(token=token, user__is_active=True).first())
    if calendar_token is None:
        raise Http404
    convenings = selectors.convenings_for_calendar(calendar_token.user)
    body = ical.calendar_of(convenings, name="NCSUP convenings",
                            uid=ical.feed_uid(calendar_token.pk),
                            extra=calendar_sources.calendar_events_for(calendar_token.user))
    return _ics_response(body, "ncsup-convenings.ics")


@login_required
def calendar_subscribe(request):
    """Shows the person's secret feed address; POST creates it, or replaces it with a new one."""
    token = CalendarToken.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token is None:
            token = services.calendar_token_for(user=request.user)
            messages.success(request, "Your calendar address is ready.")
        else:
            # The page names the address it shows: a second click (or a replayed POST) finds
            # it already replaced and lands on the new one instead of replacing it again.
            token = services.calendar_token_reset(user=request.user,
                                                  replaces=request.POST.get("replaces"))
            messages.success(request, "You have a new calendar address; the old one no longer "
                                      "works.")
        return redirect("collaboratives:calendar")
    feed_url = (request.build_absolute_uri(reverse("collaboratives:calendar_feed",
                                                  args=[token.token])) if token else None)
    upcoming = selectors.convenings_for_calendar(request.user).filter(ends_at__gt=timezone.now())
    return render(request, "collaboratives/calendar_subscribe.html", {
        "feed_url": feed_url, "replaces": token.fingerprint if token else "",
        "upcoming": paginate(request, upcoming)})
