"""Other apps' events join a person's one calendar feed through calendar_sources, without
collaboratives importing them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from collaboratives.convenings import calendar_sources
from collaboratives.convenings.services import calendar_token_for
from tests.collaboratives.util import url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources():
    saved = list(calendar_sources._sources)
    calendar_sources._sources[:] = []
    yield
    calendar_sources._sources[:] = saved


def _event(summary, user):
    start = timezone.now() + timedelta(days=3)
    return VEvent.new(uid=f"{summary}-{user.pk}@test", summary=summary, start=start,
                      end=start + timedelta(hours=1))


def test_a_registered_source_adds_its_events_to_the_persons_feed(client, sources):
    @calendar_sources.calendar_source
    def book_club(user):
        return [_event(f"Book club for {user.email}", user)]

    user = UserFactory(email="reader@example.org")
    body = client.get(url("calendar_feed", calendar_token_for(user=user).token)).content
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert summaries == ["Book club for reader@example.org"]


def test_registering_the_same_source_twice_keeps_one_and_none_gives_nothing(sources):
    def source(user):
        return [_event("Once", user)]

    calendar_sources.calendar_source(source)
    calendar_sources.calendar_source(source)
    user = UserFactory()
    assert [str(e["SUMMARY"]) for e in calendar_sources.calendar_events_for(user)] == ["Once"]
    calendar_sources._sources[:] = []
    assert calendar_sources.calendar_events_for(user) == []
