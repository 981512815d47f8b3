"""Tier rules: who sees which resource, on the list, the page and the download."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from resources.selectors import resources_visible_to


def _titles(user):
    return set(resources_visible_to(user).values_list("title", flat=True))


PUBLIC = {"What is improvement science?"}
MEMBERS = PUBLIC | {"Running your first PDSA cycle"}
TIER2 = MEMBERS | {"Coaching call agenda template"}
COLLAB = TIER2 | {"Attendance collaborative baseline"}


@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", PUBLIC),
    ("nobody", PUBLIC),          # signed in, no membership
    ("ended", PUBLIC),           # membership ended
    ("tier1_member", MEMBERS),
    ("outsider", TIER2),         # Tier 2, not in the collaborative
    ("lead_a", COLLAB),          # Tier 2, enrolled
    ("removed_a", PUBLIC),       # removed from the enrolled team
    ("coach_a", COLLAB),         # the Center's coaches see the whole library
])
def test_each_person_sees_what_their_membership_gives(lib, who, expected):
    user = AnonymousUser() if who == "anonymous" else getattr(lib, who)
    assert _titles(user) == expected


def test_staff_see_every_listed_resource_and_unlisted_ones_nowhere(lib):
    assert _titles(lib.staff) == COLLAB
    assert "Draft: math routines" not in _titles(lib.staff)


def test_a_resource_one_may_not_see_is_a_404_on_its_page(client, lib):
    client.force_login(lib.tier1_member)
    assert client.get(reverse("resources:detail", args=[lib.members.pk])).status_code == 200
    for hidden in (lib.tier2, lib.collab, lib.unlisted):
        assert client.get(reverse("resources:detail", args=[hidden.pk])).status_code == 404


def test_anonymous_visitors_read_public_resources_and_are_told_to_sign_in(client, lib):
    page = client.get(reverse("resources:library"))
    assert page.status_code == 200
    assert "What is improvement science?" in page.content.decode()
    assert "Running your first PDSA cycle" not in page.content.decode()
    assert "Sign in</a> to see the whole library" in page.content.decode()
    assert client.get(reverse("resources:detail", args=[lib.members.pk])).status_code == 404
