"""The same institution applying twice is caught however its name is typed, on the database the
run uses: SQLite under `make test`, PostgreSQL in CI (DATABASE_URL). The key is computed in
Python and stored, so both must give the same answers; tests/members/test_institution_names.py
tests the key itself without a database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from members import services
from members.models import Institution, Membership, MembershipApplication
from members.names import institution_name_key
from members.services import InstitutionData
from tests.factories import ApplicationFactory, InstitutionFactory, MembershipFactory, UserFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

PAIRS = [
    ("Oxford School District", "Oxford\u200bSchool District"),
    ("Oxford School District", "\uff2f\uff38\uff26\uff2f\uff32\uff24 School District"),
    ("Ñandú École Publique X", "ÑANDÚ ÉCOLE publique X"),
    ("Texas A&M University", "Texas A and M University"),
    ("St. Mary's Academy", "St Mary\u2019s Academy"),
    ("Oxford School District", "\u041exford School District"),  # Cyrillic capital O
]
DISTINCT = [
    ("Oxford School District", "Oxford High School"),
    ("St. Mary's Academy", "St. Mark's Academy"),
    ("Texas A&M University", "Texas State University"),
    ("District 1", "District 11"),
]


def institution(name, state="MS", kind="lea"):
    return InstitutionData(name=name, kind=kind, city="Oxford", state=state)


def submit(tier, *institutions, applicant=None, kind="single"):
    applicant = applicant or UserFactory()
    return services.application_submit(
        applicant=applicant, kind=kind, institutions=list(institutions), tier=tier,
        problem_of_practice="Chronic absenteeism", contact_name="Pat Lead",
        contact_email=applicant.email, billing_name="AP", billing_email="ap@example.org",
        billing_address="1 Way", commitment_accepted=True,
    )


def test_this_run_uses_the_database_it_says():
    """Which database these tests just covered, so a CI log shows PostgreSQL was the one."""
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_second_spelling_of_a_pending_applicant_is_refused(tier1, first, second):
    submit(tier1, institution(first))
    with pytest.raises(ValidationError) as error:
        submit(tier1, institution(second))
    [message] = error.value.message_dict["institution_0"]
    assert "already has an application under review" in message
    assert MembershipApplication.objects.count() == 1
    assert Institution.objects.count() == 1


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_second_spelling_of_a_member_is_refused(tier1, staff, first, second):
    services.application_approve(application=submit(tier1, institution(first)), actor=staff)
    with pytest.raises(ValidationError) as error:
        submit(tier1, institution(second))
    assert "is already a member of the network" in error.value.message_dict["institution_0"][0]


@pytest.mark.parametrize(("first", "second"), DISTINCT)
def test_different_institutions_are_not_merged(tier1, first, second):
    one, other = submit(tier1, institution(first)), submit(tier1, institution(second))
    assert one.institutions.get() != other.institutions.get()
    assert Institution.objects.count() == 2


def test_the_same_name_in_another_state_is_another_institution(tier1):
    submit(tier1, institution("Ñandú École Publique X", state="TX"))
    application = submit(tier1, institution("ÑANDÚ ÉCOLE publique X", state="NM"))
    assert application.status == MembershipApplication.Status.SUBMITTED
    assert Institution.objects.count() == 2


def test_a_past_applicant_reapplying_under_another_spelling_reuses_the_institution(tier1, staff):
    first = submit(tier1, institution("Ñandú École Publique X"))
    services.application_reject(application=first, actor=staff, reason="Next cohort")
    second = submit(tier1, institution("ÑANDÚ ÉCOLE publique X"))
    assert second.institutions.get() == first.institutions.get()
    assert Institution.objects.get().name == "Ñandú École Publique X"


def test_partners_that_are_one_institution_spelled_twice_are_refused(tier1):
    lea = institution("Texas A&M University", state="TX", kind="lea")
    ihe = institution("TEXAS A AND M UNIVERSITY", state="TX", kind="ihe")
    with pytest.raises(ValidationError) as error:
        submit(tier1, lea, ihe, kind="partnership")
    assert error.value.message_dict["institution_1"] == [
        "The partner must be a different institution."]


def test_names_are_stored_clean_with_their_key(tier1):
    application = submit(tier1, institution("  \uff2f\uff38\uff26\uff2f\uff32\uff24\u200b School "
                                            "\ufeffDistrict "))
    stored = application.institutions.get()
    assert stored.name == "OXFORD School District"
    assert stored.name_key == institution_name_key("Oxford School District")
    assert Institution.objects.filter(name_key="oxfordschooldistrict", state="MS").get() == stored


@pytest.mark.parametrize("name", ["\u200b\u200b", "...", " - "])
def test_a_name_without_letters_or_digits_is_refused_by_the_service(tier1, name):
    with pytest.raises(ValidationError) as error:
        submit(tier1, institution(name))
    assert error.value.message_dict["institution_0"] == [
        "Enter the institution's name in letters or digits."]
    assert not Institution.objects.exists()


def test_an_institution_without_a_key_cannot_be_stored():
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(name="Oxford School District", kind="lea", city="Oxford",
                                   state="MS")


# --- Through the form -----------------------------------------------------------------------
def form_data(name, **overrides):
    data = {
        "kind": "single", "institution_0-name": name, "institution_0-kind": "lea",
        "institution_0-city": "Oxford", "institution_0-state": "MS",
        "problem_of_practice": "Chronic absenteeism", "contact_name": "Pat Lead",
        "contact_email": "pat@example.org", "billing_name": "AP",
        "billing_email": "ap@example.org", "billing_address": "1 Way",
        "commitment_accepted": "on",
        **token(),
    }
    data.update(overrides)
    return data


def test_form_names_the_duplicate_next_to_the_field_and_keeps_the_input(applicant_client, tier1):
    submit(tier1, institution("Oxford School District"))
    response = applicant_client.post(reverse("members:apply"), form_data(
        "\uff2f\uff38\uff26\uff2f\uff32\uff24 School District", requested_tier=tier1.pk))
    assert response.status_code == 200
    [message] = response.context["institution_forms"][0].errors["name"]
    assert message.startswith("OXFORD School District (MS) already has an application under "
                              "review.")
    assert 'value="Chronic absenteeism"' not in response.content.decode()  # a textarea
    assert "Chronic absenteeism</textarea>" in response.content.decode()
    assert MembershipApplication.objects.count() == 1


@pytest.mark.parametrize("name", ["\u200b", "...", "\ufeff - \u200d"])
def test_form_refuses_a_name_without_letters_next_to_the_field(applicant_client, tier1, name):
    response = applicant_client.post(reverse("members:apply"),
                                     form_data(name, requested_tier=tier1.pk))
    errors = response.context["institution_forms"][0].errors
    assert errors["name"] == ["Enter the institution's name in letters or digits."]
    assert not MembershipApplication.objects.exists()


# --- Staff see the duplicates that got in before ----------------------------------------------
CHANGELIST = reverse("admin:members_membershipapplication_changelist")


def _twins_from_before():
    """What main let through on SQLite: two institutions, two applications, one name."""
    first = ApplicationFactory(institutions=[InstitutionFactory(name="Ñandú École Publique X")])
    second = ApplicationFactory(institutions=[InstitutionFactory(name="ÑANDÚ ÉCOLE publique X")])
    return first, second


def test_staff_see_which_pending_application_an_application_duplicates(staff_client):
    first, second = _twins_from_before()
    alone = ApplicationFactory(institutions=[InstitutionFactory(name="Lafayette County Schools")])
    html = staff_client.get(CHANGELIST).content.decode()
    assert f"same institution as application #{first.pk}" in html
    assert f"same institution as application #{second.pk}" in html
    flagged = staff_client.get(CHANGELIST, {"duplicate": "yes"}).context["cl"].result_list
    assert {a.pk for a in flagged} == {first.pk, second.pk}
    clean = staff_client.get(CHANGELIST, {"duplicate": "no"}).context["cl"].result_list
    assert [a.pk for a in clean] == [alone.pk]


def test_staff_see_an_application_for_an_institution_that_is_already_a_member(staff_client):
    member = MembershipFactory(institutions=[InstitutionFactory(name="St. Mary's Academy")])
    application = ApplicationFactory(
        institutions=[InstitutionFactory(name="ST MARY\u2019S ACADEMY")])
    html = staff_client.get(CHANGELIST).content.decode()
    assert f"same institution as membership #{member.pk}" in html
    flagged = staff_client.get(CHANGELIST, {"duplicate": "yes"}).context["cl"].result_list
    # The member's own (approved) application is not its own duplicate; the new one is flagged.
    assert [a.pk for a in flagged] == [application.pk]
    page = staff_client.get(reverse("admin:members_membershipapplication_change",
                                    args=[application.pk])).content.decode()
    assert f"same institution as membership #{member.pk}" in page


def test_past_and_other_state_namesakes_are_not_flagged(staff_client):
    ended = MembershipFactory(institutions=[InstitutionFactory(name="Oxford School District")])
    Membership.objects.filter(pk=ended.pk).update(status=Membership.Status.ENDED)
    ApplicationFactory(status="rejected",
                       institutions=[InstitutionFactory(name="OXFORD SCHOOL DISTRICT")])
    ApplicationFactory(institutions=[InstitutionFactory(name="Oxford School District",
                                                        state="OH")])
    ApplicationFactory(institutions=[InstitutionFactory(name="Oxford\u200bSchool District")])
    response = staff_client.get(CHANGELIST, {"duplicate": "yes"})
    assert list(response.context["cl"].result_list) == []


def test_only_undecided_applications_carry_the_flag(staff_client):
    pending = ApplicationFactory(institutions=[InstitutionFactory(name="Texas A&M University")])
    decided = ApplicationFactory(status="rejected", institutions=[
        InstitutionFactory(name="Texas A and M University")])
    waitlisted = ApplicationFactory(status="waitlisted", institutions=[
        InstitutionFactory(name="TEXAS A & M UNIVERSITY")])
    flagged = staff_client.get(CHANGELIST, {"duplicate": "yes"}).context["cl"].result_list
    assert {a.pk for a in flagged} == {pending.pk, waitlisted.pk}
    assert decided.pk not in {a.pk for a in flagged}


def test_the_flag_costs_no_query_per_row(staff_client, django_assert_max_num_queries):
    for _ in range(3):
        _twins_from_before()
    staff_client.get(CHANGELIST)
    with django_assert_max_num_queries(12) as few:
        staff_client.get(CHANGELIST)
    for _ in range(10):
        _twins_from_before()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = staff_client.get(CHANGELIST).content.decode()
    # 26 flagged applications, 25 a page (the list's page size)
    assert html.count("same institution as application #") == 25


def test_staff_renaming_an_institution_recomputes_its_key(staff_client):
    target = InstitutionFactory(name="Oxford School District")
    url = reverse("admin:members_institution_change", args=[target.pk])
    data = {"name": "Lafayette\u200b County  Schools", "kind": "lea", "city": "Oxford",
            "state": "MS", "website": "", "nces_id": ""}
    assert staff_client.post(url, data).status_code == 302
    target.refresh_from_db()
    assert (target.name, target.name_key) == ("Lafayette County Schools", "lafayettecountyschools")

    response = staff_client.post(url, {**data, "name": "\u200b..."})
    assert response.context["adminform"].form.errors["name"] == [
        "Enter the institution's name in letters or digits."]
    target.refresh_from_db()
    assert target.name == "Lafayette County Schools"


def test_staff_adding_an_institution_gets_its_key(staff_client):
    response = staff_client.post(reverse("admin:members_institution_add"), {
        "name": "ÑANDÚ ÉCOLE publique X", "kind": "lea", "city": "Oxford", "state": "MS",
        "website": "", "nces_id": "", **token()})
    assert response.status_code == 302
    assert Institution.objects.get().name_key == "nanduecolepubliquex"


def test_staff_find_an_institution_however_they_type_its_name(staff_client):
    target = InstitutionFactory(name="ÑANDÚ ÉCOLE Publique X")
    InstitutionFactory(name="Oxford School District")
    url = reverse("admin:members_institution_changelist")
    for term in ("ñandú école", "Nandu Ecole", "nanduecole", "\uff2e\uff21\uff2e\uff24\uff35"):
        found = staff_client.get(url, {"q": term}).context["cl"].result_list
        assert [i.pk for i in found] == [target.pk], term
    assert list(staff_client.get(url, {"q": "Lafayette"}).context["cl"].result_list) == []
