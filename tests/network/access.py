"""The network's rows in the shared test worlds (tests/test_access_matrix.py's personas and
tests/test_double_submit.py's site), built once per world."""

from datetime import timedelta

from django.utils import timezone

from network.models import EventMaterial, GroupMembership, Registration
from tests.network.factories import EventFactory, GroupFactory, PostFactory, TopicFactory


def matrix_network(w):
    """A group by request that ``lead`` facilitates and ``team_member`` belongs to, with
    ``other_member``'s request waiting; its event (``team_member`` registered, a recording), a
    topic with a post."""
    if getattr(w, "network", None) is not None:
        return w.network
    group = GroupFactory(name="Matrix working group", slug="matrix-group", by_request=True)
    GroupMembership.objects.create(group=group, user=w.lead,
                                   role=GroupMembership.Role.FACILITATOR)
    GroupMembership.objects.create(group=group, user=w.team_member)
    request = GroupMembership.objects.create(group=group, user=w.other_member,
                                             status=GroupMembership.Status.REQUESTED)
    event = EventFactory(group=group, starts_at=timezone.now() + timedelta(days=5))
    Registration.objects.create(event=event, user=w.team_member, status="registered")
    material = EventMaterial.objects.create(event=event, title="Recording", added_by=w.lead,
                                            url="https://video.example.org/matrix")
    topic = TopicFactory(group=group, started_by=w.team_member)
    post = PostFactory(topic=topic, author=w.team_member)
    w.network = type("MatrixNetwork", (), dict(group=group, request=request, event=event,
                                               material=material, topic=topic, post=post))
    return w.network


def site_network(w):
    """An open group with ``member_a`` in it and a topic; an event staff manage."""
    if getattr(w, "network", None) is not None:
        return w.network
    group = GroupFactory(name="Site working group", slug="site-group")
    GroupMembership.objects.create(group=group, user=w.member_a)
    topic = TopicFactory(group=group, started_by=w.member_a)
    PostFactory(topic=topic, author=w.member_a)
    event = EventFactory()
    w.network = type("SiteNetwork", (), dict(group=group, topic=topic, event=event))
    return w.network
