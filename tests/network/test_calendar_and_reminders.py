"""Network events in the one calendar feed (with the convenings), as .ics downloads, and their
reminders: the convenings' days before, each once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from collaboratives.convenings.services import calendar_token_for
from core.models import OutboundEmail
from network import services
from network.models import EventReminderLog
from network.tasks import event_reminders_send
from tests.factories import ConveningFactory
from tests.network.factories import EventFactory

pytestmark = pytest.mark.django_db


def _feed(client, user):
    token = calendar_token_for(user=user).token
    body = client.get(reverse("collaboratives:calendar_feed", args=[token])).content
    return {str(e["SUMMARY"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_the_convenings_feed_carries_the_network_events_a_person_registered_for(client, net):
    network_convening = ConveningFactory(open_to_network=True, title="Network convening")
    services.event_register(event=net.webinar, user=net.member)
    services.event_register(event=net.webinar, user=net.colleague)
    services.event_register(event=net.webinar, user=net.other, waitlist=True)
    EventFactory(title="Not registered")

    mine = _feed(client, net.member)
    assert set(mine) == {network_convening.title, "Webinar: run charts"}
    event = mine["Webinar: run charts"]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert net.webinar.meeting_link in str(event["LOCATION"])

    waiting = _feed(client, net.other)["Waitlist: Webinar: run charts"]
    assert str(waiting["STATUS"]) == "TENTATIVE"
    assert net.webinar.meeting_link not in waiting.to_ical().decode()

    services.event_cancel(event=net.webinar, actor=net.staff, reason="Speaker ill")
    cancelled = _feed(client, net.member)["Cancelled: Webinar: run charts"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1


def test_the_feed_costs_the_same_queries_for_one_or_many_events(client, net,
                                                                django_assert_max_num_queries):
    token = calendar_token_for(user=net.member).token
    address = reverse("collaboratives:calendar_feed", args=[token])
    services.event_register(event=net.webinar, user=net.member)
    with django_assert_max_num_queries(12) as few:
        client.get(address)
    for _ in range(8):
        services.event_register(event=EventFactory(), user=net.member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(address)


def test_one_event_downloads_as_ics(client, net):
    client.force_login(net.member)
    response = client.get(reverse("network:event_ics", args=[net.webinar.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Webinar: run charts"
    assert net.webinar.meeting_link not in response.content.decode()  # not registered yet
    assert "Register on the event" in str(event["DESCRIPTION"])
    services.event_register(event=net.webinar, user=net.member)
    response = client.get(reverse("network:event_ics", args=[net.webinar.pk]))
    assert net.webinar.meeting_link in response.content.decode()


def test_reminders_go_to_those_registered_once_each(net, settings):
    settings.COLLABORATIVE_REMINDER_DAYS = [14, 2]
    event = net.webinar
    event.starts_at = timezone.now() + timedelta(days=1, hours=2)
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()
    services.event_register(event=event, user=net.member)
    services.event_register(event=event, user=net.colleague)
    services.event_register(event=event, user=net.other, waitlist=True)
    far = EventFactory(starts_at=timezone.now() + timedelta(days=30))
    services.event_register(event=far, user=net.member)

    assert event_reminders_send() == 2
    assert event_reminders_send() == 0  # the job runs twice: nothing more
    mails = OutboundEmail.objects.filter(subject__endswith=event.title)
    assert sorted(mails.values_list("to", flat=True)) == sorted([net.member.email,
                                                                net.colleague.email])
    assert "Tomorrow" in mails.first().subject or "In 2 days" in mails.first().subject
    assert EventReminderLog.objects.filter(event=event).count() == 2


def test_no_reminder_for_a_cancelled_event(net):
    event = net.webinar
    event.starts_at = timezone.now() + timedelta(days=1)
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()
    services.event_register(event=event, user=net.member)
    services.event_cancel(event=event, actor=net.staff, reason="Speaker ill")
    event_reminders_send()
    subjects = list(OutboundEmail.objects.values_list("subject", flat=True))
    assert subjects == [f"Cancelled: {event.title}"]
