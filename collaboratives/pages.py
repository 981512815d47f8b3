"""The pages that compose several domains, the top layer of the app: the list of collaboratives
(with each one's next convening), a collaborative's home (phases, convenings, every team's
progress in the current action period, the shared learning, the latest change package) and the
coach's teams across collaboratives. Queries do not grow with the number of teams.

The collaborative home is the page every member of a collaborative opens. Most of it is the same
for everyone who may see the collaborative: its phases, its convenings, every team's progress,
the latest learning and change package. That part (``HomeSummary``) is kept in the cache under a
key made from one small query that reads, for each table it is drawn from, how many of the
collaborative's rows it holds and when one last changed (``_home_sql``); what differs per person
(who they are in the collaborative, their answer to the next convening, which teams they may
open, the rhythm panel) is read on every request."""

import functools
import hashlib
from datetime import date
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from collaboratives.changepackages.models import ChangePackage
from collaboratives.convenings.models import RSVP, Convening
from collaboratives.cycles import selectors as cycles_selectors
from collaboratives.cycles.models import (
    ActionPeriod,
    ChangeIdea,
    PDSACycle,
    PrimaryDriver,
    TeamAim,
)
from collaboratives.programme import selectors as programme_selectors
from collaboratives.programme.models import Collaborative, Enrollment, Phase
from collaboratives.programme.selectors import Viewer
from collaboratives.programme.web import collaborative_or_404, paginate
from core import fragments
from core.kept import kept
from members.models import Membership, Team, TeamMember, User
from members.selectors import current_places


def _next_convening_start(now):
    """Each collaborative's next scheduled convening (for ``next_convening_at``)."""
    return Subquery(
        Convening.objects.filter(collaborative=OuterRef("pk"), status=Convening.Status.SCHEDULED,
                                 starts_at__gt=now).order_by("starts_at").values("starts_at")[:1])


@login_required
def collaborative_list(request):
    collaboratives = (programme_selectors.collaboratives_visible_to(request.user)
                      .annotate(next_convening_at=_next_convening_start(timezone.now()))
                      .order_by("-start", "name"))
    return render(request, "collaboratives/collaborative_list.html", {
        "page": paginate(request, collaboratives),
        "coaches_any": Enrollment.objects.filter(coach=request.user).exists(),
        "today": timezone.localdate(),
    })


# --- The collaborative home -----------------------------------------------------------------

PROGRESS_PAGE_SIZE = 25
LEARNING_SHOWN = 5
# Bump when HomeSummary or what goes into it changes: the cache outlives a deploy. (A change to
# the templates its fragments are drawn from changes the key by itself: ``_fragments_version``.)
HOME_CACHE_VERSION = 1
HOME_CACHE_SECONDS = 60 * 60 * 24
# A change stamped less than this long ago may not be alone: a transaction that stamped its
# rows a moment earlier (so the newest stamp does not move) can still be committing. While the
# collaborative's newest change is this recent, the summary is read afresh and not kept.
HOME_SETTLE_SECONDS = 120
_FRAGMENT_TEMPLATES = ["collaboratives/partials/phase_timeline.html",
                       "collaboratives/partials/home_convenings.html", "partials/status.html"]

# What the summary is read from, each with the rows that concern the collaborative ``c``. Teams
# are the enrolled ones. The cycles are not among them: a collaborative holds tens of thousands,
# too many to stamp on every request, so the home's part drawn from cycles is kept on its own,
# under a key of the current period's cycles and the newest completed ones (``home_cycles``).
_SOURCES = [
    ("phases", Phase, "collaborative_id = c.id"),
    ("convenings", Convening, "collaborative_id = c.id"),
    ("periods", ActionPeriod, "collaborative_id = c.id"),
    ("enrollments", Enrollment, "collaborative_id = c.id"),
    ("aims", TeamAim, "enrollment_id IN (SELECT id FROM {Enrollment} "
                      "WHERE collaborative_id = c.id)"),
    ("teams", Team, "id IN (SELECT team_id FROM {Enrollment} WHERE collaborative_id = c.id)"),
    ("packages", ChangePackage, "collaborative_id = c.id"),
]


