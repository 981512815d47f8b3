"""An accepted LEA-IHE introduction links to the application form with both institutions filled
in (members.prefill); the form ignores an altered link."""

import html
import re
from urllib.parse import parse_qs, urlparse

from django.urls import reverse

from members.prefill import PARAM, apply_prefill_url
from partners import services


def _accepted(w):
    introduction = services.introduction_request(actor=w.lea_lead, from_institution=w.oxford,
                                                 listing=w.denver_entry, message="Together?")
    return services.introduction_answer(introduction=introduction, actor=w.ihe_lead,
                                        accept=True)


def test_the_accepted_introduction_links_to_a_prefilled_partnership_form(client, dir_world):
    introduction = _accepted(dir_world)
    client.force_login(dir_world.ihe_lead)
    page = client.get(introduction.get_absolute_url()).content.decode()
    # The link as the page gives it (a signed token carries its time, so not recomputed here).
    link = html.unescape(re.search(r'href="(/apply/\?prefill=[^"]+)"', page).group(1))
    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"]["kind"].value() == "partnership"
    lea, ihe = form.context["institution_forms"]
    assert lea["name"].value() == "Oxford School District" and lea["state"].value() == "MS"
    assert lea["kind"].value() == "lea"
    assert ihe["name"].value() == "University of Denver" and ihe["kind"].value() == "ihe"
    assert form.context["form"]["contact_email"].value() == dir_world.ihe_lead.email


def test_no_link_before_acceptance_or_between_two_districts(dir_world):
    introduction = services.introduction_request(actor=dir_world.lea_lead,
                                                 from_institution=dir_world.oxford,
                                                 listing=dir_world.denver_entry, message="Hi")
    assert services.apply_together_url(introduction) == ""
    introduction.status = "accepted"
    introduction.to_institution = dir_world.chicago
    assert services.apply_together_url(introduction) == ""


def test_an_altered_or_missing_link_fills_in_nothing(client, dir_world):
    client.force_login(dir_world.nobody)
    url = apply_prefill_url([dir_world.oxford, dir_world.denver])
    tampered = reverse("members:apply") + "?" + PARAM + "=" + parse_qs(
        urlparse(url).query)[PARAM][0][:-2] + "xx"
    for link in (tampered, reverse("members:apply") + "?institution_0-name=Evil"):
        form = client.get(link)
        assert form.status_code == 200
        assert form.context["institution_forms"][0]["name"].value() is None
        assert form.context["form"]["kind"].value() == "single"
