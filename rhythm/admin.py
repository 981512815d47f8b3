from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.once import OnceAdmin
from rhythm.models import (
    Attendance,
    CheckInCode,
    Evaluation,
    MonthlyReport,
    ProgressLevel,
    ProgressPdf,
    ReportAmendment,
    RhythmSettings,
)


@admin.register(ProgressLevel)
class ProgressLevelAdmin(admin.ModelAdmin):
    """The scale is data from a migration: its wording may be edited, its levels not."""

    list_display = ["score", "title"]
    search_fields = ["title", "description"]
    readonly_fields = ["score"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RhythmSettings)
class RhythmSettingsAdmin(OnceAdmin):
    list_display = ["collaborative", "report_due_day", "reminder_days"]
    search_fields = ["collaborative__name"]
    autocomplete_fields = ["collaborative"]


class AmendmentInline(admin.TabularInline):
    model = ReportAmendment
    extra = 0
    fields = ["created_at", "author", "body"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    """Reports are filed and rated on the portal's pages (the services); here they are read."""

    list_display = ["enrollment", "month", "status", "self_score", "coach_score",
                    "submitted_at"]
    list_filter = ["status", "enrollment__collaborative", "month"]
    search_fields = ["enrollment__team__name", "learned", "barriers", "help_needed"]
    date_hierarchy = "month"
    inlines = [AmendmentInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["convening", "user", "team", "present", "source", "updated_at"]
    list_filter = ["present", "source", "convening__collaborative"]
    search_fields = ["user__email", "user__last_name", "team__name", "convening__title"]


@admin.register(CheckInCode)
class CheckInCodeAdmin(ReadOnlyAdmin):
    list_display = ["convening", "code", "created_by", "created_at"]
    search_fields = ["convening__title", "code"]
    list_filter = ["convening__collaborative"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["convening", "overall", "anonymous", "updated_at"]
    list_filter = ["overall", "anonymous", "convening__collaborative"]
    search_fields = ["convening__title", "most_useful", "suggestions"]
    exclude = ["user"]  # anonymous answers stay anonymous to staff


@admin.register(ProgressPdf)
class ProgressPdfAdmin(ReadOnlyAdmin):
    list_display = ["collaborative", "as_of", "requested_by", "requested_at"]
    list_filter = ["collaborative"]
    search_fields = ["collaborative__name"]
