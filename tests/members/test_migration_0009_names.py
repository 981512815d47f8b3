"""Issue 13's data migration: accounts without a name take the one the Center was given."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("members", "0008_user_job_title")
NAMES = ("members", "0009_user_names_from_applications")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_names_come_from_applications_then_accepted_invitations():
    apps = migrate(BEFORE)
    User = apps.get_model("members", "User")
    tier = apps.get_model("members", "Tier").objects.create(code="t1", name="T", summary="s",
                                                             benefits="b")
    applicant = User.objects.create(email="zoe@district.example.org")
    invitee = User.objects.create(email="sam@district.example.org")
    named = User.objects.create(email="pat@district.example.org", first_name="Pat",
                                last_name="Lee")
    stranger = User.objects.create(email="nobody@district.example.org")
    Application = apps.get_model("members", "MembershipApplication")
    for user, contact_email, contact_name in [
        (applicant, "ZOE@district.example.org", "Zoë O'Brien-Smith"),
        (named, "pat@district.example.org", "Patricia Leeson"),
        (stranger, "someone.else@district.example.org", "Some One"),
    ]:
        Application.objects.create(
            applicant=user, kind="single", requested_tier=tier, problem_of_practice="p",
            contact_name=contact_name, contact_email=contact_email, billing_name="AP",
            billing_email="ap@x.org", billing_address="1 Way", commitment_accepted=True)
    Membership = apps.get_model("members", "Membership")
    membership = Membership.objects.create(
        application=Application.objects.get(applicant=applicant), tier=tier,
        status="active", term_start="2026-01-01", term_end="2027-12-31")
    team = apps.get_model("members", "Team").objects.create(membership=membership, name="T")
    apps.get_model("members", "Invitation").objects.create(
        team=team, name="Sam Poe", email=invitee.email, role="member", invited_by=applicant,
        expires_at="2030-01-01T00:00:00Z", status="accepted", accepted_by=invitee)

    apps = migrate(NAMES)
    names = {u.email: (u.first_name, u.last_name)
             for u in apps.get_model("members", "User").objects.all()}
    assert names == {
        "zoe@district.example.org": ("Zoë", "O'Brien-Smith"),
        "sam@district.example.org": ("Sam", "Poe"),
        "pat@district.example.org": ("Pat", "Lee"),  # a name is never overwritten
        "nobody@district.example.org": ("", ""),  # asked at the next sign-in
    }
    migrate(BEFORE)  # and back: nothing to undo
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
