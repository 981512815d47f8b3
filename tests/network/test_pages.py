"""The network's pages: lists with filters and pagination, the dashboard panel, materials and
attendance; each page runs the same number of queries whatever the data size."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from network import services
from network.models import Event, EventMaterial, Registration
from tests.factories import UserFactory
from tests.network.factories import (
    EventFactory,
    GroupFactory,
    GroupMembershipFactory,
    PostFactory,
    TopicFactory,
)
from tests.once import token

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
       b"N\x00\x00\x00\x00IEND\xaeB`\x82")


def _same_queries(client, url, grow, django_assert_max_num_queries, most=20):
    with django_assert_max_num_queries(most) as small:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def _many_events(n, **kwargs):
    for i in range(n):
        event = EventFactory(**kwargs)
        EventMaterial.objects.create(event=event, title=f"Recording {i}", url="https://v.example.org/x",
                                     added_by=UserFactory())


def test_event_list_queries_do_not_grow(client, net, django_assert_max_num_queries):
    client.force_login(net.member)
    services.event_register(event=net.webinar, user=net.member)
    _same_queries(client, reverse("network:events"), lambda: _many_events(25),
                  django_assert_max_num_queries)
    _many_events(1, past=True)  # a page with rows, in both sizes
    _same_queries(client, reverse("network:events") + "?when=past",
                  lambda: _many_events(25, past=True), django_assert_max_num_queries)


def test_event_detail_queries_do_not_grow(client, net, django_assert_max_num_queries):
    client.force_login(net.staff)
    url = net.webinar.get_absolute_url()
    services.event_register(event=net.webinar, user=net.member)  # rows in both sizes

    def grow():
        net.webinar.capacity = 100
        net.webinar.save()
        for _ in range(12):
            user = UserFactory()
            Registration.objects.create(event=net.webinar, user=user, status="registered")
        for i in range(5):
            EventMaterial.objects.create(event=net.webinar, title=f"Slides {i}",
                                         url="https://s.example.org", added_by=net.staff)
    _same_queries(client, url, grow, django_assert_max_num_queries, most=25)


def test_group_pages_queries_do_not_grow(client, net, django_assert_max_num_queries):
    group = net.open_group
    services.group_join(group=group, user=net.member)
    topic = TopicFactory(group=group, started_by=net.member)
    PostFactory(topic=topic, author=net.member)  # rows in both sizes
    EventFactory(group=group)
    client.force_login(net.member)

    def grow_groups():
        for _ in range(10):
            GroupMembershipFactory(group=GroupFactory())

    def grow_group():
        for _ in range(10):
            GroupMembershipFactory(group=group)
            TopicFactory(group=group, started_by=net.member)
            EventFactory(group=group)

    def grow_topic():
        for _ in range(10):
            PostFactory(topic=topic, author=UserFactory())

    _same_queries(client, reverse("network:groups"), grow_groups, django_assert_max_num_queries)
    _same_queries(client, group.get_absolute_url(), grow_group, django_assert_max_num_queries,
                  most=25)
    _same_queries(client, topic.get_absolute_url(), grow_topic, django_assert_max_num_queries)


def test_dashboard_panel_shows_next_events_and_groups_at_a_constant_cost(
        client, net, django_assert_max_num_queries):
    client.force_login(net.member)
    html = client.get(reverse("members:dashboard")).content.decode()
    assert "Your next events" in html and "You have not registered for an event yet." in html
    services.event_register(event=net.webinar, user=net.member)
    services.group_join(group=net.open_group, user=net.member)
    html = client.get(reverse("members:dashboard")).content.decode()
    assert net.webinar.title in html and net.open_group.name in html

    def grow():
        for _ in range(8):
            services.event_register(event=EventFactory(), user=net.member)
            services.group_join(group=GroupFactory(), user=net.member)
    _same_queries(client, reverse("members:dashboard"), grow, django_assert_max_num_queries,
                  most=40)


def test_no_panel_outside_the_network(client, net):
    client.force_login(net.outsider)
    assert "Your next events" not in client.get(reverse("members:dashboard")).content.decode()


def test_lists_filter_and_paginate(client, net):
    client.force_login(net.member)
    GroupMembershipFactory(group=net.open_group, user=net.member)
    EventFactory(title="Book study: Learning to Improve", kind=Event.Kind.BOOK_STUDY,
                 group=net.open_group)
    html = client.get(reverse("network:events") + "?kind=book_study").content.decode()
    assert "Book study: Learning to Improve" in html and net.webinar.title not in html
    html = client.get(reverse("network:events") + "?group=chronic-absenteeism").content.decode()
    assert "Book study: Learning to Improve" in html and net.webinar.title not in html
    html = client.get(reverse("network:events") + "?kind=meetup").content.decode()
    assert "No event matches these filters" in html
    for _ in range(25):
        EventFactory()
    html = client.get(reverse("network:events")).content.decode()
    assert "Page 1 of 2" in html
    html = client.get(reverse("network:groups") + "?kind=affinity_group").content.decode()
    assert "No group of this kind yet" in html


def test_past_events_show_their_recordings(client, net):
    past = EventFactory(past=True, title="Webinar: driver diagrams")
    EventMaterial.objects.create(event=past, kind="recording", title="Recording",
                                 url="https://video.example.org/dd", added_by=net.staff)
    client.force_login(net.member)
    html = client.get(reverse("network:events") + "?when=past").content.decode()
    assert "Webinar: driver diagrams" in html and "Recording" in html
    assert "Webinar: driver diagrams" not in client.get(reverse("network:events")).content.decode()
    html = client.get(past.get_absolute_url()).content.decode()
    assert "https://video.example.org/dd" not in html  # served through the checked link
    response = client.get(reverse("network:material", args=[past.pk,
                                                            past.materials.get().pk]))
    assert response.status_code == 302 and response.url == "https://video.example.org/dd"


def test_materials_are_added_by_the_facilitator_and_files_are_checked(client, net):
    event = EventFactory(facilitator=net.facilitator)
    url = reverse("network:material_add", args=[event.pk])
    client.force_login(net.member)
    assert client.post(url, {"kind": "slides", "title": "x", **token()}).status_code == 404
    client.force_login(net.facilitator)
    fake = SimpleUploadedFile("slides.pdf", b"MZ not a pdf", "application/pdf")
    response = client.post(url, {"kind": "slides", "title": "Slides", "file": fake, **token()})
    assert response.status_code == 400
    assert "does not contain what its name says (PDF)" in response.content.decode()
    response = client.post(url, {"kind": "slides", "title": "Slides", **token()})
    assert "Give a link or attach a file" in response.content.decode()
    chart = SimpleUploadedFile("chart.png", PNG, "image/png")
    response = client.post(url, {"kind": "slides", "title": "Run chart", "file": chart,
                                 **token()})
    assert response.status_code == 302
    material = EventMaterial.objects.get()
    assert material.storage_name.startswith("network/materials/")
    client.force_login(net.member)
    download = client.get(reverse("network:material", args=[event.pk, material.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    client.force_login(net.outsider)
    assert client.get(reverse("network:material", args=[event.pk,
                                                        material.pk])).status_code == 404


def test_attendance_is_recorded_by_the_facilitator_after_the_start(client, net):
    event = net.webinar
    event.facilitator = net.facilitator
    event.save()
    first = services.event_register(event=event, user=net.member)
    second = services.event_register(event=event, user=net.colleague)
    url = reverse("network:attendance", args=[event.pk])
    client.force_login(net.facilitator)
    html = client.post(url, {"present": [first.pk]}, follow=True).content.decode()
    assert "Attendance is recorded once the event has started" in html
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(hours=1),
                                             ends_at=timezone.now())
    client.post(url, {"present": [first.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.attended is True and second.attended is False
    client.force_login(net.member)
    assert client.post(url, {"present": [second.pk]}).status_code == 404
