"""Withdrawing an application asks first: the link shows a question, only its button withdraws."""

import pytest
from django.urls import reverse

from tests.factories import ApplicationFactory, InstitutionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def withdraw_url(application):
    return reverse("members:application_withdraw", args=[application.pk])


def test_the_detail_page_links_to_a_confirmation_instead_of_withdrawing(applicant_client,
                                                                        applicant):
    application = ApplicationFactory(applicant=applicant)
    html = applicant_client.get(application.get_absolute_url()).content.decode()
    assert f'href="{withdraw_url(application)}"' in html
    assert f'action="{withdraw_url(application)}"' not in html


def test_get_asks_and_changes_nothing(applicant_client, applicant):
    application = ApplicationFactory(
        applicant=applicant, partnership=True,
        institutions=[InstitutionFactory(name="Oxford School District"),
                      InstitutionFactory(name="University of Mississippi", ihe=True)])
    response = applicant_client.get(withdraw_url(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert ("Withdraw your application for Oxford School District + University of "
            "Mississippi?") in html
    assert "This cannot be undone." in html
    assert f'<form method="post" action="{withdraw_url(application)}">' in html
    application.refresh_from_db()
    assert application.status == "submitted"


def test_post_from_the_confirmation_withdraws(applicant_client, applicant):
    application = ApplicationFactory(applicant=applicant)
    response = applicant_client.post(withdraw_url(application), follow=True)
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert "Your application is withdrawn." in response.content.decode()


def test_someone_else_cannot_see_the_question_or_withdraw(applicant_client):
    theirs = ApplicationFactory()
    assert applicant_client.get(withdraw_url(theirs)).status_code == 404
    assert applicant_client.post(withdraw_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "submitted"


def test_anonymous_is_sent_to_sign_in(client):
    application = ApplicationFactory()
    response = client.get(withdraw_url(application))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_decided_application_offers_no_withdrawal(applicant_client, applicant):
    application = ApplicationFactory(applicant=applicant, status="rejected")
    response = applicant_client.get(withdraw_url(application), follow=True)
    html = response.content.decode()
    assert "This application is rejected: there is nothing to withdraw." in html
    assert "This cannot be undone." not in html
