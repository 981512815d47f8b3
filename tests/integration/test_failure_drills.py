"""Failure drills on Redis and PostgreSQL with a real Celery worker and a local SMTP server."""

import os
import signal
import time
from collections import Counter

import pytest
from django.db import transaction

from core import emails
from core.models import OutboundEmail
from core.tasks import email_outbox_flush
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

DRILL_ENV = {
    # Short timeouts so a dead worker's work is taken over in seconds, not an hour.
    "CELERY_VISIBILITY_TIMEOUT": "4",
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": "3",
    "OUTBOX_RETRY_AFTER_SECONDS": "3",
}


def queue_emails(n):
    with transaction.atomic():
        for i in range(n):
            emails.email_queue_rendered(key=f"drill:{i}", to=f"person{i}@example.org",
                                        subject=f"Drill {i}", text=f"Message {i}")


def test_200_emails_survive_a_worker_killed_three_times(
    celery_worker_process, smtp_sink, settings
):
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 3
    settings.OUTBOX_RETRY_AFTER_SECONDS = 3
    worker = celery_worker_process
    worker.stop()
    worker.env.update(DRILL_ENV)
    worker.start()
    queue_emails(200)
    for kill in range(3):
        wait_for(lambda k=kill: len(smtp_sink.messages) >= 30 * (k + 1),
                 message=f"progress before kill {kill + 1}", timeout=60)
        # Kill it in the middle of a send: the SMTP server holds its answer to DATA until the
        # worker is dead, so the message was never accepted and must be sent again, once.
        smtp_sink.hold.set()
        assert smtp_sink.in_data.wait(30)
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        # The server sees the connection drop and abandons the held message (no "250").
        wait_for(lambda: not smtp_sink.in_data.is_set(), timeout=10,
                 message="the SMTP server to see the connection drop")
        worker.start()

    def all_sent():
        if OutboundEmail.objects.filter(status="sent").count() == 200:
            return True
        email_outbox_flush.delay()  # what beat does every few minutes
        time.sleep(1)
        return False

    wait_for(all_sent, timeout=120, interval=0.5, message="all 200 emails marked sent")
    subjects = Counter(m["Subject"] for m in smtp_sink.messages)
    assert len(subjects) == 200, "every email delivered"
    assert max(subjects.values()) == 1, f"delivered twice: {subjects.most_common(3)}"
    assert OutboundEmail.objects.filter(attempts__gt=1).exists(), "the kills interrupted sends"


def test_temporary_smtp_errors_are_retried_with_backoff_and_permanent_ones_recorded(
    celery_worker_process, smtp_sink, settings
):
    smtp_sink.rcpt_reply = "451 4.3.0 Try again later"
    queue_emails(1)
    wait_for(lambda: OutboundEmail.objects.get(key="drill:0").attempts >= 1,
             message="a first attempt")
    wait_for(lambda: "451" in OutboundEmail.objects.get(key="drill:0").last_error,
             message="the temporary error recorded")
    assert OutboundEmail.objects.get(key="drill:0").status == "queued"
    smtp_sink.rcpt_reply = None  # the server recovers; the retry (30 s backoff) delivers
    wait_for(lambda: OutboundEmail.objects.get(key="drill:0").status == "sent", timeout=60,
             message="the retried email sent")
    outbound = OutboundEmail.objects.get(key="drill:0")
    assert outbound.attempts == 2
    assert len(smtp_sink.messages) == 1

    smtp_sink.rcpt_reply = "550 5.1.1 No such user"
    emails.email_queue_rendered(key="drill:bad", to="nobody@example.org", subject="Bad",
                                text="x")
    wait_for(lambda: OutboundEmail.objects.get(key="drill:bad").status == "failed",
             message="the permanent failure recorded")
    time.sleep(2)
    bad = OutboundEmail.objects.get(key="drill:bad")
    assert bad.attempts == 1 and "550" in bad.last_error


def test_a_rolled_back_transaction_enqueues_nothing(celery_worker_process, smtp_sink):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_emails(3)
        raise RuntimeError("rolled back")
    queue_emails(0)
    emails.email_queue_rendered(key="after", to="a@example.org", subject="After", text="x")
    wait_for(lambda: smtp_sink.messages, message="the later email")
    time.sleep(1)
    assert [m["Subject"] for m in smtp_sink.messages] == ["After"]
    assert not OutboundEmail.objects.filter(key__startswith="drill:").exists()
