"""Network events in calendars: one event's .ics, and the person's registrations in the same
private feed as their convenings (``collaboratives.convenings.calendar_sources``)."""

from datetime import UTC
from urllib.parse import urlparse

from django.conf import settings
from icalendar import Event as VEvent

from collaboratives.convenings.calendar_sources import calendar_source
from members.models import User
from network import selectors
from network.models import Event, Registration


def _host() -> str:
    return urlparse(settings.SITE_URL).hostname or "ncsup.example.org"


def event_calendar_uid(event: Event) -> str:
    return f"network-event-{event.pk}-calendar@{_host()}"


def vevent(event: Event, *, place: str | None) -> VEvent:
    """The event for a calendar, for someone ``registered``, ``waitlisted`` or with no place
    (None). The meeting link only for those with a place; someone on the waitlist sees a
    tentative event saying so."""
    registered = place == Registration.Status.REGISTERED
    waiting = place == Registration.Status.WAITLISTED
    page = settings.SITE_URL + event.get_absolute_url()
    description = [f"{event.get_kind_display().capitalize()}"
                   + (f" of {event.group.name}" if event.group_id else
                      ", open to every member of the network")]
    if waiting:
        description.append("You are on the waitlist: we email you if a place opens.")
    elif not registered:
        description.append("Register on the event's page to get the meeting link.")
    if event.is_online:
        location = event.meeting_link if registered else "Online"
    else:
        location = ", ".join(p for p in [event.venue, " ".join(event.address.split())] if p)
    if event.description:
        description.append(event.description)
    if event.is_cancelled:
        description.insert(0, "CANCELLED" + (f": {event.cancellation_reason}"
                                             if event.cancellation_reason else ""))
    description.append(f"Details: {page}")
    prefix = "Cancelled: " if event.is_cancelled else ("Waitlist: " if waiting else "")
    status = ("CANCELLED" if event.is_cancelled else "TENTATIVE" if waiting else "CONFIRMED")
    return VEvent.new(
        uid=f"network-event-{event.pk}@{_host()}",
        summary=prefix + event.title,
        start=event.starts_at.astimezone(UTC),
        end=event.ends_at.astimezone(UTC),
        location=location,
        description="\n\n".join(description),
        url=page,
        status=status,
        sequence=event.revision,
        last_modified=event.updated_at.astimezone(UTC),
    )


@calendar_source
def registrations_in_feed(user: User) -> list[VEvent]:
    """What the person registered for or waits for, in their one calendar feed (one query)."""
    return [vevent(r.event, place=r.status) for r in selectors.calendar_registrations(user)]
