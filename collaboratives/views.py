"""Pages of the collaboratives. Views parse input, ask ``selectors`` what the person may see
(anything else is a 404) and call ``services`` for every write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from collaboratives import ical, selectors, services
from collaboratives.forms import (
    AimForm,
    AttachmentForm,
    ChangeIdeaForm,
    CoachingCallForm,
    CommentForm,
    DoStudyActForm,
    PlanForm,
    PrimaryDriverForm,
    RSVPForm,
    show_service_errors,
)
from collaboratives.models import (
    RSVP,
    CalendarToken,
    CycleAttachment,
    Enrollment,
    Measure,
    PDSACycle,
)
from core.once import submit_once
from members.models import TeamMember, User

PAGE_SIZE = 20
RSVP_COUNT_LABELS = [(RSVP.Response.YES, "coming"), (RSVP.Response.MAYBE, "not sure yet"),
                     (RSVP.Response.NO, "not coming")]


def _page(request, queryset, param="page", size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get(param))


def _collaborative(request, slug):
    """The collaborative and what this person may see of it; 404 for anyone not in it."""
    collaborative = selectors.collaborative_for(request.user, slug)
    if collaborative is None:
        raise Http404("No such collaborative.")
    return collaborative, selectors.viewer_for(request.user, collaborative)


def posted_id(request, name: str) -> int:
    """The id a button posted (``name=value``); anything but a number is a 404."""
    value = request.POST.get(name, "").strip()
    if not value.isdigit():
        raise Http404
    return int(value)


def _context(collaborative, viewer, **extra):
    return {"collaborative": collaborative, "viewer": viewer,
            "current_phase": collaborative.current_phase(), **extra}


# --- Collaboratives ----------------------------------------------------------------------------

@login_required
def collaborative_list(request):
    collaboratives = selectors.collaboratives_visible_to(request.user).order_by("-start", "name")
    return render(request, "collaboratives/collaborative_list.html", {
        "page": _page(request, collaboratives),
        "coaches_any": Enrollment.objects.filter(coach=request.user).exists(),
        "today": timezone.localdate(),
    })


@login_required
def collaborative_home(request, slug):
    """Phase timeline, convenings, and each team's progress in the current action period.
    The number of queries does not grow with the number of teams."""
    collaborative, viewer = _collaborative(request, slug)
    now = timezone.now()
    period = selectors.current_action_period(collaborative)
    convenings = list(selectors.convenings_of(collaborative).order_by("starts_at", "pk"))
    upcoming = [c for c in convenings if not c.is_cancelled and c.starts_at > now]
    next_convening = upcoming[0] if upcoming else None
    my_rsvp = (RSVP.objects.filter(convening=next_convening, user=request.user).first()
               if next_convening else None)
    own_team_ids = viewer.my_team_ids | viewer.coached_team_ids
    own_enrollments = (Enrollment.objects.filter(collaborative=collaborative,
                                                 team_id__in=own_team_ids)
                       .select_related("collaborative", "team").order_by("team__name"))
    progress = _page(request, selectors.team_progress(collaborative, period), size=100)
    return render(request, "collaboratives/collaborative_detail.html", _context(
        collaborative, viewer,
        phases=list(collaborative.phases.all()),
        convenings=convenings,
        next_convening=next_convening,
        my_rsvp=my_rsvp,
        period=period,
        progress=progress,
        behind_count=selectors.teams_behind_count(collaborative, period),
        team_count=progress.paginator.count,
        learning=list(selectors.shared_cycles(request.user, collaborative, viewer)[:5]),
        own_enrollments=own_enrollments,
        latest_package=collaborative.change_packages.filter(status="published")
        .order_by("-version").first(),
    ))


@login_required
def cycle_list(request, slug):
    """The collaborative's shared learning: every team's completed cycles."""
    collaborative, viewer = _collaborative(request, slug)
    cycles = selectors.shared_cycles(request.user, collaborative, viewer)
    return render(request, "collaboratives/pdsacycle_list.html", _context(
        collaborative, viewer, page=_page(request, cycles)))


@login_required
def driver_diagram(request, slug):
    """Aim → primary drivers → change ideas. Staff and coaches add drivers and ideas here."""
    collaborative, viewer = _collaborative(request, slug)
    may_edit = viewer.is_staff or viewer.is_coach
    drivers = selectors.driver_diagram(collaborative)
    driver_form = PrimaryDriverForm(prefix="driver")
    idea_form = ChangeIdeaForm(prefix="idea", drivers=drivers)
    if request.method == "POST":
        if not may_edit:
            raise Http404
        try:
            if "add_driver" in request.POST:
                driver_form = PrimaryDriverForm(request.POST, prefix="driver")
                if driver_form.is_valid():
                    def add_driver():
                        services.primary_driver_add(collaborative=collaborative,
                                                    actor=request.user,
                                                    **driver_form.cleaned_data)
                        messages.success(request, "Primary driver added.")
                        return reverse("collaboratives:drivers", args=[slug])
                    return submit_once(request, driver_form, add_driver)
            else:
                idea_form = ChangeIdeaForm(request.POST, prefix="idea", drivers=drivers)
                if idea_form.is_valid():
                    def add_idea():
                        services.change_idea_add(actor=request.user, **idea_form.cleaned_data)
                        messages.success(request, "Change idea added.")
                        return reverse("collaboratives:drivers", args=[slug])
                    return submit_once(request, idea_form, add_idea)
        except ValidationError as error:
            show_service_errors(error, driver_form if "add_driver" in request.POST
                                else idea_form)
    return render(request, "collaboratives/driver_diagram.html", _context(
        collaborative, viewer, drivers=drivers, may_edit=may_edit,
        driver_form=driver_form, idea_form=idea_form))


# --- Convenings and the calendar ---------------------------------------------------------------

def _convening(request, slug, pk):
    """The convening, its collaborative, and what this person may see of it. A member of the
    network who is not in the collaborative sees only a convening open to the whole network,
    as a guest: the convening and its meeting link, none of the collaborative's pages."""
    collaborative = selectors.collaborative_for(request.user, slug)
    if collaborative is not None:
        convening = get_object_or_404(selectors.convenings_of(collaborative), pk=pk)
        return collaborative, selectors.viewer_for(request.user, collaborative), convening
    convening = selectors.network_convening(request.user, slug, pk)
    if convening is None:
        raise Http404("No such convening.")
    return convening.collaborative, selectors.Viewer(network_guest=True), convening


