"""Staff's admin of the network: lists with filters and search, cancelling an event through its
service (everyone registered is told), more places moving the waitlist up, hiding a post."""

import pytest
from django.urls import reverse

from core import once
from core.models import OutboundEmail
from network import services
from network.models import Event, Post, Registration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["group", "event", "registration", "topic", "post"])
def test_lists_open_with_filters_and_search(client, net, model):
    client.force_login(net.staff)
    url = reverse(f"admin:network_{model}_changelist")
    assert client.get(url, {"q": "run charts"}).status_code == 200


def _action(client, url, name, pk, **data):
    return client.post(url, {"action": name, "_selected_action": [pk], "apply": "1",
                             once.FIELD: once.form_token_new(), **data})


def test_cancel_action_tells_everyone_registered(client, net):
    services.event_register(event=net.webinar, user=net.member)
    client.force_login(net.staff)
    _action(client, reverse("admin:network_event_changelist"), "cancel_selected",
            net.webinar.pk, reason="The speaker is ill.")
    assert Event.objects.get(pk=net.webinar.pk).is_cancelled
    assert OutboundEmail.objects.filter(to=net.member.email,
                                        subject__startswith="Cancelled:").exists()


def test_more_places_in_the_admin_promote_the_waitlist_and_moves_bump_the_calendar(client,
                                                                                   net):
    for user in (net.member, net.colleague):
        services.event_register(event=net.webinar, user=user)
    services.event_register(event=net.webinar, user=net.other, waitlist=True)
    client.force_login(net.staff)
    url = reverse("admin:network_event_change", args=[net.webinar.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    starts, ends = net.webinar.starts_at, net.webinar.ends_at
    data |= {"capacity": "3", "starts_at_0": starts.date().isoformat(),
             "starts_at_1": "10:00:00", "ends_at_0": ends.date().isoformat(),
             "ends_at_1": "23:00:00"}
    for prefix in ("registrations", "materials"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Registration.objects.get(event=net.webinar, user=net.other).status == "registered"
    assert Event.objects.get(pk=net.webinar.pk).revision == 1


def test_hide_action_records_who_and_why(client, net):
    services.group_join(group=net.open_group, user=net.member)
    topic = services.topic_start(group=net.open_group, actor=net.member, title="T", body="B")
    client.force_login(net.staff)
    _action(client, reverse("admin:network_post_changelist"), "hide_selected",
            topic.posts.get().pk, reason="Off topic")
    post = Post.objects.get()
    assert post.is_hidden and post.hidden_by == net.staff and post.hidden_reason == "Off topic"
