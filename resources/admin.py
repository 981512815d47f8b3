from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ServiceAdmin, ServiceForm
from core.once import OnceAdmin
from resources import services
from resources.models import Resource, Tag


@admin.register(Tag)
class TagAdmin(OnceAdmin):
    list_display = ["name", "kind", "slug", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_editable = ["position"]


class ResourceForm(ServiceForm):
    class Meta:
        model = Resource
        fields = ["title", "summary", "kind", "url", "change_package", "visibility",
                  "collaborative", "tags", "listed", "published_at"]

    def save_through(self, *, actor):
        return services.resource_save(resource=self.instance, actor=actor,
                                       tags=list(self.cleaned_data.get("tags") or []))


@admin.register(Resource)
class ResourceAdmin(ServiceAdmin):
    """Links, recordings and change packages are added here; files on the portal's "Add a file"
    page, which checks and scans them. Every save goes through resources.services."""

    form = ResourceForm
    list_display = ["title", "kind", "visibility", "listed", "published_at", "added_by"]
    list_filter = ["kind", "visibility", "listed", "tags", "collaborative"]
    search_fields = ["title", "summary", "original_name", "url"]
    autocomplete_fields = ["change_package", "collaborative"]
    filter_horizontal = ["tags"]
    date_hierarchy = "published_at"
    readonly_fields = ["file", "added_by"]
    list_select_related = ["added_by"]

    def get_fields(self, request, obj=None):
        fields = [*ResourceForm.Meta.fields]
        if obj is not None and obj.kind == Resource.Kind.FILE:
            fields = [name for name in fields if name not in ("url", "change_package")]
            fields.insert(3, "file")
        return [*fields, "added_by"] if obj is not None else fields

    @admin.display(description="File")
    def file(self, obj):
        if not obj.file_path:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("resources:download", args=[obj.pk]),
                           obj.original_name)

    def save_related(self, request, form, formsets, change):
        """Tags were set by the service (save_through); only the inlines remain."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