@functools.cache
def _home_sql() -> str:
    """The collaborative with the given slug and, per source, ``<name>_n`` (how many rows) and
    ``<name>_at`` (when one last changed): a row added, changed (every write stamps
    ``updated_at``) or deleted changes one or the other; ``coaches``, the enrolled teams'
    coaches' names and addresses; and the same counts and stamps of the person's places
    (``places_*``; the query's first four parameters are their id, the last the slug).

    Written as SQL because it runs on every request: compiled by the ORM, such subqueries cost
    more Python than the rest of the page (about 12,000 function calls for eight, against about
    150 here). Plain SQL that SQLite and PostgreSQL both run; table names come from the models."""
    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    tables = {"Enrollment": table(Enrollment)}
    columns = []
    for name, model, where in _SOURCES:
        rows = f"FROM {table(model)} WHERE {where.format(**tables)}"
        columns += [f"(SELECT COUNT(*) {rows}) AS {name}_n",
                    f"(SELECT MAX(updated_at) {rows}) AS {name}_at"]
    # Accounts carry no stamp: the coaches' names and addresses themselves are the input.
    join = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    coaches = f"SELECT coach_id FROM {table(Enrollment)} WHERE collaborative_id = c.id"  # noqa: S608
    person = "u.id || ':' || u.first_name || ':' || u.last_name || ':' || u.email"
    columns.append(f"(SELECT {join}({person}, '|') FROM {table(User)} u "  # noqa: S608
                   f"WHERE u.id IN ({coaches})) AS coaches")
    # The person's places on any team (``members.selectors.current_places``): their rows, the
    # teams' and the memberships' (whose status decides whether a place is current).
    members = f"FROM {table(TeamMember)} WHERE user_id = %s"
    teams = f"FROM {table(Team)} WHERE id IN (SELECT team_id {members})"
    memberships = f"FROM {table(Membership)} WHERE id IN (SELECT membership_id {teams})"
    columns += [f"(SELECT COUNT(*) {members}) AS places_n",
                f"(SELECT MAX(updated_at) {members}) AS places_at",
                f"(SELECT MAX(updated_at) {teams}) AS place_teams_at",
                f"(SELECT MAX(updated_at) {memberships}) AS place_memberships_at"]
    # Nothing here comes from a request: the person's id and the slug are parameters.
    return f"SELECT c.*, {', '.join(columns)} FROM {table(Collaborative)} c WHERE c.slug = %s"  # noqa: S608


@functools.cache
def _fragments_version() -> str:
    """Changes when a template of the summary's fragments does (with a deploy)."""
    sources = "".join(get_template(name).template.source for name in _FRAGMENT_TEMPLATES)
    return hashlib.sha256(sources.encode()).hexdigest()[:16]


class TeamRow(NamedTuple):
    """One enrolled team."""

    enrollment_id: int
    team_id: int
    team_name: str
    aim: str  # the aim's statement; empty while the team has set none
    coach_id: int


class HomeSummary(NamedTuple):
    """What the home shows the same to everyone who may see the collaborative, for one day."""

    phases: list[Phase]
    convenings: list[Convening]
    period: ActionPeriod | None
    teams: list[TeamRow]  # every enrolled team, by name
    coaches: dict[int, str]  # each coach's cell of the progress table, by id
    latest_package: ChangePackage | None
    phases_html: str  # the phase timeline
    convenings_html: str  # the table of convenings


def _summary_of(collaborative: Collaborative, today: date) -> HomeSummary:
    """Read the summary: six queries, however many teams."""
    teams = []
    for pk, team_id, team_name, coach_id, what, how_much, by_when in (
            Enrollment.objects.filter(collaborative=collaborative).order_by("team__name", "pk")
            .values_list("pk", "team_id", "team__name", "coach_id", "aim__what",
                         "aim__how_much", "aim__by_when")):
        aim = (TeamAim(what=what, how_much=how_much, by_when=by_when).statement
               if by_when is not None else "")
        teams.append(TeamRow(pk, team_id, team_name, aim, coach_id))
    phases = list(Phase.objects.filter(collaborative=collaborative).order_by("start"))
    convenings = list(Convening.objects.filter(collaborative=collaborative)
                      .order_by("starts_at", "pk"))
    current_phase = next((p for p in phases if p.start <= today <= p.end), None)
    return HomeSummary(
        phases=phases, convenings=convenings,
        period=cycles_selectors.current_action_period(collaborative, today),
        teams=teams,
        coaches={user.pk: (f'<bdi class="person">{escape(user.display_name)}</bdi>'
                           f'<span class="person-email">{escape(user.email)}</span>')
                 for user in User.objects.filter(coached_enrollments__collaborative=collaborative)
                 .only("first_name", "last_name", "email").distinct()},
        latest_package=(collaborative.change_packages.filter(status="published")
                        .order_by("-version").first()),
        phases_html=render_to_string("collaboratives/partials/phase_timeline.html", {
            "phases": phases, "current_phase": current_phase}),
        convenings_html=render_to_string("collaboratives/partials/home_convenings.html", {
            "convenings": convenings, "collaborative": collaborative}),
    )


