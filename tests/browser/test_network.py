"""Issue 14's network in a browser: a Tier 1 member registers for a webinar (and sees a full one
offer its waitlist) and joins a working group, then posts; screenshots of each network page at
laptop and phone width."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from network.models import EventMaterial, GroupMembership, Registration
from tests.factories import TeamFactory, TierFactory, UserFactory
from tests.network.factories import EventFactory, GroupFactory, GroupMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("NETWORK_SCREENSHOT_DIR", "/work/shots/network"))


def shots(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_tier1_member_registers_for_a_webinar_and_joins_a_working_group(page, live_server,
                                                                          sign_in):
    TierFactory()
    member = UserFactory(email="tier1@avondale.example.org", first_name="Ana",
                         last_name="Reyes")
    TeamFactory(lead=member, name="Avondale Elementary School District")
    facilitator = UserFactory(first_name="Dana", last_name="Okafor")
    TeamFactory(lead=facilitator)
    group = GroupFactory(name="Chronic absenteeism working group", slug="chronic-absenteeism",
                         focus_detail="chronic absenteeism",
                         summary="Districts and universities cutting chronic absenteeism.")
    GroupMembershipFactory(group=group, user=facilitator, facilitator=True)
    webinar = EventFactory(title="Webinar: reading a run chart", capacity=40,
                           description="Forty minutes on the four run-chart rules.")
    full = EventFactory(title="Workshop: driver diagrams", kind="workshop", capacity=1,
                        starts_at=timezone.now() + timedelta(days=20))
    Registration.objects.create(event=full, user=facilitator, status="registered")
    past = EventFactory(title="Webinar: PDSA cycles that teach", past=True)
    EventMaterial.objects.create(event=past, title="Recording", added_by=facilitator,
                                 url="https://video.example.org/pdsa")
    EventFactory(title="Book study: Learning to Improve", kind="book_study", group=group)

    sign_in(member)
    page.get_by_role("link", name="Network").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network events")
    shots(page, "events")
    page.get_by_role("link", name="Past events and recordings").click()
    expect(page.get_by_text("Webinar: PDSA cycles that teach")).to_be_visible()
    shots(page, "events-past")

    page.goto(f"{live_server.url}{full.get_absolute_url()}")
    expect(page.get_by_text("This event is full")).to_be_visible()
    shots(page, "event-full")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You are number 1 in the queue")).to_be_visible()

    page.goto(f"{live_server.url}{webinar.get_absolute_url()}")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered").first).to_be_visible()
    expect(page.get_by_role("link", name=webinar.meeting_link)).to_be_visible()
    shots(page, "event-registered")
    assert Registration.objects.get(event=webinar, user=member).status == "registered"

    page.get_by_role("link", name="Network").first.click()
    page.get_by_role("navigation", name="Network").get_by_role("link", name="Groups").click()
    shots(page, "groups")
    page.get_by_role("link", name="Chronic absenteeism working group").click()
    page.get_by_role("button", name="Join this group").click()
    expect(page.get_by_text("Welcome to Chronic absenteeism working group")).to_be_visible()
    assert GroupMembership.objects.get(group=group, user=member).status == "active"
    page.get_by_role("link", name="Start a topic").click()
    page.get_by_label("Topic").fill("First-period attendance")
    page.get_by_label("First post").fill("**Texts home** on the first absence: what worked?")
    page.get_by_label("Markdown (bold, italics, lists, links)").check()
    shots(page, "topic-new")
    page.get_by_role("button", name="Post").click()
    expect(page.locator(".post-body strong")).to_have_text("Texts home")
    shots(page, "topic")
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Shelf")).to_be_visible()
    shots(page, "group")

    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Your next events")).to_be_visible()
    expect(page.locator(".network-panel").get_by_text("Webinar: reading a run chart")
           ).to_be_visible()
    shots(page, "dashboard")
