"""Staff run the collaboratives here. Status fields are read-only; rules come from ``services``
(the admin forms ask the services' own checks, so staff read the same messages members do)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from collaboratives import change_package, measures, services
from collaboratives.forms import ReasonForm
from collaboratives.models import (
    RSVP,
    ActionPeriod,
    AstronomicalPoint,
    CalendarToken,
    ChangeIdea,
    ChangePackage,
    ChangePackageEntry,
    CoachingCall,
    Collaborative,
    Convening,
    CycleAttachment,
    CycleComment,
    Enrollment,
    Measure,
    MeasurePhase,
    MeasureValue,
    PDSACycle,
    Phase,
    PrimaryDriver,
    ReminderLog,
    TeamAim,
    TeamMeasure,
    phase_schedule_errors,
)
from core.admin import ReadOnlyAdmin
from core.admin_actions import form_action
from core.once import OnceAdmin  # add views: saved once however often sent


def _cadence_warning(request, modeladmin, collaborative):
    note = services.convening_cadence_note(collaborative)
    if note:
        modeladmin.message_user(request, note, messages.WARNING)


# --- Collaborative, with its phases and convenings inline ---------------------------------------

class PhaseFormSet(BaseInlineFormSet):
    """Checks the phases together: in order, inside the collaborative, without overlap."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.checked_as_schedule = True  # the formset checks the whole schedule
        return form

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        phases = [form.instance for form in self.forms
                  if form.cleaned_data and not form.cleaned_data.get("DELETE")
                  and (form.instance.pk or form.has_changed())]
        problems = phase_schedule_errors(self.instance, phases)
        if problems:
            raise ValidationError(problems)


@admin.register(Phase)
class PhaseAdmin(OnceAdmin):
    """Phases are usually edited together, inline on their collaborative; edited here one at a
    time, ``Phase.clean`` checks the others."""

    list_display = ["collaborative", "kind", "start", "end"]
    list_filter = ["kind", "collaborative"]
    search_fields = ["collaborative__name", "summary"]
    autocomplete_fields = ["collaborative"]
    list_select_related = ["collaborative"]


class PhaseInline(admin.TabularInline):
    model = Phase
    formset = PhaseFormSet
    fields = ["kind", "start", "end", "summary"]
    extra = 0
    max_num = len(Phase.ORDER)


class ConveningForm(forms.ModelForm):
    """A moved convening must keep its action periods in order; a cancelled one stays put."""

    class Meta:
        model = Convening
        fields = ["title", "format", "starts_at", "ends_at", "venue", "address", "meeting_link",
                  "agenda", "open_to_network"]

    def clean(self):
        data = super().clean()
        instance = self.instance
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if instance.pk and starts_at and ends_at and (
                {"starts_at", "ends_at"} & set(self.changed_data)):
            if instance.is_cancelled:
                raise ValidationError("A cancelled convening cannot be moved; schedule a new "
                                      "one.")
            for field, errors in services.convening_move_errors(
                    instance, starts_at=starts_at, ends_at=ends_at).items():
                self.add_error(field, errors)
        return data


def _save_convening(request, form, convening):
    """Dates changed on a saved convening: move it through the service (new reminders, a new
    calendar revision); then save the rest."""
    if convening.pk and {"starts_at", "ends_at"} & set(form.changed_data):
        services.convening_move(convening=convening, starts_at=convening.starts_at,
                                ends_at=convening.ends_at, actor=request.user)
    convening.save()


class ConveningInline(admin.TabularInline):
    """The year's convenings at a glance; the agenda and RSVPs are on each convening's page."""

    model = Convening
    form = ConveningForm
    fields = ["title", "format", "starts_at", "ends_at", "venue", "address", "meeting_link",
              "open_to_network", "status"]
    readonly_fields = ["status"]
    extra = 0
    can_delete = False
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2,
                                                                             "cols": 24})}}


def _create_action_periods(*, obj, data, actor):
    created = services.action_periods_create_between_convenings(
        collaborative=obj, expected_cycles=data["expected_cycles"])
    if not created:
        raise ValidationError("No new action period: every pair of consecutive convenings "
                              "already has one.")


