"""Admin of measures and their values. A measure is saved through ``measure_define`` /
``measure_update``, whose refusals show next to the fields."""

from django.contrib import admin
from django.db.models import Count

from collaboratives.measures import services
from collaboratives.measures.models import (
    AstronomicalPoint,
    Measure,
    MeasurePhase,
    MeasureValue,
    TeamMeasure,
)
from core.admin import ServiceAdmin, ServiceForm
from core.once import OnceAdmin  # add views: saved once however often sent


class MeasureAdminForm(ServiceForm):
    """Saved through ``measure_define`` / ``measure_update``: their rules (a unique name; once
    teams entered values, unit and sampling stay) show next to the fields in their words."""

    class Meta:
        model = Measure
        fields = ["collaborative", "name", "kind", "operational_definition", "unit",
                  "rate_basis", "better", "sampling", "goal", "counted", "rate_scale",
                  "chart", "run_rules", "position"]

    def save_through(self, *, actor) -> Measure:
        data = {name: self.cleaned_data[name] for name in services.MEASURE_FIELDS}
        if self.instance._state.adding:
            return services.measure_define(collaborative=self.cleaned_data["collaborative"],
                                           actor=actor, **data)
        measure = services.measure_update(measure=self.instance, actor=actor, **data)
        # Where it is listed is no rule of the measure's: only the admin orders them.
        Measure.objects.filter(pk=measure.pk).update(position=self.cleaned_data["position"])
        measure.position = self.cleaned_data["position"]
        return measure


@admin.register(Measure)
class MeasureAdmin(ServiceAdmin):
    form = MeasureAdminForm
    list_display = ["name", "collaborative", "kind", "unit", "counted", "chart", "better",
                    "sampling", "goal", "value_count"]
    list_filter = ["kind", "unit", "counted", "chart", "run_rules", "sampling", "collaborative"]
    search_fields = ["name", "operational_definition", "collaborative__name"]
    autocomplete_fields = ["collaborative"]
    list_select_related = ["collaborative"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_values=Count("values"))

    @admin.display(description="Values", ordering="n_values")
    def value_count(self, obj):
        return obj.n_values

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

    list_display = ["measure", "team", "period", "value", "numerator", "denominator", "source",
                    "entered_by", "updated_at"]
    list_filter = ["source", "measure__collaborative", "measure"]
    search_fields = ["team__name", "measure__name", "note"]
    autocomplete_fields = ["team", "measure", "entered_by"]
    readonly_fields = ["team", "measure", "period", "source", "entered_by"]
    list_select_related = ["measure", "team", "entered_by"]
    date_hierarchy = "period"
    inlines = [AstronomicalInline]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        """A counted measure's value is computed from its counts: correct it in the portal
        (enter the period again) so the three never disagree."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.measure.counted:
            fields += ["value", "numerator", "denominator"]
        return fields


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
