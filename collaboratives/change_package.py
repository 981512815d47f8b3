"""The change package: the change ideas teams adopted, for whom and under what conditions, with
the PDSA evidence behind each; compiled by staff and coaches, published in numbered versions.

The evidence of an idea (``evidence_of``) is one JSON-ready dict, read live from the rows while
a package is a draft and copied into the entry when it is published, so a published version
keeps the texts, the teams, their settings and the run charts' data of the day it went out:
later edits to ideas, cycles or values change the next version, never this one. Publication
enqueues the PDF (WeasyPrint, in a Celery task after commit), stored under an unguessable name.
"""

import secrets
from collections import Counter
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from collaboratives import charts, selectors
from collaboratives.models import (
    ChangeIdea,
    ChangePackage,
    ChangePackageEntry,
    Collaborative,
    Enrollment,
    PDSACycle,
    text_limit_errors,
)
from core.statemachine import audit, transition
from members.models import Institution, User

SETTING_LABELS = {Institution.Kind.LEA: "LEA", Institution.Kind.IHE: "IHE",
                  Institution.Kind.YSO: "youth-serving organization"}
MAX_CHARTS_PER_IDEA = 6


# --- Evidence -------------------------------------------------------------------------------

def team_setting(enrollment: Enrollment) -> str:
    """LEA, IHE, an LEA-IHE partnership or a youth-serving organization, from the kinds of the
    membership's institutions (``team__membership__institutions`` prefetched)."""
    kinds = {i.kind for i in enrollment.team.membership.institutions.all()}
    if {Institution.Kind.LEA, Institution.Kind.IHE} <= kinds:
        return "LEA-IHE partnership"
    return " + ".join(SETTING_LABELS[k] for k in sorted(kinds)) or "not recorded"


def _counts(values) -> list[list]:
    return [[label, n] for label, n in Counter(values).most_common()]


def _completed_cycles(collaborative: Collaborative):
    return PDSACycle.objects.filter(action_period__collaborative=collaborative,
                                    status=PDSACycle.Status.COMPLETED)


def evidence_of(collaborative: Collaborative, ideas: list[ChangeIdea]) -> dict[int, dict]:
    """For each idea with at least one adopting team: its completed cycles, the teams that
    tested and adopted it with their settings, and the run charts of the measures the adopting
    cycles watched. A fixed number of queries, however many ideas, teams and cycles."""
    cycles = list(_completed_cycles(collaborative).filter(change_idea__in=ideas)
                  .select_related("team").prefetch_related("measures")
                  .order_by("completed_at", "pk"))
    team_ids = {c.team_id for c in cycles}
    enrollments = {e.team_id: e for e in Enrollment.objects.filter(
        collaborative=collaborative, team_id__in=team_ids)
        .select_related("team__membership").prefetch_related("team__membership__institutions")}
    pairs: dict[int, list[tuple[int, int]]] = {}
    measures, teams = {}, {}
    for cycle in cycles:
        if cycle.decision != PDSACycle.Decision.ADOPT:
            continue
        for measure in cycle.measures.all():
            wanted = pairs.setdefault(cycle.change_idea_id, [])
            if (cycle.team_id, measure.pk) not in wanted:
                wanted.append((cycle.team_id, measure.pk))
            measures[measure.pk], teams[cycle.team_id] = measure, cycle.team
    drawn = charts.charts_for(teams=list(teams.values()), measures=list(measures.values()),
                              cycles=_completed_cycles(collaborative)) if pairs else {}
    result = {}
    for idea in ideas:
        own = [c for c in cycles if c.change_idea_id == idea.pk]
        adopters = sorted({c.team_id for c in own if c.decision == PDSACycle.Decision.ADOPT},
                          key=lambda t: enrollments[t].team.name)
        if not adopters:
            continue
        tested = sorted({c.team_id for c in own}, key=lambda t: enrollments[t].team.name)
        people = [{
            "name": enrollments[t].team.name,
            "setting": team_setting(enrollments[t]),
            "grade_band": enrollments[t].get_grade_band_display() or "not recorded",
            "locale": enrollments[t].get_locale_display() or "not recorded",
            "adopted": t in adopters,
        } for t in tested]
        adopting = [p for p in people if p["adopted"]]
        result[idea.pk] = {
            "adopting_team_count": len(adopters),
            "tested_team_count": len(tested),
            "teams": people,
            "settings": {
                "institution": _counts(p["setting"] for p in adopting),
                "grade_band": _counts(p["grade_band"] for p in adopting),
                "locale": _counts(p["locale"] for p in adopting),
            },
            "cycles": [{
                "title": c.title, "team": c.team.name, "decision": c.decision,
                "decision_label": c.get_decision_display(),
                "completed_on": timezone.localdate(c.completed_at).isoformat(),
                "completed_label": f"{timezone.localdate(c.completed_at):%-d %b %Y}",
                "question": c.question, "prediction": c.prediction, "results": c.results,
                "learning": c.learning, "next_step": c.next_step,
            } for c in own],
            "charts": [charts.snapshot(drawn[pair])
                       for pair in pairs.get(idea.pk, [])[:MAX_CHARTS_PER_IDEA]
                       if drawn[pair].has_data],
        }
    return result


