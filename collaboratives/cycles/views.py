"""Pages of the improvement work: the shared learning, the driver diagram, a team's workspace,
its aim, coaching calls, and PDSA cycles (log, edit, advance, attach files, comment)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from collaboratives.cycles import attachments as cycle_files
from collaboratives.cycles import selectors, services
from collaboratives.cycles.forms import (
    AimForm,
    AttachmentForm,
    ChangeIdeaForm,
    CoachingCallForm,
    CommentForm,
    DoStudyActForm,
    PlanForm,
    PrimaryDriverForm,
)
from collaboratives.cycles.models import CycleAttachment, PDSACycle
from collaboratives.programme.web import (
    collaborative_or_404,
    enrollment_or_404,
    page_context,
    paginate,
)
from core.files import private_file_response
from core.forms import service_errors_show
from core.once import submit_once
from core.ratelimit import ratelimit
from core.uploads import IdentifiersFound, upload_hold_on_form, upload_source
from members.models import TeamMember, User


@login_required
def cycle_list(request, slug):
    """The collaborative's shared learning: every team's completed cycles."""
    collaborative, viewer = collaborative_or_404(request, slug)
    cycles = selectors.shared_cycles(request.user, collaborative, viewer)
    return render(request, "collaboratives/pdsacycle_list.html", page_context(
        collaborative, viewer, page=paginate(request, cycles)))


@login_required
def driver_diagram(request, slug):
    """Aim → primary drivers → change ideas. Staff and coaches add drivers and ideas here."""
    collaborative, viewer = collaborative_or_404(request, slug)
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
            service_errors_show(error=error, form=driver_form if "add_driver" in request.POST
                                else idea_form)
    return render(request, "collaboratives/driver_diagram.html", page_context(
        collaborative, viewer, drivers=drivers, may_edit=may_edit,
        driver_form=driver_form, idea_form=idea_form))


@login_required
def team_workspace(request, slug, team_pk):
    """The team's aim, its cycles and its coaching calls: for the team, its coach and staff."""
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk,
                                                          lambda v, t: v.sees_team(t))
    period = selectors.current_action_period(collaborative)
    cycles = (selectors.cycles_visible_to(request.user, collaborative, viewer)
              .filter(team_id=team_pk).order_by("-created_at", "-pk"))
    logged = cycles.filter(action_period=period).count() if period else 0
    calls = selectors.calls_visible_to(request.user, collaborative, viewer).filter(
        enrollment=enrollment)
    return render(request, "collaboratives/team_workspace.html", page_context(
        collaborative, viewer, enrollment=enrollment, team=enrollment.team, period=period,
        logged=logged, cycles=paginate(request, cycles), calls=paginate(request, calls, "calls"),
        works_on=viewer.works_on(team_pk), coaches=viewer.coaches_team(team_pk),
    ))


