"""Pages of the measures: the collaborative's measures, each team's run charts, the values a
team enters (one by one or by CSV) and the staff-and-coach view of one measure across teams.

Anyone in the collaborative reads every team's charts (learning is shared); a team's members
enter its values; its members and coach set up its charts; its coach marks astronomical points;
staff and the collaborative's coaches define measures. Anyone else gets a 404.
"""

import io
from operator import attrgetter
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from collaboratives.cycles import selectors as cycles_selectors
from collaboratives.measures import chart_cards, charts, csv_import, services
from collaboratives.measures.forms import (
    AstronomicalForm,
    ChartSettingsForm,
    MeasureForm,
    PhaseForm,
    UploadForm,
    ValueForm,
    ValueRemoveForm,
)
from collaboratives.measures.models import Measure, MeasurePhase, MeasureValue
from collaboratives.programme.models import Enrollment
from collaboratives.programme.web import (
    collaborative_or_404,
    enrollment_or_404,
    page_context,
    posted_id,
)
from core import csvsafe, fragments
from core.forms import service_errors_show
from core.once import submit_once


def _defines(viewer) -> bool:
    return viewer.is_staff or viewer.is_coach


def _measures(collaborative):
    return Measure.objects.filter(collaborative=collaborative).select_related("collaborative")


def _sees(viewer, team_id) -> bool:
    return viewer.sees_collaborative


@login_required
def measure_list(request, slug):
    """The measures with their operational definitions, and every team's charts to open."""
    collaborative, viewer = collaborative_or_404(request, slug)
    enrollments = (Enrollment.objects.filter(collaborative=collaborative)
                   .select_related("team", "collaborative").order_by("team__name"))
    return render(request, "collaboratives/measure_list.html", page_context(
        collaborative, viewer, measures=list(_measures(collaborative)),
        enrollments=list(enrollments), may_define=_defines(viewer)))


def _measure_form_page(request, collaborative, viewer, form, measure=None):
    if request.method == "POST" and form.is_valid():
        try:
            if measure is None:
                def define():
                    defined = services.measure_define(collaborative=collaborative,
                                                      actor=request.user, **form.cleaned_data)
                    messages.success(request, f"“{defined.name}” is defined. Teams can enter "
                                              "its values now.")
                    return reverse("collaboratives:measures", args=[collaborative.slug])
                return submit_once(request, form, define)
            else:
                services.measure_update(measure=measure, actor=request.user,
                                        **form.cleaned_data)
                messages.success(request, f"“{measure.name}” is saved.")
        except ValidationError as error:
            service_errors_show(error=error, form=form)
        else:
            return redirect("collaboratives:measures", collaborative.slug)
    return render(request, "collaboratives/measure_form.html", page_context(
        collaborative, viewer, form=form, measure=measure,
        has_values=measure is not None and measure.values.exists()))


@login_required
def measure_create(request, slug):
    collaborative, viewer = collaborative_or_404(request, slug)
    if not _defines(viewer):
        raise Http404
    return _measure_form_page(request, collaborative, viewer, MeasureForm(request.POST or None))


@login_required
def measure_edit(request, slug, pk):
    collaborative, viewer = collaborative_or_404(request, slug)
    if not _defines(viewer):
        raise Http404
    measure = get_object_or_404(_measures(collaborative), pk=pk)
    initial = {name: getattr(measure, name) for name in services.MEASURE_FIELDS}
    return _measure_form_page(request, collaborative, viewer,
                              MeasureForm(request.POST or None, initial=initial), measure)


