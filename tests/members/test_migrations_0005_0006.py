"""The data migrations of issue 11: stored institution keys recomputed in Python, stored term ends
moved to the last day (and back)."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("members", "0004_billing_contacts")
KEYS = ("members", "0005_institution_name_key_nfkc")
TERMS = ("members", "0006_membership_term_end_inclusive")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def old_rows(transactional_db):
    apps = migrate(BEFORE)
    user = apps.get_model("members", "User").objects.create(email="lead@example.org")
    tier = apps.get_model("members", "Tier").objects.create(code="t1", name="Tier 1",
                                                             summary="s", benefits="b")
    Institution = apps.get_model("members", "Institution")
    institutions = [Institution.objects.create(name=name, kind="lea", city="X", state="MS")
                    for name in ("ÑANDÚ ÉCOLE publique X", "Oxford\u200bSchool District",
                                 "...")]
    Application = apps.get_model("members", "MembershipApplication")
    Membership = apps.get_model("members", "Membership")
    ends = {
        (date(2026, 12, 1), date(2028, 12, 1)): date(2028, 11, 30),  # as approval stored it
        (date(2028, 2, 29), date(2030, 2, 28)): date(2030, 2, 28),  # 29 Feb: already the last
        (date(2026, 9, 1), date(2027, 9, 1)): date(2027, 8, 31),  # a one-year term
        (date(2026, 9, 1), date(2028, 6, 30)): date(2028, 6, 30),  # staff's own end: kept
    }
    memberships = {}
    for (start, end), expected in ends.items():
        application = Application.objects.create(
            applicant=user, requested_tier=tier, problem_of_practice="p", contact_name="c",
            contact_email="c@example.org", billing_name="b", billing_email="b@example.org",
            billing_address="a", commitment_accepted=True, status="approved")
        membership = Membership.objects.create(application=application, tier=tier,
                                               term_start=start, term_end=end)
        memberships[membership.pk] = (end, expected)
    yield institutions, memberships
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_keys_are_recomputed_in_python_and_term_ends_move_to_the_last_day(old_rows):
    institutions, memberships = old_rows
    apps = migrate(TERMS)
    keys = dict(apps.get_model("members", "Institution").objects.values_list("pk", "name_key"))
    assert [keys[i.pk] for i in institutions] == [
        "nanduecolepubliquex", "oxfordschooldistrict", f"#{institutions[2].pk}"]
    ends = dict(apps.get_model("members", "Membership").objects.values_list("pk", "term_end"))
    assert ends == {pk: expected for pk, (_, expected) in memberships.items()}

    apps = migrate(KEYS)  # and back
    ends = dict(apps.get_model("members", "Membership").objects.values_list("pk", "term_end"))
    assert ends == {pk: stored for pk, (stored, _) in memberships.items()}
