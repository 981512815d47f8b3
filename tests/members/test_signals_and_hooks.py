"""What happens when an application is approved is found by searching for
``membership_approved`` (members.signals); what members asks billing is ``members.hooks``."""

import pytest

from billing.models import Invoice
from members import hooks, services
from members.signals import membership_approved
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, *, membership, **kwargs):
        calls.append(membership)

    membership_approved.connect(receiver, dispatch_uid="test-receiver")
    yield calls
    membership_approved.disconnect(dispatch_uid="test-receiver")


def test_approval_sends_membership_approved_after_commit_and_once(staff, fees, received,
                                                                  django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership = services.application_approve(application=application, actor=staff)
    assert received == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    assert received == [membership]
    assert Invoice.objects.filter(membership=membership, commitment_year=1).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = services.application_approve(application=application, actor=staff)
    assert again == membership and received == [membership]  # a second approval sends nothing
    assert Invoice.objects.filter(membership=membership).count() == 1


def test_billing_answers_members_questions(fees):
    assert hooks.fees_in_force() == fees
    assert hooks.commitment_years() == fees.commitment_years


def test_without_billing_the_commitment_length_has_no_owner(monkeypatch):
    monkeypatch.setattr(hooks, "_commitment_years", [])
    with pytest.raises(LookupError, match="No commitment length provider"):
        hooks.commitment_years()
    monkeypatch.setattr(hooks, "_in_arrears", [])
    assert hooks.membership_in_arrears(object()) is False


def test_no_setting_names_a_hook_any_more(settings):
    for name in ("MEMBERSHIP_APPROVED_TASKS", "MEMBERSHIP_ARREARS_CHECK",
                 "MEMBERSHIP_FEES_IN_FORCE"):
        assert not hasattr(settings, name)