@login_required
def measure_teams(request, slug, pk):
    """One measure across teams, small multiples, teams with a signal first: staff see every
    enrolled team, a coach the teams they coach. The number of queries does not grow with the
    number of teams, and each team's card, like the network chart, comes from the cache as HTML
    until something on it changes (``chart_cards``)."""
    collaborative, viewer = collaborative_or_404(request, slug)
    if not _defines(viewer):
        raise Http404

    def page() -> dict:
        # (its collaborative is at hand: not joined and built again)
        measure = get_object_or_404(Measure, collaborative=collaborative, pk=pk)
        measure.collaborative = collaborative
        enrollments = Enrollment.objects.filter(collaborative=collaborative)
        if not viewer.is_staff:
            enrollments = enrollments.filter(team_id__in=viewer.coached_team_ids)
        teams = chart_cards.team_rows(enrollments)
        cross = chart_cards.cross_team(
            measure=measure, teams=teams,
            cycles=cycles_selectors.cycles_visible_to(request.user, collaborative, viewer),
            slug=collaborative.slug,
            teams_label=f"{'all' if viewer.is_staff else 'the'} {len(teams)} "
                        f"team{'' if len(teams) == 1 else 's'}"
                        f"{'' if viewer.is_staff else ' you coach'}")
        # Teams with a signal first (what a coach looks at), each group by name.
        rows = sorted(cross.cards, key=attrgetter("has_signal"), reverse=True)
        return {"measure_name": measure.name, "body": render_to_string(
            "collaboratives/partials/measure_teams_body.html", {
                "collaborative": collaborative, "viewer": viewer, "measure": measure,
                "rows": rows, "network": cross.network,
                "cards": mark_safe("\n    ".join(card.html for card in rows)),  # noqa: S308
                "signalled": sum(card.has_signal for card in rows),
                "without_data": sum(not card.has_data for card in rows)}, request=request)}

    # The whole page body from the fragment cache until a table it read is written
    # (core/fragments.py); the cards inside keep their own cache for when it is not.
    found = fragments.cached("measure-teams", [collaborative.pk, pk, viewer.is_staff,
                                              sorted(viewer.coached_team_ids)],
                             page, viewer=request.user)
    return render(request, "collaboratives/measure_teams.html", page_context(
        collaborative, viewer, measure_name=found["measure_name"],
        body=mark_safe(found["body"])))  # noqa: S308 - the template's output, as cached


