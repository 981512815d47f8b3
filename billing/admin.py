from django.contrib import admin

from billing.models import FeeSchedule


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "institution_fee", "partnership_fee", "extra_seat_fee",
                    "covered_seats_per_institution", "commitment_years", "net_days"]
    date_hierarchy = "effective_from"
    search_fields = ["effective_from"]
