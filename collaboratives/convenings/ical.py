"""Convenings as iCalendar (RFC 5545), built with the ``icalendar`` package."""

from collections.abc import Iterable
from datetime import UTC
from urllib.parse import urlparse

from django.conf import settings
from icalendar import Calendar, Event

from collaboratives.convenings.models import Convening

PRODID = "-//NCSUP//Collaboratives//EN"


def _host() -> str:
    return urlparse(settings.SITE_URL).hostname or "ncsup.example.org"


def _uid(convening: Convening) -> str:
    return f"convening-{convening.pk}@{_host()}"


def feed_uid(feed_id: int) -> str:
    """The persistent UID of a person's feed (RFC 7986 §5.3): from the feed's row id, which a new
    secret address keeps, never from the secret itself. Calendar apps de-duplicate by it."""
    return f"calendar-feed-{feed_id}@{_host()}"


def convening_calendar_uid(convening: Convening) -> str:
    """The UID of the one-event calendar a convening downloads as."""
    return f"convening-{convening.pk}-calendar@{_host()}"


def convening_event(convening: Convening) -> Event:
    """One convening as an event. Only ever built for people allowed to see its meeting link."""
    page = settings.SITE_URL + convening.get_absolute_url()
    if convening.is_online:
        location = convening.meeting_link
        where = f"Online: {convening.meeting_link}"
    else:
        location = ", ".join(part for part in [convening.venue,
                                               " ".join(convening.address.split())] if part)
        where = f"In person: {location}"
    description = [convening.collaborative.name, where]
    if convening.agenda:
        description.append(convening.agenda)
    if convening.is_cancelled:
        description.insert(0, "CANCELLED" + (f": {convening.cancellation_reason}"
                                             if convening.cancellation_reason else ""))
    description.append(f"Details and RSVP: {page}")
    return Event.new(
        uid=_uid(convening),
        summary=("Cancelled: " if convening.is_cancelled else "") + convening.title,
        start=convening.starts_at.astimezone(UTC),
        end=convening.ends_at.astimezone(UTC),
        location=location,
        description="\n\n".join(description),
        url=convening.meeting_link if convening.is_online else page,
        status="CANCELLED" if convening.is_cancelled else "CONFIRMED",
        sequence=convening.revision,
        last_modified=convening.updated_at.astimezone(UTC),
    )


def calendar_of(convenings: Iterable[Convening], *, name: str, uid: str,
                extra: Iterable[Event] = ()) -> bytes:
    """The convenings, and any ``extra`` events (other apps' ``calendar_sources``), as one
    calendar; ``uid`` is the calendar's own, the same on every request (``feed_uid``,
    ``convening_calendar_uid``)."""
    calendar = Calendar.new(prodid=PRODID, name=name, uid=uid,
                            subcomponents=[*(convening_event(c) for c in convenings), *extra])
    calendar.add("method", "PUBLISH")
    return calendar.to_ical()
