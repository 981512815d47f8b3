"""The change package: the change ideas teams adopted, for whom and under what conditions, with
the PDSA evidence behind each; compiled by staff and coaches, published in numbered versions.

The evidence of an idea (``evidence_of``) is one JSON-ready dict, read live from the rows while
a package is a draft and copied into the entry when it is published, so a published version
keeps the texts, the teams, their settings and the run charts' data of the day it went out:
later edits to ideas, cycles or values change the next version, never this one. Publication
enqueues the PDF (WeasyPrint, in a Celery task after commit), stored under an unguessable name.
"""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from collaboratives.changepackages import tasks
from collaboratives.changepackages.models import ChangePackage, ChangePackageEntry
from collaboratives.changepackages.selectors import completed_cycles, evidence_of, may_compile
from collaboratives.cycles.models import ChangeIdea, PDSACycle
from collaboratives.programme.models import Collaborative, text_limit_errors
from core.statemachine import audit, transition
from members.models import User


def _check_compiles(actor: User, collaborative: Collaborative) -> None:
    if not may_compile(actor, collaborative):
        raise ValidationError("Center staff and the collaborative's coaches compile its change "
                              "package.", code="forbidden")


def _check_draft(package: ChangePackage) -> None:
    if package.is_published:
        raise ValidationError(f"Version {package.version} is published and stays as it is; "
                              "start a new version to change it.")


@transaction.atomic
def change_package_draft(*, collaborative: Collaborative, actor: User) -> ChangePackage:
    """The collaborative's draft: the one being compiled, or a new version after the last."""
    _check_compiles(actor, collaborative)
    collaborative = Collaborative.objects.select_for_update().get(pk=collaborative.pk)
    draft = collaborative.change_packages.filter(status=ChangePackage.Status.DRAFT).first()
    if draft:
        return draft
    last = collaborative.change_packages.aggregate(v=Max("version"))["v"] or 0
    previous = collaborative.change_packages.filter(version=last).first()
    draft = ChangePackage.objects.create(
        collaborative=collaborative, version=last + 1, created_by=actor,
        title=previous.title if previous else f"{collaborative.name}: change package",
        introduction=previous.introduction if previous else "")
    if previous:  # start from the last version's ideas and commentary
        ChangePackageEntry.objects.bulk_create([
            ChangePackageEntry(package=draft, change_idea_id=e.change_idea_id,
                               position=e.position, commentary=e.commentary)
            for e in previous.entries.all()])
    audit(draft, action="change_package:drafted", actor=actor)
    return draft


def _locked_draft(package: ChangePackage, actor: User) -> ChangePackage:
    _check_compiles(actor, package.collaborative)
    locked = ChangePackage.objects.select_for_update().select_related("collaborative").get(
        pk=package.pk)
    _check_draft(locked)
    return locked


@transaction.atomic
def change_package_update(*, package: ChangePackage, actor: User, title: str,
                          introduction: str = "") -> ChangePackage:
    locked = _locked_draft(package, actor)
    if not title.strip():
        raise ValidationError({"title": ["Give the change package a title."]})
    errors = text_limit_errors(ChangePackage, title=title.strip(),
                               introduction=introduction.strip())
    if errors:
        raise ValidationError(errors)
    locked.title, locked.introduction = title.strip(), introduction.strip()
    locked.save(update_fields=["title", "introduction", "updated_at"])
    return locked


def _adopted(collaborative: Collaborative, idea: ChangeIdea) -> bool:
    return completed_cycles(collaborative).filter(
        change_idea=idea, decision=PDSACycle.Decision.ADOPT).exists()


@transaction.atomic
def change_package_entry_add(*, package: ChangePackage, change_idea: ChangeIdea, actor: User,
                             commentary: str = "") -> ChangePackageEntry:
    """Add a change idea that at least one team adopted (a completed cycle that says adopt)."""
    locked = _locked_draft(package, actor)
    if change_idea.primary_driver.collaborative_id != locked.collaborative_id:
        raise ValidationError({"change_idea": ["That change idea belongs to another "
                                               "collaborative."]})
    if not _adopted(locked.collaborative, change_idea):
        raise ValidationError({"change_idea": [f"No team has adopted “{change_idea.title}” "
                                               "yet: a completed cycle must say adopt."]})
    errors = text_limit_errors(ChangePackageEntry, commentary=commentary.strip())
    if errors:
        raise ValidationError(errors)
    if locked.entries.filter(change_idea=change_idea).exists():
        raise ValidationError({"change_idea": ["This change idea is already in the package."]})
    position = (locked.entries.aggregate(p=Max("position"))["p"] or 0) + 1
    return ChangePackageEntry.objects.create(package=locked, change_idea=change_idea,
                                             position=position, commentary=commentary.strip())


@transaction.atomic
def change_package_entry_update(*, entry: ChangePackageEntry, actor: User,
                                commentary: str) -> ChangePackageEntry:
    _locked_draft(entry.package, actor)
    errors = text_limit_errors(ChangePackageEntry, commentary=commentary.strip())
    if errors:
        raise ValidationError(errors)
    entry.commentary = commentary.strip()
    entry.save(update_fields=["commentary", "updated_at"])
    return entry


@transaction.atomic
def change_package_entry_remove(*, entry: ChangePackageEntry, actor: User) -> None:
    _locked_draft(entry.package, actor)
    entry.delete()


@transaction.atomic
def change_package_publish(*, package: ChangePackage, actor: User) -> ChangePackage:
    """Freeze every entry (texts and evidence as they are now) and publish the version to the
    collaborative; the PDF is rendered in the background after commit."""
    _check_compiles(actor, package.collaborative)
    locked = ChangePackage.objects.select_for_update().select_related("collaborative").get(
        pk=package.pk)
    if locked.is_published:
        return locked  # a second click publishes nothing new
    entries = list(locked.entries.select_related("change_idea__primary_driver"))
    if not entries:
        raise ValidationError("Add at least one adopted change idea before publishing.")
    evidence = evidence_of(locked.collaborative, [e.change_idea for e in entries])
    stale = [e.change_idea.title for e in entries if e.change_idea_id not in evidence]
    if stale:
        raise ValidationError(f"No team adopts these any longer: {', '.join(stale)}. Remove "
                              "them before publishing.")
    now = timezone.now()
    for entry in entries:
        idea = entry.change_idea
        entry.title, entry.description = idea.title, idea.description
        entry.driver_title = idea.primary_driver.title
        entry.evidence, entry.frozen_at = evidence[idea.pk], now
    ChangePackageEntry.objects.bulk_update(
        entries, ["title", "description", "driver_title", "evidence", "frozen_at"])
    locked, _ = transition(locked, ChangePackage.Status.PUBLISHED, actor=actor)
    locked.published_by = actor
    locked.save(update_fields=["published_by", "updated_at"])
    tasks.change_package_pdf_render.delay_on_commit(locked.pk)
    return locked
