"""Admin of convenings, RSVPs, calendar tokens and reminder logs. Convenings are saved through
the services (scheduled, edited, moved, cancelled like any other, and audited)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q

from collaboratives.convenings import services
from collaboratives.convenings.forms import ReasonForm
from collaboratives.convenings.models import RSVP, CalendarToken, Convening, ReminderLog
from core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, ServiceInline
from core.admin_actions import form_action
from core.once import OnceAdmin  # add views: saved once however often sent


def cadence_warning(request, modeladmin, collaborative):
    note = services.convening_cadence_note(collaborative)
    if note:
        modeladmin.message_user(request, note, messages.WARNING)


class ConveningForm(ServiceForm):
    """Saved through the services: a new convening is scheduled (``convening_schedule``), a
    saved one edited (``convening_update``, which moves it through ``convening_move`` when its
    dates change). Their refusals (a cancelled convening cannot be moved, action periods stay in
    order) show next to the fields."""

    class Meta:
        model = Convening
        fields = ["title", "format", "starts_at", "ends_at", "venue", "address", "meeting_link",
                  "agenda", "open_to_network"]

    def may_rehearse(self) -> bool:
        return self.instance.collaborative_id is not None  # a new collaborative: not saved yet

    def save_through(self, *, actor) -> Convening:
        data = {name: self.cleaned_data[name]
                for name in ("starts_at", "ends_at", *services.CONVENING_DETAILS)
                if name in self.cleaned_data}
        if self.instance._state.adding:
            return services.convening_schedule(collaborative=self.instance.collaborative,
                                               actor=actor, **data)
        return services.convening_update(convening=self.instance, actor=actor, **data)


class ConveningInline(ServiceInline):
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
class ConveningAdmin(ServiceAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        # A saved convening stays in its collaborative (its action periods and RSVPs are there).
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "collaborative"] if obj else fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        cadence_warning(request, self, form.instance.collaborative)

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
