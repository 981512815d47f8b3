from django.contrib import admin

from core.models import AuditEntry, OutboundEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "action", "from_status", "to_status",
                    "actor", "reason"]
    list_filter = ["content_type", "action"]
    search_fields = ["object_id", "reason", "actor__email"]
    list_select_related = ["content_type", "actor"]
    date_hierarchy = "at"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """Superusers only: even without secrets, the outbox holds what members were told about
    their bills and applications. A secret email's bodies are never shown (and are erased once
    it is sent), so nobody but its recipient reads a working reset or invitation link."""

    list_display = ["created_at", "to", "subject", "status", "secret", "attempts", "sent_at"]
    list_filter = ["status", "secret"]
    search_fields = ["to", "subject", "key"]  # never the bodies
    date_hierarchy = "created_at"
    actions = None

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_fields(self, request, obj=None):
        fields = ["key", "to", "subject", "status", "secret", "attempts", "claimed_at",
                  "sent_at", "last_error", "attachment_path", "attachment_name"]
        if obj is None or obj.secret:
            return [*fields, "body_withheld"]
        return [*fields, "text_body", "html_body"]

    def get_readonly_fields(self, request, obj=None):
        return ["body_withheld"]

    @admin.display(description="Body")
    def body_withheld(self, obj):
        return ("Not shown: this email carries a private link or code for its recipient only. "
                "Its text is erased once it is sent.")