@login_required
def convening_detail(request, slug, pk):
    collaborative, viewer, convening = _convening(request, slug, pk)
    my_rsvp = RSVP.objects.filter(convening=convening, user=request.user).first()
    form = RSVPForm(initial={"response": my_rsvp.response if my_rsvp else None})
    if request.method == "POST":
        form = RSVPForm(request.POST)
        if form.is_valid():
            def answer():
                services.rsvp_set(convening=convening, user=request.user,
                                  response=form.cleaned_data["response"])
                messages.success(request, "Thank you: your answer is saved.")
                return convening.get_absolute_url()
            try:
                return submit_once(request, form, answer)
            except ValidationError as error:
                show_service_errors(error, form)
    counts = dict(convening.rsvps.values_list("response").annotate(n=Count("pk")).order_by())
    attendees = None
    if viewer.is_staff:
        attendees = _page(request, convening.rsvps.select_related("user")
                          .order_by("response", "user__last_name", "user__email"), size=50)
    may_rsvp = (selectors.invited_to(request.user, convening, viewer)
                and not convening.is_cancelled and convening.ends_at > timezone.now())
    return render(request, "collaboratives/convening_detail.html", _context(
        collaborative, viewer, convening=convening, form=form, my_rsvp=my_rsvp,
        may_rsvp=may_rsvp, attendees=attendees, guest=viewer.network_guest,
        counts=[(label, counts.get(value, 0)) for value, label in RSVP_COUNT_LABELS],
    ))


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def convening_ics(request, slug, pk):
    """One convening as an .ics file, to add it to a calendar."""
    _, _, convening = _convening(request, slug, pk)
    body = ical.calendar_of([convening], name=convening.title)
    return _ics_response(body, f"convening-{convening.pk}.ics")


