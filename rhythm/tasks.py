"""The rhythm's background work: three daily jobs (report reminders, sponsor digests,
evaluation invitations), each safe to run twice or on several workers at once (rows locked with
SKIP LOCKED, every email keyed once in the outbox), and the progress PDF render."""

from celery import shared_task

from core.batch import each_locked
from rhythm import emails, pdf
from rhythm.models import ProgressPdf


@shared_task(name="rhythm.tasks.report_reminders_send")
def report_reminders_send() -> int:
    return sum(each_locked(emails.enrollments_running(),
                           lambda e: emails.report_reminders_send(enrollment=e)))


@shared_task(name="rhythm.tasks.sponsor_digests_send")
def sponsor_digests_send() -> int:
    return sum(each_locked(emails.enrollments_running(),
                           lambda e: emails.sponsor_digest_send(enrollment=e)))


@shared_task(name="rhythm.tasks.evaluation_invitations_send")
def evaluation_invitations_send() -> int:
    return sum(each_locked(emails.convenings_to_evaluate(),
                           lambda c: emails.evaluation_invitations_send(convening=c)))


@shared_task(name="rhythm.tasks.progress_pdf_render", autoretry_for=(OSError,),
             retry_backoff=True, max_retries=5)
def progress_pdf_render(pdf_id: int) -> str:
    row = ProgressPdf.objects.select_related("collaborative").filter(pk=pdf_id).first()
    return pdf.progress_pdf_store(row=row) if row else ""