class ActionPeriodsForm(forms.Form):
    expected_cycles = forms.IntegerField(min_value=1, max_value=20, initial=2,
                                         label="Expected PDSA cycles per team")


create_action_periods = form_action(
    form_class=ActionPeriodsForm, perform=_create_action_periods,
    verb="create action periods", description="Create action periods between convenings",
    intro="One action period runs from each scheduled convening to the next.")


@admin.register(Collaborative)
class CollaborativeAdmin(OnceAdmin):
    list_display = ["name", "problem_of_practice", "start", "end", "current_phase_label",
                    "team_count", "enrollment_open"]
    list_filter = ["enrollment_open", "problem_of_practice", "start"]
    search_fields = ["name", "slug", "problem_of_practice"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start"
    inlines = [PhaseInline, ConveningInline]
    actions = [create_action_periods]

    def get_queryset(self, request):
        return (super().get_queryset(request).prefetch_related("phases")
                .annotate(n_teams=Count("enrollments", distinct=True)))

    @admin.display(description="Current phase")
    def current_phase_label(self, obj):
        phase = obj.current_phase()
        return phase.get_kind_display() if phase else "—"

    @admin.display(description="Teams", ordering="n_teams")
    def team_count(self, obj):
        return obj.n_teams

    def save_formset(self, request, form, formset, change):
        if formset.model is not Convening:
            return super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.has_changed():
                inline_form.instance.collaborative = form.instance
                _save_convening(request, inline_form, inline_form.instance)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _cadence_warning(request, self, form.instance)


# --- Convenings, RSVPs, calendar tokens, reminders ---------------------------------------------

class RSVPInline(admin.TabularInline):
    model = RSVP
    fields = readonly_fields = ["user", "response", "updated_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = "RSVPs (who is coming)"

    def has_add_permission(self, request, obj=None):
        return False


def _cancel(*, obj, data, actor):
    services.convening_cancel(convening=obj, actor=actor, reason=data["reason"])


cancel_selected = form_action(
    form_class=ReasonForm, perform=_cancel, verb="cancel",
    description="Cancel selected convenings (members are told)",
    intro="Members of every enrolled team get a cancellation notice instead of reminders.")


@admin.register(Convening)
class ConveningAdmin(OnceAdmin):
    form = ConveningForm
    list_display = ["title", "collaborative", "format", "starts_at", "open_to_network", "status",
                    "coming"]
    list_filter = ["status", "format", "open_to_network", "collaborative"]
    search_fields = ["title", "venue", "collaborative__name"]
    autocomplete_fields = ["collaborative"]
    readonly_fields = ["status", "cancelled_at", "cancellation_reason", "moved_at", "moved_from",
                       "revision"]
    fields = ["collaborative", "title", "format", ("starts_at", "ends_at"), "venue", "address",
              "meeting_link", "agenda", "open_to_network", "status", "cancelled_at",
              "cancellation_reason", ("moved_at", "moved_from"), "revision"]
    list_select_related = ["collaborative"]
    date_hierarchy = "starts_at"
    inlines = [RSVPInline]
    actions = [cancel_selected]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_coming=Count("rsvps", filter=Q(rsvps__response=RSVP.Response.YES)))

    @admin.display(description="Coming", ordering="n_coming")
    def coming(self, obj):
        return obj.n_coming

    def save_model(self, request, obj, form, change):
        _save_convening(request, form, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _cadence_warning(request, self, form.instance.collaborative)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: members are told, and the record stays


@admin.register(RSVP)
class RSVPAdmin(OnceAdmin):
    list_display = ["convening", "user", "response", "updated_at"]
    list_filter = ["response", "convening__collaborative"]
    search_fields = ["user__email", "user__last_name", "convening__title"]
    autocomplete_fields = ["convening", "user"]
    list_select_related = ["convening", "user"]


def _reset_tokens(modeladmin, request, queryset):
    for token in queryset.select_related("user"):
        services.calendar_token_reset(user=token.user)
    modeladmin.message_user(request, "New calendar addresses issued; the old ones no longer work.",
                            messages.SUCCESS)


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    fields = readonly_fields = ["user", "created_at"]  # the token itself is the person's secret
    actions = [admin.action(description="Issue new secret addresses (retire the old ones)",
                            permissions=["change"])(_reset_tokens)]

    def has_add_permission(self, request):
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "convening", "user", "kind"]
    list_filter = ["convening__collaborative", "sent_at"]
    search_fields = ["user__email", "kind", "convening__title"]
    autocomplete_fields = ["convening", "user"]
    list_select_related = ["convening", "user"]
    date_hierarchy = "sent_at"


# --- Enrollment, aims, coaching -----------------------------------------------------------------

class EnrollmentForm(forms.ModelForm):
    """Adding: the service's checks (Tier 2 only, enrollment open, a real coach), same words."""

    class Meta:
        model = Enrollment
        fields = ["collaborative", "team", "coach", "grade_band", "locale"]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            coach = data.get("coach")
            if coach and coach.pk != self.instance.coach_id:
                refusals = services.enrollment_refusals(
                    collaborative=self.instance.collaborative, team=self.instance.team,
                    coach=coach)
                if "coach" in refusals:
                    self.add_error("coach", refusals["coach"])
            return data
        if data.get("collaborative") and data.get("team"):
            for field, errors in services.enrollment_refusals(
                    collaborative=data["collaborative"], team=data["team"],
                    coach=data.get("coach")).items():
                self.add_error(field if field in self.fields else None, errors)
        return data

    def validate_unique(self):
        """The service says "already enrolled" in its own words."""


@admin.register(Enrollment)
class EnrollmentAdmin(OnceAdmin):
    form = EnrollmentForm
    list_display = ["team", "collaborative", "coach", "tier", "grade_band", "locale",
                    "created_at"]
    list_filter = ["collaborative", "coach", "grade_band", "locale"]
    search_fields = ["team__name", "collaborative__name", "coach__email", "coach__last_name"]
    autocomplete_fields = ["collaborative", "team", "coach"]
    list_select_related = ["team__membership__tier", "collaborative", "coach"]

    def get_readonly_fields(self, request, obj=None):
        return ["collaborative", "team", "enrolled_by"] if obj else []

    @admin.display(description="Tier", ordering="team__membership__tier__name")
    def tier(self, obj):
        return obj.team.membership.tier.name

    def save_model(self, request, obj, form, change):
        setting = {"grade_band": obj.grade_band, "locale": obj.locale}
        if change:
            services.enrollment_coach_assign(enrollment=obj, coach=obj.coach,
                                             actor=request.user)
            Enrollment.objects.filter(pk=obj.pk).update(**setting)
            return
        created = services.enrollment_create(collaborative=obj.collaborative, team=obj.team,
                                              coach=obj.coach, actor=request.user)
        Enrollment.objects.filter(pk=created.pk).update(**setting)
        obj.pk, obj.enrolled_by = created.pk, created.enrolled_by
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding, obj._state.db = False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return bool(obj is None or not obj.team.pdsa_cycles.filter(
            action_period__collaborative=obj.collaborative).exists())


@admin.register(TeamAim)
class TeamAimAdmin(OnceAdmin):
    list_display = ["enrollment", "what", "how_much", "by_when", "set_by", "updated_at"]
    list_filter = ["enrollment__collaborative", "by_when"]
    search_fields = ["enrollment__team__name", "what"]
    autocomplete_fields = ["enrollment", "set_by"]
    list_select_related = ["enrollment__team", "enrollment__collaborative", "set_by"]


@admin.register(CoachingCall)
class CoachingCallAdmin(OnceAdmin):
    list_display = ["held_on", "enrollment", "logged_by"]
    list_filter = ["enrollment__collaborative", "held_on", "logged_by"]
    search_fields = ["enrollment__team__name", "notes", "next_steps"]
    autocomplete_fields = ["enrollment", "attendees", "logged_by"]
    list_select_related = ["enrollment__team", "enrollment__collaborative", "logged_by"]
    date_hierarchy = "held_on"


# --- Action periods, driver diagram, cycles -----------------------------------------------------

class ActionPeriodForm(forms.ModelForm):
    class Meta:
        model = ActionPeriod
        fields = ["collaborative", "opening_convening", "closing_convening", "expected_cycles"]

    def clean(self):
        data = super().clean()
        if all(data.get(f) for f in ("collaborative", "opening_convening", "closing_convening")):
            for field, errors in services.action_period_refusals(
                    collaborative=data["collaborative"], opening=data["opening_convening"],
                    closing=data["closing_convening"], exclude_pk=self.instance.pk).items():
                self.add_error(field, errors)
        return data


@admin.register(ActionPeriod)
class ActionPeriodAdmin(OnceAdmin):
    form = ActionPeriodForm
    list_display = ["__str__", "collaborative", "opening_convening", "closing_convening",
                    "expected_cycles"]
    list_filter = ["collaborative"]
    search_fields = ["collaborative__name", "opening_convening__title",
                     "closing_convening__title"]
    autocomplete_fields = ["collaborative", "opening_convening", "closing_convening"]
    list_select_related = ["collaborative", "opening_convening", "closing_convening"]


class ChangeIdeaInline(admin.TabularInline):
    model = ChangeIdea
    fields = ["title", "description", "position"]
    extra = 0


@admin.register(PrimaryDriver)
class PrimaryDriverAdmin(OnceAdmin):
    list_display = ["title", "collaborative", "position"]
    list_filter = ["collaborative"]
    search_fields = ["title", "collaborative__name"]
    autocomplete_fields = ["collaborative"]
    inlines = [ChangeIdeaInline]


@admin.register(ChangeIdea)
class ChangeIdeaAdmin(OnceAdmin):
    list_display = ["title", "primary_driver", "collaborative", "position"]
    list_filter = ["primary_driver__collaborative"]
    search_fields = ["title", "primary_driver__title"]
    autocomplete_fields = ["primary_driver", "added_by"]
    list_select_related = ["primary_driver__collaborative"]

    @admin.display(description="Collaborative")
    def collaborative(self, obj):
        return obj.primary_driver.collaborative


class AttachmentInline(admin.TabularInline):
    model = CycleAttachment
    fields = readonly_fields = ["download", "kind", "size", "uploaded_by", "uploaded_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def download(self, obj):
        return _download_link(obj)


class CommentInline(admin.TabularInline):
    model = CycleComment
    fields = readonly_fields = ["author", "body", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PDSACycle)
class PDSACycleAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "collaborative", "change_idea", "status", "decision",
                    "created_at"]
    list_filter = ["status", "decision", "action_period__collaborative"]
    search_fields = ["title", "team__name", "change_idea__title", "question", "learning"]
    autocomplete_fields = ["team", "action_period", "change_idea", "created_by", "measures"]
    readonly_fields = ["status", "in_progress_at", "completed_at", "created_by"]
    list_select_related = ["team", "change_idea", "action_period__collaborative"]
    inlines = [AttachmentInline, CommentInline]
    fieldsets = [
        (None, {"fields": ["title", "team", "action_period", "change_idea", "measures",
                           "status", "created_by", "in_progress_at", "completed_at"]}),
        ("Plan", {"fields": ["question", "prediction", "plan_who", "plan_what", "plan_when",
                             "plan_where", "data_to_collect"]}),
        ("Do", {"fields": ["what_happened", "surprises"]}),
        ("Study", {"fields": ["results", "learning"]}),
        ("Act", {"fields": ["decision", "next_step"]}),
    ]

    @admin.display(description="Collaborative")
    def collaborative(self, obj):
        return obj.action_period.collaborative

    def has_add_permission(self, request):
        return False  # teams log cycles in the portal, against the current action period


def _download_link(attachment):
    url = reverse("collaboratives:attachment",
                  args=[attachment.cycle.action_period.collaborative.slug, attachment.pk])
    return format_html('<a href="{}">{}</a>', url, attachment.original_name)


@admin.register(CycleAttachment)
class CycleAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "cycle", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "cycle__action_period__collaborative"]
    search_fields = ["original_name", "cycle__title", "cycle__team__name"]
    autocomplete_fields = ["cycle", "uploaded_by"]
    fields = readonly_fields = ["download", "cycle", "kind", "content_type", "size",
                                "uploaded_by", "uploaded_at"]
    list_select_related = ["cycle", "uploaded_by"]

    @admin.display(description="File")
    def download(self, obj):
        return _download_link(obj)

    def has_add_permission(self, request):
        return False  # files are checked and stored by the upload form