def calendar_feed(request, token):
    """A person's convenings as a subscribable feed. The secret address is the only key: no
    session (calendar apps have none); a wrong or retired token is a 404."""
    calendar_token = (CalendarToken.objects.select_related("user")
                      .filter(token=token, user__is_active=True).first())
    if calendar_token is None:
        raise Http404
    convenings = selectors.convenings_for_calendar(calendar_token.user)
    body = ical.calendar_of(convenings, name="NCSUP convenings")
    return _ics_response(body, "ncsup-convenings.ics")


@login_required
def calendar_subscribe(request):
    """Shows the person's secret feed address; POST creates it, or replaces it with a new one."""
    token = CalendarToken.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token is None:
            token = services.calendar_token_for(user=request.user)
            messages.success(request, "Your calendar address is ready.")
        else:
            token = services.calendar_token_reset(user=request.user)
            messages.success(request, "You have a new calendar address; the old one no longer "
                                      "works.")
        return redirect("collaboratives:calendar")
    feed_url = (request.build_absolute_uri(reverse("collaboratives:calendar_feed",
                                                  args=[token.token])) if token else None)
    upcoming = selectors.convenings_for_calendar(request.user).filter(ends_at__gt=timezone.now())
    return render(request, "collaboratives/calendar_subscribe.html", {
        "feed_url": feed_url, "upcoming": _page(request, upcoming)})


# --- Teams: workspace, aim, coaching -----------------------------------------------------------

def _enrollment(request, slug, team_pk, allowed):
    collaborative, viewer = _collaborative(request, slug)
    if not allowed(viewer, team_pk):
        raise Http404
    enrollment = selectors.enrollment_for(collaborative, team_pk)
    if enrollment is None:
        raise Http404
    return collaborative, viewer, enrollment


@login_required
def team_workspace(request, slug, team_pk):
    """The team's aim, its cycles and its coaching calls: for the team, its coach and staff."""
    collaborative, viewer, enrollment = _enrollment(request, slug, team_pk,
                                                    lambda v, t: v.sees_team(t))
    period = selectors.current_action_period(collaborative)
    cycles = (selectors.cycles_visible_to(request.user, collaborative, viewer)
              .filter(team_id=team_pk).order_by("-created_at", "-pk"))
    logged = cycles.filter(action_period=period).count() if period else 0
    calls = selectors.calls_visible_to(request.user, collaborative, viewer).filter(
        enrollment=enrollment)
    return render(request, "collaboratives/team_workspace.html", _context(
        collaborative, viewer, enrollment=enrollment, team=enrollment.team, period=period,
        logged=logged, cycles=_page(request, cycles), calls=_page(request, calls, "calls"),
        works_on=viewer.works_on(team_pk), coaches=viewer.coaches_team(team_pk),
    ))


@login_required
def aim_edit(request, slug, team_pk):
    collaborative, viewer, enrollment = _enrollment(
        request, slug, team_pk, lambda v, t: v.works_on(t) or v.coaches_team(t))
    aim = getattr(enrollment, "aim", None)
    initial = {"what": aim.what, "how_much": aim.how_much, "by_when": aim.by_when} if aim else {}
    form = AimForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        def save():
            services.aim_set(enrollment=enrollment, actor=request.user, **form.cleaned_data)
            messages.success(request, "The team's aim is saved.")
            return enrollment.get_absolute_url()
        try:
            return submit_once(request, form, save)
        except ValidationError as error:
            show_service_errors(error, form)
    return render(request, "collaboratives/teamaim_form.html", _context(
        collaborative, viewer, enrollment=enrollment, form=form))


