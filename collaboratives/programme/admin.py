"""Admin of the programme (phases, enrollments). Every domain's admin saves through the services
with core's base (``core.admin.ServiceForm``, ``ServiceAdmin``, ``ServiceInline``): the admin
parses input and calls a service; it holds no rule of its own."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from collaboratives.programme import services
from collaboratives.programme.models import Enrollment, Phase, phase_schedule_errors
from core.once import OnceAdmin  # add views: saved once however often sent


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
