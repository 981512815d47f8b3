"""The rhythm's pages. Thin: each finds what the person may see (404 otherwise, as the portal
does), calls a selector or a service, and renders."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from collaboratives.convenings.models import Convening
from collaboratives.programme.selectors import enrollment_for, is_coach
from collaboratives.programme.web import collaborative_or_404, enrollment_or_404, page_context
from core import csvsafe, fragments
from core.dates import day
from core.files import stored_pdf_response
from core.forms import service_errors_show
from core.fragments import fragment
from core.once import submit_once
from core.pagination import page_of
from core.ratelimit import ratelimit
from rhythm import selectors, services
from rhythm.forms import (
    AmendmentForm,
    CheckInForm,
    EvaluationForm,
    ReportForm,
    ReviewForm,
    level_choices,
)
from rhythm.models import Attendance, CheckInCode, Evaluation, MonthlyReport, ProgressPdf
from rhythm.pdf import progress_context

PAGE = 25


def _month_or_404(year: int, month: int) -> date:
    try:
        return date(year, month, 1)
    except ValueError:
        raise Http404 from None


# --- Monthly reports --------------------------------------------------------------------------

@login_required
def reports(request, slug):
    """The collaborative's reports: the submitted reports of every team (shared learning), and
    each of the person's own and coached teams with a link to its months."""
    collaborative, viewer = collaborative_or_404(request, slug)
    listed = (selectors.reports_visible_to(viewer, collaborative)
              .filter(status=MonthlyReport.Status.SUBMITTED)
              .order_by("-month", "enrollment__team__name", "pk"))
    own = sorted(viewer.my_team_ids | viewer.coached_team_ids)
    teams = (collaborative.enrollments.filter(team_id__in=own).select_related("team")
             .order_by("team__name") if not viewer.is_staff else
             collaborative.enrollments.select_related("team").order_by("team__name"))
    return render(request, "rhythm/report_list.html", page_context(
        collaborative, viewer, page=page_of(request, listed, size=PAGE), teams=list(teams)))


@login_required
def team_reports(request, slug, team_pk):
    """One team's months: each report's state, score and due day."""
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk,
                                                          lambda v, t: v.sees_team(t))
    rhythm = selectors.rhythm_of(collaborative)
    by_month = {r.month: r for r in MonthlyReport.objects.filter(enrollment=enrollment)
                .select_related("self_score", "coach_score")}
    today = timezone.localdate()
    months = [{"month": m, "report": by_month.get(m),
               "due": selectors.due_on(m, rhythm.report_due_day),
               "overdue": today > selectors.due_on(m, rhythm.report_due_day)
               and not (m in by_month and by_month[m].is_submitted)}
              for m in selectors.report_months(collaborative, today)]
    return render(request, "rhythm/team_reports.html", page_context(
        collaborative, viewer, enrollment=enrollment, months=months, rhythm=rhythm,
        may_file=viewer.works_on(team_pk)))


def _levels_context(enrollment, levels: list | None = None) -> dict:
    evidence = selectors.evidence_for([enrollment])[enrollment.pk]
    return {"evidence": evidence, "suggestion": evidence.suggestion,
            "levels": list(selectors.ProgressLevel.objects.all()) if levels is None else levels}


_SUBMITTED = "<!-- the report is submitted -->"


def _report_initial(report: MonthlyReport | None) -> dict | None:
    return report and {
        "learned": report.learned, "barriers": report.barriers,
        "help_needed": report.help_needed,
        "self_score": str(report.self_score.score) if report.self_score else ""}


