from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from renewals.models import Renewal, RenewalNotice


class RenewalNoticeInline(admin.TabularInline):
    model = RenewalNotice
    fields = readonly_fields = ["kind", "sent_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Renewal)
class RenewalAdmin(ReadOnlyAdmin):
    """Renewals are made by the daily job and answered by members; staff read them here and on
    the staff renewals page (renewals:staff_list), which has the stages and the money."""

    list_display = ["membership", "anniversary", "status", "years", "tier", "decline_reason",
                    "invoice", "annual_fee", "offer_page"]
    list_filter = ["status", "decline_reason", "membership__status", "tier", "anniversary"]
    search_fields = ["membership__institutions__name", "invoice__number",
                     "membership__billing_contacts__email"]
    list_select_related = ["membership", "tier", "invoice"]
    date_hierarchy = "anniversary"
    inlines = [RenewalNoticeInline]

    @admin.display(description="offer page")
    def offer_page(self, obj):
        return format_html('<a href="{}">open</a>', reverse("renewals:offer", args=[obj.pk]))
