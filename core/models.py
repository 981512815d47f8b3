"""Shared pieces: the base model, the audit log and the email outbox."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who changed what, when and why. Written by services, never edited."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(max_length=64)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status} at {self.at:%Y-%m-%d %H:%M}"


class OutboundEmail(TimeStampedModel):
    """One email the portal owes somebody, rendered when it was queued.

    ``key`` makes queuing idempotent (the same reminder is never queued twice) and the status makes
    sending idempotent (a task that runs twice sends once).

    A ``secret`` email carries something only its recipient may use (a password-reset, sign-in or
    invitation link, a sign-in code): the admin never shows its bodies, and they are erased once
    the email reaches a final state, so neither staff nor a later database dump hold a working
    token.
    """

    SCRUBBED = "(Erased once the email was sent or given up on: it carried a private link or code.)"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed (permanent)"

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=250)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    attachment_path = models.CharField(max_length=300, blank=True)
    attachment_name = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    secret = models.BooleanField(
        default=False,
        help_text="Carries a private link or code: its bodies are never shown and are erased "
                  "once it is sent or given up on.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"


class FormToken(models.Model):
    """A creating form's one-time token, used (see ``core.once``): inserted in the same
    transaction as what the form created, with where that result lives."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of the token
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)
    result_url = models.CharField(max_length=500, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-used_at"]

    def __str__(self):
        return f"form sent {self.used_at:%Y-%m-%d %H:%M} → {self.result_url}"