def _report_form_page(request, collaborative, viewer, team_pk: int, the_month: date,
                      form: ReportForm | None = None) -> str:
    """The report form's page: the month's cycles, the measures, the suggestion and the form.
    It reads everything it shows itself (the enrollment, the report so far, the scale), so
    that on GET it can come from the fragment cache; ``form``: a posted form with errors,
    rendered as it is (never cached)."""
    enrollment = enrollment_for(collaborative, team_pk)
    report = (MonthlyReport.objects.filter(enrollment=enrollment, month=the_month)
              .select_related("self_score").first())
    posted = form is not None
    if report and report.is_submitted and not posted:
        return _SUBMITTED  # the page leads to the report (``report_edit``)
    scale = list(selectors.ProgressLevel.objects.all())  # the form's choices and the page's
    if not posted:
        form = ReportForm(initial=_report_initial(report))
        form.fields["self_score"].choices = level_choices(scale)
    rhythm = selectors.rhythm_of(enrollment.collaborative)
    levels = _levels_context(enrollment, scale)
    context = page_context(
        enrollment.collaborative, viewer, enrollment=enrollment, month=the_month, report=report,
        form=form, cycles=selectors.month_cycles(enrollment, the_month),
        measures=levels["evidence"].measures,
        due=selectors.due_on(the_month, rhythm.report_due_day), **levels)
    if posted:
        return render_to_string("rhythm/partials/report_form_content.html", context, request)
    return fragments.render_to_string("rhythm/partials/report_form_content.html", context,
                                      request)


@login_required
def report_edit(request, slug, team_pk, year, month):
    """The team's report of a month: the cycles and measures filled in by the portal, the
    team's words and score. Save keeps a draft; submit freezes it."""
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk,
                                                          lambda v, t: v.works_on(t))
    the_month = _month_or_404(year, month)
    if the_month not in selectors.report_months(collaborative):
        raise Http404
    context = {"enrollment": enrollment, "month": the_month}
    if request.method != "POST":
        # The page's body from the cache until a table it read is written (core/fragments.py):
        # the form in it is unbound, and the visitor's CSRF token is put in on the way out.
        # What the header shows of the person (their teams here, whether they coach) is in
        # the key; the access check above runs on every request. A submitted report's page
        # is its own: the fragment says so (it read the report) and the form is not shown.
        context["content"] = fragment(
            "report-form", [enrollment.pk, the_month.isoformat(), viewer.is_staff,
                            sorted(viewer.my_team_ids), sorted(viewer.coached_team_ids)],
            lambda: _report_form_page(request, collaborative, viewer, team_pk, the_month),
            viewer=request.user, request=request)
        if context["content"] != _SUBMITTED:
            return render(request, "rhythm/report_form.html", context)
    report = MonthlyReport.objects.filter(enrollment=enrollment, month=the_month).first()
    if report and report.is_submitted:
        if request.method == "POST":  # the other tab submitted first
            messages.warning(request, services.SUBMITTED_ALREADY.format(
                when=day(timezone.localdate(report.submitted_at))))
        report.enrollment = enrollment  # its link reads the slug
        return redirect(report)
    if request.method != "POST":  # submitted a moment ago, and gone since
        raise Http404
    form = ReportForm(request.POST or None, initial=_report_initial(report))
    form.fields["self_score"].choices = level_choices()
    submit = "submit" in request.POST
    if form.is_valid():
        try:
            saved = services.report_file(enrollment=enrollment, month=the_month,
                                         actor=request.user, submit=submit,
                                         **form.cleaned_data)
        except ValidationError as error:
            if getattr(error, "code", None) == "submitted":
                messages.warning(request, error.messages[0])
                return redirect(MonthlyReport.objects.get(enrollment=enrollment,
                                                          month=the_month))
            service_errors_show(form, error)
        else:
            if submit:
                messages.success(request, f"The {saved.month_label} report is submitted. "
                                          "Your coach will comment and confirm a score.")
                return redirect(saved)
            messages.success(request, "Draft saved. It stays a draft until you submit it.")
            return redirect(request.path)
    context["content"] = _report_form_page(request, collaborative, viewer, team_pk, the_month,
                                           form)
    return render(request, "rhythm/report_form.html", context, status=400)


def _report_or_404(request, slug, pk):
    collaborative, viewer = collaborative_or_404(request, slug)
    report = get_object_or_404(selectors.reports_visible_to(viewer, collaborative), pk=pk)
    return collaborative, viewer, report


