"""Files attached to PDSA cycles: images, PDF or CSV up to the size limit, checked by extension
and content, within the team's quota, stored under an unguessable name; deleted by their uploader,
the team lead or staff."""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Sum

from collaboratives.cycles.models import CycleAttachment, PDSACycle
from collaboratives.cycles.services import check_works_on
from collaboratives.programme import selectors as programme_selectors
from core.statemachine import audit
from core.uploads import file_kind_check, identifiers_check
from members.models import Role, Team, TeamMember, User

ATTACHMENT_TYPES = {
    ".png": (CycleAttachment.Kind.IMAGE, "image/png"),
    ".jpg": (CycleAttachment.Kind.IMAGE, "image/jpeg"),
    ".jpeg": (CycleAttachment.Kind.IMAGE, "image/jpeg"),
    ".gif": (CycleAttachment.Kind.IMAGE, "image/gif"),
    ".webp": (CycleAttachment.Kind.IMAGE, "image/webp"),
    ".pdf": (CycleAttachment.Kind.PDF, "application/pdf"),
    ".csv": (CycleAttachment.Kind.CSV, "text/csv"),
}


ACCEPTED = "images (PNG, JPEG, GIF, WebP), PDF or CSV"


def upload_check(upload: UploadedFile, original_name: str | None = None) -> tuple[str, str]:
    """Check an uploaded file's size and type, by its extension and by its content (the rules
    of cycle attachments, used for the network's event materials too). Returns its name and
    lower-case extension; raises a ``ValidationError`` on ``file`` saying what is wrong."""
    original = PurePath(original_name or upload.name or "").name[:200] or "attachment"
    extension = file_kind_check(upload, original, extensions=ATTACHMENT_TYPES,
                                limit=settings.COLLABORATIVE_ATTACHMENT_MAX_BYTES,
                                accepted=ACCEPTED, refused="we accept", verb="Attach")
    return original, extension


@transaction.atomic
def attachment_add(*, cycle: PDSACycle, actor: User, upload: UploadedFile,
                   original_name: str | None = None,
                   no_student_data_confirmed: bool = False) -> CycleAttachment:
    """Check the file's size and type (by its extension and by its content), scan it for student
    identifiers (``IdentifiersFound`` unless the uploader confirmed it holds none), store it
    under an unguessable name and record it. A refused file leaves nothing behind."""
    # The team first (it guards the quota, and parents lock before children), then the cycle.
    Team.objects.select_for_update().filter(pk=cycle.team_id).first()
    locked = PDSACycle.objects.select_for_update().select_related(
        "action_period__collaborative").get(pk=cycle.pk)
    check_works_on(actor, locked.action_period.collaborative, locked.team_id)
    original, extension = upload_check(upload, original_name)
    findings = identifiers_check(upload, original, confirmed=no_student_data_confirmed)
    _check_team_quota(locked.team_id, original, upload.size)
    kind, content_type = ATTACHMENT_TYPES[extension]
    upload.seek(0)
    stored = default_storage.save(
        f"collaboratives/attachments/{secrets.token_urlsafe(24)}{extension}", upload)
    try:
        with transaction.atomic():
            attachment = CycleAttachment.objects.create(
                cycle=locked, kind=kind, storage_name=stored, original_name=original,
                content_type=content_type, size=upload.size, uploaded_by=actor)
            if findings:
                audit(locked, action="attachment:identifiers_confirmed", actor=actor,
                      reason=f"“{original}”: " + " ".join(f.message for f in findings))
    except Exception:
        default_storage.delete(stored)
        raise
    return attachment


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _check_team_quota(team_id: int, original: str, size: int) -> None:
    """A team keeps at most ``COLLABORATIVE_ATTACHMENTS_PER_TEAM`` files and
    ``COLLABORATIVE_ATTACHMENT_TEAM_BYTES`` in all, across its cycles. Called with the team
    locked, so two uploads at once cannot both take the last place."""
    used = CycleAttachment.objects.filter(cycle__team_id=team_id).aggregate(
        n=Count("pk"), size=Sum("size"))
    count, total = used["n"], used["size"] or 0
    most, room = (settings.COLLABORATIVE_ATTACHMENTS_PER_TEAM,
                  settings.COLLABORATIVE_ATTACHMENT_TEAM_BYTES)
    if count + 1 > most:
        raise ValidationError({"file": [
            f"Your team already keeps {count:,} files, the most a team may: delete one it no "
            f"longer needs, then attach “{original}”."]},
            code="quota_count")
    if total + size > room:
        raise ValidationError({"file": [
            f"“{original}” ({_megabytes(size)}) does not fit: your team's files take "
            f"{_megabytes(total)} of the {_megabytes(room)} a team may keep. Delete files it "
            "no longer needs first."]}, code="quota_bytes")


def attachment_may_delete(user: User, attachment: CycleAttachment, viewer,
                          lead_of: set[int]) -> bool:
    """Who may delete an attachment: whoever uploaded it while still on the team, the team's
    lead, and staff. Not the coach (the team's record is the team's), not another team."""
    team_id = attachment.cycle.team_id
    if viewer.is_staff:
        return True
    if not viewer.works_on(team_id):
        return False
    return attachment.uploaded_by_id == user.pk or team_id in lead_of


def teams_led_by(user: User) -> set[int]:
    return set(TeamMember.objects.filter(user=user, status=TeamMember.Status.ACTIVE,
                                         role=Role.LEAD).values_list("team_id", flat=True))


@transaction.atomic
def attachment_delete(*, attachment: CycleAttachment, actor: User) -> None:
    """Delete an attachment: the record goes at once, the file from storage once that has
    committed (a rollback keeps both). An audit entry on the cycle says what went and who."""
    locked = (CycleAttachment.objects.select_for_update()
              .select_related("cycle__action_period__collaborative")
              .filter(pk=attachment.pk).first())
    if locked is None:
        return  # already deleted: a second click changes nothing
    cycle = locked.cycle
    viewer = programme_selectors.viewer_for(actor, cycle.action_period.collaborative)
    if not attachment_may_delete(actor, locked, viewer, teams_led_by(actor)):
        raise ValidationError("Only whoever attached a file, the team's lead and Center staff "
                              "delete it.", code="forbidden")
    reason = (f"“{locked.original_name}” ({_megabytes(locked.size)}), attached by "
              f"{locked.uploaded_by}")
    stored = locked.storage_name
    locked.delete()
    audit(cycle, action="attachment:deleted", actor=actor, reason=reason)
    transaction.on_commit(lambda: default_storage.delete(stored))
