import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from core import emails
from core.models import OutboundEmail
from core.tasks import email_outbox_flush, email_send
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def queue(key="k1", to="pat@example.org"):
    application = ApplicationFactory()
    return emails.email_queue(key=key, to=to, template="application_received",
                              context={"application": application, "names": ["Oxford SD"],
                                       "tier": application.requested_tier})


def test_queue_renders_subject_text_and_html_and_is_idempotent_by_key(
    django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue()
        second = queue()
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(callbacks) == 1  # one send enqueued, after commit
    assert first.subject.startswith("We received your membership application #")
    assert "Oxford SD" in first.text_body
    assert "<p>" in first.html_body


def test_nothing_is_enqueued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert not OutboundEmail.objects.exists()


def test_delivered_once_through_a_real_smtp_server(smtp_sink):
    outbound = queue()
    assert emails.email_deliver(outbound_id=outbound.pk) is True
    assert emails.email_deliver(outbound_id=outbound.pk) is False  # already sent
    email_send.apply(args=[outbound.pk])
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0]["To"] == "pat@example.org"
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == ("sent", 1)
    assert outbound.sent_at is not None


def test_temporary_failure_stays_queued_and_asks_for_a_retry(smtp_sink):
    smtp_sink.rcpt_reply = "451 4.3.0 Mailbox busy, try again later"
    outbound = queue()
    with pytest.raises(emails.TemporaryEmailError):
        emails.email_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == "queued"
    assert "451" in outbound.last_error

    smtp_sink.rcpt_reply = None
    assert emails.email_deliver(outbound_id=outbound.pk) is True
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == ("sent", 2)
    assert len(smtp_sink.messages) == 1


def test_task_retries_temporary_failures_with_backoff(smtp_sink, monkeypatch):
    from celery.exceptions import Retry

    smtp_sink.rcpt_reply = "421 4.7.0 Try again later"
    outbound = queue()
    retried = []

    def retry(exc=None, countdown=None, **kwargs):
        retried.append((exc, countdown))
        return Retry(exc=exc)

    monkeypatch.setattr(email_send, "retry", retry)
    for attempt in (0, 3):
        # Run the body as a worker would, not eagerly, on its Nth retry.
        email_send.push_request(retries=attempt, is_eager=False)
        try:
            with pytest.raises(Retry):
                email_send.run(outbound.pk)
        finally:
            email_send.pop_request()
    assert [countdown for _, countdown in retried] == [30, 240]
    assert all(isinstance(exc, emails.TemporaryEmailError) for exc, _ in retried)
    assert smtp_sink.messages == []


def test_permanent_failure_is_recorded_and_not_retried(smtp_sink, caplog):
    smtp_sink.rcpt_reply = "550 5.1.1 No such user"
    outbound = queue()
    with caplog.at_level(logging.WARNING):
        assert emails.email_deliver(outbound_id=outbound.pk) is False
    outbound.refresh_from_db()
    assert outbound.status == "failed"
    assert "550" in outbound.last_error
    assert "Gave up on email" in caplog.text
    smtp_sink.rcpt_reply = None
    assert emails.email_deliver(outbound_id=outbound.pk) is False  # never retried
    assert smtp_sink.messages == []


def test_a_claim_by_a_dead_worker_is_taken_over_after_the_timeout(smtp_sink):
    outbound = queue()
    OutboundEmail.objects.filter(pk=outbound.pk).update(status="sending",
                                                        claimed_at=timezone.now())
    assert emails.email_deliver(outbound_id=outbound.pk) is False  # someone is sending it
    assert emails.email_outbox_pending_ids() == []

    stale = timezone.now() - emails.claim_timeout() - timedelta(seconds=1)
    OutboundEmail.objects.filter(pk=outbound.pk).update(claimed_at=stale)
    assert emails.email_outbox_pending_ids() == [outbound.pk]
    email_outbox_flush.apply()
    assert len(smtp_sink.messages) == 1