@admin.register(CycleComment)
class CycleCommentAdmin(OnceAdmin):
    list_display = ["cycle", "author", "created_at"]
    list_filter = ["cycle__action_period__collaborative", "created_at"]
    search_fields = ["body", "cycle__title", "author__email"]
    autocomplete_fields = ["cycle", "author"]
    list_select_related = ["cycle", "author"]


# --- Measures -----------------------------------------------------------------------------------

class MeasureAdminForm(forms.ModelForm):
    """The service's rule, in its words: once teams entered values, unit and sampling stay."""

    class Meta:
        model = Measure
        fields = ["collaborative", "name", "kind", "operational_definition", "unit",
                  "rate_basis", "better", "sampling", "goal", "position"]

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.values.exists():
            for name in ("unit", "sampling"):
                if name in self.changed_data:
                    self.add_error(name, "Teams have entered values of this measure, so this "
                                         "cannot change. Define a new measure instead.")
        return data


@admin.register(Measure)
class MeasureAdmin(OnceAdmin):
    form = MeasureAdminForm
    list_display = ["name", "collaborative", "kind", "unit", "better", "sampling", "goal",
                    "value_count"]
    list_filter = ["kind", "unit", "sampling", "collaborative"]
    search_fields = ["name", "operational_definition", "collaborative__name"]
    autocomplete_fields = ["collaborative"]
    list_select_related = ["collaborative"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_values=Count("values"))

    @admin.display(description="Values", ordering="n_values")
    def value_count(self, obj):
        return obj.n_values

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in measures.MEASURE_FIELDS}
        if change:
            measures.measure_update(measure=obj, actor=request.user, **data)
            Measure.objects.filter(pk=obj.pk).update(position=obj.position)
            return
        created = measures.measure_define(collaborative=obj.collaborative, actor=request.user,
                                          **data)
        obj.pk, obj.created_by = created.pk, created.created_by
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding, obj._state.db = False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return bool(obj is None or not obj.values.exists())


