"""Introductions: asked by a member, answered by the other institution's lead only; accepting
shares both sides' contacts, declining shares nothing; duplicates and floods refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import OutboundEmail
from partners import services
from partners.models import Introduction
from tests.once import token


def _ask(client, w, *, message="Could we work on attendance together?", **extra):
    return client.post(reverse("partners:listing", args=[w.denver_entry.pk]),
                       {"from_institution": w.oxford.pk, "message": message, **token(),
                        **extra})


@pytest.fixture
def asked(client, dir_world):
    client.force_login(dir_world.lea_member)
    response = _ask(client, dir_world)
    introduction = Introduction.objects.get()
    assert response.status_code == 302 and response.url == introduction.get_absolute_url()
    return introduction


def test_a_request_tells_the_other_lead_without_anyones_address(asked, dir_world):
    assert asked.status == "pending"
    assert (asked.from_institution, asked.to_institution) == (dir_world.oxford, dir_world.denver)
    mail = OutboundEmail.objects.get(to=dir_world.ihe_lead.email)
    assert mail.subject == "Oxford School District would like an introduction"
    assert "Could we work on attendance together?" in mail.text_body
    assert dir_world.lea_member.email not in mail.text_body + mail.html_body


def test_nobody_sees_contacts_while_it_waits(client, asked, dir_world):
    for who in ("lea_member", "ihe_lead"):
        client.force_login(getattr(dir_world, who))
        page = client.get(asked.get_absolute_url()).content.decode()
        assert dir_world.lea_member.email not in page and dir_world.ihe_lead.email not in page


def test_accepting_shares_both_sides_contacts(client, asked, dir_world):
    client.force_login(dir_world.ihe_lead)
    response = client.post(reverse("partners:introduction_answer", args=[asked.pk]),
                           {"answer": "accept"})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "accepted" and asked.answered_by == dir_world.ihe_lead
    for who in ("lea_member", "ihe_lead"):
        client.force_login(getattr(dir_world, who))
        page = client.get(asked.get_absolute_url()).content.decode()
        assert dir_world.lea_member.email in page and dir_world.ihe_lead.email in page
    mail = OutboundEmail.objects.get(to=dir_world.lea_member.email)
    assert dir_world.ihe_lead.email in mail.text_body
    # Someone else on the asking team is no side of it and sees nothing.
    client.force_login(dir_world.ihe_member)
    assert client.get(asked.get_absolute_url()).status_code == 404


def test_declining_shares_nothing(client, asked, dir_world):
    client.force_login(dir_world.ihe_lead)
    client.post(reverse("partners:introduction_answer", args=[asked.pk]), {"answer": "decline"})
    asked.refresh_from_db()
    assert asked.status == "declined"
    client.force_login(dir_world.lea_member)
    page = client.get(asked.get_absolute_url()).content.decode()
    assert dir_world.ihe_lead.email not in page
    assert "Declined: no contact details were shared." in page
    mail = OutboundEmail.objects.get(to=dir_world.lea_member.email)
    assert dir_world.ihe_lead.email not in mail.text_body + mail.html_body
    assert dir_world.ihe_lead.display_name not in mail.text_body


@pytest.mark.parametrize("who", ["lea_member", "lea_lead", "ihe_member", "chicago_lead",
                                 "staff"])
def test_only_the_other_institutions_lead_answers(client, asked, dir_world, who):
    client.force_login(getattr(dir_world, who))
    response = client.post(reverse("partners:introduction_answer", args=[asked.pk]),
                           {"answer": "accept"})
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.status == "pending"


def test_an_answer_is_final(asked, dir_world):
    services.introduction_answer(introduction=asked, actor=dir_world.ihe_lead, accept=False)
    with pytest.raises(ValidationError):
        services.introduction_answer(introduction=asked, actor=dir_world.ihe_lead, accept=True)
    asked.refresh_from_db()
    assert asked.status == "declined"


def test_duplicates_are_refused_whoever_asks(client, asked, dir_world):
    again = _ask(client, dir_world, message="Again?")
    assert again.status_code == 400
    assert "have an introduction waiting for an answer" in again.content.decode()
    with pytest.raises(ValidationError, match="waiting for an answer"):
        services.introduction_request(actor=dir_world.ihe_lead, from_institution=dir_world.denver,
                                      listing=dir_world.oxford_entry, message="Hello")
    assert Introduction.objects.count() == 1


def test_after_a_decline_one_may_ask_again(asked, dir_world):
    services.introduction_answer(introduction=asked, actor=dir_world.ihe_lead, accept=False)
    services.introduction_request(actor=dir_world.lea_lead, from_institution=dir_world.oxford,
                                  listing=dir_world.denver_entry, message="A new idea")
    assert Introduction.objects.filter(status="pending").count() == 1


def test_one_asks_only_for_ones_own_institution_and_not_to_an_opted_out_one(dir_world):
    with pytest.raises(ValidationError) as refused:
        services.introduction_request(actor=dir_world.lea_member,
                                      from_institution=dir_world.chicago,
                                      listing=dir_world.denver_entry, message="Hi")
    assert "from_institution" in refused.value.message_dict
    with pytest.raises(ValidationError, match="no longer in the directory"):
        services.introduction_request(actor=dir_world.lea_member,
                                      from_institution=dir_world.oxford,
                                      listing=dir_world.portland_entry, message="Hi")


def test_an_empty_message_is_refused_next_to_the_field(client, dir_world):
    client.force_login(dir_world.lea_member)
    response = _ask(client, dir_world, message="  ")
    assert response.status_code == 400
    assert response.context["form"].errors["message"] == [
        "Say what you would like to work on together."]
    assert not Introduction.objects.exists()


def test_requests_are_rate_limited(client, dir_world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "introduction": "2/d"}
    client.force_login(dir_world.lea_member)
    assert _ask(client, dir_world, message="").status_code == 400
    assert _ask(client, dir_world, message="").status_code == 400
    assert _ask(client, dir_world).status_code == 429
    assert not Introduction.objects.exists()


def test_the_asker_may_withdraw_while_it_waits(client, asked, dir_world):
    client.force_login(dir_world.ihe_lead)
    assert client.post(reverse("partners:introduction_withdraw", args=[asked.pk])) \
        .status_code == 404
    client.force_login(dir_world.lea_member)
    client.post(reverse("partners:introduction_withdraw", args=[asked.pk]))
    asked.refresh_from_db()
    assert asked.status == "withdrawn"


def test_staff_see_every_introduction(client, asked, dir_world):
    url = reverse("partners:staff_introductions")
    client.force_login(dir_world.lea_lead)
    assert client.get(url).status_code == 404
    client.force_login(dir_world.staff)
    page = client.get(url).content.decode()
    assert "Oxford School District" in page and "University of Denver" in page
    assert client.get(url, {"status": "accepted"}).context["page"].paginator.count == 0
    assert client.get(asked.get_absolute_url()).status_code == 200
    admin_list = client.get(reverse("admin:partners_introduction_changelist"))
    assert admin_list.status_code == 200 and "Oxford School District" in admin_list.content.decode()


def test_my_introductions_list_shows_what_to_answer(client, asked, dir_world,
                                                    django_assert_max_num_queries):
    client.force_login(dir_world.ihe_lead)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("partners:introductions")).content.decode()
    assert ">Answer<" in page
    assert "University of Denver: in the directory" in page
