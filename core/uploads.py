"""Checks every upload shares (PDSA attachments, the resource library): does a file's content
match its extension, and a place to hold a file while its uploader confirms a warning about it.

``content_matches`` reads magic bytes for images and PDF, parses CSV and plain text, and opens
Office files (XLSX, DOCX, PPTX) as the ZIP packages they are.

``upload_hold`` / ``upload_held``: a file that the identifier scan (core.identifiers) warns
about is stored under an unguessable name in ``held/`` and the form carries a signed token for
it, so the uploader confirms without choosing the file again; the token names its owner and
expires after a day. ``held_uploads_purge`` deletes what was never confirmed.
"""

import csv
import io
import secrets
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from core.identifiers import Finding, scan

OFFICE_PARTS = {".xlsx": "xl/", ".docx": "word/", ".pptx": "ppt/"}
TEXT_EXTENSIONS = (".csv", ".txt", ".md")


def _text_of(raw: bytes) -> str | None:
    """Text without NUL or control bytes that decodes (UTF-8, or Windows-1252 as Excel saves
    it); None otherwise."""
    if b"\x00" in raw or not raw.strip():
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        return None
    return text


def _office_package(raw: bytes, part: str) -> bool:
    if not raw.startswith(b"PK\x03\x04"):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith(part) for name in names)


def content_matches(extension: str, upload) -> bool:
    """Does the file's content match its extension? Magic bytes for images and PDF; for CSV,
    text without NUL bytes that decodes and parses; for Office files, a ZIP package with the
    parts its kind has."""
    upload.seek(0)
    head = upload.read(16)
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if extension == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension == ".pdf":
        return head.lstrip(b"\r\n\t ").startswith(b"%PDF-")
    if extension in TEXT_EXTENSIONS or extension in OFFICE_PARTS:
        upload.seek(0)
        raw = upload.read()
        if extension in OFFICE_PARTS:
            return _office_package(raw, OFFICE_PARTS[extension])
        text = _text_of(raw)
        if text is None:
            return False
        if extension != ".csv":
            return True
        try:
            return bool(list(csv.reader(io.StringIO(text))))
        except csv.Error:
            return False
    return False


# --- Held files ---------------------------------------------------------------------------------
HELD_DIR = "held"
HELD_SALT = "core.uploads.held"
HELD_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class HeldUpload:
    path: str           # in default_storage
    original_name: str
    size: int


def file_kind_check(upload, original: str, *, extensions, limit: int, accepted: str,
                    refused: str, verb: str) -> str:
    """Size, type by extension and content that matches it, for every upload form: raises a
    ``ValidationError`` on "file" in the form's own words ("is not a file type {refused}.
    {verb} {accepted}."); returns the lower-case extension."""
    extension = PurePath(original).suffix.lower()
    if upload.size > limit:
        raise ValidationError({"file": [
            f"“{original}” is {upload.size / 1024 / 1024:.1f} MB; files can be at most "
            f"{limit / 1024 / 1024:.0f} MB."]}, code="too_large")
    if extension not in extensions:
        raise ValidationError({"file": [
            f"“{original}” is not a file type {refused}. {verb} {accepted}."]},
            code="wrong_type")
    if not content_matches(extension, upload):
        raise ValidationError({"file": [
            f"“{original}” does not contain what its name says ({extension[1:].upper()}). "
            f"{verb} {accepted}."]}, code="wrong_content")
    return extension


def upload_hold(upload: UploadedFile, *, owner_id: int) -> str:
    """Store ``upload`` under an unguessable name and return a signed token for it."""
    original = PurePath(upload.name or "").name[:200] or "file"
    extension = PurePath(original).suffix.lower()[:10]
    upload.seek(0)
    path = default_storage.save(f"{HELD_DIR}/{secrets.token_urlsafe(24)}{extension}", upload)
    return signing.dumps({"p": path, "n": original, "s": upload.size, "o": owner_id},
                         salt=HELD_SALT, compress=True)


def upload_held(token: str, *, owner_id: int) -> HeldUpload | None:
    """The held file ``token`` names, if it is ``owner_id``'s, not expired and still stored."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=HELD_SALT, max_age=HELD_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("o") != owner_id or not str(data.get("p", "")).startswith(f"{HELD_DIR}/"):
        return None
    if not default_storage.exists(data["p"]):
        return None
    return HeldUpload(path=data["p"], original_name=data["n"], size=int(data["s"]))


def held_uploads_purge(*, now=None) -> int:
    """Delete held files older than a token lives (their uploader never confirmed)."""
    cutoff = (now or timezone.now()) - HELD_MAX_AGE - timedelta(hours=1)
    try:
        _dirs, files = default_storage.listdir(HELD_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in files:
        path = f"{HELD_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            deleted += 1
    return deleted


# --- The identifier warning -------------------------------------------------------------------
NO_STUDENT_DATA = ("No student-level data: never a file with students' names, ID numbers or "
                   "dates of birth. Aggregates (counts, rates) only.")
CONFIRM_ERROR = ("Check the file. If it holds no student-level data, tick this box and send it "
                 "again; otherwise remove those columns first and choose the corrected file.")


class IdentifiersFound(ValidationError):
    """The file looks like it holds student identifiers and nobody confirmed it does not."""

    def __init__(self, findings: list[Finding]):
        super().__init__({"file": ["This file may hold student-level data: "
                                   + " ".join(f.message for f in findings)]},
                         code="identifiers")
        self.findings = findings


def identifiers_check(upload, original: str, *, confirmed: bool) -> list[Finding]:
    """For a service: scan ``upload``; raise ``IdentifiersFound`` when something is found and
    the uploader has not confirmed; return the findings (to record with the confirmation)."""
    upload.seek(0)
    findings = scan(upload.read(), original)
    if findings and not confirmed:
        raise IdentifiersFound(findings)
    return findings


def upload_source(chosen, held_token: str, *, owner_id: int):
    """What a form with a file field and a ``held`` token sends: ``(file, name, held)`` for the
    file just chosen (held None) or the held one; None when neither is there. Close a held
    file once done (``held`` is not None)."""
    if chosen:
        return chosen, chosen.name, None
    held = upload_held(held_token, owner_id=owner_id)
    if held is None:
        return None
    return default_storage.open(held.path, "rb"), held.original_name, held


def upload_hold_on_form(form, chosen, *, owner_id: int) -> HeldUpload | None:
    """After ``IdentifiersFound``: hold the file just chosen and put its token on the re-shown
    form (a held file stays held); add the error to the confirmation box."""
    if chosen:
        form.data = form.data.copy()
        form.data[form.add_prefix("held")] = upload_hold(chosen, owner_id=owner_id)
    form.add_error("no_student_data_confirmed", CONFIRM_ERROR)
    return upload_held(form.data.get(form.add_prefix("held"), ""), owner_id=owner_id)
