"""A published version's PDF: rendered with WeasyPrint from the frozen entries, stored once under
an unguessable name; ``pdfs_pending`` finds versions whose PDF is missing. Called by
``changepackages.tasks``."""

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from collaboratives.changepackages.models import ChangePackage
from collaboratives.changepackages.selectors import entries_for_page


def change_package_pdf_render(*, package: ChangePackage) -> bytes:
    html = render_to_string("collaboratives/changepackage_pdf.html", {
        "package": package, "collaborative": package.collaborative,
        "entries": entries_for_page(package, size="print"), "rendered_on": timezone.localdate(),
    })
    return HTML(string=html).write_pdf()


def change_package_pdf_store(*, package: ChangePackage) -> str:
    """Render a published version to PDF once and store it under an unguessable name. No
    transaction: rendering takes a while and needs no lock; of two racing workers the first to
    store wins and the other deletes its copy."""
    if package.pdf_path or not package.is_published:
        return package.pdf_path
    content = change_package_pdf_render(package=package)
    name = default_storage.save(
        f"collaboratives/change-packages/{secrets.token_urlsafe(24)}.pdf", ContentFile(content))
    if ChangePackage.objects.filter(pk=package.pk, pdf_path="").update(
            pdf_path=name, updated_at=timezone.now()):
        package.pdf_path = name
    else:
        default_storage.delete(name)
        package.refresh_from_db(fields=["pdf_path"])
    return package.pdf_path


def pdfs_pending(older_than_minutes: int = 10):
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return ChangePackage.objects.filter(pdf_path="", status=ChangePackage.Status.PUBLISHED,
                                        published_at__lt=cutoff)
