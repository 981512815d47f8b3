"""Admin bases for every app: ``ReadOnlyAdmin`` (a list to look at) and ``ServiceAdmin`` (a
form whose save goes through a named service); ``core.forms.service_errors_show`` puts a
service's errors on a form.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from core.forms import service_errors_show
from core.models import AuditEntry, OutboundEmail


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add and change forms save through a service, so the admin holds no
    rules and skips none (audit, locks, scheduling).

    Define ``service_save(request, obj, form, change)``: call the service with ``obj`` (the
    form's unsaved instance, its fields already set from the form) and return the saved object.
    It runs when the form is validated, so a ValidationError it raises appears next to its
    field (``service_errors_show``) and the page comes back with what was typed; the admin's
    transaction then rolls back. ``save_model`` saves nothing itself: an admin that forgets
    ``service_save`` fails loudly instead of writing with ``.save()``.
    """

    def service_save(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} must define service_save() and save "
                                  "through a service.")

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    self.instance = model_admin.service_save(request, self.instance, self, change)
                except ValidationError as error:
                    service_errors_show(self, error)

        ServiceForm.__name__ = base.__name__
        return ServiceForm

    def save_model(self, request, obj, form, change):
        """Saved already, by ``service_save`` during validation."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A page shown again (an inline refused, say) undoes what the service saved."""
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and not isinstance(response, HttpResponseRedirect):
                transaction.set_rollback(True)
        return response


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
