from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm
from core.statemachine import transition
from partners import services
from partners.models import Introduction, Listing


class ListingForm(ServiceForm):
    class Meta:
        model = Listing
        fields = ["institution", "listed", "about", "problems", "seeking_kind", "seeking"]

    def save_through(self, *, actor):
        data = {name: getattr(self.instance, name)
                for name in ("listed", "about", "problems", "seeking_kind", "seeking")}
        return services.listing_save(institution=self.instance.institution, actor=actor, **data)


@admin.register(Listing)
class ListingAdmin(ServiceAdmin):
    """Staff may correct or hide an entry (e.g. one that names a person); leads write them."""

    form = ListingForm
    list_display = ["institution", "kind", "state", "listed", "seeking_kind", "updated_at"]
    list_filter = ["listed", "seeking_kind", "institution__kind", "institution__state"]
    search_fields = ["institution__name", "problems", "seeking", "about"]
    autocomplete_fields = ["institution"]
    list_select_related = ["institution"]

    @admin.display(ordering="institution__kind")
    def kind(self, obj):
        return obj.institution.get_kind_display()

    @admin.display(ordering="institution__state")
    def state(self, obj):
        return obj.institution.state


@admin.register(Introduction)
class IntroductionAdmin(ReadOnlyAdmin):
    """Introductions made: a record to look at. Only the institutions' leads answer them."""

    list_display = ["created_at", "from_institution", "to_institution", "requested_by",
                    "status", "answered_by"]
    list_filter = ["status", "from_institution__kind", "to_institution__kind"]
    search_fields = ["from_institution__name", "to_institution__name", "requested_by__email",
                     "requested_by__last_name", "message"]
    list_select_related = ["from_institution", "to_institution", "requested_by", "answered_by"]
    date_hierarchy = "created_at"
    actions = ["withdraw_selected"]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.is_staff  # the list and its action, no edit form

    @admin.action(description="Withdraw the selected requests still waiting (e.g. misuse)")
    def withdraw_selected(self, request, queryset):
        done = 0
        for introduction in queryset.filter(status=Introduction.Status.PENDING):
            transition(introduction, Introduction.Status.WITHDRAWN, actor=request.user,
                       reason="Withdrawn by Center staff.")
            done += 1
        self.message_user(request, f"{done} request(s) withdrawn.", messages.SUCCESS)
