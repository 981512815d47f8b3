"""The directory: members with an active membership only, opted-in institutions only, search
and filters, bounded queries, and entries written by the institution's lead."""

import pytest
from django.urls import reverse

from partners.models import Listing
from tests.partners.conftest import entry, member_institution

URL = "/partners/"


def _names(response):
    return [listing.institution.name for listing in response.context["page"].object_list]


def test_anonymous_visitors_are_sent_to_sign_in(client, dir_world):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("who", ["nobody", "pending_lead"])
def test_people_without_an_active_membership_are_refused(client, dir_world, who):
    client.force_login(getattr(dir_world, who))
    response = client.get(URL)
    assert response.status_code == 403
    page = response.content.decode()
    assert "for members of the network with an active membership" in page
    assert "University of Denver" not in page
    assert client.get(reverse("partners:listing", args=[dir_world.denver_entry.pk])) \
        .status_code == 403


def test_members_see_listed_institutions_only(client, dir_world):
    client.force_login(dir_world.lea_member)  # any member, not only leads
    response = client.get(URL)
    assert response.status_code == 200
    assert _names(response) == ["Oxford School District", "University of Denver"]
    page = response.content.decode()
    assert "Portland State University" not in page  # opted out
    assert "Chicago Public Schools" not in page  # never listed
    assert "@" not in page.split("<main", 1)[1].split("</main>")[0]  # no email address at all
    portland = reverse("partners:listing", args=[dir_world.portland_entry.pk])
    assert client.get(portland).status_code == 404


def test_an_institution_whose_membership_ends_leaves_the_directory(client, dir_world):
    dir_world.denver_team.membership.status = "ended"
    dir_world.denver_team.membership.save()
    client.force_login(dir_world.lea_lead)
    assert _names(client.get(URL)) == ["Oxford School District"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "absenteeism"}, ["Oxford School District", "University of Denver"]),
    ({"q": "teacher preparation"}, ["University of Denver"]),
    ({"kind": "ihe"}, ["University of Denver"]),
    ({"region": "south"}, ["Oxford School District"]),
    ({"region": "west"}, ["University of Denver"]),
    ({"state": "CO"}, ["University of Denver"]),
    ({"seeking": "ihe"}, ["Oxford School District"]),
    ({"q": "zebra"}, []),
    ({"kind": "bogus", "region": "mars"}, ["Oxford School District", "University of Denver"]),
])
def test_search_and_filters(client, dir_world, query, expected):
    client.force_login(dir_world.lea_lead)
    assert _names(client.get(URL, query)) == expected


@pytest.mark.parametrize("extra", [0, 30])
def test_the_directory_runs_a_bounded_number_of_queries(client, dir_world, extra,
                                                        django_assert_max_num_queries):
    for n in range(extra):
        lead = dir_world.staff.__class__.objects.create_user(f"lead{n}@x.example.org")
        institution, _ = member_institution(f"District {n:02d}", "lea", "Town", "TX", lead=lead)
        entry(institution, lead)
    client.force_login(dir_world.lea_lead)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"q": "absenteeism"})
    assert len(_names(response)) == min(extra + 2, 20)


def test_the_lead_writes_and_hides_the_entry(client, dir_world):
    url = reverse("partners:listing_edit", args=[dir_world.chicago.pk])
    client.force_login(dir_world.chicago_lead)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"listed": "on", "about": "", "problems": "", "seeking_kind": "ihe",
                            "seeking": ""})
    assert bad.status_code == 400 and set(bad.context["form"].errors) == {
        "about", "problems", "seeking"}
    response = client.post(url, {"listed": "on", "about": "A large urban district.",
                                 "problems": "Ninth-grade on-track", "seeking_kind": "ihe",
                                 "seeking": "A university partner for ninth grade"})
    assert response.status_code == 302
    assert Listing.objects.get(institution=dir_world.chicago).listed
    client.post(url, {"about": "A large urban district.", "problems": "Ninth-grade on-track",
                      "seeking_kind": "ihe", "seeking": "A university partner"})
    assert not Listing.objects.get(institution=dir_world.chicago).listed
    assert Listing.objects.filter(institution=dir_world.chicago).count() == 1


@pytest.mark.parametrize("who", ["lea_member", "ihe_lead", "nobody", "staff"])
def test_only_the_institutions_lead_edits_its_entry_in_the_portal(client, dir_world, who):
    client.force_login(getattr(dir_world, who))
    url = reverse("partners:listing_edit", args=[dir_world.oxford.pk])
    assert client.get(url).status_code == 404


def test_the_introduce_form_fits_who_is_looking(client, dir_world):
    url = reverse("partners:listing", args=[dir_world.denver_entry.pk])
    client.force_login(dir_world.lea_member)  # one institution to ask for: already chosen
    assert client.get(url).context["form"]["from_institution"].value() == dir_world.oxford.pk
    client.force_login(dir_world.ihe_lead)
    assert "This is your own institution's entry." in client.get(url).content.decode()
    client.force_login(dir_world.staff)
    assert "asked for by members on behalf of their institution" in client.get(
        url).content.decode()
