"""Other apps' events in a person's calendar feed, without collaboratives importing them.

One feed carries everything a person is invited to. Collaboratives sits below the apps that
add events (the network's events), so those apps register a source in their ``AppConfig.ready()``:
``calendar_source(provider)`` with ``provider(user) -> iterable of icalendar.Event``. The feed
(``views.calendar_feed``) adds ``calendar_events_for(user)`` to the person's convenings. Each
source should cost a bounded number of queries."""

from collections.abc import Callable, Iterable

from icalendar import Event

_sources: list[Callable[..., Iterable[Event]]] = []


def calendar_source(provider: Callable[..., Iterable[Event]]) -> Callable:
    """Register ``provider(user)``; usable as a decorator. Registering the same function again
    (tests re-running ``ready()``) keeps one."""
    name = f"{provider.__module__}.{provider.__qualname__}"
    _sources[:] = [p for p in _sources if f"{p.__module__}.{p.__qualname__}" != name]
    _sources.append(provider)
    return provider


def calendar_events_for(user) -> list[Event]:
    """The registered sources' events for this person, in registration order."""
    return [event for provider in _sources for event in provider(user)]
