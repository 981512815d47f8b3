"""Admin of change packages. A draft is created, edited and published through the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from collaboratives.changepackages import services
from collaboratives.changepackages.models import ChangePackage, ChangePackageEntry
from core.once import OnceAdmin  # add views: saved once however often sent


class EntryInline(admin.TabularInline):
    """Ideas are added in the portal (only adopted ones qualify); here staff reorder and edit the
    notes of a draft. A published version's entries are frozen."""

    model = ChangePackageEntry
    fields = ["title_now", "position", "commentary", "frozen_at"]
    readonly_fields = ["title_now", "frozen_at"]
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2,
                                                                             "cols": 50})}}

    @admin.display(description="Change idea")
    def title_now(self, obj):
        return obj.title or obj.change_idea.title

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


def _publish(modeladmin, request, queryset):
    for package in queryset.select_related("collaborative"):
        try:
            services.change_package_publish(package=package, actor=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{package}: {' '.join(error.messages)}",
                                    messages.ERROR)
        else:
            modeladmin.message_user(request, f"{package} is published; its PDF is being "
                                             "prepared.", messages.SUCCESS)


class ChangePackageForm(forms.ModelForm):
    class Meta:
        model = ChangePackage
        fields = ["collaborative", "title", "introduction"]

    def clean(self):
        data = super().clean()
        collaborative = data.get("collaborative")
        if not self.instance.pk and collaborative and collaborative.change_packages.filter(
                status=ChangePackage.Status.DRAFT).exists():
            self.add_error("collaborative", "The collaborative already has a draft change "
                                            "package: continue that one.")
        return data


@admin.register(ChangePackage)
class ChangePackageAdmin(OnceAdmin):
    form = ChangePackageForm
    list_display = ["title", "collaborative", "version", "status", "published_at",
                    "entry_count", "pdf_ready"]
    list_filter = ["status", "collaborative"]
    search_fields = ["title", "introduction", "collaborative__name"]
    autocomplete_fields = ["collaborative"]
    readonly_fields = ["version", "status", "published_at", "published_by", "created_by",
                       "pdf_link"]
    list_select_related = ["collaborative"]
    inlines = [EntryInline]
    actions = [admin.action(description="Publish selected drafts (frozen, PDF rendered)",
                            permissions=["change"])(_publish)]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("collaborative")
            if obj.is_published:
                fields += ["title", "introduction"]
        return fields

    @admin.display(description="Change ideas", ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    @admin.display(description="PDF", boolean=True)
    def pdf_ready(self, obj):
        return bool(obj.pdf_path)

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        if not obj.pk or not obj.pdf_path:
            return "—"
        url = reverse("collaboratives:change_package_pdf",
                      args=[obj.collaborative.slug, obj.version])
        return format_html('<a href="{}">{}</a>', url, obj.pdf_filename)

    def save_model(self, request, obj, form, change):
        if change:
            if not obj.is_published:  # a published version's texts are frozen (read-only)
                services.change_package_update(package=obj, actor=request.user,
                                               title=obj.title,
                                               introduction=obj.introduction)
            return
        created = services.change_package_draft(collaborative=obj.collaborative,
                                                actor=request.user)
        created = services.change_package_update(package=created, actor=request.user,
                                                 title=obj.title,
                                                 introduction=obj.introduction)
        obj.pk, obj.version, obj.created_by = created.pk, created.version, created.created_by
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding, obj._state.db = False, created._state.db

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_published


@admin.register(ChangePackageEntry)
class ChangePackageEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "package", "position", "frozen_at"]
    list_filter = ["package__collaborative", "package__status"]
    search_fields = ["title", "change_idea__title", "commentary"]
    autocomplete_fields = ["package", "change_idea"]
    readonly_fields = ["package", "change_idea", "title", "description", "driver_title",
                       "evidence", "frozen_at"]
    list_select_related = ["package", "change_idea"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.package.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.package.is_published