class AstronomicalInline(admin.StackedInline):
    model = AstronomicalPoint
    fields = readonly_fields = ["reason", "marked_by", "marked_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # the team's coach marks it on the chart, with the reason


@admin.register(MeasureValue)
class MeasureValueAdmin(admin.ModelAdmin):
    """Teams enter values in the portal (one by one or by CSV); staff may correct or delete a
    wrong one here."""

    list_display = ["measure", "team", "period", "value", "source", "entered_by", "updated_at"]
    list_filter = ["source", "measure__collaborative", "measure"]
    search_fields = ["team__name", "measure__name", "note"]
    autocomplete_fields = ["team", "measure", "entered_by"]
    readonly_fields = ["team", "measure", "period", "source", "entered_by"]
    list_select_related = ["measure", "team", "entered_by"]
    date_hierarchy = "period"
    inlines = [AstronomicalInline]

    def has_add_permission(self, request):
        return False


@admin.register(TeamMeasure)
class TeamMeasureAdmin(OnceAdmin):
    list_display = ["team", "measure", "baseline_points", "baseline_median", "goal",
                    "updated_by"]
    list_filter = ["measure__collaborative", "measure"]
    search_fields = ["team__name", "measure__name"]
    autocomplete_fields = ["team", "measure", "updated_by"]
    list_select_related = ["team", "measure", "updated_by"]


@admin.register(MeasurePhase)
class MeasurePhaseAdmin(OnceAdmin):
    list_display = ["label", "team", "measure", "starts_on", "added_by"]
    list_filter = ["measure__collaborative", "measure"]
    search_fields = ["label", "team__name", "measure__name"]
    autocomplete_fields = ["team", "measure", "added_by"]
    list_select_related = ["team", "measure", "added_by"]
    date_hierarchy = "starts_on"


@admin.register(AstronomicalPoint)
class AstronomicalPointAdmin(admin.ModelAdmin):
    list_display = ["value", "team", "reason", "marked_by", "marked_at"]
    list_filter = ["value__measure__collaborative", "value__measure"]
    search_fields = ["reason", "value__team__name", "value__measure__name"]
    autocomplete_fields = ["value", "marked_by"]
    readonly_fields = ["value", "marked_by", "marked_at"]
    list_select_related = ["value__measure", "value__team", "marked_by"]

    @admin.display(description="Team", ordering="value__team__name")
    def team(self, obj):
        return obj.value.team

    def has_add_permission(self, request):
        return False  # the team's coach marks it on the chart


# --- The change package -----------------------------------------------------------------------

class EntryInline(admin.TabularInline):
    """Ideas are added in the portal (only adopted ones qualify); here staff reorder and edit the
    notes of a draft. A published version's entries are frozen."""

    model = ChangePackageEntry
    fields = ["title_now", "position", "commentary", "frozen_at"]
    readonly_fields = ["title_now", "frozen_at"]
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2,
                                                                             "cols": 50})}}

    @admin.display(description="Change idea")
    def title_now(self, obj):
        return obj.title or obj.change_idea.title

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


