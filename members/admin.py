from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Case, Exists, OuterRef, Q, Subquery, When
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.admin import BigListAdmin, ReadOnlyAdmin, ServiceAdmin, ServiceForm
from core.admin_actions import form_action
from core.once import OnceAdmin  # add views: saved once however often sent
from core.statemachine import history
from members import services
from members.forms import DecisionForm, RejectionForm
from members.models import (
    BillingContact,
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
from members.names import institution_name_key


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["display_name", "email", "job_title", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name", "job_title"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name", "job_title"]}),
        ("Email preferences", {"fields": ["email_nudges"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "first_name", "last_name",
                                                             "password1", "password2"]})]

    @admin.display(description="name", ordering="last_name")
    def display_name(self, user):
        return user.display_name


@admin.register(Tier)
class TierAdmin(OnceAdmin):
    list_display = ["name", "code", "includes_collaborative", "enrollment_open", "position"]
    list_editable = ["enrollment_open", "position"]
    list_filter = ["enrollment_open", "includes_collaborative"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class InstitutionAdminForm(ServiceForm):
    class Meta:
        model = Institution
        fields = ["name", "kind", "city", "state", "website", "nces_id"]

    def save_through(self, *, actor):
        # The name is checked and its key (what duplicate checks compare) recomputed there.
        return services.institution_save(institution=self.instance)


@admin.register(Institution)
class InstitutionAdmin(ServiceAdmin):
    form = InstitutionAdminForm
    fields = ["name", "kind", "city", "state", "website", "nces_id"]
    list_display = ["name", "kind", "city", "state", "nces_id"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "city", "nces_id"]

    def get_search_results(self, request, queryset, search_term):
        """Also find names by their key, so "ecole publique" finds "ÉCOLE PUBLIQUE" (SQLite's
        case-insensitive search folds only A-Z). Autocomplete fields search through here too."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = institution_name_key(search_term)
        if key:
            results = results | queryset.filter(name_key__contains=key)
        return results, may_have_duplicates


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
    intro="Approval creates the membership (its term is the commitment of the fee schedule in "
          "force) and its improvement team, emails the applicant and issues the year-1 invoice. "
          "Approving twice does nothing.")
reject_selected = form_action(
    form_class=RejectionForm, perform=_decided(services.application_reject), verb="reject",
    description="Reject selected applications (with a reason)", describe=_describe,
    intro="The reason goes to the applicant and to the audit log.")
waitlist_selected = form_action(
    form_class=DecisionForm, perform=_decided(services.application_waitlist), verb="waitlist",
    description="Waitlist selected applications", describe=_describe,
    intro="The applicant is told they are on the waitlist for the tier they asked for, with "
          "your note.")


_AppInstitution = MembershipApplication.institutions.through
_MemberInstitution = Membership.institutions.through


def _same_institution_as_mine():
    """Inside a subquery over rows that link something to an institution: does the outer
    application name an institution with the same name key in the same state?"""
    return Exists(_AppInstitution.objects.filter(
        membershipapplication_id=OuterRef(OuterRef("pk")),
        institution__name_key=OuterRef("institution__name_key"),
        institution__state=OuterRef("institution__state"),
    ))


def applications_with_twins(queryset):
    """Annotate each pending application with the first other pending application
    (``twin_application``) and the first current membership not made from it
    (``twin_membership``) that name the same institution by its name key and state; None when
    there is none or the application is decided. Subqueries: one query for the whole list."""
    pending = (_AppInstitution.objects
               .filter(_same_institution_as_mine(),
                       membershipapplication__status__in=MembershipApplication.PENDING)
               .exclude(membershipapplication_id=OuterRef("pk"))
               .order_by("membershipapplication_id").values("membershipapplication_id")[:1])
    members = (_MemberInstitution.objects
               .filter(_same_institution_as_mine(), membership__status__in=Membership.CURRENT)
               .exclude(membership__application_id=OuterRef("pk"))
               .order_by("membership_id").values("membership_id")[:1])
    undecided = Q(status__in=MembershipApplication.PENDING)
    return queryset.annotate(
        twin_application=Case(When(undecided, then=Subquery(pending)), default=None),
        twin_membership=Case(When(undecided, then=Subquery(members)), default=None),
    )


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = "possible duplicate"
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        twin = Q(twin_application__isnull=False) | Q(twin_membership__isnull=False)
        if self.value() == "yes":
            return queryset.filter(twin)
        if self.value() == "no":
            return queryset.exclude(twin)
        return queryset


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(BigListAdmin, admin.ModelAdmin):
    list_display = ["id", "institution_names", "kind", "requested_tier", "status",
                    "possible_duplicate", "submitted_at", "applicant"]
    list_filter = ["status", PossibleDuplicateFilter, "submitted_at", "requested_tier", "kind",
                   "institutions__kind", "institutions__state", "pays_by_po"]
    search_fields = ["institutions__name", "contact_name", "contact_email", "applicant__email",
                     "billing_email", "po_number"]
    list_select_related = ["requested_tier", "applicant"]
    list_per_page = 25  # a screenful to decide on; each row costs ~0.4 ms of Python (bench)
    actions = [approve_selected, reject_selected, waitlist_selected]
    autocomplete_fields = ["institutions", "applicant"]
    readonly_fields = ["status", "submitted_at", "approved_at", "rejected_at", "waitlisted_at",
                       "withdrawn_at", "decided_by", "decision_reason", "applicant", "kind",
                       "institutions", "possible_duplicate", "commitment_accepted",
                       "requested_tier", "history"]
    fieldsets = [
        ("Application", {"fields": ["status", "kind", "institutions", "possible_duplicate",
                                    "requested_tier", "problem_of_practice", "applicant"]}),
        ("Contacts", {"fields": ["contact_name", "contact_title", "contact_email",
                                 "contact_phone"]}),
        ("Billing", {"fields": ["billing_name", "billing_email", "billing_address",
                                "pays_by_po", "po_number", "commitment_accepted"]}),
        ("Decision", {"fields": ["decided_by", "decision_reason", "submitted_at",
                                 "approved_at", "rejected_at", "waitlisted_at", "withdrawn_at",
                                 "history"]}),
    ]

    def get_queryset(self, request):
        return applications_with_twins(super().get_queryset(request)
                                       .prefetch_related("institutions"))

    @admin.display(description="Institutions")
    def institution_names(self, obj):
        return obj.display_name()

    @admin.display(description="Possible duplicate")
    def possible_duplicate(self, obj):
        """Same institution (name key and state) as another pending application or a member."""
        links = []
        if obj.twin_application:
            links.append(format_html(
                '<a href="{}">same institution as application #{}</a>',
                reverse("admin:members_membershipapplication_change", args=[obj.twin_application]),
                obj.twin_application))
        if obj.twin_membership:
            links.append(format_html(
                '<a href="{}">same institution as membership #{}</a>',
                reverse("admin:members_membership_change", args=[obj.twin_membership]),
                obj.twin_membership))
        return format_html_join("; ", "{}", ((link,) for link in links)) or "—"

    @admin.display(description="History")
    def history(self, obj):
        entries = history(obj)
        return "; ".join(f"{e.at:%Y-%m-%d %H:%M} {e.to_status} by {e.actor or 'system'}"
                         f"{': ' + e.reason if e.reason else ''}" for e in entries) or "—"

    def has_add_permission(self, request):
        return False  # Applications come from applicants, through the public form.

    def has_delete_permission(self, request, obj=None):
        return False


class BillingContactForm(forms.ModelForm):
    """A portal account needs no name or address typed in: they come from the account. A new
    contact is checked by ``services.billing_contact_check``, so its errors show by the field."""

    class Meta:
        model = BillingContact
        fields = ["user", "name", "email", "kept_by_staff"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "email"):
            self.fields[name].required = False
            self.fields[name].help_text = "Taken from the account when one is chosen."

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            if {"user", "name", "email"} & set(self.changed_data):
                raise forms.ValidationError("To change who gets the bills, remove this contact and "
                                      "add the new one.")
            return data
        if self.errors or data.get("DELETE"):
            return data
        data["name"], data["email"] = services.billing_contact_check(
            membership=self.instance.membership, user=data.get("user"),
            name=data.get("name") or "", email=data.get("email") or "",
            kept_by_staff=data.get("kept_by_staff", False))
        return data


class BillingContactFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if self.instance.pk and not kept:
            # billing_contact_remove refuses the last one too; saying it here keeps the page.
            raise forms.ValidationError("Keep at least one billing contact: someone must "
                                        "receive the invoices.")


class BillingContactInline(admin.TabularInline):
    """Who sees the membership's bills and gets its billing emails. Adding and removing here is
    written to the membership's history."""

    model = BillingContact
    form = BillingContactForm
    formset = BillingContactFormSet
    fields = ["user", "name", "email", "kept_by_staff", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(BillingContact)
class BillingContactAdmin(ReadOnlyAdmin):
    """A searchable list; contacts are edited on their membership."""

    list_display = ["name", "email", "user", "membership", "kept_by_staff", "created_at"]
    list_filter = ["kept_by_staff", "membership__status"]
    search_fields = ["name", "email", "user__email", "user__last_name",
                     "membership__institutions__name"]
    list_select_related = ["user", "membership"]
    autocomplete_fields = ["user", "membership"]
    readonly_fields = ["membership", "user", "name", "email", "kept_by_staff", "added_by",
                       "created_at"]


@admin.register(Membership)
class MembershipAdmin(OnceAdmin):
    list_display = ["id", "institution_names", "tier", "status", "term", "seat_usage"]
    list_filter = ["status", "tier", "institutions__kind", "institutions__state"]
    search_fields = ["institutions__name", "application__contact_email",
                     "application__applicant__email", "team__members__user__email",
                     "team__members__user__last_name", "team__invitations__email",
                     "billing_contacts__email", "billing_contacts__user__email"]
    list_select_related = ["tier"]
    autocomplete_fields = ["institutions"]
    inlines = [BillingContactInline]
    readonly_fields = ["application", "status", "active_at", "left_early_at", "ended_at",
                       "roster", "seat_usage"]
    date_hierarchy = "term_start"

    def get_queryset(self, request):
        return super().get_queryset(request).with_seats().prefetch_related("institutions")

    @admin.display(description="Institutions")
    def institution_names(self, obj):
        return " + ".join(i.name for i in obj.institutions.all())

    @admin.display(description="Term (both days included)", ordering="term_start")
    def term(self, obj):
        return obj.term_display

    @admin.display(description="Seats used / covered")
    def seat_usage(self, obj):
        return f"{obj.seats_used} / {obj.seats_covered}"

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

    def save_formset(self, request, form, formset, change):
        if formset.model is not BillingContact:
            return super().save_formset(request, form, formset, change)
        # Through the services, adds first so removing the old address is never "the last".
        # (The lists are what the admin's history message reads, as formset.save() sets them.)
        membership = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for contact_form in formset.forms:
            data = getattr(contact_form, "cleaned_data", None)
            if not data or data.get("DELETE") or not contact_form.has_changed():
                continue
            if contact_form.instance.pk is None:
                formset.new_objects.append(services.billing_contact_add(
                    membership=membership, actor=request.user, user=data.get("user"),
                    name=data["name"], email=data["email"],
                    kept_by_staff=data.get("kept_by_staff", False)))
            else:
                services.billing_contact_keep(contact=contact_form.instance, actor=request.user,
                                              kept=data.get("kept_by_staff", False))
                formset.changed_objects.append((contact_form.instance,
                                                contact_form.changed_data))
        for contact_form in formset.deleted_forms:
            if contact_form.instance.pk is not None:
                formset.deleted_objects.append(contact_form.instance)
                services.billing_contact_remove(contact=contact_form.instance,
                                                actor=request.user)
        return None


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
        return super().get_queryset(request).with_seats()

    @admin.display(description="Seats used / covered")
    def seat_usage(self, obj):
        return f"{obj.seats_used} / {obj.seats_covered}"

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
class SeatGrantAdmin(ReadOnlyAdmin):
    """Read-only here: extra seats are granted in Billing, which invoices them."""

    list_display = ["membership", "seats", "reason", "granted_by", "created_at"]
    search_fields = ["membership__institutions__name", "reason"]
    list_select_related = ["membership", "granted_by"]
    readonly_fields = ["membership", "seats", "reason", "granted_by"]
