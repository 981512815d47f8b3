"""Registration with a capacity and a waitlist: a full event refuses and offers the waitlist;
cancelling promotes the first person waiting and tells them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, OutboundEmail
from network import services
from network.models import Registration
from tests.network.factories import EventFactory

pytestmark = pytest.mark.django_db


def _status(event, user):
    return Registration.objects.get(event=event, user=user).status


def test_registering_takes_places_until_full_then_refuses_and_offers_the_waitlist(net):
    event = net.webinar  # two places
    services.event_register(event=event, user=net.member)
    services.event_register(event=event, user=net.colleague)
    with pytest.raises(ValidationError) as refused:
        services.event_register(event=event, user=net.other)
    assert "This event is full. Join the waitlist" in refused.value.messages[0]
    assert not Registration.objects.filter(event=event, user=net.other).exists()
    services.event_register(event=event, user=net.other, waitlist=True)
    assert _status(event, net.other) == Registration.Status.WAITLISTED
    assert Registration.objects.filter(event=event, status="registered").count() == 2


def test_registering_twice_changes_nothing(net):
    first = services.event_register(event=net.webinar, user=net.member)
    again = services.event_register(event=net.webinar, user=net.member, waitlist=True)
    assert again.pk == first.pk and again.status == Registration.Status.REGISTERED
    assert Registration.objects.filter(event=net.webinar).count() == 1


def test_a_waitlist_place_is_taken_only_when_full(net):
    registration = services.event_register(event=net.webinar, user=net.member, waitlist=True)
    assert registration.status == Registration.Status.REGISTERED


def test_cancelling_promotes_the_first_waiting_and_tells_them_once(net):
    event = net.webinar
    services.event_register(event=event, user=net.member)
    services.event_register(event=event, user=net.colleague)
    services.event_register(event=event, user=net.other, waitlist=True)
    services.event_register(event=event, user=net.facilitator, waitlist=True)

    services.registration_cancel(event=event, user=net.colleague)

    assert _status(event, net.colleague) == Registration.Status.CANCELLED
    assert _status(event, net.other) == Registration.Status.REGISTERED  # first in the queue
    assert _status(event, net.facilitator) == Registration.Status.WAITLISTED
    (mail,) = OutboundEmail.objects.filter(to=net.other.email)
    assert mail.subject == f"You have a place: {event.title}"
    assert AuditEntry.objects.filter(action="status:registered",
                                     reason__startswith="A place opened").count() == 1


def test_leaving_the_waitlist_promotes_nobody(net):
    event = net.webinar
    services.event_register(event=event, user=net.member)
    services.event_register(event=event, user=net.colleague)
    services.event_register(event=event, user=net.other, waitlist=True)
    services.registration_cancel(event=event, user=net.other)
    assert _status(event, net.other) == Registration.Status.CANCELLED
    assert not OutboundEmail.objects.filter(to=net.other.email).exists()


def test_coming_back_after_cancelling_joins_the_end_of_the_queue(net):
    event = net.webinar
    services.event_register(event=event, user=net.member)
    services.event_register(event=event, user=net.colleague)
    services.event_register(event=event, user=net.other, waitlist=True)
    services.registration_cancel(event=event, user=net.member)  # other gets the place
    with pytest.raises(ValidationError):
        services.event_register(event=event, user=net.member)
    services.event_register(event=event, user=net.member, waitlist=True)
    services.event_register(event=event, user=net.facilitator, waitlist=True)
    services.registration_cancel(event=event, user=net.colleague)
    assert _status(event, net.member) == Registration.Status.REGISTERED
    assert _status(event, net.facilitator) == Registration.Status.WAITLISTED


def test_more_places_from_staff_move_the_waitlist_up(net):
    event = net.webinar
    for user in (net.member, net.colleague):
        services.event_register(event=event, user=user)
    services.event_register(event=event, user=net.other, waitlist=True)
    event.capacity = 3
    event.save()
    assert services.event_places_fill(event=event, actor=net.staff) == 1
    assert _status(event, net.other) == Registration.Status.REGISTERED


@pytest.mark.parametrize("who", ["outsider"])
def test_someone_outside_the_network_cannot_register(net, who):
    with pytest.raises(ValidationError, match="for members of the Center"):
        services.event_register(event=net.webinar, user=getattr(net, who))


def test_a_groups_event_is_for_its_members(net):
    event = EventFactory(group=net.open_group)
    with pytest.raises(ValidationError, match="join the group first"):
        services.event_register(event=event, user=net.member)
    services.group_join(group=net.open_group, user=net.member)
    assert services.event_register(event=event, user=net.member).status == "registered"


def test_no_registration_for_a_cancelled_or_started_event(net):
    started = EventFactory(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ValidationError, match="started"):
        services.event_register(event=started, user=net.member)
    services.event_cancel(event=net.webinar, actor=net.staff, reason="The speaker is ill.")
    with pytest.raises(ValidationError, match="cancelled"):
        services.event_register(event=net.webinar, user=net.member)


def test_cancelling_an_event_tells_everyone_registered_and_waiting_once(net):
    event = net.webinar
    for user in (net.member, net.colleague):
        services.event_register(event=event, user=user)
    services.event_register(event=event, user=net.other, waitlist=True)
    with pytest.raises(ValidationError):
        services.event_cancel(event=event, actor=net.staff, reason=" ")
    services.event_cancel(event=event, actor=net.staff, reason="The speaker is ill.")
    services.event_cancel(event=event, actor=net.staff, reason="Again")
    mails = OutboundEmail.objects.filter(subject=f"Cancelled: {event.title}")
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        [net.member.email, net.colleague.email, net.other.email])
    assert "The speaker is ill." in mails.first().text_body


# --- Pages ------------------------------------------------------------------------------------


def test_the_page_registers_then_a_full_event_offers_the_waitlist(client, net):
    url = net.webinar.get_absolute_url()
    client.force_login(net.member)
    page = client.get(url).content.decode()
    assert "Register</button>" in page and "Shown once you are registered" in page
    response = client.post(url, {"action": "register"}, follow=True)
    html = response.content.decode()
    assert "You are registered" in html and net.webinar.meeting_link in html
    services.event_register(event=net.webinar, user=net.colleague)
    client.force_login(net.other)
    html = client.get(url).content.decode()
    assert "This event is full" in html and "Join the waitlist</button>" in html
    html = client.post(url, {"action": "register"}, follow=True).content.decode()
    assert "This event is full. Join the waitlist" in html  # a stale page: refused, said why
    html = client.post(url, {"action": "waitlist"}, follow=True).content.decode()
    assert "You are number 1 in the queue" in html


def test_cancel_on_the_page_gives_the_place_to_the_next(client, net):
    services.event_register(event=net.webinar, user=net.member)
    services.event_register(event=net.webinar, user=net.colleague)
    services.event_register(event=net.webinar, user=net.other, waitlist=True)
    client.force_login(net.member)
    response = client.post(reverse("network:registration_cancel", args=[net.webinar.pk]),
                           follow=True)
    assert "your place goes to the next person" in response.content.decode()
    assert _status(net.webinar, net.other) == Registration.Status.REGISTERED


def test_cancel_without_a_registration_is_a_404(client, net):
    client.force_login(net.member)
    assert client.post(reverse("network:registration_cancel",
                               args=[net.webinar.pk])).status_code == 404


def test_a_groups_event_is_a_404_outside_the_group(client, net):
    event = EventFactory(group=net.closed_group)
    client.force_login(net.member)
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(reverse("network:event_ics", args=[event.pk])).status_code == 404
    client.force_login(net.facilitator)
    assert client.get(event.get_absolute_url()).status_code == 200


def test_outside_the_network_events_are_404_and_the_list_explains(client, net):
    client.force_login(net.outsider)
    assert client.get(net.webinar.get_absolute_url()).status_code == 404
    html = client.get(reverse("network:events")).content.decode()
    assert "for members of the Center" in html and net.webinar.title not in html