def _publish(modeladmin, request, queryset):
    for package in queryset.select_related("collaborative"):
        try:
            change_package.change_package_publish(package=package, actor=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{package}: {' '.join(error.messages)}",
                                    messages.ERROR)
        else:
            modeladmin.message_user(request, f"{package} is published; its PDF is being "
                                             "prepared.", messages.SUCCESS)


class ChangePackageForm(forms.ModelForm):
    class Meta:
        model = ChangePackage
        fields = ["collaborative", "title", "introduction"]

    def clean(self):
        data = super().clean()
        collaborative = data.get("collaborative")
        if not self.instance.pk and collaborative and collaborative.change_packages.filter(
                status=ChangePackage.Status.DRAFT).exists():
            self.add_error("collaborative", "The collaborative already has a draft change "
                                            "package: continue that one.")
        return data


@admin.register(ChangePackage)
class ChangePackageAdmin(OnceAdmin):
    form = ChangePackageForm
    list_display = ["title", "collaborative", "version", "status", "published_at",
                    "entry_count", "pdf_ready"]
    list_filter = ["status", "collaborative"]
    search_fields = ["title", "introduction", "collaborative__name"]
    autocomplete_fields = ["collaborative"]
    readonly_fields = ["version", "status", "published_at", "published_by", "created_by",
                       "pdf_link"]
    list_select_related = ["collaborative"]
    inlines = [EntryInline]
    actions = [admin.action(description="Publish selected drafts (frozen, PDF rendered)",
                            permissions=["change"])(_publish)]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("collaborative")
            if obj.is_published:
                fields += ["title", "introduction"]
        return fields

    @admin.display(description="Change ideas", ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    @admin.display(description="PDF", boolean=True)
    def pdf_ready(self, obj):
        return bool(obj.pdf_path)

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        if not obj.pk or not obj.pdf_path:
            return "—"
        url = reverse("collaboratives:change_package_pdf",
                      args=[obj.collaborative.slug, obj.version])
        return format_html('<a href="{}">{}</a>', url, obj.pdf_filename)

    def save_model(self, request, obj, form, change):
        if change:
            if not obj.is_published:  # a published version's texts are frozen (read-only)
                change_package.change_package_update(package=obj, actor=request.user,
                                                     title=obj.title,
                                                     introduction=obj.introduction)
            return
        created = change_package.change_package_draft(collaborative=obj.collaborative,
                                                      actor=request.user)
        created = change_package.change_package_update(package=created, actor=request.user,
                                                       title=obj.title,
                                                       introduction=obj.introduction)
        obj.pk, obj.version, obj.created_by = created.pk, created.version, created.created_by
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding, obj._state.db = False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(ChangePackageEntry)
class ChangePackageEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "package", "position", "frozen_at"]
    list_filter = ["package__collaborative", "package__status"]
    search_fields = ["title", "change_idea__title", "commentary"]
    autocomplete_fields = ["package", "change_idea"]
    readonly_fields = ["package", "change_idea", "title", "description", "driver_title",
                       "evidence", "frozen_at"]
    list_select_related = ["package", "change_idea"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.package.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.package.is_published
