"""Admin of the improvement work: action periods, aims, coaching calls, the driver diagram, PDSA
cycles, their attachments and comments."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from collaboratives.cycles import services
from collaboratives.cycles.models import (
    ActionPeriod,
    ChangeIdea,
    CoachingCall,
    CycleAttachment,
    CycleComment,
    PDSACycle,
    PrimaryDriver,
    TeamAim,
)
from core.once import OnceAdmin  # add views: saved once however often sent


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
