from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse

from core.statemachine import history
from members import services
from members.forms import ReasonForm
from members.models import Institution, Membership, MembershipApplication, Tier, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "includes_collaborative", "enrollment_open", "position"]
    list_editable = ["enrollment_open", "position"]
    list_filter = ["enrollment_open", "includes_collaborative"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "state", "nces_id"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "city", "nces_id"]


def _decision_action(service, verb, reason_required):
    def action(modeladmin, request, queryset):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                if reason_required and not reason.strip():
                    form.add_error("reason", "Say why, for the applicant and the record.")
                else:
                    done, refused = 0, []
                    for application in queryset:
                        try:
                            service(application=application, actor=request.user, reason=reason)
                            done += 1
                        except ValidationError as error:
                            refused.append(f"#{application.pk}: {' '.join(error.messages)}")
                    if done:
                        modeladmin.message_user(request, f"{verb.capitalize()}: {done} "
                                                f"application(s).", messages.SUCCESS)
                    for line in refused:
                        modeladmin.message_user(request, line, messages.ERROR)
                    return None
        else:
            form = ReasonForm()
        return TemplateResponse(request, "admin/members/application_decision.html", {
            **modeladmin.admin_site.each_context(request),
            "title": f"{verb.capitalize()} applications",
            "verb": verb,
            "applications": queryset.prefetch_related("institutions"),
            "form": form,
            "reason_required": reason_required,
            "action_name": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        })

    action.__name__ = f"{verb}_selected"
    return action


def _approve(*, application, actor, reason):
    return services.application_approve(application=application, actor=actor, reason=reason)


approve_selected = admin.action(description="Approve selected applications",
                                permissions=["change"])(
    _decision_action(_approve, "approve", reason_required=False))
reject_selected = admin.action(description="Reject selected applications (with a reason)",
                               permissions=["change"])(
    _decision_action(services.application_reject, "reject", reason_required=True))
waitlist_selected = admin.action(description="Waitlist selected applications",
                                 permissions=["change"])(
    _decision_action(services.application_waitlist, "waitlist", reason_required=False))


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "institution_names", "kind", "requested_tier", "status",
                    "submitted_at", "applicant"]
    list_filter = ["status", "requested_tier", "kind", "institutions__kind",
                   "institutions__state", "pays_by_po"]
    search_fields = ["institutions__name", "contact_name", "contact_email", "applicant__email",
                     "billing_email", "po_number"]
    list_select_related = ["requested_tier", "applicant"]
    date_hierarchy = "submitted_at"
    actions = [approve_selected, reject_selected, waitlist_selected]
    autocomplete_fields = ["institutions", "applicant"]
    readonly_fields = ["status", "submitted_at", "approved_at", "rejected_at", "waitlisted_at",
                       "withdrawn_at", "decided_by", "decision_reason", "applicant", "kind",
                       "institutions", "commitment_accepted", "requested_tier", "history"]
    fieldsets = [
        ("Application", {"fields": ["status", "kind", "institutions", "requested_tier",
                                    "problem_of_practice", "applicant"]}),
        ("Contacts", {"fields": ["contact_name", "contact_title", "contact_email",
                                 "contact_phone"]}),
        ("Billing", {"fields": ["billing_name", "billing_email", "billing_address",
                                "pays_by_po", "po_number", "commitment_accepted"]}),
        ("Decision", {"fields": ["decided_by", "decision_reason", "submitted_at",
                                 "approved_at", "rejected_at", "waitlisted_at", "withdrawn_at",
                                 "history"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("institutions")

    @admin.display(description="Institutions")
    def institution_names(self, obj):
        return obj.display_name()

    @admin.display(description="History")
    def history(self, obj):
        entries = history(obj)
        return "; ".join(f"{e.at:%Y-%m-%d %H:%M} {e.to_status} by {e.actor or 'system'}"
                         f"{': ' + e.reason if e.reason else ''}" for e in entries) or "—"

    def has_add_permission(self, request):
        return False  # Applications come from applicants, through the public form.

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["id", "institution_names", "tier", "status", "term_start", "term_end",
                    "institution_count"]
    list_filter = ["status", "tier", "institutions__kind", "institutions__state"]
    search_fields = ["institutions__name", "application__contact_email",
                     "application__applicant__email"]
    list_select_related = ["tier"]
    autocomplete_fields = ["institutions"]
    readonly_fields = ["application", "status", "active_at", "left_early_at", "ended_at"]
    date_hierarchy = "term_start"

    def get_queryset(self, request):
        return (super().get_queryset(request).prefetch_related("institutions")
                .annotate(n_institutions=Count("institutions", distinct=True)))

    @admin.display(description="Institutions")
    def institution_names(self, obj):
        return " + ".join(i.name for i in obj.institutions.all())

    @admin.display(description="Institutions #", ordering="n_institutions")
    def institution_count(self, obj):
        return obj.n_institutions

    def has_delete_permission(self, request, obj=None):
        return False
