import logging

from celery import shared_task

from core import emails, once, uploads

logger = logging.getLogger(__name__)

MAX_EMAIL_RETRIES = 8


@shared_task(bind=True, max_retries=MAX_EMAIL_RETRIES, acks_late=True)
def email_send(self, outbound_id: int):
    """Send one outbox email; temporary SMTP failures retry with exponential backoff."""
    try:
        emails.email_deliver(outbound_id=outbound_id)
    except emails.TemporaryEmailError as error:
        if self.request.is_eager:
            # In-process (no broker): leave it queued for the outbox job rather than sleeping.
            logger.warning("Email %s not sent yet: %s", outbound_id, error)
            return
        countdown = min(30 * 2**self.request.retries, 3600)
        raise self.retry(exc=error, countdown=countdown) from error


def email_send_after_commit(outbound_id: int) -> None:
    """How the outbox sends what it queues (registered with ``core.emails`` below)."""
    email_send.delay_on_commit(outbound_id)


emails.email_sender_register(email_send_after_commit)


@shared_task
def email_outbox_flush():
    """Beat job: re-send what is stuck. Safe to run twice: each send claims its row first."""
    for outbound_id in emails.email_outbox_pending_ids():
        email_send.delay(outbound_id)


@shared_task
def form_tokens_purge():
    """Beat job: forget used form tokens that have expired anyway. Safe to run twice."""
    once.form_tokens_purge()


@shared_task
def held_uploads_purge():
    """Beat job: delete files held for a confirmation that never came (core.uploads). Safe to
    run twice: a file already deleted is simply not listed."""
    uploads.held_uploads_purge()
