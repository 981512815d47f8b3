"""Reads about change packages: the evidence behind each change idea (cycles, teams, settings,
run charts), the candidates for a draft, who may compile, and the published versions a person
may read."""

from collections import Counter

from django.utils import timezone

from collaboratives.changepackages.models import ChangePackage
from collaboratives.cycles import selectors as cycles_selectors
from collaboratives.cycles.models import ChangeIdea, PDSACycle
from collaboratives.measures import charts as measures_charts
from collaboratives.programme import selectors as programme_selectors
from collaboratives.programme.models import Collaborative, Enrollment
from members.models import Institution, User

SETTING_LABELS = {Institution.Kind.LEA: "LEA", Institution.Kind.IHE: "IHE",
                  Institution.Kind.YSO: "youth-serving organization"}


MAX_CHARTS_PER_IDEA = 6


def team_setting(enrollment: Enrollment) -> str:
    """LEA, IHE, an LEA-IHE partnership or a youth-serving organization, from the kinds of the
    membership's institutions (``team__membership__institutions`` prefetched)."""
    kinds = {i.kind for i in enrollment.team.membership.institutions.all()}
    if {Institution.Kind.LEA, Institution.Kind.IHE} <= kinds:
        return "LEA-IHE partnership"
    return " + ".join(SETTING_LABELS[k] for k in sorted(kinds)) or "not recorded"


def _counts(values) -> list[list]:
    return [[label, n] for label, n in Counter(values).most_common()]


def completed_cycles(collaborative: Collaborative):
    return PDSACycle.objects.filter(action_period__collaborative=collaborative,
                                    status=PDSACycle.Status.COMPLETED)


def evidence_of(collaborative: Collaborative, ideas: list[ChangeIdea]) -> dict[int, dict]:
    """For each idea with at least one adopting team: its completed cycles, the teams that
    tested and adopted it with their settings, and the run charts of the measures the adopting
    cycles watched. A fixed number of queries, however many ideas, teams and cycles."""
    cycles = list(completed_cycles(collaborative).filter(change_idea__in=ideas)
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
    drawn = measures_charts.charts_for(teams=list(teams.values()), measures=list(measures.values()),
                                       cycles=completed_cycles(collaborative)) if pairs else {}
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
            "charts": [measures_charts.snapshot(drawn[pair])
                       for pair in pairs.get(idea.pk, [])[:MAX_CHARTS_PER_IDEA]
                       if drawn[pair].has_data],
        }
    return result


def candidates(collaborative: Collaborative) -> list[tuple[ChangeIdea, dict]]:
    """Change ideas of the collaborative that at least one team adopted, with their evidence."""
    ideas = list(cycles_selectors.change_ideas_of(collaborative).filter(
        cycles__status=PDSACycle.Status.COMPLETED,
        cycles__decision=PDSACycle.Decision.ADOPT).distinct()
                 .order_by("primary_driver__position", "primary_driver__pk", "position", "pk"))
    evidence = evidence_of(collaborative, ideas)
    return [(idea, evidence[idea.pk]) for idea in ideas if idea.pk in evidence]


def entry_charts(evidence: dict, *, size: str, prefix: str) -> list[measures_charts.Chart]:
    return [measures_charts.chart_from_snapshot(data, size=size, chart_id=f"{prefix}-{n}")
            for n, data in enumerate(evidence.get("charts", []), start=1)]


def may_compile(user: User, collaborative: Collaborative) -> bool:
    viewer = programme_selectors.viewer_for(user, collaborative)
    return viewer.is_staff or viewer.is_coach


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
