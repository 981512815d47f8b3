import pytest
from django.core.management import call_command

from billing.models import Invoice
from collaboratives.models import Collaborative, Enrollment, PDSACycle
from members.models import Membership, MembershipApplication, Team, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def counts():
    return {model.__name__: model.objects.count() for model in
            (User, MembershipApplication, Membership, Team, Invoice, Collaborative, Enrollment,
             PDSACycle)}


def test_demo_data_has_every_state_and_loading_it_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = counts()
    statuses = set(MembershipApplication.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "approved", "waitlisted", "rejected", "withdrawn"}
    assert first["Invoice"] == first["Membership"] == 3  # year 1 of each approved membership
    assert set(Membership.objects.values_list("tier__code", flat=True)) == {"tier-1", "tier-2"}
    assert first["Enrollment"] == 2 and first["PDSACycle"] == 2
    assert "staff@ncsup.example.org" in capsys.readouterr().out
    call_command("seed_demo")
    assert counts() == first
