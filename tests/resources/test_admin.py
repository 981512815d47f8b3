"""Staff curate in the admin: a link with tags saves through the service (its search text
includes the tags), a file cannot be added there, and the lists filter and search."""

from django.urls import reverse

from resources.models import Resource
from tests.once import token


def _data(lib, **extra):
    return {"title": "Attendance letters that work", "summary": "Tone matters.",
            "kind": "link", "url": "https://example.org/letters", "change_package": "",
            "visibility": "members", "collaborative": "", "tags": [lib.absenteeism.pk],
            "listed": "on", "published_at_0": "2026-12-01", "published_at_1": "09:00:00",
            **token(), **extra}


def test_staff_add_a_link_with_tags_through_the_service(client, lib):
    client.force_login(lib.staff)
    response = client.post(reverse("admin:resources_resource_add"), _data(lib))
    assert response.status_code == 302, response.content.decode()[:2000]
    resource = Resource.objects.get(title="Attendance letters that work")
    assert list(resource.tags.all()) == [lib.absenteeism]
    assert "Chronic absenteeism" in resource.search_document
    assert resource.added_by == lib.staff


def test_a_file_is_refused_in_the_admin_and_a_link_needs_its_address(client, lib):
    client.force_login(lib.staff)
    file_kind = client.post(reverse("admin:resources_resource_add"), _data(lib, kind="file"))
    assert "Files are added on the library" in file_kind.content.decode()
    no_url = client.post(reverse("admin:resources_resource_add"), _data(lib, url=""))
    assert "A link or a recording needs its address." in no_url.content.decode()
    assert not Resource.objects.filter(title="Attendance letters that work").exists()


def test_the_admin_lists_filter_and_search(client, lib):
    client.force_login(lib.staff)
    for url in ("admin:resources_resource_changelist", "admin:resources_tag_changelist",
                "admin:partners_listing_changelist", "admin:partners_introduction_changelist"):
        assert client.get(reverse(url), {"q": "a"}).status_code == 200
    page = client.get(reverse("admin:resources_resource_changelist"), {"visibility": "tier2"})
    assert "Coaching call agenda template" in page.content.decode()
    assert "Running your first PDSA cycle" not in page.content.decode()
