"""Staff's admin of the network: groups (with their members and facilitators), events (with
registrations and materials; cancelling tells everyone registered), and posts (hiding one
records who, when and why). Status changes go through the services."""

from django import forms
from django.contrib import admin

from core.admin_actions import form_action
from core.once import OnceAdmin
from network import services
from network.models import (
    Event,
    EventMaterial,
    Group,
    GroupMembership,
    Post,
    Registration,
    Topic,
)


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    fields = ["user", "role", "status", "notify", "decided_by", "decided_at"]
    readonly_fields = ["status", "notify", "decided_by", "decided_at"]
    autocomplete_fields = ["user"]
    verbose_name = "member or facilitator"


@admin.register(Group)
class GroupAdmin(OnceAdmin):
    list_display = ["name", "kind", "focus", "focus_detail", "joining"]
    list_filter = ["kind", "focus", "joining"]
    search_fields = ["name", "summary", "focus_detail"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["shelf"]
    inlines = [GroupMembershipInline]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason (told to everyone registered)", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


class HideForm(forms.Form):
    reason = forms.CharField(label="Why hide it (kept in the record)", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


def _cancel(*, obj, data, actor):
    services.event_cancel(event=obj, actor=actor, reason=data["reason"])


def _hide(*, obj, data, actor):
    services.post_hide(post=obj, actor=actor, reason=data["reason"])


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["user", "status", "queued_at", "attended"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MaterialInline(admin.TabularInline):
    model = EventMaterial
    extra = 0
    fields = ["kind", "title", "url", "original_name", "added_by", "added_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


CALENDAR_FIELDS = {"title", "starts_at", "ends_at", "format", "meeting_link", "venue", "address"}


@admin.register(Event)
class EventAdmin(OnceAdmin):
    list_display = ["title", "kind", "group", "starts_at", "capacity", "status"]
    list_filter = ["kind", "status", "format", "group", "starts_at"]
    search_fields = ["title", "description", "group__name"]
    autocomplete_fields = ["group", "facilitator"]
    date_hierarchy = "starts_at"
    readonly_fields = ["status", "cancelled_at", "cancellation_reason"]
    inlines = [RegistrationInline, MaterialInline]
    actions = [form_action(
        form_class=ReasonForm, perform=_cancel, verb="cancel",
        description="Cancel selected events (everyone registered is told)",
        intro="Everyone registered or waiting gets a cancellation notice.")]

    def save_model(self, request, obj, form, change):
        if change and set(form.changed_data) & CALENDAR_FIELDS:
            obj.revision += 1  # calendar apps take the new times or place (iCalendar SEQUENCE)
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            # More places: the waitlist moves up, and those promoted are told.
            services.event_places_fill(event=obj, actor=request.user)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "status", "queued_at", "attended"]
    list_filter = ["status", "attended", "event__kind"]
    search_fields = ["event__title", "user__email", "user__last_name"]
    list_select_related = ["event", "user"]
    readonly_fields = ["event", "user", "status", "queued_at", "attended",
                       "attendance_recorded_by"]

    def has_add_permission(self, request):
        return False  # members register on the event's page


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "started_by", "last_post_at"]
    list_filter = ["group"]
    search_fields = ["title", "group__name"]
    list_select_related = ["group", "started_by"]
    readonly_fields = ["group", "started_by", "last_post_at"]

    def has_add_permission(self, request):
        return False  # topics start in the group's pages, by its members


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "hidden_at", "hidden_by"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter), "topic__group"]
    search_fields = ["body", "author__email", "topic__title"]
    list_select_related = ["author", "topic", "hidden_by"]
    readonly_fields = ["topic", "author", "body", "markup", "created_at", "hidden_at",
                       "hidden_by", "hidden_reason"]
    actions = [form_action(
        form_class=HideForm, perform=_hide, verb="hide",
        description="Hide selected posts (shown as hidden by a moderator)",
        intro="The record keeps who hid each post, when and why.")]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # hidden, never deleted: the record stays
