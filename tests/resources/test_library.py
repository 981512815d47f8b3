"""The library page: search (SQLite's fallback here; PostgreSQL in test_search_postgres.py),
tag filters, paging with a bounded number of queries, and "new this month" on My portal."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import ChangePackage
from members import hooks
from resources import panels, services
from resources.models import Resource
from resources.selectors import resources_search, resources_search_words, resources_visible_to
from tests.factories import UserFactory
from tests.resources.conftest import add


def _titles(response):
    return [resource.title for resource in response.context["page"].object_list]


def test_the_fallback_matches_every_word_in_title_summary_or_tags(lib):
    visible = resources_visible_to(lib.lead_a)
    assert [r.title for r in resources_search_words(visible, "pdsa attendance")] == [
        "Running your first PDSA cycle"]
    # A tag's name is searched too ("Chronic absenteeism" is a tag on two of them).
    assert {r.title for r in resources_search_words(visible, "ABSENTEEISM")} == {
        "Running your first PDSA cycle", "Attendance collaborative baseline"}
    assert list(resources_search_words(visible, "nothing-like-this")) == []
    assert resources_search(visible, "   ").count() == visible.count()
    if connection.vendor == "sqlite":  # the selector picks the fallback here
        assert list(resources_search(visible, "pdsa attendance")) == list(
            resources_search_words(visible, "pdsa attendance"))


def test_search_never_reaches_past_what_the_person_may_see(lib):
    assert [r.title for r in resources_search(resources_visible_to(lib.tier1_member),
                                              "baseline")] == []


def test_the_page_searches_and_filters_by_tag_and_kind(client, lib):
    client.force_login(lib.lead_a)
    url = reverse("resources:library")
    assert _titles(client.get(url, {"q": "agenda"})) == ["Coaching call agenda template"]
    assert set(_titles(client.get(url, {"problem": "chronic-absenteeism"}))) == {
        "Running your first PDSA cycle", "Attendance collaborative baseline"}
    assert _titles(client.get(url, {"problem": "chronic-absenteeism", "method": "run-chart"})) \
        == ["Attendance collaborative baseline"]
    assert _titles(client.get(url, {"kind": "file"})) == []
    empty = client.get(url, {"q": "zebra"})
    assert "Nothing matches" in empty.content.decode()
    assert "0 resources found" in empty.content.decode()


def test_an_unknown_filter_value_is_ignored_not_an_error(client, lib):
    client.force_login(lib.lead_a)
    response = client.get(reverse("resources:library"), {"problem": "no-such-tag",
                                                         "kind": "<script>"})
    assert response.status_code == 200
    assert len(_titles(response)) == 4


def _many(staff, count, start):
    for n in range(start, start + count):
        add(staff, f"Guide {n}", tags=[])


@pytest.mark.parametrize("extra", [0, 45])
def test_the_library_page_runs_a_bounded_number_of_queries(client, lib, extra,
                                                           django_assert_max_num_queries):
    _many(lib.staff, extra, 1)
    for resource in Resource.objects.all():
        resource.tags.add(lib.pdsa, lib.leads)
    client.force_login(lib.lead_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("resources:library"), {"method": "pdsa", "q": "guide"})
    assert response.status_code == 200
    assert len(_titles(response)) == min(extra, 20)
    if extra:
        assert "Page 1 of 3" in response.content.decode()


def test_new_this_month_on_my_portal(client, lib):
    old = add(lib.staff, "Last year's convening slides")
    Resource.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=40))
    client.force_login(lib.tier1_member)
    page = client.get(reverse("members:dashboard")).content.decode()
    assert "New in the library this month" in page
    assert "Running your first PDSA cycle" in page
    assert "Last year's convening slides" not in page
    assert "Coaching call agenda template" not in page  # Tier 2 only


def test_no_library_panel_when_nothing_new_is_visible(client, lib):
    Resource.objects.exclude(visibility="public").update(
        published_at=timezone.now() - timedelta(days=40))
    client.force_login(lib.nobody)  # sees only the public one, which is new
    page = client.get(reverse("members:dashboard")).content.decode()
    assert "What is improvement science?" in page
    Resource.objects.update(published_at=timezone.now() - timedelta(days=40))
    for who in (lib.nobody, lib.tier1_member):
        client.force_login(who)
        assert "New in the library" not in client.get(
            reverse("members:dashboard")).content.decode()


def test_the_panel_costs_one_query(rf, lib, django_assert_num_queries):
    request = rf.get("/portal/")
    request.user = lib.lead_a
    hooks.portal_person(request)  # the dashboard reads the person's places once for all panels
    with django_assert_num_queries(1):
        assert len(panels.new_this_month(request)["resources"]) == 4


def test_the_panel_shows_what_the_library_shows_to_everyone(rf, lib):
    """The panel asks resources_visible_to's rule from the places the dashboard already read:
    for each kind of person, both give the same new resources."""
    lib.enrollment_b.coach = UserFactory(email="not-in-the-coach-group@ncsup.example.org")
    lib.enrollment_b.save()
    people = [lib.nobody, lib.tier1_member, lib.ended, lib.lead_a, lib.member_a, lib.removed_a,
              lib.member_b, lib.outsider, lib.coach_a, lib.enrollment_b.coach, lib.staff]
    for person in people:
        request = rf.get("/portal/")
        request.user = person
        shown = {row["title"] for row in panels.newest_visible(request, limit=100)}
        assert shown == {resource.title for resource in resources_visible_to(person)}, person


def test_a_change_package_resource_must_be_published(lib):
    package = ChangePackage.objects.create(collaborative=lib.collaborative, version=1,
                                           title="Attendance change package")
    resource = Resource(title="Package", summary="s", kind="change_package",
                        change_package=package)
    with pytest.raises(ValidationError) as refused:
        services.resource_save(resource=resource, actor=lib.staff)
    assert refused.value.message_dict == {
        "change_package": ["Only a published change package can go in the library."]}