def _kept(name: str, inputs: dict, build):
    return kept(f"collaborative-home:v{HOME_CACHE_VERSION}:{name}", inputs, build,
                seconds=HOME_CACHE_SECONDS, settle_seconds=HOME_SETTLE_SECONDS)


def home_summary(collaborative: Collaborative, inputs: dict,
                 today: date) -> tuple[HomeSummary, str]:
    """The summary and its key: kept under a key of ``inputs`` (the collaborative's own stamp
    and each source's count and last change, from ``_home_sql``), the day and the fragments'
    templates."""
    summary, key = _kept("summary", {**inputs, "collaborative": collaborative.pk, "day": today,
                                     "templates": _fragments_version()},
                         lambda: _summary_of(collaborative, today))
    for convening in summary.convenings:  # their links need only the slug, read just now
        convening.collaborative = collaborative
    return summary, key


@functools.cache
def _cycles_sql() -> str:
    """What the cycles' part of the home is drawn from: the current period's cycles (how many,
    when one last changed), the newest completed cycles (ids, and when one last changed) and
    the change ideas (how many, when one last changed). Read through indexes however many cycles
    the collaborative holds; plain SQL for the reason ``_home_sql`` gives."""
    cycles = connection.ops.quote_name(PDSACycle._meta.db_table)
    periods = connection.ops.quote_name(ActionPeriod._meta.db_table)
    ideas = connection.ops.quote_name(ChangeIdea._meta.db_table)
    drivers = connection.ops.quote_name(PrimaryDriver._meta.db_table)
    join = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    newest = (f"SELECT id, updated_at FROM {cycles} WHERE status = 'completed' AND "  # noqa: S608
              f"action_period_id IN (SELECT id FROM {periods} WHERE collaborative_id = %s) "
              f"ORDER BY completed_at DESC, id DESC LIMIT {LEARNING_SHOWN}")
    in_ideas = f"FROM {ideas} WHERE primary_driver_id IN (SELECT id FROM {drivers} "  # noqa: S608
    return (f"SELECT (SELECT COUNT(*) FROM {cycles} WHERE action_period_id = %s), "  # noqa: S608
            f"(SELECT MAX(updated_at) FROM {cycles} WHERE action_period_id = %s), "
            f"(SELECT {join}(CAST(id AS TEXT), ',') FROM ({newest}) newest), "
            f"(SELECT MAX(updated_at) FROM ({newest}) newest), "
            f"(SELECT COUNT(*) {in_ideas} WHERE collaborative_id = %s)), "
            f"(SELECT MAX(updated_at) {in_ideas} WHERE collaborative_id = %s))")


class HomeCycles(NamedTuple):
    """What the home shows of the cycles, the same for everyone."""

    counts: dict[int, tuple[int, int]]  # by team: cycles logged in the period, completed
    learning: str  # the newest completed cycles, drawn


def home_cycles(collaborative: Collaborative, period: ActionPeriod | None,
                summary_key: str) -> HomeCycles:
    """Each team's cycles in the current period and the newest learning: kept under a key of
    the summary's and ``_cycles_sql``'s reads. A cycle logged, advanced, edited or deleted in
    the period, or completed (in any period), changes it."""
    period_id = period.pk if period else None
    with connection.cursor() as cursor:
        cursor.execute(_cycles_sql(), [period_id, period_id, collaborative.pk,
                                       collaborative.pk, collaborative.pk, collaborative.pk])
        period_n, period_at, newest, newest_at, ideas_n, ideas_at = cursor.fetchone()
    inputs = {"summary": summary_key, "period_n": period_n, "period_at": period_at,
              "newest": newest, "newest_at": newest_at, "ideas_n": ideas_n, "ideas_at": ideas_at}
    cycles, _ = _kept("cycles", inputs, lambda: HomeCycles(
        counts=cycles_selectors.cycle_counts(period), learning=_learning_rows(collaborative)))
    return cycles


