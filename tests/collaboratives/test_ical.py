"""The iCalendar feed (a secret per-user address) and the single-event download."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from collaboratives.convenings.services import (
    calendar_token_for,
    calendar_token_reset,
    convening_cancel,
    convening_move,
)
from collaboratives.models import CalendarToken
from tests.collaboratives.util import url
from tests.factories import CollaborativeFactory, ConveningFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

LINK = "https://meet.example.org/winter-convening"


@pytest.fixture
def convenings(world):
    return {
        "online": ConveningFactory(collaborative=world.collaborative, online=True,
                                   meeting_link=LINK, title="Winter online convening"),
        "in_person": ConveningFactory(collaborative=world.collaborative,
                                      title="Spring convening in Oxford"),
        "elsewhere": ConveningFactory(collaborative=CollaborativeFactory(),
                                      title="Another collaborative's convening"),
    }


def feed(client, user):
    token = calendar_token_for(user=user).token
    return client.get(url("calendar_feed", token))


def test_the_feed_parses_back_with_the_members_convenings(client, world, convenings):
    response = feed(client, world.member_a)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    period = world.period
    assert set(events) == {"Winter online convening", "Spring convening in Oxford",
                           period.opening_convening.title, period.closing_convening.title}
    online = events["Winter online convening"]
    assert online.decoded("DTSTART") == convenings["online"].starts_at
    assert online.decoded("DTEND") == convenings["online"].ends_at
    assert str(online["LOCATION"]) == LINK
    assert str(online["STATUS"]) == "CONFIRMED"
    assert str(online["UID"]).startswith(f"convening-{convenings['online'].pk}@")
    in_person = events["Spring convening in Oxford"]
    assert "Jackson Avenue Center" in str(in_person["LOCATION"])
    assert "Attendance Works Collaborative" in str(in_person["DESCRIPTION"])


def test_a_moved_and_a_cancelled_convening_update_the_feed(client, world, convenings, staff):
    convening = convenings["online"]
    convening_move(convening=convening, starts_at=convening.starts_at + timedelta(days=1),
                   ends_at=convening.ends_at + timedelta(days=1))
    convening_cancel(convening=convening, actor=staff, reason="Snow")
    event = next(e for e in Calendar.from_ical(feed(client, world.member_b).content).walk("VEVENT")
                 if str(e["UID"]).startswith(f"convening-{convening.pk}@"))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 2
    assert event.decoded("DTSTART") == convening.starts_at


def test_a_wrong_or_retired_token_is_a_404(client, world, convenings):
    assert client.get(url("calendar_feed", "not-a-real-token")).status_code == 404
    old = calendar_token_for(user=world.member_a).token
    new = calendar_token_reset(user=world.member_a).token
    assert old != new
    assert client.get(url("calendar_feed", old)).status_code == 404
    assert client.get(url("calendar_feed", new)).status_code == 200


def test_an_outsiders_feed_has_no_convenings_of_the_collaborative(client, world, convenings):
    body = feed(client, world.outsider).content
    assert Calendar.from_ical(body).walk("VEVENT") == []
    assert LINK.encode() not in body


def test_the_calendar_page_creates_then_replaces_the_address(client, world):
    client.force_login(world.member_a)
    assert "Create my calendar address" in client.get(url("calendar")).content.decode()
    client.post(url("calendar"))
    first = CalendarToken.objects.get(user=world.member_a).token
    assert first in client.get(url("calendar")).content.decode()
    client.post(url("calendar"))
    assert CalendarToken.objects.get(user=world.member_a).token != first


def test_one_event_downloads_as_ics(client, world, convenings):
    client.force_login(world.member_b)
    convening = convenings["online"]
    response = client.get(url("convening_ics", world.collaborative.slug, convening.pk))
    assert response["Content-Disposition"] == f'attachment; filename="convening-{convening.pk}.ics"'
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Winter online convening"
    assert str(event["URL"]) == LINK

    client.force_login(world.outsider)
    assert client.get(url("convening_ics", world.collaborative.slug,
                          convening.pk)).status_code == 404


def _calendar_uid(response) -> str:
    return str(Calendar.from_ical(response.content)["UID"])


def test_the_feeds_own_uid_is_the_same_on_every_request_and_after_a_new_address(
        client, world, convenings):
    """RFC 7986: a calendar's UID is persistent; calendar apps de-duplicate subscriptions by
    it. It names the feed, not its secret."""
    token = calendar_token_for(user=world.member_a)
    first = _calendar_uid(client.get(url("calendar_feed", token.token)))
    assert first == _calendar_uid(client.get(url("calendar_feed", token.token)))
    assert token.token not in first
    new = calendar_token_reset(user=world.member_a).token
    assert _calendar_uid(client.get(url("calendar_feed", new))) == first
    other = calendar_token_for(user=world.member_b).token
    assert _calendar_uid(client.get(url("calendar_feed", other))) != first


def test_a_single_convening_download_has_a_stable_calendar_uid(client, world, convenings):
    client.force_login(world.member_b)
    address = url("convening_ics", world.collaborative.slug, convenings["online"].pk)
    assert _calendar_uid(client.get(address)) == _calendar_uid(client.get(address))


def test_a_double_click_on_new_address_replaces_it_once(client, world):
    """The page posts back which address it showed: the second click of a double click (or a
    replayed POST) finds it already replaced and keeps the new one."""
    client.force_login(world.member_a)
    client.post(url("calendar"))
    shown = CalendarToken.objects.get(user=world.member_a)
    page = client.get(url("calendar")).content.decode()
    assert f'name="replaces" value="{shown.fingerprint}"' in page
    assert shown.token not in shown.fingerprint
    for _ in range(2):
        response = client.post(url("calendar"), {"replaces": shown.fingerprint})
        assert response.status_code == 302
    (after,) = CalendarToken.objects.filter(user=world.member_a)
    assert after.token != shown.token
    assert after.pk == shown.pk
    assert after.token in client.get(url("calendar")).content.decode()
    # A click on the page now showing the new address replaces it again.
    client.post(url("calendar"), {"replaces": after.fingerprint})
    assert CalendarToken.objects.get(user=world.member_a).token != after.token
