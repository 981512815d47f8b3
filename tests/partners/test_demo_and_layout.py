"""`make run`'s demo shows a library and a directory; the new apps follow the house's layout."""

import pytest
from django.core.management import call_command

from devdata import partners_demo, resources_demo
from members.models import Membership, User
from partners.models import Introduction, Listing
from resources.models import Resource, Tag
from tests.test_layout import ROOT, _imports_inside_functions


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
def test_the_demo_has_resources_listings_and_an_introduction_and_reloading_adds_nothing():
    call_command("seed_demo")
    counts = (Resource.objects.count(), Tag.objects.count(), Listing.objects.count(),
              Introduction.objects.count())
    assert counts[0] >= 15 and counts[1] == 15
    assert set(Resource.objects.values_list("kind", flat=True)) >= {"file", "link",
                                                                     "recording"}
    assert counts[2:] == (4, 1)
    oxford = Membership.objects.get(institutions__name="Oxford School District")
    assert oxford.status == Membership.Status.ACTIVE  # the directory is for active members
    staff = User.objects.get(email="staff@ncsup.example.org")
    resources_demo.ensure(staff=staff)
    partners_demo.ensure(staff=staff)
    assert (Resource.objects.count(), Tag.objects.count(), Listing.objects.count(),
            Introduction.objects.count()) == counts


def test_no_import_hides_in_a_function_in_resources_or_partners():
    files = [path for package in ("resources", "partners")
             for path in sorted((ROOT / package).rglob("*.py"))
             if "migrations" not in path.parts]
    files += [ROOT / "core" / "identifiers.py", ROOT / "core" / "uploads.py",
              ROOT / "members" / "prefill.py"]
    assert len(files) > 15
    assert [hit for path in files for hit in _imports_inside_functions(path)] == []