def _home_collaborative(slug: str, user_id: int) -> tuple[Collaborative, dict, dict] | None:
    """The collaborative, the inputs of its summary's key and those of the person's places, in
    one query."""
    found = list(Collaborative.objects.raw(_home_sql(), [user_id] * 4 + [slug]))
    if not found:
        return None
    collaborative = found[0]
    inputs = {"collaborative_at": collaborative.updated_at, "coaches": collaborative.coaches}
    for name, _, _ in _SOURCES:
        inputs[f"{name}_n"] = getattr(collaborative, f"{name}_n")
        inputs[f"{name}_at"] = getattr(collaborative, f"{name}_at")
    places = {"user": user_id}
    for name in ("places_n", "places_at", "place_teams_at", "place_memberships_at"):
        places[name] = getattr(collaborative, name)
    return collaborative, inputs, places


def home_viewer(user: User, places: dict, summary: HomeSummary) -> Viewer:
    """``viewer_for``: the teams the person has a current place on are kept under a key of
    their places' reads (``places``), the enrollments are the summary's."""
    team_ids, _ = _kept("places", places, lambda: set(
        current_places(user).values_list("team_id", flat=True)))
    return programme_selectors.viewer_of_enrolled(
        user, [(team.team_id, team.coach_id) for team in summary.teams], places=team_ids)


class ProgressRow(NamedTuple):
    """A team in the progress table: its row of the summary, and its cycles in the period."""

    team: TeamRow
    logged: int
    completed: int


def _progress_rows(rows: list[ProgressRow], coaches: dict[int, str], slug: str, viewer,
                   period) -> str:
    """The progress table's rows as HTML: built here, where a template loop cost about a
    thousand function calls a row. The team links to its workspace for whoever may see it
    (``Viewer.sees_team``). Every text is escaped."""
    html = []
    for row in rows:
        team = row.team
        name = escape(team.team_name)
        if viewer.sees_team(team.team_id):
            url = reverse("collaboratives:workspace", args=[slug, team.team_id])
            name = f'<a href="{escape(url)}">{name}</a>'
        aim = escape(team.aim) if team.aim else '<span class="muted">Not set yet</span>'
        cells = (f'<th scope="row">{name}</th><td data-label="Aim">{aim}</td>'
                 f'<td data-label="Coach">{coaches.get(team.coach_id, "")}</td>')  # escaped
        if period is not None:
            logged, expected = row.logged, period.expected_cycles
            state = ('<span class="status status-behind">Behind</span>' if logged < expected
                     else '<span class="status status-on-track">On track</span>')
            cells += (f'<td class="num" data-label="Cycles logged">{logged} of {expected}</td>'
                      f'<td class="num" data-label="Completed">{row.completed}</td>'
                      f'<td data-label="Progress"><meter min="0" max="{expected}" '
                      f'value="{logged}" aria-label="{logged} of {expected} cycles">'
                      f'{logged}/{expected}</meter> {state}</td>')
        html.append(f"<tr>{cells}</tr>")
    return mark_safe("\n".join(html))  # noqa: S308 - every text above is escaped


