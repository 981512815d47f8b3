"""Serving stored private files (invoice and change-package PDFs) after a view has checked who
may have them."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404


def stored_pdf_response(path: str, filename: str, *, missing: str) -> FileResponse:
    """The stored PDF as a download, never cached by proxies; 404 with ``missing`` if it isn't
    there yet (PDFs are rendered in a task after commit)."""
    if not path or not default_storage.exists(path):
        raise Http404(missing)
    response = FileResponse(default_storage.open(path, "rb"), as_attachment=True,
                            filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