def candidates(collaborative: Collaborative) -> list[tuple[ChangeIdea, dict]]:
    """Change ideas of the collaborative that at least one team adopted, with their evidence."""
    ideas = list(selectors.change_ideas_of(collaborative).filter(
        cycles__status=PDSACycle.Status.COMPLETED,
        cycles__decision=PDSACycle.Decision.ADOPT).distinct()
        .order_by("primary_driver__position", "primary_driver__pk", "position", "pk"))
    evidence = evidence_of(collaborative, ideas)
    return [(idea, evidence[idea.pk]) for idea in ideas if idea.pk in evidence]


def entry_charts(evidence: dict, *, size: str, prefix: str) -> list[charts.Chart]:
    return [charts.chart_from_snapshot(data, size=size, chart_id=f"{prefix}-{n}")
            for n, data in enumerate(evidence.get("charts", []), start=1)]


# --- Compiling and publishing ---------------------------------------------------------------

def may_compile(user: User, collaborative: Collaborative) -> bool:
    viewer = selectors.viewer_for(user, collaborative)
    return viewer.is_staff or viewer.is_coach


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
    return _completed_cycles(collaborative).filter(
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
    from collaboratives import tasks

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


# --- Reading and the PDF --------------------------------------------------------------------

def published_of(collaborative: Collaborative):
    return (ChangePackage.objects.filter(collaborative=collaborative,
                                         status=ChangePackage.Status.PUBLISHED)
            .select_related("collaborative", "published_by").order_by("-version"))


def published_everywhere():
    """Every published version of every collaborative, newest first (the members' library)."""
    return (ChangePackage.objects.filter(status=ChangePackage.Status.PUBLISHED)
            .select_related("collaborative", "published_by")
            .order_by("collaborative__name", "collaborative_id", "-version"))


def packages_visible_to(user: User, collaborative: Collaborative):
    """Published versions for everyone in the collaborative; the draft too for staff and its
    coaches."""
    packages = ChangePackage.objects.filter(collaborative=collaborative).select_related(
        "collaborative", "published_by")
    if may_compile(user, collaborative):
        return packages
    return packages.filter(status=ChangePackage.Status.PUBLISHED)


def entries_for_page(package: ChangePackage, *, size: str = "full",
                     with_charts: bool = True) -> list[dict]:
    """Each entry with its evidence and charts: frozen for a published version, live for the
    draft."""
    entries = list(package.entries.select_related("change_idea__primary_driver"))
    live = {} if package.is_published else evidence_of(package.collaborative,
                                                       [e.change_idea for e in entries])
    out = []
    for entry in entries:
        if package.is_published:
            title, description, driver = entry.title, entry.description, entry.driver_title
            evidence = entry.evidence
        else:
            idea = entry.change_idea
            title, description = idea.title, idea.description
            driver, evidence = idea.primary_driver.title, live.get(idea.pk, {})
        out.append({"entry": entry, "title": title, "description": description,
                    "driver": driver, "evidence": evidence,
                    "charts": entry_charts(evidence, size=size, prefix=f"entry-{entry.pk}")
                    if with_charts else []})
    return out


def change_package_pdf_render(*, package: ChangePackage) -> bytes:
    from weasyprint import HTML

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
