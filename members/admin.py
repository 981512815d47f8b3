from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin_actions import form_action
from core.once import OnceAdmin  # add views: saved once however often sent
from core.statemachine import history
from members import services
from members.forms import DecisionForm, RejectionForm
from members.models import (
    Institution,
    Invitation,
    Membership,
    MembershipApplication,
    SeatGrant,
    Team,
    TeamMember,
    Tier,
    User,
)


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
class TierAdmin(OnceAdmin):
    list_display = ["name", "code", "includes_collaborative", "enrollment_open", "position"]
    list_editable = ["enrollment_open", "position"]
    list_filter = ["enrollment_open", "includes_collaborative"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Institution)
class InstitutionAdmin(OnceAdmin):
    list_display = ["name", "kind", "city", "state", "nces_id"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "city", "nces_id"]


def _decided(service):
    def perform(*, obj, data, actor):
        return service(application=obj, actor=actor, reason=data["reason"])
    return perform


def _describe(application):
    return (f"#{application.pk} {application.display_name()} "
            f"({application.get_status_display()})")


approve_selected = form_action(
    form_class=DecisionForm, perform=_decided(services.application_approve), verb="approve",
    description="Approve selected applications", describe=_describe,
    intro="Approval creates the membership (a two-year commitment) and its improvement team, "
          "emails the applicant and issues the year-1 invoice. Approving twice does nothing.")
reject_selected = form_action(
    form_class=RejectionForm, perform=_decided(services.application_reject), verb="reject",
    description="Reject selected applications (with a reason)", describe=_describe,
    intro="The reason goes to the applicant and to the audit log.")
waitlist_selected = form_action(
    form_class=DecisionForm, perform=_decided(services.application_waitlist), verb="waitlist",
    description="Waitlist selected applications", describe=_describe,
    intro="The applicant is told they are on the waitlist for the tier they asked for, with "
          "your note.")


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
    list_per_page = 50  # a screenful to decide on; the admin renders each row in Python
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


def _seat_annotations(queryset, team_path=""):
    """Seats used and covered as columns, in the list query itself (no query per row)."""
    now = timezone.now()
    team = f"{team_path}team" if team_path else "team"
    membership_ref = OuterRef(f"{team_path}pk" if not team_path else "membership_id")
    grants = (SeatGrant.objects.filter(membership=membership_ref).values("membership")
              .annotate(total=Sum("seats")).values("total"))
    institutions = (Membership.institutions.through.objects
                    .filter(membership_id=membership_ref).values("membership_id")
                    .annotate(n=Count("pk")).values("n"))
    return queryset.annotate(
        members_active=Count(f"{team}__members", filter=Q(**{
            f"{team}__members__status": "active"}), distinct=True),
        invitations_pending=Count(f"{team}__invitations", filter=Q(**{
            f"{team}__invitations__status": "pending",
            f"{team}__invitations__expires_at__gt": now}), distinct=True),
        seats_granted=Coalesce(Subquery(grants), 0),
        institution_total=Coalesce(Subquery(institutions), 0),
    )


@admin.register(Membership)
class MembershipAdmin(OnceAdmin):
    list_display = ["id", "institution_names", "tier", "status", "term_start", "term_end",
                    "seat_usage"]
    list_filter = ["status", "tier", "institutions__kind", "institutions__state"]
    search_fields = ["institutions__name", "application__contact_email",
                     "application__applicant__email", "team__members__user__email",
                     "team__members__user__last_name", "team__invitations__email"]
    list_select_related = ["tier"]
    autocomplete_fields = ["institutions"]
    readonly_fields = ["application", "status", "active_at", "left_early_at", "ended_at",
                       "roster", "seat_usage"]
    date_hierarchy = "term_start"

    def get_queryset(self, request):
        return _seat_annotations(super().get_queryset(request).prefetch_related("institutions"))

    @admin.display(description="Institutions")
    def institution_names(self, obj):
        return " + ".join(i.name for i in obj.institutions.all())

    @admin.display(description="Seats used / covered")
    def seat_usage(self, obj):
        used = obj.members_active + obj.invitations_pending
        covered = obj.tier.covered_seats_per_institution * obj.institution_total + obj.seats_granted
        return f"{used} / {covered}"

    @admin.display(description="Improvement team")
    def roster(self, obj):
        team = Team.objects.filter(membership=obj).first()
        if team is None:
            return "No team yet."
        rows = team.members.select_related("user").order_by("status", "role")
        return format_html(
            "<table><thead><tr><th>Person</th><th>Role</th><th>Status</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{} &lt;{}&gt;</td><td>{}</td><td>{}</td></tr>",
                             ((m.user, m.user.email, m.get_role_display(),
                               m.get_status_display()) for m in rows)),
        )

    def has_delete_permission(self, request, obj=None):
        return False


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    fields = ["user", "role", "status", "created_at", "removed_at", "removed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False  # Team leads manage rosters in the portal; changes there are audited.


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = ["name", "email", "role", "status", "expires_at", "invited_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(OnceAdmin):
    list_display = ["name", "membership", "seat_usage"]
    search_fields = ["name", "members__user__email", "members__user__last_name",
                     "members__user__first_name"]
    list_filter = ["membership__tier", "membership__status"]
    list_select_related = ["membership__tier"]
    autocomplete_fields = ["membership"]
    readonly_fields = ["membership"]
    inlines = [TeamMemberInline, InvitationInline]

    def get_queryset(self, request):
        return _seat_annotations(super().get_queryset(request), team_path="membership__")

    @admin.display(description="Seats used / covered")
    def seat_usage(self, obj):
        used = obj.members_active + obj.invitations_pending
        covered = (obj.membership.tier.covered_seats_per_institution * obj.institution_total
                   + obj.seats_granted)
        return f"{used} / {covered}"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]
    readonly_fields = ["user", "team", "role", "status", "removed_at", "removed_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "team", "role", "status", "expires_at", "invited_by"]
    list_filter = ["status", "role"]
    search_fields = ["email", "name", "team__name"]
    list_select_related = ["team", "invited_by"]
    readonly_fields = ["team", "name", "email", "role", "status", "expires_at", "invited_by",
                       "accepted_by", "accepted_at", "revoked_at", "sent_count"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SeatGrant)
class SeatGrantAdmin(admin.ModelAdmin):
    """Read-only here: extra seats are granted in Billing, which invoices them."""

    list_display = ["membership", "seats", "reason", "granted_by", "created_at"]
    search_fields = ["membership__institutions__name", "reason"]
    list_select_related = ["membership", "granted_by"]
    readonly_fields = ["membership", "seats", "reason", "granted_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
