"""Serving stored private files (invoice and change-package PDFs, cycle attachments, ...) after
a view has checked who may have them.

On local storage (one host, ``make run``) the file streams through Django. On S3-compatible
object storage (``S3_BUCKET``, settings) the answer is a redirect to a signed URL of the object
that works for ``S3_SIGNED_URL_SECONDS`` and names the file as this response would: the bytes
come from the object store, not from a web process's disk, so any web host can serve any file.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

NO_STORE = "private, no-store"


def signs_urls(storage=default_storage) -> bool:
    """Does this storage hand out short-lived signed URLs (django-storages' S3 backend)?"""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


def private_file_response(name: str, *, filename: str, content_type: str,
                          as_attachment: bool = True, missing: str = "The file is missing.",
                          cache_control: str = NO_STORE) -> HttpResponse:
    """The stored file ``name`` for a person a view has already let through: a signed redirect
    on object storage, a stream otherwise; 404 with ``missing`` when it is not stored (yet)."""
    if not name or not default_storage.exists(name):
        raise Http404(missing)
    if signs_urls():
        url = default_storage.url(name, parameters={
            "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": cache_control,
        }, expire=settings.S3_SIGNED_URL_SECONDS)
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(default_storage.open(name, "rb"), as_attachment=as_attachment,
                                filename=filename, content_type=content_type)
    response["Cache-Control"] = cache_control
    return response


def stored_pdf_response(path: str, filename: str, *, missing: str) -> HttpResponse:
    """A stored PDF as a download, never cached by proxies; 404 with ``missing`` if it isn't
    there yet (PDFs are rendered in a task after commit)."""
    return private_file_response(path, filename=filename, content_type="application/pdf",
                                 missing=missing)
