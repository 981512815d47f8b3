"""Factories of the network's rows (flows go through network.services in the tests)."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from network.models import Event, Group, GroupMembership, Post, Topic
from tests.factories import UserFactory


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Working group {n}")
    slug = factory.Sequence(lambda n: f"working-group-{n}")
    summary = "Members working on chronic absenteeism together."

    class Params:
        by_request = factory.Trait(joining=Group.Joining.REQUEST)


class GroupMembershipFactory(DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)

    class Params:
        facilitator = factory.Trait(role=GroupMembership.Role.FACILITATOR)


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Webinar {n}: improvement science basics")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    meeting_link = "https://meet.example.org/ncsup-webinar"
    capacity = 30

    class Params:
        past = factory.Trait(
            starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=3)))


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic

    group = factory.SubFactory(GroupFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    started_by = factory.SubFactory(UserFactory)


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    topic = factory.SubFactory(TopicFactory)
    author = factory.SubFactory(UserFactory)
    body = "What worked for first-period attendance?"
