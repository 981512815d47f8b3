"""The collaborative's progress report as a PDF: rendered with WeasyPrint in a Celery task
(``tasks.progress_pdf_render``), stored once under an unguessable name, served by a view that
checks the person is staff."""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from rhythm import selectors
from rhythm.chart import stacked_svg
from rhythm.models import ProgressPdf


def progress_context(collaborative, today=None) -> dict:
    progress = selectors.progress_of(collaborative, today)
    return {"progress": progress,
            "chart": stacked_svg(distribution=progress.distribution, levels=progress.levels),
            # a phone gets the chart drawn for its width (the page shows one or the other)
            "chart_narrow": stacked_svg(distribution=progress.distribution,
                                        levels=progress.levels, width=380, height=300,
                                        chart_id="score-distribution-narrow"),
            "attendance": selectors.attendance_rates(collaborative)}


def progress_pdf_render(*, collaborative) -> bytes:
    html = render_to_string("rhythm/progress_pdf.html", {
        **progress_context(collaborative), "collaborative": collaborative,
        "rendered_on": timezone.localdate()})
    return HTML(string=html).write_pdf()


def progress_pdf_store(*, row: ProgressPdf) -> str:
    """Render once and store; of two racing workers the first to store wins."""
    if row.pdf_path:
        return row.pdf_path
    content = progress_pdf_render(collaborative=row.collaborative)
    name = default_storage.save(f"rhythm/progress/{secrets.token_urlsafe(24)}.pdf",
                                ContentFile(content))
    if ProgressPdf.objects.filter(pk=row.pk, pdf_path="").update(pdf_path=name):
        row.pdf_path = name
    else:
        default_storage.delete(name)
        row.refresh_from_db(fields=["pdf_path"])
    return row.pdf_path