@login_required
def team_measures(request, slug, team_pk):
    """The team's dashboard: its aim and a run chart of each measure."""
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk, _sees)
    all_measures = list(_measures(collaborative))
    drawn = charts.charts_for(
        teams=[enrollment.team], measures=all_measures,
        cycles=cycles_selectors.cycles_visible_to(request.user, collaborative, viewer),
        size="small", prefix="measure")
    aim = enrollment.team_aim
    today = timezone.localdate()
    elapsed = None
    if aim and aim.by_when > collaborative.start:
        total = (aim.by_when - collaborative.start).days
        elapsed = max(0, min(100, (today - collaborative.start).days * 100 // total))
    return render(request, "collaboratives/team_measures.html", page_context(
        collaborative, viewer, enrollment=enrollment, team=enrollment.team, aim=aim,
        elapsed=elapsed, charts=[drawn[team_pk, m.pk] for m in all_measures],
        works_on=viewer.works_on(team_pk), may_define=_defines(viewer)))


def _team_measure_page(request, collaborative, viewer, enrollment, measure, *, forms=None,
                       status=200):
    team_pk = enrollment.team_id
    chart = charts.charts_for(
        teams=[enrollment.team], measures=[measure],
        cycles=cycles_selectors.cycles_visible_to(request.user, collaborative, viewer),
        size="full", prefix="measure")[team_pk, measure.pk]
    own = chart.settings
    forms = forms or {}
    works_on, coaches = viewer.works_on(team_pk), viewer.coaches_team(team_pk)
    values = _points(team_pk, measure)
    context = {
        "enrollment": enrollment, "team": enrollment.team, "measure": measure, "chart": chart,
        "works_on": works_on, "coaches": coaches, "sets_up": works_on or coaches,
        "astronomical": [{"value": v, "mark": v.astronomical,
                          "label": measure.point_label(v)}
                         for v in chart.values if charts.is_astronomical(v)],
        "notes": [{"value": v, "label": measure.period_label(v.period)}
                  for v in reversed(chart.values) if v.note],
    }
    if works_on:
        context["value_form"] = forms.get("value") or ValueForm(
            initial={"day": timezone.localdate()}, measure=measure)
        if chart.values:
            context["remove_form"] = forms.get("remove") or ValueRemoveForm(values=values,
                                                                            measure=measure)
    if works_on or coaches:
        context["settings_form"] = forms.get("settings") or ChartSettingsForm(initial={
            "baseline_points": own.baseline_points if own else None,
            "baseline_median": own.baseline_median if own else None,
            "goal": own.goal if own else None})
        context["phase_form"] = forms.get("phase") or PhaseForm()
    if coaches and chart.values:
        context["astro_form"] = forms.get("astro") or AstronomicalForm(values=values,
                                                                      measure=measure)
    return render(request, "collaboratives/team_measure.html",
                  page_context(collaborative, viewer, **context), status=status)


def _points(team_pk, measure):
    """The team's values of the measure, newest first, as the forms offer them."""
    return MeasureValue.objects.filter(team_id=team_pk, measure=measure).order_by("-period")


def _team_and_measure(request, slug, team_pk, pk, allowed):
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk, allowed)
    measure = get_object_or_404(_measures(collaborative), pk=pk)
    return collaborative, viewer, enrollment, measure


@login_required
def team_measure(request, slug, team_pk, pk):
    """One run chart, its data table, and the team's and coach's tools for it."""
    collaborative, viewer, enrollment, measure = _team_and_measure(request, slug, team_pk, pk,
                                                                   _sees)
    return _team_measure_page(request, collaborative, viewer, enrollment, measure)


def _back(enrollment, measure, anchor=""):
    return redirect(reverse("collaboratives:team_measure",
                            args=[enrollment.collaborative.slug, enrollment.team_id,
                                  measure.pk]) + anchor)


@login_required
@require_POST
def value_add(request, slug, team_pk, pk):
    collaborative, viewer, enrollment, measure = _team_and_measure(
        request, slug, team_pk, pk, lambda v, t: v.works_on(t))
    form = ValueForm(request.POST, measure=measure)
    if form.is_valid():
        data = form.cleaned_data
        def record():
            row = services.measure_value_record(team=enrollment.team, measure=measure,
                                                actor=request.user, day=data["day"],
                                                value=data["value"], note=data["note"],
                                                numerator=data["numerator"],
                                                denominator=data["denominator"])
            messages.success(request, f"Saved {measure.point_label(row)}.")
            return _back(enrollment, measure).url
        try:
            return submit_once(request, form, record)
        except ValidationError as error:
            service_errors_show(error=error, form=form)
    return _team_measure_page(request, collaborative, viewer, enrollment, measure,
                              forms={"value": form}, status=400)


@login_required
@require_POST
def value_remove(request, slug, team_pk, pk):
    """A team member takes a wrong value off the chart."""
    collaborative, viewer, enrollment, measure = _team_and_measure(
        request, slug, team_pk, pk, lambda v, t: v.works_on(t))
    form = ValueRemoveForm(request.POST, values=_points(team_pk, measure), measure=measure)
    if form.is_valid():
        value = form.cleaned_data["value"]
        removed = measure.point_label(value)
        try:
            services.measure_value_remove(value=value, actor=request.user)
        except ValidationError as error:
            service_errors_show(error=error, form=form)
        else:
            messages.success(request, f"Removed {removed}. To put it back, enter it again.")
            return _back(enrollment, measure)
    return _team_measure_page(request, collaborative, viewer, enrollment, measure,
                              forms={"remove": form}, status=400)


@login_required
@require_POST
def chart_settings(request, slug, team_pk, pk):
    """The team's frozen baseline and goal, and its phases (a change made, a new median)."""
    collaborative, viewer, enrollment, measure = _team_and_measure(
        request, slug, team_pk, pk, lambda v, t: v.works_on(t) or v.coaches_team(t))
    team, forms, form = enrollment.team, {}, None
    try:
        if "remove_phase" in request.POST:
            phase = get_object_or_404(MeasurePhase, team=team, measure=measure,
                                      pk=posted_id(request, "remove_phase"))
            services.measure_phase_remove(phase=phase, actor=request.user)
            messages.success(request, f"The phase “{phase.label}” is removed.")
            return _back(enrollment, measure, "#chart-setup")
        if "add_phase" in request.POST:
            forms["phase"] = form = PhaseForm(request.POST)
            if form.is_valid():
                def add_phase():
                    services.measure_phase_add(team=team, measure=measure, actor=request.user,
                                               **form.cleaned_data)
                    messages.success(request, "The new phase is on the chart, with its own "
                                              "median.")
                    return _back(enrollment, measure, "#chart-setup").url
                return submit_once(request, form, add_phase)
        else:
            forms["settings"] = form = ChartSettingsForm(request.POST)
            if form.is_valid():
                services.team_measure_set(team=team, measure=measure, actor=request.user,
                                          **form.cleaned_data)
                messages.success(request, "The chart's baseline and goal are saved.")
                return _back(enrollment, measure, "#chart-setup")
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return _back(enrollment, measure, "#chart-setup")
        service_errors_show(error=error, form=form)
    return _team_measure_page(request, collaborative, viewer, enrollment, measure, forms=forms,
                              status=400)


@login_required
@require_POST
def astronomical(request, slug, team_pk, pk):
    """The team's coach marks a point astronomical (with the reason), or takes the mark off."""
    collaborative, viewer, enrollment, measure = _team_and_measure(
        request, slug, team_pk, pk, lambda v, t: v.coaches_team(t))
    values = _points(team_pk, measure)
    if "unmark" in request.POST:
        value = get_object_or_404(values, pk=posted_id(request, "unmark"))
        services.astronomical_unmark(value=value, actor=request.user)
        messages.success(request, f"{measure.period_label(value.period)} is no longer marked "
                                  "astronomical.")
        return _back(enrollment, measure, "#astronomical")
    form = AstronomicalForm(request.POST, values=values, measure=measure)
    if form.is_valid():
        try:
            services.astronomical_mark(value=form.cleaned_data["value"], actor=request.user,
                                       reason=form.cleaned_data["reason"])
        except ValidationError as error:
            service_errors_show(error=error, form=form)
        else:
            messages.success(request, "The point is marked astronomical on the chart.")
            return _back(enrollment, measure, "#astronomical")
    return _team_measure_page(request, collaborative, viewer, enrollment, measure,
                              forms={"astro": form}, status=400)


@login_required
def values_upload(request, slug, team_pk):
    """Upload a CSV of values: all of it, or nothing with every bad row listed."""
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk,
                                                    lambda v, t: v.works_on(t))
    form = UploadForm(request.POST or None, request.FILES or None)
    all_measures = list(_measures(collaborative))
    rejected = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]

            def import_values():
                result = csv_import.values_import(
                    team=enrollment.team, collaborative=collaborative, actor=request.user,
                    raw=upload.read(), filename=PurePath(upload.name or "").name)
                text = (f"Imported {result.rows:,} value{'s' if result.rows != 1 else ''} "
                        f"({result.created:,} new, {result.updated:,} updated) for "
                        f"{', '.join(result.measures)}.")
                if result.ignored_columns:
                    text += f" Columns not used: {', '.join(result.ignored_columns)}."
                messages.success(request, text)
                return reverse("collaboratives:team_measures", args=[slug, team_pk])
            try:
                return submit_once(request, form, import_values)
            except csv_import.CsvRejected as error:
                rejected = error
            except ValidationError as error:
                service_errors_show(error=error, form=form)
    return render(request, "collaboratives/measurevalue_upload.html", page_context(
        collaborative, viewer, enrollment=enrollment, team=enrollment.team, form=form,
        rejected=rejected, measures=all_measures,
        example=csv_import.example_csv(all_measures),
        max_mb=settings.MEASURES_CSV_MAX_BYTES // (1024 * 1024),
        max_rows=settings.MEASURES_CSV_MAX_ROWS), status=status)


def _csv_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def csv_template(request, slug):
    collaborative, _ = collaborative_or_404(request, slug)
    return _csv_response(csv_import.template_csv(collaborative),
                         f"{collaborative.slug}-measures-template.csv")


@login_required
def values_export(request, slug, team_pk):
    """The team's values as CSV, in the upload format (so a file can go out and come back).
    Text that looks like a formula leaves with a leading apostrophe."""
    collaborative, _, _ = enrollment_or_404(request, slug, team_pk, _sees)
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\r\n")
    writer.writerow(["measure", "period", "value", "numerator", "denominator", "note"])
    for value in (MeasureValue.objects.filter(team_id=team_pk,
                                              measure__collaborative=collaborative)
                  .select_related("measure").order_by("measure__position", "measure__name",
                                                      "period")):
        writer.writerow([value.measure.name, value.period.isoformat(),
                         f"{value.value.normalize():f}",
                         *("" if n is None else f"{n.normalize():f}"
                           for n in (value.numerator, value.denominator)), value.note])
    return _csv_response(out.getvalue(), f"{collaborative.slug}-team-{team_pk}-measures.csv")