@login_required
def aim_edit(request, slug, team_pk):
    collaborative, viewer, enrollment = enrollment_or_404(
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
            service_errors_show(error=error, form=form)
    return render(request, "collaboratives/teamaim_form.html", page_context(
        collaborative, viewer, enrollment=enrollment, form=form))


@login_required
def coaching_call_create(request, slug, team_pk):
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk,
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
            service_errors_show(error=error, form=form)
    return render(request, "collaboratives/coachingcall_form.html", page_context(
        collaborative, viewer, enrollment=enrollment, form=form))


@login_required
def cycle_create(request, slug, team_pk):
    collaborative, viewer, enrollment = enrollment_or_404(request, slug, team_pk,
                                                          lambda v, t: v.works_on(t))
    ideas = selectors.change_ideas_of(collaborative)
    period = selectors.current_action_period(collaborative)
    form = PlanForm(request.POST or None, ideas=ideas,
                    measures=collaborative.measures.all())
    if request.method == "POST" and form.is_valid():
        def plan():
            cycle = services.pdsa_cycle_log(team=enrollment.team, collaborative=collaborative,
                                            actor=request.user, **form.cleaned_data)
            messages.success(request, "Your cycle is planned. Start it when you run the test.")
            return cycle
        try:
            return submit_once(request, form, plan)
        except ValidationError as error:
            service_errors_show(error=error, form=form)
    return render(request, "collaboratives/pdsacycle_form.html", page_context(
        collaborative, viewer, enrollment=enrollment, form=form, period=period,
        has_ideas=ideas.exists(), stage="create"))


def _cycle_form(cycle, data=None, *, advancing=False):
    collaborative = cycle.action_period.collaborative
    measures = collaborative.measures.all()
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
    collaborative, viewer = collaborative_or_404(request, slug)
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
            service_errors_show(error=error, form=form)
        else:
            messages.success(request, "Saved.")
            return redirect(cycle.get_absolute_url())
    return render(request, "collaboratives/pdsacycle_form.html", page_context(
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
            service_errors_show(error=error, form=form)
        else:
            messages.success(request, "The cycle is under way. Record what happens." if (
                to == PDSACycle.Status.IN_PROGRESS) else "The cycle is completed: every team "
                "in the collaborative can now learn from it.")
            return redirect(cycle.get_absolute_url())
    return render(request, "collaboratives/pdsacycle_form.html", page_context(
        collaborative, viewer, cycle=cycle, enrollment=None, form=form, stage="advance",
        to=to))


def _attachments(user, viewer, cycle) -> list[CycleAttachment]:
    """The cycle's attachments, each marked whether this person may delete it (one query for
    the teams they lead, not one per file)."""
    attachments = list(cycle.attachments.select_related("uploaded_by"))
    lead_of = cycle_files.teams_led_by(user) if attachments else set()
    for attachment in attachments:
        attachment.cycle = cycle
        attachment.may_delete = cycle_files.attachment_may_delete(user, attachment, viewer,
                                                                  lead_of)
    return attachments


def _cycle_detail(request, collaborative, viewer, cycle, *, attachment_form=None,
                  comment_form=None, status=200, findings=(), held=None):
    return render(request, "collaboratives/pdsacycle_detail.html", page_context(
        collaborative, viewer, cycle=cycle, measures=list(cycle.measures.all()),
        attachments=_attachments(request.user, viewer, cycle),
        comments=list(cycle.comments.select_related("author")),
        works_on=viewer.works_on(cycle.team_id),
        coaches=viewer.coaches_team(cycle.team_id),
        attachment_form=attachment_form or AttachmentForm(),
        comment_form=comment_form or CommentForm(),
        findings=findings, held=held,
    ), status=status)


@login_required
def cycle_detail(request, slug, pk):
    collaborative, viewer = collaborative_or_404(request, slug)
    cycle = get_object_or_404(selectors.cycles_visible_to(request.user, collaborative, viewer),
                              pk=pk)
    return _cycle_detail(request, collaborative, viewer, cycle)


@login_required
@require_POST
@ratelimit("attachment")
def attachment_add(request, slug, pk):
    collaborative, viewer, cycle = _editable_cycle(request, slug, pk)
    form = AttachmentForm(request.POST, request.FILES)
    findings, held = [], None
    if form.is_valid():
        data = form.cleaned_data
        source = upload_source(data["file"], data["held"], owner_id=request.user.pk)
        if source is None:
            form.add_error("file", "Choose the file to attach.")
        else:
            upload, name, held = source

            def attach():
                attachment = cycle_files.attachment_add(
                    cycle=cycle, actor=request.user, upload=upload, original_name=name,
                    no_student_data_confirmed=data["no_student_data_confirmed"])
                messages.success(request, f"“{attachment.original_name}” is attached.")
                return cycle.get_absolute_url() + "#attachments"
            try:
                response = submit_once(request, form, attach)
            except IdentifiersFound as found:
                findings = found.findings
                held = upload_hold_on_form(form, data["file"], owner_id=request.user.pk)
            except ValidationError as error:
                service_errors_show(error=error, form=form)
            else:
                if held is not None:
                    default_storage.delete(held.path)
                return response
            finally:
                if source[2] is not None:
                    upload.close()
    return _cycle_detail(request, collaborative, viewer, cycle, attachment_form=form, status=400,
                         findings=findings, held=held)


@login_required
def attachment_download(request, slug, pk):
    """Serves an attachment to people who may see its cycle, and to nobody else."""
    collaborative, viewer = collaborative_or_404(request, slug)
    visible = selectors.cycles_visible_to(request.user, collaborative, viewer)
    attachment = get_object_or_404(CycleAttachment.objects.filter(cycle__in=visible), pk=pk)
    return private_file_response(
        attachment.storage_name, filename=attachment.original_name,
        content_type=attachment.content_type,
        as_attachment=attachment.kind != CycleAttachment.Kind.IMAGE,
        missing="The file is missing from storage.", cache_control="private, max-age=0")


@login_required
def attachment_delete(request, slug, pk):
    """Asks first (GET), then deletes (POST): for whoever attached the file, the team's lead and
    staff; anyone else gets a 404, as if there were no such file."""
    collaborative, viewer = collaborative_or_404(request, slug)
    visible = selectors.cycles_visible_to(request.user, collaborative, viewer)
    attachment = get_object_or_404(
        CycleAttachment.objects.filter(cycle__in=visible).select_related("cycle", "uploaded_by"),
        pk=pk)
    cycle = attachment.cycle
    if not cycle_files.attachment_may_delete(request.user, attachment, viewer,
                                             cycle_files.teams_led_by(request.user)):
        raise Http404("No such file.")
    if request.method == "POST":
        try:
            cycle_files.attachment_delete(attachment=attachment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"“{attachment.original_name}” is deleted.")
        return redirect(reverse("collaboratives:cycle", args=[collaborative.slug, cycle.pk])
                        + "#attachments")
    return render(request, "collaboratives/cycleattachment_confirm_delete.html", page_context(
        collaborative, viewer, cycle=cycle, attachment=attachment))


@login_required
@require_POST
def comment_add(request, slug, pk):
    collaborative, viewer = collaborative_or_404(request, slug)
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
            service_errors_show(error=error, form=form)
    return _cycle_detail(request, collaborative, viewer, cycle, comment_form=form, status=400)
