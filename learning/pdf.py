"""A completion's certificate: rendered with WeasyPrint from the frozen completion record,
stored once under an unguessable name (called by ``learning.tasks``)."""

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from learning.models import Completion


def certificate_render(*, completion: Completion) -> bytes:
    html = render_to_string("learning/certificate_pdf.html", {"completion": completion})
    return HTML(string=html).write_pdf()


def certificate_store(*, completion: Completion) -> str:
    """Render once and store; of two racing workers the first to store wins and the other
    deletes its copy. No lock is held while rendering."""
    if completion.certificate_path:
        return completion.certificate_path
    name = default_storage.save(f"learning/certificates/{secrets.token_urlsafe(24)}.pdf",
                                ContentFile(certificate_render(completion=completion)))
    if Completion.objects.filter(pk=completion.pk, certificate_path="").update(
            certificate_path=name):
        completion.certificate_path = name
    else:
        default_storage.delete(name)
        completion.refresh_from_db(fields=["certificate_path"])
    return completion.certificate_path


def certificates_pending(older_than_minutes: int = 10):
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return Completion.objects.filter(certificate_path="",
                                     enrollment__completed_at__lt=cutoff)
