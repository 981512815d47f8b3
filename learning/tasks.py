"""Background work of the learning app: a finished course's certificate, rendered after commit,
and the sweep for certificates a dead worker did not finish."""

from celery import shared_task

from learning import pdf
from learning.models import Completion


@shared_task(bind=True, max_retries=5, acks_late=True)
def certificate_render(self, completion_id: int) -> str:
    """Render the completion's certificate and store it (once; safe to run twice)."""
    completion = Completion.objects.filter(pk=completion_id).first()
    if completion is None:
        return ""
    return pdf.certificate_store(completion=completion)


@shared_task
def certificates_render_pending() -> int:
    """Every 15 minutes: certificates a dead worker did not finish."""
    pending = list(pdf.certificates_pending().values_list("pk", flat=True)[:50])
    for completion_id in pending:
        certificate_render.delay(completion_id)
    return len(pending)
