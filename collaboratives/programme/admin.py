"""Admin of the programme (phases, enrollments), and the small base every domain's admin uses to
save through the services (``ServiceForm``, ``ServiceAdmin``, ``ServiceInline``): the admin
parses input and calls a service; it holds no rule of its own."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet

from collaboratives.programme import services
from collaboratives.programme.models import Enrollment, Phase, phase_schedule_errors
from core.forms import service_errors_show
from core.once import OnceAdmin  # add views: saved once however often sent

# --- Admin that saves through the services -----------------------------------------------------

class _Rehearsal(Exception):
    """Raised inside a savepoint to roll a rehearsed service call back."""


class ServiceForm(forms.ModelForm):
    """An admin form whose object is saved by a named service, never by ``.save()``, so admin
    edits are checked, scheduled and audited like any other and the admin holds no rule.

    ``save_through(actor=...)`` calls the service and returns the saved object. Validation
    rehearses that call inside a savepoint it then rolls back, so the service's own
    ``ValidationError`` shows next to the field it names and nothing is written; the admin then
    makes the call for real (``ServiceAdmin.save_model``, ``save_inline_through``)."""

    actor = None  # the staff member: set on the form class by ServiceAdmin / ServiceInline

    def save_through(self, *, actor) -> models.Model:
        raise NotImplementedError

    def may_rehearse(self) -> bool:
        return True

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        if self._errors or not self.has_changed() or not self.may_rehearse():
            return
        try:
            with transaction.atomic():
                self.save_through(actor=self.actor)
                raise _Rehearsal
        except _Rehearsal:
            pass
        except ValidationError as error:
            service_errors_show(error=error, form=self)


def adopt(instance: models.Model, saved: models.Model) -> None:
    """Make the admin's object the one the service saved (its pk, fields and state), so the
    admin's log entry and redirect point at it."""
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding, instance._state.db = False, saved._state.db


class ServiceAdmin(OnceAdmin):
    """A ModelAdmin whose ``form`` is a ``ServiceForm``: saving calls its service."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a class made for this request by modelform_factory
        return form

    def save_model(self, request, obj, form, change):
        adopt(obj, form.save_through(actor=request.user))


class ServiceInline(admin.TabularInline):
    """An inline whose ``form`` is a ``ServiceForm``; the parent admin saves its changed forms
    with ``save_inline_through``."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.actor = request.user
        return formset


def save_inline_through(request, parent, formset) -> None:
    """Save an inline's changed forms through their service, the parent being saved."""
    for form in formset.forms:
        if form.has_changed():
            setattr(form.instance, formset.fk.name, parent)
            adopt(form.instance, form.save_through(actor=request.user))
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


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