@login_required
def coaching_call_create(request, slug, team_pk):
    collaborative, viewer, enrollment = _enrollment(request, slug, team_pk,
                                                    lambda v, t: v.coaches_team(t))
    team_users = User.objects.filter(team_memberships__team_id=team_pk,
                                     team_memberships__status=TeamMember.Status.ACTIVE)
    form = CoachingCallForm(request.POST or None, team_users=team_users,
                            initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def log():
            services.coaching_call_log(enrollment=enrollment, actor=request.user,
                                       held_on=data["held_on"],
                                       attendees=list(data["attendees"]),
                                       other_attendees=data["other_attendees"],
                                       notes=data["notes"], next_steps=data["next_steps"])
            messages.success(request, "The call is logged.")
            return enrollment.get_absolute_url()
        try:
            return submit_once(request, form, log)
        except ValidationError as error:
            show_service_errors(error, form)
    return render(request, "collaboratives/coachingcall_form.html", _context(
        collaborative, viewer, enrollment=enrollment, form=form))


@login_required
def coach_teams(request):
    """The coach's view: every team they coach, across collaboratives."""
    if not selectors.is_coach(request.user):
        raise Http404
    teams = selectors.coached_teams(request.user)
    return render(request, "collaboratives/coach_teams.html", {
        "page": _page(request, teams), "today": timezone.localdate()})


# --- PDSA cycles -------------------------------------------------------------------------------

@login_required
def cycle_create(request, slug, team_pk):
    collaborative, viewer, enrollment = _enrollment(request, slug, team_pk,
                                                    lambda v, t: v.works_on(t))
    ideas = selectors.change_ideas_of(collaborative)
    period = selectors.current_action_period(collaborative)
    form = PlanForm(request.POST or None, ideas=ideas,
                    measures=Measure.objects.filter(collaborative=collaborative))
    if request.method == "POST" and form.is_valid():
        def plan():
            cycle = services.pdsa_cycle_log(team=enrollment.team, collaborative=collaborative,
                                            actor=request.user, **form.cleaned_data)
            messages.success(request, "Your cycle is planned. Start it when you run the test.")
            return cycle
        try:
            return submit_once(request, form, plan)
        except ValidationError as error:
            show_service_errors(error, form)
    return render(request, "collaboratives/pdsacycle_form.html", _context(
        collaborative, viewer, enrollment=enrollment, form=form, period=period,
        has_ideas=ideas.exists(), stage="create"))


def _cycle_form(cycle, data=None, *, advancing=False):
    collaborative = cycle.action_period.collaborative
    measures = Measure.objects.filter(collaborative=collaborative)
    linked = list(cycle.measures.values_list("pk", flat=True))
    if cycle.status == PDSACycle.Status.PLANNED:
        initial = {name: getattr(cycle, name) for name in ["title", *PDSACycle.PLAN_FIELDS]}
        initial["change_idea"] = cycle.change_idea_id
        initial["measures"] = linked
        ideas = selectors.change_ideas_of(collaborative)
        return PlanForm(data, initial=initial, ideas=ideas, starting=advancing,
                        measures=measures)
    initial = {name: getattr(cycle, name) for name in PDSACycle.DO_STUDY_ACT_FIELDS}
    initial["measures"] = linked
    return DoStudyActForm(data, initial=initial, completing=advancing, measures=measures)


def _editable_cycle(request, slug, pk):
    collaborative, viewer = _collaborative(request, slug)
    cycle = get_object_or_404(selectors.cycles_editable_by(request.user, collaborative, viewer),
                              pk=pk)
    return collaborative, viewer, cycle


@login_required
def cycle_edit(request, slug, pk):
    collaborative, viewer, cycle = _editable_cycle(request, slug, pk)
    if cycle.is_completed:
        messages.info(request, "A completed cycle is the record of what the team learned; it "
                               "cannot be edited.")
        return redirect(cycle.get_absolute_url())
    form = _cycle_form(cycle, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pdsa_cycle_update(cycle=cycle, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(error, form)
        else:
            messages.success(request, "Saved.")
            return redirect(cycle.get_absolute_url())
    return render(request, "collaboratives/pdsacycle_form.html", _context(
        collaborative, viewer, cycle=cycle, enrollment=None, form=form, stage="edit"))


@login_required
def cycle_advance(request, slug, pk):
    """Planned → in progress (with the whole plan), in progress → completed (with Do, Study
    and Act). The service refuses anything else."""
    collaborative, viewer, cycle = _editable_cycle(request, slug, pk)
    if cycle.is_completed:
        messages.info(request, "This cycle is already completed.")
        return redirect(cycle.get_absolute_url())
    to = (PDSACycle.Status.IN_PROGRESS if cycle.status == PDSACycle.Status.PLANNED
          else PDSACycle.Status.COMPLETED)
    form = _cycle_form(cycle, request.POST or None, advancing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.pdsa_cycle_advance(cycle=cycle, actor=request.user, to=to,
                                        **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(error, form)
        else:
            messages.success(request, "The cycle is under way. Record what happens." if (
                to == PDSACycle.Status.IN_PROGRESS) else "The cycle is completed: every team "
                "in the collaborative can now learn from it.")
            return redirect(cycle.get_absolute_url())
    return render(request, "collaboratives/pdsacycle_form.html", _context(
        collaborative, viewer, cycle=cycle, enrollment=None, form=form, stage="advance",
        to=to))


def _cycle_detail(request, collaborative, viewer, cycle, *, attachment_form=None,
                  comment_form=None, status=200):
    return render(request, "collaboratives/pdsacycle_detail.html", _context(
        collaborative, viewer, cycle=cycle, measures=list(cycle.measures.all()),
        attachments=list(cycle.attachments.select_related("uploaded_by")),
        comments=list(cycle.comments.select_related("author")),
        works_on=viewer.works_on(cycle.team_id),
        coaches=viewer.coaches_team(cycle.team_id),
        attachment_form=attachment_form or AttachmentForm(),
        comment_form=comment_form or CommentForm(),
    ), status=status)


@login_required
def cycle_detail(request, slug, pk):
    collaborative, viewer = _collaborative(request, slug)
    cycle = get_object_or_404(selectors.cycles_visible_to(request.user, collaborative, viewer),
                              pk=pk)
    return _cycle_detail(request, collaborative, viewer, cycle)


@login_required
@require_POST
def attachment_add(request, slug, pk):
    collaborative, viewer, cycle = _editable_cycle(request, slug, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        def attach():
            attachment = services.attachment_add(cycle=cycle, actor=request.user,
                                                 upload=form.cleaned_data["file"])
            messages.success(request, f"“{attachment.original_name}” is attached.")
            return cycle.get_absolute_url() + "#attachments"
        try:
            return submit_once(request, form, attach)
        except ValidationError as error:
            show_service_errors(error, form)
    return _cycle_detail(request, collaborative, viewer, cycle, attachment_form=form, status=400)


@login_required
def attachment_download(request, slug, pk):
    """Serves an attachment to people who may see its cycle, and to nobody else."""
    collaborative, viewer = _collaborative(request, slug)
    visible = selectors.cycles_visible_to(request.user, collaborative, viewer)
    attachment = get_object_or_404(CycleAttachment.objects.filter(cycle__in=visible), pk=pk)
    try:
        handle = default_storage.open(attachment.storage_name, "rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing from storage.") from error
    response = FileResponse(handle, content_type=attachment.content_type,
                            as_attachment=attachment.kind != CycleAttachment.Kind.IMAGE,
                            filename=attachment.original_name)
    response["Cache-Control"] = "private, max-age=0"
    return response


@login_required
@require_POST
def comment_add(request, slug, pk):
    collaborative, viewer = _collaborative(request, slug)
    cycle = get_object_or_404(selectors.cycles_visible_to(request.user, collaborative, viewer),
                              pk=pk)
    if not viewer.coaches_team(cycle.team_id):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        def comment():
            services.cycle_comment_add(cycle=cycle, actor=request.user,
                                       body=form.cleaned_data["body"])
            messages.success(request, "Your comment is posted.")
            return cycle.get_absolute_url() + "#comments"
        try:
            return submit_once(request, form, comment)
        except ValidationError as error:
            show_service_errors(error, form)
    return _cycle_detail(request, collaborative, viewer, cycle, comment_form=form, status=400)
