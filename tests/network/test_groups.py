"""Groups: joining (open, or by a request a facilitator decides; never one's own), posting
(members only), moderation with a record, notifications of new posts and turning them off, and
markup shown safely."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEntry, OutboundEmail
from network import services
from network.models import GroupMembership, Post
from tests.network.factories import GroupMembershipFactory, TopicFactory
from tests.once import token

pytestmark = pytest.mark.django_db


def test_an_open_group_is_joined_at_once(net):
    place = services.group_join(group=net.open_group, user=net.member)
    assert place.status == GroupMembership.Status.ACTIVE
    assert services.group_join(group=net.open_group, user=net.member).pk == place.pk


def test_a_request_is_decided_by_a_facilitator_and_the_person_is_told(net):
    place = services.group_join(group=net.closed_group, user=net.member)
    assert place.status == GroupMembership.Status.REQUESTED
    (asked,) = OutboundEmail.objects.filter(to=net.facilitator.email)
    assert asked.subject == f"{net.member} asks to join Data analysts"
    with pytest.raises(ValidationError, match="Only the group's facilitators"):
        services.join_request_decide(place=place, actor=net.other, approve=True)
    services.join_request_decide(place=place, actor=net.facilitator, approve=True,
                                 note="Welcome!")
    place.refresh_from_db()
    assert place.status == GroupMembership.Status.ACTIVE and place.decided_by == net.facilitator
    (told,) = OutboundEmail.objects.filter(to=net.member.email)
    assert told.subject == "Welcome to Data analysts" and "Welcome!" in told.text_body


def test_nobody_approves_their_own_request_not_even_a_facilitator_elsewhere(net):
    """A facilitator of another group asks to join; they cannot approve themselves here, even
    as a member who later became a facilitator of this one."""
    place = services.group_join(group=net.closed_group, user=net.other)
    place.role = GroupMembership.Role.FACILITATOR  # a role set in the admin while requested
    place.save()
    with pytest.raises(ValidationError, match="Nobody decides their own request"):
        services.join_request_decide(place=place, actor=net.other, approve=True)
    assert GroupMembership.objects.get(pk=place.pk).status == GroupMembership.Status.REQUESTED


def test_a_declined_person_may_ask_again(net):
    place = services.group_join(group=net.closed_group, user=net.member)
    services.join_request_decide(place=place, actor=net.staff, approve=False)
    assert services.group_join(group=net.closed_group, user=net.member).status == "requested"


def test_outside_the_network_nobody_joins(net):
    with pytest.raises(ValidationError, match="for members of the Center"):
        services.group_join(group=net.open_group, user=net.outsider)


def test_non_members_cannot_post_or_start_topics(net):
    topic = TopicFactory(group=net.open_group, started_by=net.facilitator)
    with pytest.raises(ValidationError, match="join the group first"):
        services.post_add(topic=topic, actor=net.member, body="Hello")
    with pytest.raises(ValidationError, match="join the group first"):
        services.topic_start(group=net.open_group, actor=net.member, title="Hi", body="Hello")
    place = services.group_join(group=net.closed_group, user=net.member)  # only requested
    assert place.status == "requested"
    with pytest.raises(ValidationError):
        services.topic_start(group=net.closed_group, actor=net.member, title="Hi", body="x")


def test_a_new_post_emails_members_who_take_them_not_the_author(net):
    services.group_join(group=net.open_group, user=net.member)
    services.group_join(group=net.open_group, user=net.colleague)
    services.group_join(group=net.open_group, user=net.other)
    services.group_notifications_set(group=net.open_group, user=net.colleague, notify=False)
    net.other.email_nudges = False  # turned off every nudge in Your account
    net.other.save()
    topic = services.topic_start(group=net.open_group, actor=net.member,
                                 title="First-period attendance", body="What worked?")
    sent = set(OutboundEmail.objects.values_list("to", flat=True))
    assert sent == {net.facilitator.email}
    mail = OutboundEmail.objects.get()
    assert mail.subject == f"{net.member} in {net.open_group.name}: First-period attendance"
    assert "Turn them off on the group page" in mail.text_body
    services.post_add(topic=topic, actor=net.facilitator, body="Texts home.")
    assert set(OutboundEmail.objects.values_list("to", flat=True)) == {net.facilitator.email,
                                                                      net.member.email}


def test_turning_notifications_off_on_the_group_page(client, net):
    services.group_join(group=net.open_group, user=net.member)
    client.force_login(net.member)
    url = reverse("network:group_notifications", args=[net.open_group.slug])
    html = client.post(url, {}, follow=True).content.decode()
    assert "You no longer get emails of new posts in this group" in html
    assert not GroupMembership.objects.get(group=net.open_group, user=net.member).notify
    client.post(url, {"notify": "on"})
    assert GroupMembership.objects.get(group=net.open_group, user=net.member).notify


def test_moderation_hides_with_a_record_and_shows_hidden_by_a_moderator(client, net):
    services.group_join(group=net.open_group, user=net.member)
    topic = services.topic_start(group=net.open_group, actor=net.member, title="Ideas",
                                 body="Call my cousin's number 555-0100")
    post = topic.posts.get()
    with pytest.raises(ValidationError, match="Only the group's facilitators"):
        services.post_hide(post=post, actor=net.member, reason="mine")
    with pytest.raises(ValidationError, match="Say why"):
        services.post_hide(post=post, actor=net.facilitator, reason="")
    services.post_hide(post=post, actor=net.facilitator, reason="Personal phone number")
    post.refresh_from_db()
    assert post.hidden_by == net.facilitator and post.hidden_at is not None
    assert post.hidden_reason == "Personal phone number"
    assert AuditEntry.objects.filter(action="post:hidden", actor=net.facilitator,
                                     reason="Personal phone number").exists()
    client.force_login(net.member)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Hidden by a moderator." in html and "555-0100" not in html
    assert "Personal phone number" not in html  # the reason is for moderators
    client.force_login(net.staff)
    assert "Personal phone number" in client.get(topic.get_absolute_url()).content.decode()


def test_the_hide_page_is_for_moderators_only(client, net):
    services.group_join(group=net.open_group, user=net.member)
    topic = services.topic_start(group=net.open_group, actor=net.member, title="Ideas",
                                 body="Hello")
    url = reverse("network:post_hide", args=[net.open_group.slug, topic.posts.get().pk])
    client.force_login(net.member)
    assert client.get(url).status_code == 404
    client.force_login(net.facilitator)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(url, {"reason": "Off topic"})
    assert response.status_code == 302 and Post.objects.get().is_hidden


def test_a_script_post_shows_as_text_in_either_markup(client, net):
    services.group_join(group=net.open_group, user=net.member)
    topic = services.topic_start(group=net.open_group, actor=net.member, title="Markup",
                                 body="<script>alert('x')</script> **plain**")
    services.post_add(topic=topic, actor=net.member, markup="markdown",
                      body="**bold** <script>alert('y')</script> [a](javascript:alert(1)) "
                           "<img src=x onerror=alert(2)> [ok](https://example.org)")
    client.force_login(net.member)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "<script>alert" not in html and "<img" not in html  # shown, never run
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; **plain**" in html
    assert "<strong>bold</strong>" in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.org" rel="nofollow noopener">ok</a>' in html


def test_topic_and_reply_through_the_pages(client, net):
    services.group_join(group=net.open_group, user=net.member)
    client.force_login(net.member)
    create = reverse("network:topic_create", args=[net.open_group.slug])
    response = client.post(create, {"title": "", "body": "Kept", "markup": "text", **token()})
    assert response.status_code == 400 and "Kept" in response.content.decode()
    response = client.post(create, {"title": "Attendance", "body": "What worked?",
                                    "markup": "text", **token()})
    assert response.status_code == 302
    topic = net.open_group.topics.get()
    response = client.post(topic.get_absolute_url(), {"body": "Texts home", "markup": "text",
                                                      **token()})
    assert response.status_code == 302
    assert list(topic.posts.values_list("body", flat=True)) == ["What worked?", "Texts home"]


def test_group_pages_refuse_outsiders_and_hide_discussion_from_non_members(client, net):
    topic = TopicFactory(group=net.closed_group, started_by=net.facilitator)
    client.force_login(net.outsider)
    assert client.get(net.closed_group.get_absolute_url()).status_code == 404
    client.force_login(net.member)
    html = client.get(net.closed_group.get_absolute_url()).content.decode()
    assert "Ask to join</button>" in html and topic.title not in html
    assert client.get(topic.get_absolute_url()).status_code == 404
    assert client.get(reverse("network:topic_create",
                              args=[net.closed_group.slug])).status_code == 404


def test_facilitators_see_requests_on_the_group_page_and_decide(client, net):
    place = services.group_join(group=net.closed_group, user=net.member)
    client.force_login(net.facilitator)
    html = client.get(net.closed_group.get_absolute_url()).content.decode()
    assert "Requests to join" in html and str(net.member) in html
    url = reverse("network:request_decide", args=[net.closed_group.slug, place.pk])
    client.post(url, {"decision": "approve"})
    assert GroupMembership.objects.get(pk=place.pk).status == "active"
    client.force_login(net.member)  # now a member, not a facilitator: cannot decide others
    other = services.group_join(group=net.closed_group, user=net.other)
    assert client.post(reverse("network:request_decide", args=[net.closed_group.slug,
                                                               other.pk]),
                       {"decision": "approve"}).status_code == 404


def test_leaving_a_group(client, net):
    GroupMembershipFactory(group=net.open_group, user=net.member)
    client.force_login(net.member)
    client.post(reverse("network:group_leave", args=[net.open_group.slug]))
    assert GroupMembership.objects.get(group=net.open_group, user=net.member).status == "left"
    assert client.post(reverse("network:group_leave",
                               args=[net.open_group.slug])).status_code == 404