@login_required
def report_detail(request, slug, pk):
    """A report as submitted (or the draft so far, for its team and coach), its amendments, and
    the forms: the coach's comment and score, the team's correction."""
    collaborative, viewer, report = _report_or_404(request, slug, pk)
    team_id = report.enrollment.team_id
    may_review = viewer.coaches_team(team_id) and report.is_submitted
    may_amend = viewer.works_on(team_id) and report.is_submitted
    review = ReviewForm(initial={"score": str(report.coach_score.score)
                                 if report.coach_score else
                                 (str(report.self_score.score) if report.self_score else ""),
                                 "comment": report.coach_comment}, prefix="review")
    amend = AmendmentForm(prefix="amend")
    status = 200
    if request.method == "POST":
        if "review" in request.POST and may_review:
            review = ReviewForm(request.POST, prefix="review")
            if review.is_valid():
                try:
                    services.report_review(report=report, actor=request.user,
                                           score=review.cleaned_data["score"],
                                           comment=review.cleaned_data["comment"])
                except ValidationError as error:
                    service_errors_show(review, error)
                else:
                    messages.success(request, "Score confirmed.")
                    return redirect(report)
        elif "amend" in request.POST and may_amend:
            amend = AmendmentForm(request.POST, prefix="amend")
            if amend.is_valid():
                try:
                    return submit_once(request, amend, lambda: services.report_amend(
                        report=report, actor=request.user, body=amend.cleaned_data["body"]))
                except ValidationError as error:
                    service_errors_show(amend, error)
        else:
            raise Http404
        status = 400
    context = {"report": report, "review_form": review, "amend_form": amend,
               "may_review": may_review, "may_amend": may_amend,
               "amendments": list(report.amendments.select_related("author"))}
    if report.is_submitted:
        context.update(cycles=report.cycles_snapshot, measures=report.measures_snapshot)
    else:
        evidence = selectors.evidence_for([report.enrollment])[report.enrollment_id]
        context.update(cycles=selectors.month_cycles(report.enrollment, report.month),
                       measures=evidence.measures)
    if may_review:
        context.update(_levels_context(report.enrollment))
    return render(request, "rhythm/report_detail.html",
                  page_context(collaborative, viewer, **context), status=status)


# --- The coach's triage -----------------------------------------------------------------------

_NEED = ('<li><span class="need-weight need-{}" aria-hidden="true"></span>{} <a href="{}">{}'
         '<span class="visually-hidden"> for {}</span></a></li>')
_ON_TRACK = mark_safe('<span class="status status-on-track">On track</span>')


def _why(row: selectors.TriageRow) -> str:
    """A row's needs as a list (built here: a template loop inside the loop of teams cost
    more than the rest of the page)."""
    if not row.needs:
        return _ON_TRACK
    team = row.enrollment.team.name
    return format_html('<ul class="triage-needs">{}</ul>', format_html_join(
        "", _NEED, ((n.weight, n.label, n.url, n.action, team) for n in row.needs)))


@login_required
def triage(request):
    if not is_coach(request.user):  # on every request: permissions are never cached
        raise Http404
    user = request.user

    def content():
        rows = selectors.triage(user)
        for row in rows:
            row.why = _why(row)
        return render_to_string("rhythm/partials/triage_content.html", {
            "rows": rows, "needing": sum(1 for r in rows if r.needs),
            "all_coaches": user.is_staff})

    # Served from the cache until a table it read is written (core/fragments.py). "No new data
    # in four weeks" compares values with the clock, so it renders anew every 10 minutes at
    # most; staff see every coach's teams, so whether the viewer is staff is in the key.
    return render(request, "rhythm/triage.html", {"content": fragment(
        "triage", [user.is_staff], content, viewer=user, period=600)})


# --- The collaborative's progress -------------------------------------------------------------

def _progress_viewer(request, slug):
    collaborative, viewer = collaborative_or_404(request, slug)
    if not (viewer.is_staff or viewer.is_coach):
        raise Http404
    return collaborative, viewer


@login_required
def progress(request, slug):
    collaborative, viewer = _progress_viewer(request, slug)
    latest_pdf = (ProgressPdf.objects.filter(collaborative=collaborative).exclude(pdf_path="")
                  .first())
    return render(request, "rhythm/progress.html", page_context(
        collaborative, viewer, latest_pdf=latest_pdf, **progress_context(collaborative)))


