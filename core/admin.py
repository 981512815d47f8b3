"""Admin bases for every app: ``ReadOnlyAdmin`` (a list to look at) and ``ServiceAdmin`` /
``ServiceForm`` / ``ServiceInline`` (forms whose save goes through a named service, so the admin
holds no rule); ``core.forms.service_errors_show`` puts a service's errors on a form.
"""

import copy

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.html import format_html

from core.forms import service_errors_show
from core.models import AuditEntry, OutboundEmail
from core.once import OnceAdmin


class _Rehearsal(Exception):
    """Raised inside a savepoint to roll a rehearsed service call back."""


class ServiceForm(forms.ModelForm):
    """An admin form whose object is saved by a named service, never by ``.save()``, so admin
    edits are checked, scheduled and audited like any other and the admin holds no rule.

    Define ``save_through(self, *, actor)``: call the service with ``self.instance`` (its fields
    already set from the form) and return the saved object. Validation rehearses that call inside
    a savepoint it then rolls back (the instance is put back as it was), so the service's own
    ``ValidationError`` shows next to the field it names and nothing is written; the admin then
    makes the call for real (``ServiceAdmin.save_model``, ``save_inline_through``). A form that
    names no service fails loudly instead of writing with ``.save()``."""

    actor = None  # the staff member: set on the form class by ServiceAdmin / ServiceInline

    def save_through(self, *, actor) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} must define save_through() and save "
                                  "through a service.")

    def may_rehearse(self) -> bool:
        return True

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        if self._errors or not self.has_changed() or not self.may_rehearse():
            return
        before = {**self.instance.__dict__, "_state": copy.copy(self.instance._state)}
        try:
            with transaction.atomic():
                self.save_through(actor=self.actor)
                raise _Rehearsal
        except _Rehearsal:
            pass
        except ValidationError as error:
            service_errors_show(self, error)
        finally:
            self.instance.__dict__.update(before)


def adopt(instance: models.Model, saved: models.Model) -> None:
    """Make the admin's object the one the service saved (its pk, fields and state), so the
    admin's log entry and redirect point at it."""
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding, instance._state.db = False, saved._state.db


class ServiceAdmin(OnceAdmin):
    """A ModelAdmin whose ``form`` is a ``ServiceForm``: saving calls its service (and its add
    view carries the one-time token, ``core.once``)."""

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


class BigListAdmin:
    """Changelist options for staff's lists of thousands of rows (a mixin before ModelAdmin).

    The admin's own cost on every request, measured on the benchmark's data (bench/): no count
    of the whole table beside the filtered one ("7,200 total"); no navigation sidebar, whose
    list of every model the site registers was a fifth of the page's Python work (the
    breadcrumbs and the site's index remain, and the table gets the width); and each row's
    action checkbox written as one string instead of through a form widget's template. Lists
    using it also take date filters (no query) rather than a ``date_hierarchy``, whose year
    links read every row's date on each request."""

    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "is_nav_sidebar_enabled": False})

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            ACTION_CHECKBOX_NAME, obj.pk, str(obj))
