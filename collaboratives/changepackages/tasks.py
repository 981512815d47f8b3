"""Background work of change packages: rendering a published version's PDF after commit, and
the sweep for PDFs a dead worker did not finish. Names as before the split
(``collaboratives.tasks.<name>``)."""

from celery import shared_task

from collaboratives.changepackages import pdf
from collaboratives.changepackages.models import ChangePackage


@shared_task(bind=True, max_retries=5, acks_late=True,
             name="collaboratives.tasks.change_package_pdf_render")
def change_package_pdf_render(self, package_id: int) -> str:
    """After publication: render the version's PDF and store it (once; safe to run twice)."""
    package = (ChangePackage.objects.select_related("collaborative")
               .filter(pk=package_id, status=ChangePackage.Status.PUBLISHED).first())
    if package is None:
        return ""
    return pdf.change_package_pdf_store(package=package)


@shared_task(name="collaboratives.tasks.change_package_pdfs_render_pending")
def change_package_pdfs_render_pending() -> int:
    """Every 15 minutes: published versions whose PDF a dead worker did not finish."""

    pending = list(pdf.pdfs_pending().values_list("pk", flat=True)[:20])
    for package_id in pending:
        change_package_pdf_render.delay(package_id)
    return len(pending)