@login_required
def progress_pdf(request, slug):
    """POST (staff): prepare today's PDF in the background. GET: the latest one prepared."""
    collaborative, _ = _progress_viewer(request, slug)
    if request.method == "POST":
        try:
            services.progress_pdf_request(collaborative=collaborative, actor=request.user)
        except ValidationError as error:
            raise Http404 from error
        messages.success(request, "The PDF is being prepared; it appears here in a minute.")
        return redirect("rhythm:progress", slug)
    latest = (ProgressPdf.objects.filter(collaborative=collaborative).exclude(pdf_path="")
              .first())
    if latest is None:
        raise Http404("No progress PDF has been prepared yet.")
    return stored_pdf_response(latest.pdf_path, latest.filename,
                               missing="The PDF is being prepared.")


def _csv(filename: str) -> tuple[HttpResponse, object]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csvsafe.writer(response)


@login_required
def scores_csv(request, slug):
    collaborative, _ = _progress_viewer(request, slug)
    progress_data = selectors.progress_of(collaborative, with_signals=False)
    response, out = _csv(f"scores-{collaborative.slug}.csv")
    out.writerow(["team", *[f"{m:%Y-%m}" for m in progress_data.months]])
    for row in progress_data.trajectories:
        out.writerow([row["enrollment"].team.name,
                      *[str(level.score) if level else "" for level in row["scores"]]])
    return response


@login_required
def reports_csv(request, slug):
    collaborative, viewer = _progress_viewer(request, slug)
    response, out = _csv(f"reports-{collaborative.slug}.csv")
    out.writerow(["team", "month", "status", "submitted", "self score", "coach score",
                  "suggested score", "what we learned", "barriers", "where we need help",
                  "coach comment", "cycles", "amendments"])
    rows = (selectors.reports_visible_to(viewer, collaborative)
            .annotate(amended=Count("amendments")).order_by("enrollment__team__name", "month"))
    for r in rows:
        out.writerow([r.enrollment.team.name, f"{r.month:%Y-%m}", r.status,
                      r.submitted_at.date().isoformat() if r.submitted_at else "",
                      str(r.self_score.score) if r.self_score else "",
                      str(r.coach_score.score) if r.coach_score else "",
                      str(r.suggested_score or ""), r.learned, r.barriers, r.help_needed,
                      r.coach_comment, len(r.cycles_snapshot), r.amended])
    return response


# --- Attendance and evaluations ---------------------------------------------------------------

def _convening_or_404(request, slug, pk):
    collaborative, viewer = collaborative_or_404(request, slug)
    convening = get_object_or_404(Convening.objects.select_related("collaborative"),
                                  collaborative=collaborative, pk=pk)
    return collaborative, viewer, convening


@login_required
def attendance(request, slug, pk):
    """Staff mark who was there, and show the check-in code for the room."""
    collaborative, viewer, convening = _convening_or_404(request, slug, pk)
    if not viewer.is_staff:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            if "issue_code" in request.POST:
                services.check_in_code_issue(convening=convening, actor=request.user)
                messages.success(request, "Check-in code ready: show it in the room.")
            else:
                ids = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
                changed = services.attendance_mark(convening=convening, actor=request.user,
                                                   present=ids)
                messages.success(request, f"Attendance saved ({changed} change"
                                          f"{'' if changed == 1 else 's'}).")
            return redirect(request.path)
        except ValidationError as refused:
            error = " ".join(refused.messages)
    present = set(Attendance.objects.filter(convening=convening, present=True)
                  .values_list("user_id", flat=True))
    roster = list(services.roster_of(convening))
    first, last = services.check_in_days(convening)
    return render(request, "rhythm/attendance.html", page_context(
        collaborative, viewer, convening=convening, roster=roster, present=present,
        code=CheckInCode.objects.filter(convening=convening).first(), error=error,
        check_in_first=first, check_in_last=last, started=convening.starts_at <= timezone.now(),
        check_in_over=timezone.localdate() > last,
        rates=selectors.attendance_rates(collaborative)), status=400 if error else 200)


