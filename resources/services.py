"""Writes to the library: staff add and edit resources. Every write keeps the resource's search
text in step; a file is checked (size, type, content) and scanned for student identifiers,
and kept only once its uploader confirms a warning."""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from core.statemachine import audit
from core.uploads import file_kind_check, identifiers_check
from members.models import User
from resources.models import Resource, Tag

FILE_TYPES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
ACCEPTED = "PDF, Word, PowerPoint, Excel, CSV, plain text, PNG or JPEG"


def file_check(upload, original: str) -> None:
    """Size, type by extension, and content that matches it; ``ValidationError`` on "file"."""
    file_kind_check(upload, original, extensions=FILE_TYPES,
                    limit=settings.RESOURCES_FILE_MAX_BYTES, accepted=ACCEPTED,
                    refused="the library takes", verb="Add")


def search_document(resource: Resource, tags) -> str:
    parts = [resource.title, resource.summary, resource.original_name,
             *(tag.name for tag in tags)]
    if resource.change_package_id:
        parts.append(resource.change_package.title)
    return "\n".join(part for part in parts if part)


def _check(resource: Resource) -> None:
    if resource.kind == Resource.Kind.CHANGE_PACKAGE:
        package = resource.change_package
        if package is None:
            raise ValidationError({"change_package": ["Choose the change package."]})
        if not package.is_published:
            raise ValidationError({"change_package": [
                "Only a published change package can go in the library."]})
    elif resource.kind in (Resource.Kind.LINK, Resource.Kind.RECORDING) and not resource.url:
        raise ValidationError({"url": ["Give the address of the link or the recording."]})
    elif resource.kind == Resource.Kind.FILE and not resource.file_path:
        raise ValidationError({"kind": [
            "Files are added on the library's “Add a file” page, where they are checked."]})
    if resource.visibility == Resource.Visibility.COLLABORATIVE:
        if resource.collaborative_id is None:
            raise ValidationError({"collaborative": [
                "Choose the collaborative whose participants see it."]})
    elif resource.collaborative_id is not None:
        resource.collaborative = None  # only meaningful for "one collaborative"


@transaction.atomic
def resource_save(*, resource: Resource, actor: User, tags=None) -> Resource:
    """Create or update a link, recording or change package (or a file's details), with its
    tags when given. Refusals name the field."""
    _check(resource)
    creating = resource.pk is None
    if creating:
        resource.added_by = actor
    resource.full_clean(exclude=["tags", "added_by"], validate_unique=False)
    resource.save()
    if tags is not None:
        resource.tags.set(tags)
    resource.search_document = search_document(resource, resource.tags.all())
    resource.save(update_fields=["search_document", "updated_at"])
    audit(resource, action="resource:added" if creating else "resource:changed", actor=actor)
    return resource


@transaction.atomic
def resource_file_add(*, actor: User, upload, original_name: str, title: str, summary: str,
                      visibility: str, collaborative=None, tags: list[Tag] = (),
                      listed: bool = True, no_student_data_confirmed: bool = False) -> Resource:
    """Add a file to the library. The file is checked (``file_check``) and scanned for student
    identifiers (core.identifiers); with findings it is refused (``IdentifiersFound``) unless
    the uploader confirmed it holds no student-level data. Stored under an unguessable name; a
    refusal stores nothing."""
    if not actor.is_staff:
        raise ValidationError("Only Center staff add to the library.", code="forbidden")
    original = PurePath(original_name or "").name[:200] or "file"
    file_check(upload, original)
    findings = identifiers_check(upload, original, confirmed=no_student_data_confirmed)
    extension = PurePath(original).suffix.lower()
    upload.seek(0)
    stored = default_storage.save(f"resources/files/{secrets.token_urlsafe(24)}{extension}",
                                  upload)
    try:
        with transaction.atomic():
            resource = resource_save(resource=Resource(
                title=title, summary=summary, kind=Resource.Kind.FILE, file_path=stored,
                original_name=original, file_size=upload.size, visibility=visibility,
                collaborative=collaborative, listed=listed), actor=actor, tags=list(tags))
            if findings:
                audit(resource, action="resource:identifiers_confirmed", actor=actor,
                      reason=" ".join(f.message for f in findings))
    except Exception:
        default_storage.delete(stored)
        raise
    return resource


def content_type_of(resource: Resource) -> str:
    return FILE_TYPES.get(PurePath(resource.original_name).suffix.lower(),
                          "application/octet-stream")