def _learning_rows(collaborative: Collaborative) -> str:
    """The newest completed cycles, as ``partials/cycle_row.html`` draws them with their team:
    one query of the columns shown (completed cycles are shared with every team)."""
    html = []
    for pk, title, decision, team_name, idea, completed_at, created_at in (
            PDSACycle.objects.filter(action_period__collaborative=collaborative,
                                     status=PDSACycle.Status.COMPLETED)
            .order_by("-completed_at", "-pk")
            .values_list("pk", "title", "decision", "team__name", "change_idea__title",
                         "completed_at", "created_at")[:LEARNING_SHOWN]):
        url = reverse("collaboratives:cycle", args=[collaborative.slug, pk])
        completed = (f" · completed {date_format(timezone.localtime(completed_at))}"
                     if completed_at else
                     f" · planned {date_format(timezone.localtime(created_at))}")
        html.append(
            f'<li class="cycle-item"><a class="cycle-title" href="{escape(url)}">{escape(title)}'
            f'</a> <span class="status status-completed">'
            f'{escape(PDSACycle.Status.COMPLETED.label)}</span> '
            + (f'<span class="decision decision-{escape(decision)}">'
               f'{escape(capfirst(decision))}</span> ' if decision else '')
            + f'<span class="cycle-meta">{escape(team_name)} · {escape(idea)}'
            f'{escape(completed)}</span></li>')
    return mark_safe("\n".join(html))  # noqa: S308 - every text above is escaped


@login_required
def collaborative_home(request, slug):
    """Phase timeline, convenings, and each team's progress in the current action period.
    The number of queries does not grow with the number of teams. Served from the fragment
    cache (core/fragments.py) per person and page until a table it read is written, or 10
    minutes (the next convening is the next by the clock); who may open it is asked first, on
    every request (``collaborative_or_404``)."""
    collaborative_or_404(request, slug)
    user = request.user
    content = fragments.cached(
        "collaborative-home", [slug, user.is_staff, request.GET.get("page", "")],
        lambda: _home_content(request, slug), viewer=user, period=600)
    return render(request, "collaboratives/collaborative_detail.html", {
        "collaborative_name": content["name"],
        "content": mark_safe(content["html"])})  # noqa: S308 - our template's output, as kept


def _home_content(request, slug) -> dict:
    found = _home_collaborative(slug, request.user.pk)
    if found is None:
        raise Http404("No such collaborative.")
    collaborative, inputs, places = found
    now = timezone.now()
    today = timezone.localdate(now)
    summary, summary_key = home_summary(collaborative, inputs, today)
    viewer = home_viewer(request.user, places, summary)
    if not viewer.sees_collaborative:  # as ``collaborative_or_404``
        raise Http404("No such collaborative.")
    period = summary.period
    cycles = home_cycles(collaborative, period, summary_key)
    counts = cycles.counts
    page = Paginator(summary.teams, PROGRESS_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [ProgressRow(team, *counts.get(team.team_id, (0, 0)))
                        for team in page.object_list]
    upcoming = [c for c in summary.convenings if not c.is_cancelled and c.starts_at > now]
    next_convening = upcoming[0] if upcoming else None
    my_rsvp = None
    if next_convening and (viewer.is_member or viewer.is_coach):
        my_rsvp = RSVP.objects.filter(convening=next_convening, user=request.user).first()
    return {"name": collaborative.name, "html": render_to_string(
        "collaboratives/partials/home_content.html", {
        "collaborative": collaborative,
        "viewer": viewer,
        "current_phase": next((p for p in summary.phases if p.start <= today <= p.end), None),
        "phases_html": mark_safe(summary.phases_html),  # noqa: S308 - rendered by our template
        "convenings_html": mark_safe(summary.convenings_html),  # noqa: S308 - likewise
        "convenings": summary.convenings,
        "next_convening": next_convening,
        "my_rsvp": my_rsvp,
        "period": period,
        "progress": page,
        "progress_rows": _progress_rows(page.object_list, summary.coaches, slug, viewer,
                                        period),
        "behind_count": (len(summary.teams) - sum(
            1 for logged, _ in counts.values() if logged >= period.expected_cycles)
            if period else 0),
        "team_count": len(summary.teams),
        "teams": summary.teams,
        "own_teams": [(team, reverse("collaboratives:workspace", args=[slug, team.team_id]))
                      for team in summary.teams if team.team_id in viewer.my_team_ids],
        "learning": mark_safe(cycles.learning),  # noqa: S308 - escaped by _learning_rows
        "latest_package": summary.latest_package,
    }, request=request)}


@login_required
def coach_teams(request):
    """The coach's view: every team they coach, across collaboratives."""
    if not programme_selectors.is_coach(request.user):
        raise Http404
    teams = cycles_selectors.coached_teams(request.user)
    return render(request, "collaboratives/coach_teams.html", {
        "page": paginate(request, teams), "today": timezone.localdate()})