@login_required
@ratelimit("check_in")
def check_in(request, slug, pk):
    collaborative, viewer, convening = _convening_or_404(request, slug, pk)
    if not viewer.is_member:
        raise Http404
    form = CheckInForm(request.POST or None)
    mine = Attendance.objects.filter(convening=convening, user=request.user, present=True).first()
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in(convening=convening, user=request.user,
                              code=form.cleaned_data["code"])
        except ValidationError as error:
            service_errors_show(form, error)
        else:
            messages.success(request, f"You are checked in to {convening.title}. Welcome!")
            return redirect(request.path)
    first, last = services.check_in_days(convening)
    return render(request, "rhythm/check_in.html", page_context(
        collaborative, viewer, convening=convening, form=form, mine=mine, first=first,
        last=last), status=400 if form.errors else 200)


@login_required
def evaluation(request, slug, pk):
    """An attendee's evaluation; answering again changes it."""
    collaborative, viewer, convening = _convening_or_404(request, slug, pk)
    if not services.attended(convening, request.user):
        raise Http404
    mine = Evaluation.objects.filter(convening=convening, user=request.user).first()
    initial = mine and {"overall": mine.overall, "most_useful": mine.most_useful,
                        "suggestions": mine.suggestions, "anonymous": mine.anonymous}
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_answer(convening=convening, user=request.user,
                                       **form.cleaned_data)
        except ValidationError as error:
            service_errors_show(form, error)
        else:
            messages.success(request, "Thank you: your evaluation is saved. You can change it "
                                      "here.")
            return redirect(request.path)
    return render(request, "rhythm/evaluation_form.html", page_context(
        collaborative, viewer, convening=convening, form=form, mine=mine),
        status=400 if form.errors else 200)


def _staff_only(viewer):
    if not viewer.is_staff:
        raise Http404


@login_required
def evaluation_results(request, slug, pk):
    collaborative, viewer, convening = _convening_or_404(request, slug, pk)
    _staff_only(viewer)
    answers = (Evaluation.objects.filter(convening=convening).select_related("user")
               .order_by("-updated_at", "pk"))
    summary = answers.aggregate(n=Count("pk"), average=Avg("overall"))
    spread = dict(answers.values("overall").annotate(n=Count("pk"))
                  .values_list("overall", "n").order_by())
    attended_count = Attendance.objects.filter(convening=convening, present=True).count()
    if request.GET.get("format") == "csv":
        return _evaluations_csv([(convening, a) for a in answers],
                                f"evaluations-{collaborative.slug}-{convening.pk}.csv")
    return render(request, "rhythm/evaluation_results.html", page_context(
        collaborative, viewer, convening=convening, page=page_of(request, answers, size=PAGE),
        summary=summary, spread=[(n, spread.get(n, 0)) for n in range(5, 0, -1)],
        attended=attended_count))


def _evaluations_csv(rows, filename):
    response, out = _csv(filename)
    out.writerow(["convening", "date", "overall", "most useful", "suggestions", "name",
                  "email", "answered"])
    for convening, a in rows:
        out.writerow([convening.title, timezone.localdate(convening.starts_at).isoformat(),
                      a.overall, a.most_useful, a.suggestions,
                      "" if a.anonymous else a.user.display_name,
                      "" if a.anonymous else a.user.email,
                      timezone.localdate(a.updated_at).isoformat()])
    return response


@login_required
def evaluations(request, slug):
    """The year's convenings with their attendance and evaluation results."""
    collaborative, viewer = collaborative_or_404(request, slug)
    _staff_only(viewer)
    convenings = (Convening.objects.filter(collaborative=collaborative)
                  .annotate(answers=Count("evaluations", distinct=True),
                            average=Avg("evaluations__overall"),
                            attended=Count("attendance", filter=Q(attendance__present=True),
                                           distinct=True))
                  .order_by("starts_at", "pk"))
    if request.GET.get("format") == "csv":
        rows = (Evaluation.objects.filter(convening__collaborative=collaborative)
                .select_related("convening", "user").order_by("convening__starts_at", "pk"))
        return _evaluations_csv([(a.convening, a) for a in rows],
                                f"evaluations-{collaborative.slug}.csv")
    totals = Evaluation.objects.filter(convening__collaborative=collaborative).aggregate(
        n=Count("pk"), average=Avg("overall"))
    return render(request, "rhythm/evaluations.html", page_context(
        collaborative, viewer, convenings=list(convenings), totals=totals))
