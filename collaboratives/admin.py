"""The collaboratives' admin, where Django's autodiscovery looks (``<app>.admin``).

Each sub-package registers its own models' admin; importing those modules here registers them.
The collaborative itself is edited here, the top layer, because its page composes three
domains: its phases (programme), its convenings inline (convenings) and the action that creates
action periods between them (cycles)."""

# Registration happens on import: each module below calls admin.register for its models.
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count

from collaboratives.changepackages import admin as changepackages_admin  # noqa: F401
from collaboratives.convenings.admin import ConveningInline, cadence_warning
from collaboratives.convenings.models import Convening
from collaboratives.cycles import admin as cycles_admin  # noqa: F401
from collaboratives.cycles import services as cycles_services
from collaboratives.measures import admin as measures_admin  # noqa: F401
from collaboratives.programme.admin import PhaseInline
from collaboratives.programme.models import Collaborative
from core.admin import save_inline_through
from core.admin_actions import form_action
from core.once import OnceAdmin  # add views: saved once however often sent


def _create_action_periods(*, obj, data, actor):
    created = cycles_services.action_periods_create_between_convenings(
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
        save_inline_through(request, form.instance, formset)
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        cadence_warning(request, self, form.instance)
