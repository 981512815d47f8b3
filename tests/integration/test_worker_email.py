import pytest

from core.models import OutboundEmail
from members import services
from members.services import InstitutionData
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_on_redis_sends_the_acknowledgement(
    celery_worker_process, smtp_sink, applicant, tier1
):
    application = services.application_submit(
        applicant=applicant, kind="single", tier=tier1,
        institutions=[InstitutionData(name="Bronx Schools", kind="lea", city="Bronx",
                                      state="NY")],
        problem_of_practice="Chronic absenteeism", contact_name="Pat Lead",
        contact_email=applicant.email, billing_name="AP", billing_email="ap@example.org",
        billing_address="1 Way", commitment_accepted=True,
    )
    wait_for(lambda: smtp_sink.messages, message="the acknowledgement email",
             timeout=60)
    message = smtp_sink.messages[0]
    assert message["To"] == applicant.email
    assert f"#{application.pk}" in message["Subject"]
    outbound = OutboundEmail.objects.get(key=f"application-received:{application.pk}")
    wait_for(lambda: OutboundEmail.objects.get(pk=outbound.pk).status == "sent",
             message="the outbox row marked sent")
    assert len(smtp_sink.messages) == 1
