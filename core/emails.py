"""The email outbox: queue a templated email once, send it once, retry what can be retried.

Templates live in ``templates/emails/<name>/`` as ``subject.txt``, ``body.txt`` and ``body.html``.
Subjects and text bodies are plain text and render without HTML escaping; HTML bodies are escaped.

An email queued with ``secret=True`` (a reset, sign-in or invitation link) is delivered like any
other, but the admin never shows its bodies and they are erased once it is sent or given up on.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.context import make_context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from core.models import OutboundEmail

logger = logging.getLogger(__name__)

# How a queued email gets sent once its transaction commits. The send task lives in core.tasks,
# which imports this module to deliver; it registers itself here on import (the core app's
# ready() imports it), so this module never imports core.tasks back.
_send_after_commit: list[Callable[[int], object]] = []


def email_sender_register(send_after_commit: Callable[[int], object]) -> None:
    """Set how a queued email is sent: ``core.tasks`` passes ``email_send_after_commit``."""
    _send_after_commit[:] = [send_after_commit]


def claim_timeout() -> timedelta:
    """A claim older than this is taken to belong to a worker that died mid-send."""
    return timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)


class TemporaryEmailError(Exception):
    """The mail server said 'try later' (4xx) or could not be reached."""


def online_payments() -> bool:
    """Does this deployment take payments online? The switch billing.stripe_gateway uses."""
    return bool(settings.STRIPE_SECRET_KEY)


def text_render(template_name: str, context: dict, request=None) -> str:
    """Render a plain-text template (a subject or a text body) with HTML escaping off, so
    "Texas A&M" and "O'Brien" arrive as written. Every email's text goes through here."""
    template = get_template(template_name).template
    return template.render(make_context(context, request, autoescape=False))


def subject_line(text: str) -> str:
    """A header is one line: newlines and runs of spaces become one space."""
    return " ".join(text.split())


def email_render(template: str, context: dict) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, "online_payments": online_payments(), **context}
    subject = subject_line(text_render(f"emails/{template}/subject.txt", context))
    text = text_render(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    return subject, text, html


ESSENTIAL = "essential"
# Mail a person may turn off (members.User.wants_email): action-period nudges and digests.
OPTIONAL_CATEGORIES = ("nudge",)


def _opted_out(address: str, category: str) -> bool:
    user = get_user_model().objects.filter(email__iexact=address).first()
    return user is not None and not user.wants_email(category)


def email_queue(
    *,
    key: str,
    to: str,
    template: str,
    context: dict,
    attachment_path: str = "",
    attachment_name: str = "",
    secret: bool = False,
    category: str = ESSENTIAL,
) -> OutboundEmail | None:
    """Queue a templated email under ``key``; a second call with the same key changes nothing.

    The send task is enqueued only once the surrounding transaction commits. Pass
    ``secret=True`` when the email carries a link or code only its recipient may use.
    ``category`` says whether the mail is essential (the default: invoices, invitations,
    security mail, convening changes) or one a person may turn off on their account page
    (``OPTIONAL_CATEGORIES``); for one they turned off nothing is queued and None is returned.
    """
    if category not in (ESSENTIAL, *OPTIONAL_CATEGORIES):
        raise ValueError(f"Unknown email category {category!r}.")
    if category != ESSENTIAL and _opted_out(to, category):
        return None
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing:
        return existing
    subject, text, html = email_render(template, context)
    return email_queue_rendered(key=key, to=to, subject=subject, text=text, html=html,
                                attachment_path=attachment_path,
                                attachment_name=attachment_name, secret=secret)


def email_queue_rendered(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachment_path: str = "",
    attachment_name: str = "",
    secret: bool = False,
) -> OutboundEmail:
    """Queue an email already rendered (allauth renders its own). Idempotent by ``key``."""
    if not _send_after_commit:
        raise ImproperlyConfigured("No email sender is registered: is the core app installed?")
    try:
        with transaction.atomic():
            outbound, created = OutboundEmail.objects.get_or_create(key=key, defaults=dict(
                to=to, subject=subject, text_body=text, html_body=html,
                attachment_path=attachment_path, attachment_name=attachment_name, secret=secret,
            ))
    except IntegrityError:
        return OutboundEmail.objects.get(key=key)
    if created:
        _send_after_commit[0](outbound.pk)
    return outbound


def _claim(outbound_id: int) -> OutboundEmail | None:
    with transaction.atomic():
        outbound = OutboundEmail.objects.select_for_update().filter(pk=outbound_id).first()
        if outbound is None or outbound.status in (
            OutboundEmail.Status.SENT,
            OutboundEmail.Status.FAILED,
        ):
            return None
        now = timezone.now()
        if (
            outbound.status == OutboundEmail.Status.SENDING
            and outbound.claimed_at
            and now - outbound.claimed_at < claim_timeout()
        ):
            return None
        outbound.status = OutboundEmail.Status.SENDING
        outbound.claimed_at = now
        outbound.attempts += 1
        outbound.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
        return outbound


def _final(outbound: OutboundEmail) -> dict:
    """What to store with a final status: a secret email's bodies are erased, so no working
    token outlives the send in the database (or a dump of it)."""
    if not outbound.secret:
        return {}
    return {"text_body": OutboundEmail.SCRUBBED, "html_body": ""}


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def email_deliver(*, outbound_id: int) -> bool:
    """Send one queued email. Returns True if this call sent it.

    Raises ``TemporaryEmailError`` when the server asks to try later, so the task can retry.
    No database lock is held while talking to the mail server.
    """
    outbound = _claim(outbound_id)
    if outbound is None:
        return False
    message = EmailMultiAlternatives(
        subject=outbound.subject,
        body=outbound.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbound.to],
    )
    if outbound.html_body:
        message.attach_alternative(outbound.html_body, "text/html")
    if outbound.attachment_path:
        with default_storage.open(outbound.attachment_path, "rb") as handle:
            message.attach(outbound.attachment_name or "attachment.pdf", handle.read(),
                           "application/pdf")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        permanent = _is_permanent(error)
        status = OutboundEmail.Status.FAILED if permanent else OutboundEmail.Status.QUEUED
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            status=status, last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=timezone.now(), **(_final(outbound) if permanent else {}),
        )
        if permanent:
            logger.warning("Gave up on email %s to %s: %s", outbound.key, outbound.to, error)
            return False
        raise TemporaryEmailError(str(error)) from error
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error="",
        updated_at=timezone.now(), **_final(outbound),
    )
    return True


def email_outbox_pending_ids() -> list[int]:
    """Emails that should have gone by now: queued a while ago, or claimed by a dead worker."""
    now = timezone.now()
    return list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.QUEUED,
            updated_at__lt=now - timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS),
        ).values_list("pk", flat=True)[:500]
    ) + list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.SENDING, claimed_at__lt=now - claim_timeout()
        ).values_list("pk", flat=True)[:500]
    )
