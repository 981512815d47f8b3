"""A group's shelf: its facilitators (and staff) put library resources on it; members see the
ones the library lets them see; nobody else changes it."""

import pytest
from django.urls import reverse

from network.models import GroupMembership
from resources.models import Resource
from tests.network.factories import GroupMembershipFactory
from tests.resources.conftest import add


@pytest.fixture
def shelf(net):
    """Two library resources: one for every member, one for Tier 2 members only."""
    net.guide = add(net.staff, "Attendance texts: a guide", summary="Texting families.")
    net.tier2_only = add(net.staff, "Coaching call agenda", visibility="tier2",
                         summary="The agenda coaches use.")
    GroupMembershipFactory(group=net.open_group, user=net.member)
    return net


def group_page(client, group, **params):
    return client.get(reverse("network:group", args=[group.slug]), params)


def test_a_facilitator_finds_a_resource_and_puts_it_on_the_shelf_once(client, shelf):
    client.force_login(shelf.facilitator)
    found = group_page(client, shelf.open_group, shelf_q="texts").content.decode()
    assert "Attendance texts: a guide" in found and "Add to the shelf" in found
    url = reverse("network:shelf_add", args=[shelf.open_group.slug])
    client.post(url, {"resource": shelf.guide.pk})
    client.post(url, {"resource": shelf.guide.pk})  # a double-click
    assert list(shelf.open_group.shelf.all()) == [shelf.guide]
    again = group_page(client, shelf.open_group, shelf_q="texts").content.decode()
    assert "or it is on the shelf already" in again

    client.force_login(shelf.member)
    page = group_page(client, shelf.open_group).content.decode()
    assert "Attendance texts: a guide" in page
    assert "Take off the shelf" not in page and "Find a resource" not in page


def test_members_see_only_what_the_library_lets_them_see(client, shelf):
    shelf.open_group.shelf.add(shelf.guide, shelf.tier2_only)
    client.force_login(shelf.member)  # Tier 1
    page = group_page(client, shelf.open_group).content.decode()
    assert "Attendance texts: a guide" in page
    assert "Coaching call agenda" not in page


def test_a_member_cannot_change_the_shelf(client, shelf):
    client.force_login(shelf.member)
    add_url = reverse("network:shelf_add", args=[shelf.open_group.slug])
    assert client.post(add_url, {"resource": shelf.guide.pk}).status_code == 404
    shelf.open_group.shelf.add(shelf.guide)
    remove_url = reverse("network:shelf_remove", args=[shelf.open_group.slug, shelf.guide.pk])
    assert client.post(remove_url).status_code == 404
    assert list(shelf.open_group.shelf.all()) == [shelf.guide]


def test_a_resource_the_facilitator_cannot_see_or_that_does_not_exist_is_refused(client, shelf):
    hidden = add(shelf.staff, "Draft: math routines", listed=False)
    client.force_login(shelf.facilitator)
    url = reverse("network:shelf_add", args=[shelf.open_group.slug])
    for value in (hidden.pk, 999999, "<b>", ""):
        response = client.post(url, {"resource": value}, follow=True)
        assert "No such resource in the library." in response.content.decode()
    assert shelf.open_group.shelf.count() == 0


def test_staff_take_a_resource_off_and_the_library_keeps_it(client, shelf):
    shelf.open_group.shelf.add(shelf.guide)
    client.force_login(shelf.staff)
    client.post(reverse("network:shelf_remove", args=[shelf.open_group.slug, shelf.guide.pk]))
    assert shelf.open_group.shelf.count() == 0
    assert Resource.objects.filter(pk=shelf.guide.pk).exists()


def test_the_group_page_reads_the_shelf_in_a_bounded_number_of_queries(
        client, shelf, django_assert_max_num_queries):
    counts = []
    for size in (2, 30):
        while shelf.open_group.shelf.count() < size:
            shelf.open_group.shelf.add(add(shelf.staff, f"Guide {shelf.open_group.shelf.count()}"))
        client.force_login(shelf.facilitator)
        with django_assert_max_num_queries(20) as page:
            group_page(client, shelf.open_group, shelf_q="guide")
        counts.append(len(page.captured_queries))
    assert counts[0] == counts[1]
    assert GroupMembership.objects.filter(group=shelf.open_group).count() == 2
